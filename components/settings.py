"""The one place where stack config is read and validated.

Every key of the `exo-cba` namespace is checked here, before any resource is
declared. A refusal names the key, says what was wrong and what is allowed.
The Pulumi CLI passes config values as strings (JSON for arrays), so this
module parses strings; defaults mirror the `config:` block of Pulumi.yaml
(tests/components/test_settings.py keeps the two in step).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
from cryptography.hazmat.primitives.asymmetric import rsa

from components import exchange_rbac
from exocba.certs import load_pem_certificate, thumbprint
from exocba.clouds import (
    CLOUDS,
    ENVIRONMENT_KEY,
    ENVIRONMENT_VARIABLE,
    Cloud,
    cloud_for_environment,
    environment_values,
    resolve_environment,
)
from exocba.config_keys import did_you_mean, foreign_key_problems
from exocba.rotation import OVERLAP_FACTOR
from exocba.wellknown import (
    AUDIENCES_PER_FEDERATED_CREDENTIAL,
    EXCHANGE_APP_ONLY_ROLES,
    GITHUB_ACTIONS_ISSUER,
    GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
    MAX_FEDERATED_CREDENTIALS,
    ROLES_BY_NAME,
    ROLES_BY_TEMPLATE_ID,
    DirectoryRole,
)

NAMESPACE = "exo-cba"

DEFAULT_DISPLAY_NAME = "Exchange Online automation"
DEFAULT_ROLES = ("Exchange Administrator",)
DEFAULT_VALIDITY_DAYS = 365
DEFAULT_KEY_SIZE = 2048
ALLOWED_KEY_SIZES = (2048, 3072, 4096)
# Beyond ten years a certificate is a standing credential, not a rotated one.
MAX_VALIDITY_DAYS = 3650
# Entra ID limits an application's displayName to 256 characters (Microsoft Graph
# application resource type); X.509 limits a CN to 64 (RFC 5280 ub-common-name).
MAX_DISPLAY_NAME_LENGTH = 256
MAX_COMMON_NAME_LENGTH = 64

# An initial domain's first label; the suffix comes from the stack's cloud.
_DOMAIN_LABEL = r"[a-z0-9][a-z0-9-]{0,62}"

# The rotation period when none is set: quarterly, or less where validityDays / 3
# is shorter (see _rotation_days).
DEFAULT_ROTATION_DAYS = 90
MIN_RSA_BITS = 2048

# `pulumi config set --path exo-cba:certificate.validityDays 730` writes an object
# under `exo-cba:certificate`; `pulumi config set exo-cba:certificate.validityDays
# 730` writes a flat key. Both are read; setting one field both ways is refused.
CERTIFICATE = "certificate"
CERTIFICATE_FIELDS = ("validityDays", "rotationDays", "keySize", "subject", "publicCertificates")
KEY_VAULT = "keyVault"
KEY_VAULT_FIELDS = ("id", "tenantId", "readers", "certificate")
# The provider package the Key Vault hand-off needs (requirements-keyvault.txt).
KEY_VAULT_PACKAGE = "pulumi_azure"

KNOWN_KEYS = (
    "displayName",
    "roles",
    "allowGlobalAdministrator",
    "organization",
    "owners",
    *(f"{CERTIFICATE}.{name}" for name in CERTIFICATE_FIELDS),
    *(f"{KEY_VAULT}.{name}" for name in KEY_VAULT_FIELDS),
    *(f"{exchange_rbac.KEY}.{name}" for name in exchange_rbac.FIELDS),
    "protect",
    "adoptedCertificates",
    "managedIdentities",
    "userAssignedIdentities",
    "federatedCredentials",
    "allowPullRequestFederation",
)
# Keys the program reads besides KNOWN_KEYS: the object form of the certificate keys.
OBJECT_FIELDS = {
    CERTIFICATE: CERTIFICATE_FIELDS,
    KEY_VAULT: KEY_VAULT_FIELDS,
    exchange_rbac.KEY: exchange_rbac.FIELDS,
}
OBJECT_KEYS = tuple(OBJECT_FIELDS)

# Provider keys validated here because the program depends on them.
TENANT_ID_KEY = "azuread:tenantId"
_TENANT_ALLOWED = (
    "the Directory (tenant) ID, a GUID: Microsoft Entra admin center > Overview > Tenant "
    "ID, or `az account show --query tenantId -o tsv`; set it with `pulumi config set "
    "azuread:tenantId <GUID>`"
)
VALIDITY_ALLOWED = (
    f"a whole number of days from {OVERLAP_FACTOR} to {MAX_VALIDITY_DAYS} (a certificate "
    f"must outlive {OVERLAP_FACTOR} rotation periods of at least a day)"
)


class ConfigError(pulumi.RunError):
    """Config the program refuses. Pulumi prints a RunError without a traceback."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class PublicCertificate:
    """A certificate the user brings; only its public part is ever seen."""

    pem: str
    thumbprint: str
    not_before: dt.datetime
    not_after: dt.datetime
    source: str


@dataclass(frozen=True)
class ManagedIdentity:
    """An Azure managed identity's service principal, by object id (looked up, never declared)."""

    object_id: str
    user_assigned: bool
    key: str
    """The config key that named it, for messages."""


@dataclass(frozen=True)
class FederatedCredential:
    """A federated identity credential on the app: tokens the app may exchange."""

    name: str
    """Entra's display name (unique per app) and the resource name's suffix."""
    issuer: str
    subject: str
    audiences: tuple[str, ...]

    @property
    def github(self) -> bool:
        return self.issuer == GITHUB_ACTIONS_ISSUER


@dataclass(frozen=True)
class KeyVault:
    """Where the active certificate and key are published for hosts outside Azure's reach."""

    id: str
    """The vault's Azure resource id."""
    name: str
    subscription_id: str
    tenant_id: str | None
    readers: tuple[str, ...]
    certificate: bool = False
    """Also a Key Vault certificate, for the Key Vault VM extension (docs/windows-hosts.md)."""


@dataclass(frozen=True)
class Settings:
    """Validated stack settings; the only thing components receive from config."""

    display_name: str
    roles: tuple[DirectoryRole, ...]
    allow_global_administrator: bool
    organization: str | None
    owners: tuple[str, ...]
    validity_days: int
    key_size: int
    subject: str
    """certificate.subject, or for generations made before subjects were recorded, the
    first 64 characters of displayName."""
    protect: bool = True
    subject_is_explicit: bool = False
    rotation_days: int = DEFAULT_ROTATION_DAYS
    tenant_id: str | None = None
    cloud: Cloud = CLOUDS[0]
    managed_identities: tuple[ManagedIdentity, ...] = ()
    federated_credentials: tuple[FederatedCredential, ...] = ()
    allow_pull_request_federation: bool = False
    key_vault: KeyVault | None = None
    adopted_certificates: tuple[str, ...] = ()
    """Thumbprints of hand-made certificates `exoctl adopt` found: left registered,
    reported by `exoctl audit` as leftovers, never managed."""
    public_certificates: tuple[PublicCertificate, ...] = ()
    exchange_role_groups: exchange_rbac.ExchangeRoleGroups | None = None
    """Exchange role groups holding the app (components/exchange_rbac.py), or None."""
    warnings: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())
    """Facts about the stack worth saying once (exoctl plan's header), not warnings."""

    @property
    def bring_your_own(self) -> bool:
        return bool(self.public_certificates)

    @property
    def security_compliance(self) -> bool:
        """Whether a role lets the app run Security & Compliance PowerShell cmdlets."""
        return any(role.security_compliance for role in self.roles)


def _key(name: str) -> str:
    """`exo-cba:name`; a name with a namespace, or an environment variable (ARM_ENVIRONMENT),
    as it is."""
    return name if ":" in name or name.isupper() else f"{NAMESPACE}:{name}"


def _problem(name: str, what: str, allowed: str) -> str:
    return f"{_key(name)}: {what}; allowed: {allowed}"


class _Reader:
    """Collects every problem so one run reports all of them, not just the first."""

    def __init__(self, raw: Mapping[str, str | None]) -> None:
        self.raw = raw
        self.problems: list[str] = []

    def fail(self, name: str, what: str, allowed: str) -> None:
        self.problems.append(_problem(name, what, allowed))

    def string(
        self, name: str, default: str | None, empty_means_default: bool = False
    ) -> str | None:
        value = self.raw.get(name)
        if value is None or (empty_means_default and not value.strip()):
            return default
        return value

    def integer(self, name: str, default: int, allowed: str) -> int:
        value = self.raw.get(name)
        if value is None:
            return default
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            self.fail(name, f"{value!r} is not a whole number", allowed)
            return default
        return int(text)

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw.get(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        self.fail(name, f"{value!r} is not a boolean", "true or false")
        return default

    def string_list(self, name: str, default: tuple[str, ...], allowed: str) -> list[str] | None:
        value = self.raw.get(name)
        if value is None:
            return list(default)
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            self.fail(name, f"{value!r} is not a JSON array of strings", allowed)
            return None
        if not isinstance(parsed, list) or not all(isinstance(item, str) for item in parsed):
            self.fail(name, f"{value!r} is not an array of strings", allowed)
            return None
        return parsed


def _valid_role_list() -> str:
    return ", ".join(f"{role.name} ({role.template_id})" for role in EXCHANGE_APP_ONLY_ROLES)


def _resolve_roles(reader: _Reader, allow_global_administrator: bool) -> tuple[DirectoryRole, ...]:
    entries = reader.string_list(
        "roles", DEFAULT_ROLES, f"an array of role names or template ids: {_valid_role_list()}"
    )
    if entries is None:
        return ()
    resolved: list[DirectoryRole] = []
    for entry in entries:
        text = entry.strip()
        role = ROLES_BY_NAME.get(text.casefold()) or ROLES_BY_TEMPLATE_ID.get(text.lower())
        if role is None:
            names = [r.name for r in EXCHANGE_APP_ONLY_ROLES]
            reader.fail(
                "roles",
                f"{entry!r} is not a role Exchange Online app-only access honours"
                + did_you_mean(text, names, "{!r}"),
                _valid_role_list(),
            )
            continue
        if role in resolved:
            reader.fail("roles", f"{role.name} is listed twice", "each role once")
            continue
        if role.template_id == GLOBAL_ADMINISTRATOR_TEMPLATE_ID and not allow_global_administrator:
            reader.fail(
                "roles",
                "Global Administrator is refused unless exo-cba:allowGlobalAdministrator is true",
                "Exchange Administrator covers every Exchange Online task with far less reach",
            )
            continue
        resolved.append(role)
    return tuple(resolved)


def _guid_list(reader: _Reader, name: str) -> tuple[str, ...]:
    allowed = "an array of object ids (GUIDs), each once"
    entries = reader.string_list(name, (), allowed)
    if entries is None:
        return ()
    guids: list[str] = []
    for entry in entries:
        try:
            guid = str(uuid.UUID(entry.strip()))
        except ValueError:
            reader.fail(name, f"{entry!r} is not an object id (GUID)", allowed)
            continue
        if guid in guids:
            reader.fail(name, f"{guid} is listed twice", allowed)
            continue
        guids.append(guid)
    return tuple(guids)


def _managed_identities(reader: _Reader) -> tuple[ManagedIdentity, ...]:
    found: list[ManagedIdentity] = []
    for key, user_assigned in (("managedIdentities", False), ("userAssignedIdentities", True)):
        for object_id in _guid_list(reader, key):
            if any(i.object_id == object_id for i in found):
                reader.fail(
                    key,
                    f"{object_id} is listed in both exo-cba:managedIdentities and "
                    "exo-cba:userAssignedIdentities",
                    "each identity once: system-assigned in managedIdentities, user-assigned "
                    "in userAssignedIdentities",
                )
                continue
            found.append(ManagedIdentity(object_id, user_assigned, _key(key)))
    return tuple(found)


FEDERATED = "federatedCredentials"
_FEDERATED_ALLOWED = (
    "GitHub Actions subjects (repo:OWNER/REPO:environment:NAME, repo:OWNER/REPO:ref:refs/"
    "heads/BRANCH, repo:OWNER/REPO:ref:refs/tags/TAG), or "
    "'issuer=https://…;subject=…[;audiences=AUDIENCE]' for another issuer; exact subjects, each "
    f"once, at most {MAX_FEDERATED_CREDENTIALS}"
)
_GITHUB_SUBJECT = re.compile(
    # GitHub's immutable subject form qualifies both names with numeric ids:
    # repo:OWNER@ID/REPO@ID:environment:NAME (read yours with
    # `gh api repos/OWNER/REPO/actions/oidc/customization/sub`).
    r"repo:(?P<repo>[A-Za-z0-9_.-]+(?:@\d+)?/[A-Za-z0-9_.-]+(?:@\d+)?):"
    r"(?P<kind>environment:(?P<env>[^:*]+)|ref:refs/(?P<ref>heads|tags)/(?P<name>[^*]+)|pull_request)"
)


def _credential_name(issuer: str, subject: str) -> str:
    """Stable, unique, and within Entra's display-name rules (letters, digits, - and _)."""
    import hashlib

    match = _GITHUB_SUBJECT.fullmatch(subject) if issuer == GITHUB_ACTIONS_ISSUER else None
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:8]
    readable = match["repo"] + "-" + match["kind"] if match else "oidc"
    slug = re.sub(r"[^a-z0-9]+", "-", readable.lower()).strip("-")[:80]
    return f"{slug}-{digest}"


def _federated_credentials(
    reader: _Reader, cloud: Cloud, allow_pull_requests: bool
) -> tuple[FederatedCredential, ...]:
    entries = reader.string_list(FEDERATED, (), _FEDERATED_ALLOWED) or []
    found: list[FederatedCredential] = []
    for index, entry in enumerate(entries, start=1):
        text = entry.strip()
        issuer, subject, audiences = GITHUB_ACTIONS_ISSUER, text, (cloud.federation_audience,)
        if text.startswith("issuer="):
            fields = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
            issuer, subject = fields.get("issuer", "").strip(), fields.get("subject", "").strip()
            listed = [a.strip() for a in fields.get("audiences", "").split(",") if a.strip()]
            if len(listed) > AUDIENCES_PER_FEDERATED_CREDENTIAL:
                reader.fail(
                    FEDERATED,
                    f"entry {index} lists {len(listed)} audiences ({', '.join(listed)}); Entra "
                    "accepts exactly one per federated credential",
                    "the one audience the issuer puts in its tokens' aud claim",
                )
                continue
            audiences = tuple(listed) or audiences
            if not re.fullmatch(r"https://[^\s/]+(/\S*)?", issuer) or not subject:
                reader.fail(
                    FEDERATED,
                    f"entry {index} ({text!r}) needs an https issuer and a subject",
                    _FEDERATED_ALLOWED,
                )
                continue
        elif not _GITHUB_SUBJECT.fullmatch(text):
            reader.fail(
                FEDERATED,
                f"entry {index} ({text!r}) is not a GitHub Actions subject"
                + (" (subjects are exact; * is not a wildcard)" if "*" in text else ""),
                _FEDERATED_ALLOWED,
            )
            continue
        if "*" in subject:
            reader.fail(
                FEDERATED,
                f"entry {index}: subjects are exact; * is not a wildcard",
                _FEDERATED_ALLOWED,
            )
            continue
        if (
            issuer == GITHUB_ACTIONS_ISSUER
            and subject.endswith(":pull_request")
            and not allow_pull_requests
        ):
            reader.fail(
                FEDERATED,
                f"entry {index} ({subject}) trusts every pull request's workflow: any pull "
                "request could run as an Exchange administrator of this tenant",
                "an environment with required reviewers or a protected branch; or set "
                "exo-cba:allowPullRequestFederation true to accept the risk",
            )
            continue
        credential = FederatedCredential(
            _credential_name(issuer, subject), issuer, subject, audiences
        )
        if any((c.issuer, c.subject) == (issuer, subject) for c in found):
            reader.fail(
                FEDERATED,
                f"entry {index} repeats issuer {issuer} and subject {subject}",
                _FEDERATED_ALLOWED,
            )
            continue
        found.append(credential)
    if len(found) > MAX_FEDERATED_CREDENTIALS:
        reader.fail(
            FEDERATED,
            f"{len(found)} credentials; Entra accepts at most {MAX_FEDERATED_CREDENTIALS} per app",
            _FEDERATED_ALLOWED,
        )
    return tuple(found)


_VAULT_ID = re.compile(
    r"/subscriptions/(?P<subscription>[0-9a-fA-F-]{36})/resourceGroups/[^/]+/providers/"
    r"Microsoft\.KeyVault/vaults/(?P<name>[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9])"
)


def _key_vault(reader: _Reader, bring_your_own: bool) -> KeyVault | None:
    text = reader.string("keyVault.id", None, empty_means_default=True)
    readers = _guid_list(reader, "keyVault.readers")
    tenant = reader.string("keyVault.tenantId", None, empty_means_default=True)
    certificate = reader.boolean("keyVault.certificate", False)
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


def _thumbprint_list(reader: _Reader, name: str) -> tuple[str, ...]:
    allowed = "an array of certificate thumbprints (40 hex digits, SHA-1), each once"
    entries = reader.string_list(name, (), allowed)
    found: list[str] = []
    for entry in entries or []:
        text = entry.strip().replace(":", "").upper()
        if not re.fullmatch(r"[0-9A-F]{40}", text):
            reader.fail(name, f"{entry!r} is not a certificate thumbprint", allowed)
        elif text in found:
            reader.fail(name, f"{text} is listed twice", allowed)
        else:
            found.append(text)
    return tuple(found)


PUBLIC_CERTIFICATES = "certificate.publicCertificates"
_PUBLIC_ALLOWED = (
    "PEM certificates (inline, or file paths relative to the project), RSA of at "
    f"least {MIN_RSA_BITS} bits, not expired, no private keys, each once"
)


def _read_public_certificate(
    reader: _Reader, index: int, entry: str, now: dt.datetime, base_dir: Path
) -> PublicCertificate | None:
    def fail(what: str) -> None:
        reader.fail(PUBLIC_CERTIFICATES, f"entry {index + 1} ({source}) {what}", _PUBLIC_ALLOWED)

    if "-----BEGIN" in entry:
        source, text = "inline PEM", entry
    else:
        source = entry.strip()
        path = base_dir / source
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            fail(f"cannot be read as a file under {base_dir}")
            return None
    if "PRIVATE KEY" in text:
        fail("contains a private key; only the public certificate belongs in config")
        return None
    try:
        certificate = load_pem_certificate(text)
    except ValueError:
        fail("is not a PEM X.509 certificate")
        return None
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        fail(
            f"has a {type(public_key).__name__.removesuffix('PublicKey') or 'non-RSA'} key; "
            "Exchange Online app-only sign-in needs RSA"
        )
        return None
    if public_key.key_size < MIN_RSA_BITS:
        fail(f"has a {public_key.key_size}-bit RSA key")
        return None
    if certificate.not_valid_after_utc <= now:
        fail(f"expired on {certificate.not_valid_after_utc:%Y-%m-%d}")
        return None
    return PublicCertificate(
        pem=text.strip() + "\n",
        thumbprint=thumbprint(text),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        source=source,
    )


def _public_certificates(
    reader: _Reader, now: dt.datetime, base_dir: Path
) -> tuple[PublicCertificate, ...]:
    entries = reader.string_list(PUBLIC_CERTIFICATES, (), _PUBLIC_ALLOWED)
    if not entries:
        return ()
    found: list[PublicCertificate] = []
    for index, entry in enumerate(entries):
        certificate = _read_public_certificate(reader, index, entry, now, base_dir)
        if certificate is None:
            continue
        if any(c.thumbprint == certificate.thumbprint for c in found):
            reader.fail(
                PUBLIC_CERTIFICATES,
                f"entry {index + 1} ({certificate.source}) repeats thumbprint "
                f"{certificate.thumbprint}",
                _PUBLIC_ALLOWED,
            )
            continue
        found.append(certificate)
    if found and not any(c.not_before <= now for c in found):
        reader.fail(
            PUBLIC_CERTIFICATES,
            "none of the certificates is valid yet, so none can be active",
            _PUBLIC_ALLOWED,
        )
    return tuple(found)


def active_public_certificate(
    certificates: tuple[PublicCertificate, ...], now: dt.datetime
) -> PublicCertificate:
    """The newest certificate that is valid now."""
    valid = [c for c in certificates if c.not_before <= now < c.not_after]
    return max(valid, key=lambda c: (c.not_before, c.not_after, c.thumbprint))


def _bounded_text(reader: _Reader, name: str, value: str, limit: int) -> str:
    text = value.strip()
    allowed = f"1 to {limit} printable characters"
    if not text:
        reader.fail(name, "is empty", allowed)
    elif len(text) > limit:
        reader.fail(name, f"is {len(text)} characters long", allowed)
    elif any(not ch.isprintable() for ch in text):
        reader.fail(name, "contains control characters", allowed)
    return text


def _as_raw(value: object) -> str:
    """A value inside a config object, as the engine would pass the flat key."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _flatten_objects(raw: Mapping[str, str | None], problems: list[str]) -> dict[str, str | None]:
    """Merge `exo-cba:certificate` or `exo-cba:keyVault` set as an object (`--path`) into
    flat dotted keys."""
    flat = {key: value for key, value in raw.items() if key not in OBJECT_KEYS}
    for parent in OBJECT_KEYS:
        text = raw.get(parent)
        if text is None:
            continue
        fields = OBJECT_FIELDS[parent]
        allowed = (
            f"an object with {', '.join(fields)}, e.g. "
            f"`pulumi config set --path {_key(parent)}.{fields[0]} …`"
        )
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            document = None
        if not isinstance(document, dict):
            problems.append(_problem(parent, f"{text!r} is not an object", allowed))
            continue
        for field_name, value in document.items():
            flat_key = f"{parent}.{field_name}"
            if field_name not in fields:
                hint = did_you_mean(field_name, fields, f"{_key(parent)}.{{}}")
                problems.append(
                    _problem(flat_key, f"is not a key this program reads{hint}", allowed)
                )
            elif raw.get(flat_key) is not None:
                problems.append(
                    _problem(
                        flat_key,
                        f"is set twice, as the flat key {_key(flat_key)} and inside the object "
                        f"{_key(parent)} (pulumi config set --path)",
                        "one of the two; remove the other from the stack file",
                    )
                )
            elif value is not None:
                flat[flat_key] = _as_raw(value)
    return flat


def _rotation_days(reader: _Reader, validity_days: int) -> int:
    """Explicit rotationDays is checked; an unset one is derived from validityDays."""
    max_rotation = max(1, validity_days // OVERLAP_FACTOR)
    rotation_allowed = (
        f"1 to {max_rotation} days for certificate.validityDays {validity_days}: every "
        f"certificate must outlive {OVERLAP_FACTOR} rotation periods (see docs/rotation.md)"
    )
    if reader.raw.get("certificate.rotationDays") is None:
        # Someone who never set it must not get an error about it: the largest
        # period validityDays allows, but at most quarterly.
        return min(DEFAULT_ROTATION_DAYS, max_rotation)
    rotation_days = reader.integer(
        "certificate.rotationDays", DEFAULT_ROTATION_DAYS, rotation_allowed
    )
    if validity_days >= OVERLAP_FACTOR and not 1 <= rotation_days <= max_rotation:
        reader.fail(
            "certificate.rotationDays", f"{rotation_days} days is out of range", rotation_allowed
        )
    return rotation_days


def _tenant_id(reader: _Reader, provider: Mapping[str, str | None]) -> str | None:
    """The stack must name its tenant. The provider would otherwise take ARM_TENANT_ID
    or the tenant of `az login` or the pipeline's sign-in: one workstation serves many
    stacks, each a different tenant, so only the stack's own config counts."""
    value = provider.get(TENANT_ID_KEY)
    if value is None or not value.strip():
        reader.fail(
            TENANT_ID_KEY,
            "is not set; every stack names its tenant, so that a deploy never lands in "
            "whichever tenant `az login`, the pipeline's sign-in or ARM_TENANT_ID holds",
            _TENANT_ALLOWED,
        )
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        reader.fail(
            TENANT_ID_KEY,
            f"{value!r} is not a tenant id (GUID)",
            f"{_TENANT_ALLOWED}; e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47",
        )
        return None


def _cloud(reader: _Reader, provider: Mapping[str, str | None]) -> Cloud:
    value, source = resolve_environment(
        provider, {ENVIRONMENT_VARIABLE: provider.get(ENVIRONMENT_VARIABLE) or ""}
    )
    cloud = cloud_for_environment(value)
    if cloud is None:
        reader.fail(
            source,
            f"{value!r} is not a cloud the azuread provider knows",
            f"{environment_values()}; unset means global",
        )
        return CLOUDS[0]
    return cloud


def _organization(reader: _Reader, cloud: Cloud) -> str | None:
    # Pulumi.yaml declares "" as the default of optional strings (a key without a
    # default is mandatory there), so empty means unset.
    organization = reader.string("organization", None, empty_means_default=True)
    if organization is None:
        return None
    organization = organization.strip().lower()
    allowed = (
        f"the tenant's initial domain, e.g. contoso{cloud.organization_suffix} in "
        f"{cloud.title} ({ENVIRONMENT_KEY}), or leave it unset to read it from the directory"
    )
    if re.fullmatch(_DOMAIN_LABEL + re.escape(cloud.organization_suffix), organization):
        return organization
    other = next(
        (
            c
            for c in CLOUDS
            if c.organization_suffix != cloud.organization_suffix
            and re.fullmatch(_DOMAIN_LABEL + re.escape(c.organization_suffix), organization)
        ),
        None,
    )
    if other is not None:
        reader.fail(
            "organization",
            f"{organization!r} is a {other.title} domain, but this stack's cloud is {cloud.title}",
            allowed,
        )
    else:
        reader.fail("organization", f"{organization!r} is not the tenant's initial domain", allowed)
    return None


def load_settings(
    raw: Mapping[str, str | None],
    *,
    now: dt.datetime | None = None,
    base_dir: Path | None = None,
    provider: Mapping[str, str | None] | None = None,
) -> Settings:
    """Validate raw config values (keys without the namespace) into Settings.

    `now` decides which brought certificates have expired; `base_dir` is where
    certificate file paths are relative to (the project); `provider` holds the
    azuread keys the program depends on (full names). Raises ConfigError listing
    every problem found.
    """
    now = now or dt.datetime.now(dt.UTC)
    base_dir = base_dir or Path.cwd()
    problems: list[str] = []
    reader = _Reader(_flatten_objects(raw, problems))
    reader.problems = problems
    for unknown in sorted(set(reader.raw) - set(KNOWN_KEYS)):
        if reader.raw[unknown] is not None:
            reader.fail(
                unknown,
                "is not a key this program reads"
                + did_you_mean(unknown, (*KNOWN_KEYS, *OBJECT_KEYS), f"{NAMESPACE}:{{}}"),
                ", ".join(KNOWN_KEYS) + f" (or {_key(CERTIFICATE)} as an object)",
            )
    for key, what, allowed in foreign_key_problems(
        provider or {}, NAMESPACE, (*KNOWN_KEYS, *OBJECT_KEYS)
    ):
        reader.fail(key, what, allowed)
    tenant_id = _tenant_id(reader, provider or {})
    cloud = _cloud(reader, provider or {})

    display_name = _bounded_text(
        reader,
        "displayName",
        reader.string("displayName", DEFAULT_DISPLAY_NAME) or "",
        MAX_DISPLAY_NAME_LENGTH,
    )
    allow_global_administrator = reader.boolean("allowGlobalAdministrator", False)
    protect = reader.boolean("protect", True)
    roles = _resolve_roles(reader, allow_global_administrator)

    # Pulumi.yaml declares "" as the default of optional strings (a key without a
    # default is mandatory there), so empty means unset.
    organization = _organization(reader, cloud)

    owners = _guid_list(reader, "owners")
    adopted = _thumbprint_list(reader, "adoptedCertificates")
    identities = _managed_identities(reader)
    role_groups = exchange_rbac.read_exchange_role_groups(reader, cloud, len(identities))
    configured_roles = roles
    if role_groups is not None and role_groups.drop_directory_roles:
        roles = ()
    allow_pull_requests = reader.boolean("allowPullRequestFederation", False)
    federated = _federated_credentials(reader, cloud, allow_pull_requests)

    validity_days = reader.integer(
        "certificate.validityDays", DEFAULT_VALIDITY_DAYS, VALIDITY_ALLOWED
    )
    if not 1 <= validity_days <= MAX_VALIDITY_DAYS:
        reader.fail(
            "certificate.validityDays", f"{validity_days} is out of range", VALIDITY_ALLOWED
        )
    elif validity_days < OVERLAP_FACTOR:
        reader.fail(
            "certificate.validityDays",
            f"{validity_days} days leaves no room for rotation",
            VALIDITY_ALLOWED,
        )
    rotation_days = _rotation_days(reader, validity_days)

    public_certificates = _public_certificates(reader, now, base_dir)
    key_vault = _key_vault(reader, bool(public_certificates))

    sizes = ", ".join(str(size) for size in ALLOWED_KEY_SIZES)
    key_size = reader.integer("certificate.keySize", DEFAULT_KEY_SIZE, sizes)
    if key_size not in ALLOWED_KEY_SIZES:
        reader.fail("certificate.keySize", f"{key_size} bits is not offered", sizes)

    explicit_subject = reader.string("certificate.subject", None, empty_means_default=True)
    subject = (
        display_name[:MAX_COMMON_NAME_LENGTH].strip()
        if explicit_subject is None
        else _bounded_text(reader, "certificate.subject", explicit_subject, MAX_COMMON_NAME_LENGTH)
    )

    if reader.problems:
        raise ConfigError(reader.problems)

    warnings: list[str] = []
    notes: list[str] = []
    if role_groups is not None:
        warnings += exchange_rbac.warnings(role_groups, tuple(r.name for r in configured_roles))
    elif not roles:
        warnings.append(
            f"{_key('roles')} is empty: the app gets no directory role, so Exchange answers "
            "401/403 unless an Exchange role group grants it rights (Add-RoleGroupMember)"
        )
    elif not any(role.security_compliance for role in roles):
        capable = ", ".join(r.name for r in EXCHANGE_APP_ONLY_ROLES if r.security_compliance)
        notes.append(
            f"{_key('roles')}: {', '.join(r.name for r in roles)} cannot run Security & "
            "Compliance PowerShell cmdlets, so connectIppsCommand will connect without "
            f"rights; for eDiscovery, retention or DLP add one of: {capable}"
        )
    return Settings(
        display_name=display_name,
        roles=roles,
        allow_global_administrator=allow_global_administrator,
        organization=organization,
        owners=owners,
        validity_days=validity_days,
        key_size=key_size,
        subject=subject,
        subject_is_explicit=explicit_subject is not None,
        protect=protect,
        rotation_days=rotation_days,
        tenant_id=tenant_id,
        cloud=cloud,
        adopted_certificates=adopted,
        key_vault=key_vault,
        managed_identities=identities,
        federated_credentials=federated,
        allow_pull_request_federation=allow_pull_requests,
        public_certificates=public_certificates,
        exchange_role_groups=role_groups,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def read_pulumi_config() -> dict[str, str | None]:
    """Every key set in the exo-cba namespace, as the engine passed it."""
    config = pulumi.Config(NAMESPACE)
    raw: dict[str, str | None] = {name: config.get(name) for name in (*KNOWN_KEYS, *OBJECT_KEYS)}
    prefix = f"{NAMESPACE}:"
    # The engine hands config over either directly or through PULUMI_CONFIG; look
    # at both so a misspelt key is refused instead of silently ignored.
    for full_key, value in _present_config().items():
        if full_key.startswith(prefix):
            raw.setdefault(full_key[len(prefix) :], value)
    return raw


def read_provider_config() -> dict[str, str | None]:
    """Every key the stack sets outside the exo-cba namespace (full names), which
    load_settings accounts for, and ARM_ENVIRONMENT, which the provider falls back to
    when azuread:environment is unset."""
    import os

    prefix = f"{NAMESPACE}:"
    present = {k: v for k, v in _present_config().items() if not k.startswith(prefix)}
    return {**present, ENVIRONMENT_VARIABLE: os.environ.get(ENVIRONMENT_VARIABLE)}


def _present_config() -> dict[str, str]:
    return {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
