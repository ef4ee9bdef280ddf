"""exo-cba: certificate-based Exchange Online app-only access for one tenant per stack."""

from pathlib import Path

import pulumi

from components.clock import current_time
from components.credentials import CertificateCredentials, CertificateCredentialsArgs
from components.exchange_app import ExchangeOnlineApp, ExchangeOnlineAppArgs
from components.exchange_role_groups import (
    ExchangeRoleGroups,
    ExchangeRoleGroupsArgs,
    exchange_role_groups_output,
)
from components.federation import FederatedCredentials, FederatedCredentialsArgs
from components.key_vault import (
    KeyVaultHandOff,
    KeyVaultHandOffArgs,
)
from components.managed_identity import (
    ManagedIdentityAccess,
    ManagedIdentityAccessArgs,
    identity_resource_name,
)
from components.settings import (
    active_public_certificate,
    load_settings,
    read_provider_config,
    read_pulumi_config,
)
from components.stack_state import previous_ledger, require_engine
from components.tenant import initial_domain, managed_identities, tenant_id
from exocba import naming
from exocba.certs import stack_common_name
from exocba.connect import (
    CONNECT_OUTPUTS,
    connect_from_key_vault,
    connect_lines,
    connect_managed_identity,
    github_workflow_steps,
)
from exocba.consents import compliance_consent
from exocba.rotation import plan_generations

require_engine()
now = current_time()
settings = load_settings(
    read_pulumi_config(),
    now=now,
    base_dir=Path(__file__).parent,
    provider=read_provider_config(),
)
for warning in settings.warnings:
    pulumi.log.warn(warning)
# Info, not warnings: true of every preview of such a stack, so exoctl plan's header
# says them once and real warnings stand out.
for note in settings.notes:
    pulumi.log.info(note)

identities = managed_identities(settings.managed_identities)

ledger = None
if not settings.bring_your_own:
    ledger = plan_generations(
        previous_ledger(),
        now,
        settings.rotation_days,
        subject=settings.subject
        if settings.subject_is_explicit
        else stack_common_name(pulumi.get_stack(), settings.tenant_id),
        legacy_subject=settings.subject,
    )

organization = settings.organization or initial_domain()

app = ExchangeOnlineApp(
    naming.APP_NAME,
    ExchangeOnlineAppArgs(
        display_name=settings.display_name,
        roles=settings.roles,
        owners=settings.owners,
        protect=settings.protect,
        extra_permission=compliance_consent(settings.cloud, settings.roles),
    ),
)
if settings.exchange_role_groups is not None:
    ExchangeRoleGroups(
        naming.ROLE_GROUPS_NAME,
        ExchangeRoleGroupsArgs(
            config=settings.exchange_role_groups,
            cloud=settings.cloud,
            tenant_id=tenant_id(),
            app_id=app.client_id,
            service_principal_object_id=app.service_principal_object_id,
            display_name=settings.display_name,
        ),
    )
for identity in identities:
    ManagedIdentityAccess(
        identity_resource_name(identity.object_id),
        ManagedIdentityAccessArgs(object_id=identity.object_id, roles=settings.roles),
    )
if settings.federated_credentials:
    FederatedCredentials(
        naming.FEDERATION_NAME,
        FederatedCredentialsArgs(
            application_id=app.application.id, credentials=settings.federated_credentials
        ),
    )
credentials = CertificateCredentials(
    naming.CREDENTIALS_NAME,
    CertificateCredentialsArgs(
        application_id=app.application.id,
        subject=settings.subject,
        key_size=settings.key_size,
        validity_days=settings.validity_days,
        ledger=ledger,
        public_certificates=settings.public_certificates,
        active_public_certificate=(
            active_public_certificate(settings.public_certificates, now)
            if settings.bring_your_own
            else None
        ),
    ),
)
hand_off = None
if settings.key_vault is not None and credentials.private_key_pem is not None:
    hand_off = KeyVaultHandOff(
        naming.KEY_VAULT_NAME,
        KeyVaultHandOffArgs(
            vault=settings.key_vault,
            cloud=settings.cloud,
            stack=pulumi.get_stack(),
            secret_name=naming.secret_name(pulumi.get_stack()),
            cert_pem=credentials.cert_pem,
            private_key_pem=credentials.private_key_pem,
            thumbprint=credentials.thumbprint,
            not_before=credentials.not_before,
            not_after=credentials.not_after,
            tenant_id=settings.tenant_id,
            private_key_pem_pkcs8=credentials.private_key_pem_pkcs8,
            key_size=settings.key_size,
            certificate_name=naming.certificate_name(pulumi.get_stack()),
        ),
    )

pulumi.export("appId", app.client_id)
pulumi.export("tenantId", tenant_id())
pulumi.export("organization", organization)
pulumi.export("servicePrincipalObjectId", app.service_principal_object_id)
pulumi.export("roles", [{"name": r.name, "templateId": r.template_id} for r in settings.roles])
pulumi.export("certificateThumbprint", credentials.thumbprint)
pulumi.export("certificateNotAfter", credentials.not_after)
pulumi.export("certificatePem", credentials.cert_pem)
pulumi.export("certificates", credentials.certificates)
if credentials.private_key_pem is not None:
    pulumi.export("privateKeyPem", credentials.private_key_pem)
if credentials.rotation_ledger is not None:
    pulumi.export("rotationLedger", credentials.rotation_ledger)
pulumi.export("cloud", settings.cloud.name)
if settings.exchange_role_groups is not None:
    pulumi.export("exchangeRoleGroups", exchange_role_groups_output(settings.exchange_role_groups))
connect = pulumi.Output.all(
    app.client_id, credentials.thumbprint, organization, credentials.common_name
).apply(lambda values: connect_lines(*values, cloud=settings.cloud))
for output_name in CONNECT_OUTPUTS:
    pulumi.export(output_name, connect[output_name])
pulumi.export(
    "managedIdentities",
    pulumi.Output.from_input(organization).apply(
        lambda org: [
            {
                "objectId": i.object_id,
                "clientId": i.client_id,
                "kind": "user-assigned" if i.user_assigned else "system-assigned",
                "connectCommand": connect_managed_identity(
                    org, settings.cloud, i.client_id if i.user_assigned else None
                ),
            }
            for i in identities
        ]
    ),
)
pulumi.export(
    "federatedCredentials",
    pulumi.Output.all(app.client_id, tenant_id(), organization).apply(
        lambda values: [
            {
                "name": c.name,
                "issuer": c.issuer,
                "subject": c.subject,
                "audiences": list(c.audiences),
                "githubWorkflow": github_workflow_steps(*values, settings.cloud)
                if c.github
                else None,
            }
            for c in settings.federated_credentials
        ]
    ),
)
if hand_off is not None:
    pulumi.export(
        "keyVault",
        pulumi.Output.all(
            app.client_id,
            organization,
            credentials.common_name,
            hand_off.secret_id,
            hand_off.certificate_secret_id,
        ).apply(
            lambda values: {
                "vaultId": hand_off.vault.id,
                "secretName": hand_off.secret_name,
                "secretId": values[3],
                "readers": list(hand_off.vault.readers),
                "connectScript": connect_from_key_vault(
                    *values[:3], hand_off.vault.name, hand_off.secret_name, settings.cloud
                ),
                # For the Key Vault VM extension's observedCertificates (docs/windows-hosts.md).
                **(
                    {"certificateName": hand_off.certificate_name, "certificateSecretId": values[4]}
                    if hand_off.certificate_name
                    else {}
                ),
            }
        ),
    )
