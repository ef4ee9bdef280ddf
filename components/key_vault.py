"""KeyVaultHandOff: the active certificate and key, published as one Key Vault secret.

For hosts that cannot use a managed identity for Exchange (Arc-enabled and
on-premises servers, clusters, other clouds) but can read Key Vault with their own
Azure identity. Each rotation writes a new version of the same secret; the host
snippet (components/connect.py, connect_from_key_vault) picks among the versions
exactly as the store and folder lines pick among certificates.

The value is base64 of the certificate PEM followed by the private key PEM: the
azurerm documentation warns that Key Vault strips newlines from multi-line values,
and a PEM without them does not parse. Base64 text is computed from provider
outputs, so the value, like everything else here, is deterministic.

Only built when `exo-cba:keyVault.id` is set; pulumi-azure is imported then
(requirements-keyvault.txt), never at module import.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass

import pulumi

from components.clouds import Cloud
from components.settings import KeyVault
from components.wellknown import KEY_VAULT_SECRETS_USER_ROLE_ID

CONTENT_TYPE = "application/x-pem-file"
# Tags a reader can check without reading the value (exoctl verify compares the
# thumbprint with the certificate it reads).
TAG_THUMBPRINT = "exo-cba-thumbprint"
TAG_NOT_AFTER = "exo-cba-not-after"
TAG_STACK = "exo-cba-stack"
TAG_ENCODING = "exo-cba-encoding"
# Role assignment names must be GUIDs; deriving them from what they grant keeps the
# program deterministic and makes a repeated assignment the same assignment.
_ASSIGNMENT_NAMESPACE = uuid.UUID("9b0a5c1e-6a43-4a8f-8f3c-4f1a3e6d2b70")


def secret_name(stack: str) -> str:
    """`exo-cba-<stack>`: secret names allow letters, digits and dashes (1-127)."""
    return re.sub(r"[^0-9A-Za-z-]", "-", f"exo-cba-{stack}")[:127]


def bundle(cert_pem: str, private_key_pem: str) -> str:
    return base64.b64encode(
        (cert_pem.strip() + "\n" + private_key_pem.strip() + "\n").encode()
    ).decode()


def assignment_name(scope: str, principal_id: str) -> str:
    return str(
        uuid.uuid5(
            _ASSIGNMENT_NAMESPACE,
            f"{scope.lower()}|{principal_id}|{KEY_VAULT_SECRETS_USER_ROLE_ID}",
        )
    )


@dataclass
class KeyVaultHandOffArgs:
    vault: KeyVault
    cloud: Cloud
    stack: str
    secret_name: str
    cert_pem: pulumi.Input[str]
    """The active certificate; resolves only once Entra holds it."""
    private_key_pem: pulumi.Input[str]
    thumbprint: pulumi.Input[str]
    not_before: pulumi.Input[str]
    not_after: pulumi.Input[str]
    tenant_id: str | None = None
    """The vault's tenant when keyVault.tenantId is unset (azuread:tenantId)."""


class KeyVaultHandOff(pulumi.ComponentResource):
    """One secret, one version per generation, and read access for the listed hosts."""

    vault: KeyVault
    secret_name: str
    secret_id: pulumi.Output[str]
    """Versionless id: `https://<vault>.<suffix>/secrets/<name>`."""
    version: pulumi.Output[str]

    def __init__(
        self, name: str, args: KeyVaultHandOffArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("exo:index:KeyVaultHandOff", name, None, opts)
        self.vault = args.vault
        self.secret_name = args.secret_name
        # Imported here, not at the top: a ~160 MB package only this feature needs;
        # settings.py has already refused the config if it is not installed.
        import pulumi_azure as azure

        # An explicit provider: the vault's subscription, tenant and cloud come from
        # this stack's config, not from whatever `az account` happens to select, and
        # no resource provider is registered (that needs subscription-wide rights).
        provider = azure.Provider(
            f"{name}-provider",
            subscription_id=args.vault.subscription_id,
            tenant_id=args.vault.tenant_id or args.tenant_id,
            environment=args.cloud.azurerm_environment,
            resource_provider_registrations="none",
            features=azure.ProviderFeaturesArgs(
                key_vault=azure.ProviderFeaturesKeyVaultArgs(
                    # Purging needs the purge permission the deployer should not
                    # hold; a destroyed secret stays recoverable for the vault's
                    # retention period.
                    purge_soft_deleted_secrets_on_destroy=False,
                    recover_soft_deleted_secrets=True,
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        on_vault = pulumi.ResourceOptions(parent=self, provider=provider)
        value = pulumi.Output.secret(
            pulumi.Output.all(args.cert_pem, args.private_key_pem).apply(
                lambda pair: bundle(pair[0], pair[1])
            )
        )
        secret = azure.keyvault.Secret(
            f"{name}-secret",
            key_vault_id=args.vault.id,
            name=args.secret_name,
            value=value,
            content_type=CONTENT_TYPE,
            not_before_date=args.not_before,
            expiration_date=args.not_after,
            tags={
                TAG_THUMBPRINT: args.thumbprint,
                TAG_NOT_AFTER: args.not_after,
                TAG_STACK: args.stack,
                TAG_ENCODING: "base64",
            },
            opts=on_vault,
        )
        # Scoped to the one secret, not the vault: a reader sees this stack's
        # certificate and nothing else the vault holds.
        scope = f"{args.vault.id}/secrets/{args.secret_name}"
        role = (
            f"/subscriptions/{args.vault.subscription_id}/providers/"
            f"Microsoft.Authorization/roleDefinitions/{KEY_VAULT_SECRETS_USER_ROLE_ID}"
        )
        for reader in args.vault.readers:
            azure.authorization.Assignment(
                f"{name}-reader-{reader}",
                name=assignment_name(scope, reader),
                scope=scope,
                role_definition_id=role,
                principal_id=reader,
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[secret]),
            )
        self.secret_id = secret.versionless_id
        self.version = secret.version
        self.register_outputs({"secretId": self.secret_id, "version": self.version})
