"""Every key of the `exo-cba` namespace, declared once: name, type, default, description.

KNOWN_KEYS, the object forms (`pulumi config set --path`), the reader's defaults and
the checks that Pulumi.yaml and the README agree (tests/components/test_settings.py)
all derive from KEYS. A dotted key (`certificate.validityDays`) is read both flat and
inside its parent object; Pulumi's project schema cannot declare those (no object
type, and a declared default would hide whether the key was set), so Pulumi.yaml
lists them in a comment and declares the flat keys only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NAMESPACE = "exo-cba"

Type = Literal["string", "integer", "boolean", "array"]
Default = str | int | bool | tuple[str, ...] | None


@dataclass(frozen=True)
class KeySpec:
    name: str
    """Without the namespace; `parent.field` for a key that is also read as an object."""
    type: Type
    default: Default
    """What an unset key means; None: unset (no value, or derived from other keys)."""
    description: str
    empty_is_unset: bool = False
    """An empty or blank string means unset: Pulumi.yaml declares "" as the default of
    optional strings, since a declared key without a default is mandatory there."""
    report: int | None = None
    """The key's rank in the problem report, the order exocba/settings/load.py reads the
    keys in (not the table's order, which messages list keys in). None: read
    and reported with its group, at the group's site (keyVault: its fields are checked
    together). exocba/settings/reader.py ranks the sites that are no key among these."""

    @property
    def parent(self) -> str | None:
        return self.name.split(".", 1)[0] if "." in self.name else None

    @property
    def field(self) -> str:
        return self.name.split(".", 1)[-1]


def _key(
    name: str,
    type: Type,
    default: Default,
    description: str,
    empty_is_unset: bool = False,
    *,
    report: int | None,
) -> KeySpec:
    return KeySpec(name, type, default, description, empty_is_unset, report)


# The order is the one messages list keys in (the keys allowed beside an unknown one, an
# object's fields). Problems are reported in another order: each key's `report` rank.
KEYS: tuple[KeySpec, ...] = (
    _key(
        "displayName",
        "string",
        "Exchange Online automation",
        "Display name of the app registration in Entra ID.",
        report=4,
    ),
    _key(
        "roles",
        "array",
        ("Exchange Administrator",),
        "Directory roles for the app, by name or template id. Only roles Exchange Online "
        "app-only access honours are accepted (see README).",
        report=7,
    ),
    _key(
        "allowGlobalAdministrator",
        "boolean",
        False,
        "Must be true before Global Administrator may appear in roles.",
        report=5,
    ),
    _key(
        "organization",
        "string",
        "",
        "The tenant's initial *.onmicrosoft.com domain for -Organization. Empty means read "
        "it from the directory.",
        empty_is_unset=True,
        report=8,
    ),
    _key(
        "owners",
        "array",
        (),
        "Object ids of the owners of the app registration and service principal.",
        report=9,
    ),
    _key(
        "certificate.validityDays",
        "integer",
        365,
        "lifetime of each certificate, 3-3650 days",
        report=23,
    ),
    _key(
        "certificate.rotationDays",
        "integer",
        None,
        "unset: min(90, validityDays / 3); set: 1 to validityDays / 3",
        report=24,
    ),
    _key("certificate.keySize", "integer", 2048, "2048, 3072 or 4096", report=27),
    _key(
        "certificate.subject",
        "string",
        "",
        "CN; empty: derived from displayName",
        empty_is_unset=True,
        report=28,
    ),
    _key(
        "certificate.publicCertificates",
        "array",
        (),
        "bring your own: PEM text or file paths",
        report=25,
    ),
    _key(
        "keyVault.id",
        "string",
        None,
        "the vault's resource id; unset: no hand-off",
        empty_is_unset=True,
        report=None,
    ),
    _key(
        "keyVault.tenantId",
        "string",
        None,
        "the vault's tenant when it is not azuread:tenantId",
        empty_is_unset=True,
        report=None,
    ),
    _key(
        "keyVault.readers",
        "array",
        (),
        "object ids given Key Vault Secrets User on the secret",
        report=None,
    ),
    _key(
        "keyVault.certificate",
        "boolean",
        False,
        "also a Key Vault certificate for the VM extension",
        report=None,
    ),
    _key(
        "exchangeRoleGroups.existing",
        "array",
        (),
        "role groups made elsewhere the app joins",
        report=16,
    ),
    _key(
        "exchangeRoleGroups.name",
        "string",
        "",
        'a role group the stack owns; "": none',
        empty_is_unset=True,
        report=18,
    ),
    _key("exchangeRoleGroups.roles", "array", (), "its built-in management roles", report=17),
    _key(
        "exchangeRoleGroups.scopeFilter",
        "string",
        None,
        "its write scope's RecipientRestrictionFilter",
        report=19,
    ),
    _key(
        "exchangeRoleGroups.dropDirectoryRoles",
        "boolean",
        False,
        "assign no exo-cba:roles to the app",
        report=14,
    ),
    _key(
        "exchangeRoleGroups.allowOrganizationManagement",
        "boolean",
        False,
        "allow that group in existing",
        report=13,
    ),
    _key(
        "exchangeRoleGroups.propagationSeconds",
        "integer",
        600,
        "wait for Exchange to know a new app",
        report=15,
    ),
    _key(
        "protect",
        "boolean",
        True,
        "Protect the app registration and service principal, so `pulumi destroy` stops until "
        "they are unprotected (set false, pulumi up, then destroy).",
        report=6,
    ),
    _key(
        "adoptedCertificates",
        "array",
        (),
        "Thumbprints of certificates made by hand before `exoctl adopt` brought the app under "
        "the stack. They stay registered and working; `exoctl audit` reports them as leftovers "
        "to remove once scripts use the stack's certificate.",
        report=10,
    ),
    _key(
        "managedIdentities",
        "array",
        (),
        "Object ids of the service principals of system-assigned managed identities that get "
        "Exchange.ManageAsApp and exo-cba:roles in this tenant (Connect-ExchangeOnline "
        "-ManagedIdentity). Looked up, never declared.",
        report=11,
    ),
    _key(
        "userAssignedIdentities",
        "array",
        (),
        "The same for user-assigned managed identities; their application id "
        "(-ManagedIdentityAccountId) is looked up.",
        report=12,
    ),
    _key(
        "federatedCredentials",
        "array",
        (),
        "Federated credentials on the app for pipelines: a GitHub Actions subject "
        "(repo:OWNER/REPO:environment:NAME, repo:OWNER/REPO:ref:refs/heads/BRANCH, ...) or "
        "'issuer=https://...;subject=...[;audiences=AUDIENCE]' (one audience). At most 20.",
        report=22,
    ),
    _key(
        "allowPullRequestFederation",
        "boolean",
        False,
        "Must be true before a GitHub pull_request subject may be trusted.",
        report=21,
    ),
)

BY_NAME: dict[str, KeySpec] = {spec.name: spec for spec in KEYS}
KNOWN_KEYS: tuple[str, ...] = tuple(BY_NAME)
# The keys read as objects too, with their fields in table order.
OBJECT_FIELDS: dict[str, tuple[str, ...]] = {}
for _spec in KEYS:
    if _spec.parent is not None:
        OBJECT_FIELDS[_spec.parent] = (*OBJECT_FIELDS.get(_spec.parent, ()), _spec.field)
OBJECT_KEYS: tuple[str, ...] = tuple(OBJECT_FIELDS)
# The keys Pulumi.yaml's `config:` block declares: the ones without a parent object.
DECLARED_KEYS: tuple[str, ...] = tuple(spec.name for spec in KEYS if spec.parent is None)


def default(name: str) -> Default:
    return BY_NAME[name].default


def fields(parent: str) -> tuple[str, ...]:
    return OBJECT_FIELDS[parent]


def qualified(name: str) -> str:
    """`exo-cba:name`; a name with a namespace, or an environment variable (ARM_ENVIRONMENT),
    as it is."""
    return name if ":" in name or name.isupper() else f"{NAMESPACE}:{name}"
