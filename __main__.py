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
from components.outputs import (
    federated_credentials_output,
    key_vault_output,
    managed_identities_output,
    roles_output,
)
from components.settings import load_settings, read_provider_config, read_pulumi_config
from components.stack_state import previous_ledger, require_engine
from components.tenant import initial_domain, managed_identities, tenant_id
from exocba import naming
from exocba.connect import CONNECT_OUTPUTS, connect_lines
from exocba.consents import compliance_consent

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

# Read before any resource is declared, and only where there is rotation to remember.
rotation_memory = None if settings.bring_your_own else previous_ledger()
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
        subject_is_explicit=settings.subject_is_explicit,
        key_size=settings.key_size,
        validity_days=settings.validity_days,
        now=now,
        stack=pulumi.get_stack(),
        tenant_id=settings.tenant_id,
        rotation_days=settings.rotation_days,
        previous_ledger=rotation_memory,
        public_certificates=settings.public_certificates,
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
pulumi.export("roles", roles_output(settings.roles))
pulumi.export("certificateThumbprint", credentials.thumbprint)
pulumi.export("certificateNotAfter", credentials.not_after)
pulumi.export("certificatePem", credentials.cert_pem)
pulumi.export("certificates", credentials.certificates)
if credentials.private_key_pem is not None:
    pulumi.export("privateKeyPem", credentials.private_key_pem)
if credentials.rotation_ledger is not None:
    pulumi.export(naming.LEDGER_OUTPUT, credentials.rotation_ledger)
pulumi.export("cloud", settings.cloud.name)
if settings.exchange_role_groups is not None:
    pulumi.export("exchangeRoleGroups", exchange_role_groups_output(settings.exchange_role_groups))
connect = pulumi.Output.all(
    app_id=app.client_id,
    thumbprint=credentials.thumbprint,
    organization=organization,
    common_name=credentials.common_name,
).apply(lambda v: connect_lines(**v, cloud=settings.cloud))
for output_name in CONNECT_OUTPUTS:
    pulumi.export(output_name, connect[output_name])
pulumi.export(
    "managedIdentities",
    pulumi.Output.all(organization=organization).apply(
        lambda v: managed_identities_output(identities, **v, cloud=settings.cloud)
    ),
)
pulumi.export(
    "federatedCredentials",
    pulumi.Output.all(app_id=app.client_id, tenant_id=tenant_id(), organization=organization).apply(
        lambda v: federated_credentials_output(
            settings.federated_credentials, **v, cloud=settings.cloud
        )
    ),
)
if hand_off is not None:
    pulumi.export(
        "keyVault",
        pulumi.Output.all(
            app_id=app.client_id,
            organization=organization,
            common_name=credentials.common_name,
            secret_id=hand_off.secret_id,
            certificate_secret_id=hand_off.certificate_secret_id,
        ).apply(
            lambda v: key_vault_output(
                hand_off.vault,
                secret_name=hand_off.secret_name,
                certificate_name=hand_off.certificate_name,
                cloud=settings.cloud,
                **v,
            )
        ),
    )
