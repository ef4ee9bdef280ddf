"""exo-cba: certificate-based Exchange Online app-only access for one tenant per stack."""

import pulumi

from components.app_certificate import AppCertificate, AppCertificateArgs
from components.connect import connect_command, connect_command_pfx
from components.exchange_app import ExchangeOnlineApp, ExchangeOnlineAppArgs
from components.settings import load_settings, read_pulumi_config
from components.tenant import initial_domain, tenant_id

settings = load_settings(read_pulumi_config())
for warning in settings.warnings:
    pulumi.log.warn(warning)

organization = settings.organization or initial_domain()

app = ExchangeOnlineApp(
    "exo",
    ExchangeOnlineAppArgs(
        display_name=settings.display_name, roles=settings.roles, owners=settings.owners
    ),
)
certificate = AppCertificate(
    "exo-cert",
    AppCertificateArgs(
        application_id=app.application.id,
        subject=settings.subject,
        key_size=settings.key_size,
        validity_days=settings.validity_days,
    ),
)

pulumi.export("appId", app.client_id)
pulumi.export("tenantId", tenant_id())
pulumi.export("organization", organization)
pulumi.export("servicePrincipalObjectId", app.service_principal_object_id)
pulumi.export("roles", [{"name": r.name, "templateId": r.template_id} for r in settings.roles])
pulumi.export("certificateThumbprint", certificate.thumbprint)
pulumi.export("certificateNotAfter", certificate.not_after)
pulumi.export("certificatePem", certificate.cert_pem)
pulumi.export("privateKeyPem", certificate.private_key_pem)
pulumi.export(
    "connectCommand",
    pulumi.Output.all(app.client_id, certificate.thumbprint, organization).apply(
        lambda values: connect_command(*values)
    ),
)
pulumi.export(
    "connectCommandPfx",
    pulumi.Output.all(app.client_id, organization).apply(
        lambda values: connect_command_pfx(*values)
    ),
)
