"""exo-cba: certificate-based Exchange Online app-only access for one tenant per stack."""

from pathlib import Path

import pulumi

from components.connect import CONNECT_OUTPUTS, connect_lines
from components.credentials import CertificateCredentials, CertificateCredentialsArgs
from components.exchange_app import ExchangeOnlineApp, ExchangeOnlineAppArgs
from components.rotation import current_time, plan_generations
from components.settings import (
    active_public_certificate,
    load_settings,
    read_provider_config,
    read_pulumi_config,
)
from components.stack_state import previous_ledger, require_engine
from components.tenant import initial_domain, tenant_id

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

ledger = None
if not settings.bring_your_own:
    ledger = plan_generations(previous_ledger(), now, settings.rotation_days)

organization = settings.organization or initial_domain()

app = ExchangeOnlineApp(
    "exo",
    ExchangeOnlineAppArgs(
        display_name=settings.display_name,
        roles=settings.roles,
        owners=settings.owners,
        protect=settings.protect,
        extra_permission=(
            settings.cloud.security_compliance_permission if settings.security_compliance else None
        ),
    ),
)
credentials = CertificateCredentials(
    "exo-cert",
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
connect = pulumi.Output.all(app.client_id, credentials.thumbprint, organization).apply(
    lambda values: connect_lines(*values, cloud=settings.cloud)
)
for output_name in CONNECT_OUTPUTS:
    pulumi.export(output_name, connect[output_name])
