"""exo-cba:keyVault.*: where the active certificate and key are published for hosts
outside Azure's reach, and whether the provider package for it is installed."""

from __future__ import annotations

import importlib.util
import re
import uuid

from exocba.settings.identities import guid_list
from exocba.settings.model import KeyVault
from exocba.settings.reader import Reader

# The provider package the Key Vault hand-off needs (requirements-keyvault.txt).
KEY_VAULT_PACKAGE = "pulumi_azure"

_VAULT_ID = re.compile(
    r"/subscriptions/(?P<subscription>[0-9a-fA-F-]{36})/resourceGroups/[^/]+/providers/"
    r"Microsoft\.KeyVault/vaults/(?P<name>[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9])"
)


def key_vault(reader: Reader, bring_your_own: bool) -> KeyVault | None:
    text = reader.string("keyVault.id")
    readers = guid_list(reader, "keyVault.readers")
    tenant = reader.string("keyVault.tenantId")
    certificate = reader.boolean("keyVault.certificate")
    if text is None:
        if readers or tenant or certificate:
            reader.fail(
                "keyVault.id",
                "is unset, but keyVault.readers, keyVault.tenantId or keyVault.certificate is set",
                "the vault's resource id, or none of the keyVault keys",
            )
        return None
    match = _VAULT_ID.fullmatch(text.strip())
    if match is None:
        reader.fail(
            "keyVault.id",
            f"{text!r} is not a Key Vault resource id",
            "/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/"
            "<name> (az keyvault show --query id)",
        )
        return None
    if bring_your_own:
        reader.fail(
            "keyVault.id",
            "is set with certificate.publicCertificates: the stack holds no private key to publish",
            "publish brought certificates from your own PKI; or generate them (unset "
            "certificate.publicCertificates)",
        )
        return None
    # Checked here, with the rest of the config, so a missing package stops the run
    # before anything is declared (components/key_vault.py imports it later).
    if importlib.util.find_spec(KEY_VAULT_PACKAGE) is None:
        reader.fail(
            "keyVault.id",
            "is set, but pulumi-azure is not installed",
            "install it into the project's virtualenv (.venv/bin/pip install -r "
            "requirements-keyvault.txt), or unset keyVault.id",
        )
        return None
    if tenant is not None:
        try:
            tenant = str(uuid.UUID(tenant.strip()))
        except ValueError:
            reader.fail("keyVault.tenantId", f"{tenant!r} is not a tenant id (GUID)", "a GUID")
            tenant = None
    return KeyVault(
        id=text.strip(),
        name=match["name"],
        subscription_id=match["subscription"].lower(),
        tenant_id=tenant,
        readers=readers,
        certificate=certificate,
    )
