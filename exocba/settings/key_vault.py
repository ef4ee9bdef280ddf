"""exo-cba:keyVault.*: where the active certificate and key are published for hosts
outside Azure's reach, and whether the provider package for it is installed.

Each field is read here on its own. Which fields go together, and that a vault is only
for certificates the stack generates, are cross-field rules (exocba/settings/cross.py);
they decide whether the package and keyVault.tenantId are checked at all.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from exocba.settings.identities import guid_list
from exocba.settings.reader import Reader

# Whether a Python package can be imported where the program runs (the adapter's
# importlib.util.find_spec): an environment fact, not config, so it is passed in.
Installed = Callable[[str], bool]

# The provider package the Key Vault hand-off needs (requirements-keyvault.txt).
KEY_VAULT_PACKAGE = "pulumi_azure"

_VAULT_ID = re.compile(
    r"/subscriptions/(?P<subscription>[0-9a-fA-F-]{36})/resourceGroups/[^/]+/providers/"
    r"Microsoft\.KeyVault/vaults/(?P<name>[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9])"
)


@dataclass(frozen=True)
class VaultKeys:
    """The keyVault fields, each read on its own."""

    id: str | None
    """As given; None when unset."""
    match: re.Match[str] | None
    """The id's parts; None when unset or not a Key Vault resource id (reported)."""
    readers: tuple[str, ...]
    tenant_id: str | None
    """As given; checked by `tenant_id` once the vault is known to be used."""
    certificate: bool


def read_keys(reader: Reader) -> VaultKeys:
    text = reader.string("keyVault.id")
    readers = guid_list(reader, "keyVault.readers")
    tenant = reader.string("keyVault.tenantId")
    certificate = reader.boolean("keyVault.certificate")
    match = None if text is None else _VAULT_ID.fullmatch(text.strip())
    if text is not None and match is None:
        reader.fail(
            "keyVault.id",
            f"{text!r} is not a Key Vault resource id",
            "/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/"
            "<name> (az keyvault show --query id)",
        )
    return VaultKeys(text, match, readers, tenant, certificate)


def package_installed(reader: Reader, installed: Installed | None) -> bool:
    """Checked with the rest of the config, so a missing package stops the run before
    anything is declared (components/key_vault.py imports it later). `installed` is the
    caller's look at its environment (components/settings.py); without one, as for a
    stack file checked by exoctl, nothing is assumed missing."""
    if installed is not None and not installed(KEY_VAULT_PACKAGE):
        reader.fail(
            "keyVault.id",
            "is set, but pulumi-azure is not installed",
            "install it into the project's virtualenv (.venv/bin/pip install -r "
            "requirements-keyvault.txt), or unset keyVault.id",
        )
        return False
    return True


def tenant_id(reader: Reader, text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        reader.fail("keyVault.tenantId", f"{text!r} is not a tenant id (GUID)", "a GUID")
        return None
