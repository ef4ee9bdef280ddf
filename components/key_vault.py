"""KeyVaultHandOff: the active certificate and key, published as one Key Vault secret
(and, with keyVault.certificate, as one Key Vault certificate too).

For hosts that cannot use a managed identity for Exchange (Arc-enabled and
on-premises servers, clusters, other clouds) but can read Key Vault with their own
Azure identity. Each rotation writes a new version of the same secret; the host
snippet (exocba/connect.py, connect_from_key_vault) picks among the versions
exactly as the store and folder lines pick among certificates.

The value is base64 of the certificate PEM followed by the private key PEM: the
azurerm documentation warns that Key Vault strips newlines from multi-line values,
and a PEM without them does not parse. Base64 text is computed from provider
outputs, so the value, like everything else here, is deterministic.

The certificate is for the Key Vault VM extension (Azure and Arc machines), which
installs certificates, not secrets, into the Windows store and follows their versions
(docs/windows-hosts.md). It is imported from PEM, the certificate followed by the key
in PKCS#8 (Key Vault refuses PKCS#1), so no PFX is built and the contents, like the
secret's value, are deterministic.

Only built when `exo-cba:keyVault.id` is set; pulumi-azure is imported then
(requirements-keyvault.txt), never at module import.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi

from components.settings import KeyVault
from exocba import naming
from exocba.clouds import Cloud
from exocba.wellknown import KEY_VAULT_SECRETS_USER_ROLE_ID

if TYPE_CHECKING:
    import pulumi_azure

CONTENT_TYPE = "application/x-pem-file"
# Key Vault's issuer name for a certificate it did not issue (REST API, IssuerParameters:
# "Self" or "Unknown"); declaring it keeps the policy Key Vault reports equal to ours.
IMPORTED_ISSUER = "Unknown"
# Key Vault gives an imported certificate without lifetime actions an EmailContacts one
# (REST API, Import Certificate); declared so that state and program agree. It warns
# the vault's certificate contacts only if rotation stops: the active generation is
# never this old while `pulumi up` runs on schedule.
EXPIRY_NOTICE_PERCENTAGE = 80
# Role assignment names must be GUIDs; deriving them from what they grant keeps the
# program deterministic and makes a repeated assignment the same assignment.
_ASSIGNMENT_NAMESPACE = uuid.UUID("9b0a5c1e-6a43-4a8f-8f3c-4f1a3e6d2b70")


def certificate_contents(cert_pem: str, private_key_pem_pkcs8: str) -> str:
    """PEM text as Key Vault imports it: certificate, then PKCS#8 key, Unix line ends
    (what pulumi-azure's Certificate documentation asks for; PKCS#1 is refused)."""
    return "".join(
        pem.replace("\r\n", "\n").strip() + "\n" for pem in (cert_pem, private_key_pem_pkcs8)
    )


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
    private_key_pem_pkcs8: pulumi.Input[str] | None = None
    """The active key as PKCS#8; needed with vault.certificate."""
    key_size: int = 2048
    certificate_name: str | None = None


class KeyVaultHandOff(pulumi.ComponentResource):
    """One secret (and certificate), one version per generation, and read access for the
    listed hosts."""

    vault: KeyVault
    secret_name: str
    secret_id: pulumi.Output[str]
    """Versionless id: `https://<vault>.<suffix>/secrets/<name>`."""
    version: pulumi.Output[str]
    certificate_name: str | None = None
    certificate_secret_id: pulumi.Output[str] | None = None
    """The certificate's versionless secret id, the URL the VM extension observes."""

    def __init__(
        self, name: str, args: KeyVaultHandOffArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(naming.KEY_VAULT_HAND_OFF, name, None, opts)
        self.vault = args.vault
        self.secret_name = args.secret_name
        # Imported here, not at the top: a ~160 MB package only this feature needs;
        # settings.py has already refused the config if it is not installed.
        import pulumi_azure as azure

        certificates = (
            {
                "purge_soft_deleted_certificates_on_destroy": False,
                "recover_soft_deleted_certificates": True,
            }
            if args.vault.certificate
            else {}
        )
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
                    # hold; a destroyed secret (or certificate) stays recoverable for
                    # the vault's retention period.
                    purge_soft_deleted_secrets_on_destroy=False,
                    recover_soft_deleted_secrets=True,
                    **certificates,
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
                naming.TAG_THUMBPRINT: args.thumbprint,
                naming.TAG_NOT_AFTER: args.not_after,
                naming.TAG_STACK: args.stack,
                naming.TAG_ENCODING: "base64",
            },
            opts=on_vault,
        )
        published: list[tuple[str, str, pulumi.Resource]] = [("", args.secret_name, secret)]
        if args.vault.certificate:
            if args.private_key_pem_pkcs8 is None or args.certificate_name is None:
                raise ValueError("a Key Vault certificate needs the PKCS#8 key and a name")
            certificate = self._certificate(
                name, args, args.certificate_name, args.private_key_pem_pkcs8, on_vault
            )
            published.append(("certificate-", args.certificate_name, certificate))
            self.certificate_name = args.certificate_name
            self.certificate_secret_id = certificate.versionless_secret_id
        # Scoped to the one secret, not the vault: a reader sees this stack's
        # certificate and nothing else the vault holds. A Key Vault certificate's key
        # and certificate are read through the secret of its name.
        role = (
            f"/subscriptions/{args.vault.subscription_id}/providers/"
            f"Microsoft.Authorization/roleDefinitions/{KEY_VAULT_SECRETS_USER_ROLE_ID}"
        )
        for prefix, object_name, resource in published:
            scope = f"{args.vault.id}/secrets/{object_name}"
            for reader in args.vault.readers:
                azure.authorization.Assignment(
                    f"{name}-{prefix}reader-{reader}",
                    name=assignment_name(scope, reader),
                    scope=scope,
                    role_definition_id=role,
                    principal_id=reader,
                    opts=pulumi.ResourceOptions(
                        parent=self, provider=provider, depends_on=[resource]
                    ),
                )
        self.secret_id = secret.versionless_id
        self.version = secret.version
        outputs = {"secretId": self.secret_id, "version": self.version}
        if self.certificate_secret_id is not None:
            outputs["certificateSecretId"] = self.certificate_secret_id
        self.register_outputs(outputs)

    def _certificate(
        self,
        name: str,
        args: KeyVaultHandOffArgs,
        certificate_name: str,
        private_key_pem_pkcs8: pulumi.Input[str],
        on_vault: pulumi.ResourceOptions,
    ) -> pulumi_azure.keyvault.Certificate:
        import pulumi_azure as azure

        contents = pulumi.Output.secret(
            pulumi.Output.all(args.cert_pem, private_key_pem_pkcs8).apply(
                lambda pair: certificate_contents(pair[0], pair[1])
            )
        )
        policy = azure.keyvault.CertificateCertificatePolicyArgs(
            issuer_parameters=azure.keyvault.CertificateCertificatePolicyIssuerParametersArgs(
                name=IMPORTED_ISSUER
            ),
            # Exportable: the extension installs the key it reads through the secret.
            key_properties=azure.keyvault.CertificateCertificatePolicyKeyPropertiesArgs(
                exportable=True, key_type="RSA", key_size=args.key_size, reuse_key=False
            ),
            lifetime_actions=[
                azure.keyvault.CertificateCertificatePolicyLifetimeActionArgs(
                    action=azure.keyvault.CertificateCertificatePolicyLifetimeActionActionArgs(
                        action_type="EmailContacts"
                    ),
                    trigger=azure.keyvault.CertificateCertificatePolicyLifetimeActionTriggerArgs(
                        lifetime_percentage=EXPIRY_NOTICE_PERCENTAGE
                    ),
                )
            ],
            secret_properties=azure.keyvault.CertificateCertificatePolicySecretPropertiesArgs(
                content_type=CONTENT_TYPE
            ),
        )
        # New contents import a new version of the same certificate (azurerm's update);
        # a changed policy would instead make the provider ask Key Vault to issue one, so
        # the one policy input that follows config (the key size) replaces the
        # certificate: deleted first (its name is taken until then), recovered and
        # imported again (features.keyVault.recoverSoftDeletedCertificates).
        return azure.keyvault.Certificate(
            f"{name}-certificate",
            key_vault_id=args.vault.id,
            name=certificate_name,
            certificate=azure.keyvault.CertificateCertificateArgs(contents=contents),
            certificate_policy=policy,
            tags={
                naming.TAG_THUMBPRINT: args.thumbprint,
                naming.TAG_NOT_AFTER: args.not_after,
                naming.TAG_STACK: args.stack,
            },
            opts=pulumi.ResourceOptions.merge(
                on_vault,
                pulumi.ResourceOptions(
                    replace_on_changes=["certificatePolicy.keyProperties.keySize"],
                    delete_before_replace=True,
                ),
            ),
        )
