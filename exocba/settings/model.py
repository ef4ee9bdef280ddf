"""The validated settings: the only thing components receive from config."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from exocba import exchange_rbac
from exocba.clouds import CLOUDS, Cloud
from exocba.wellknown import GITHUB_ACTIONS_ISSUER, DirectoryRole

# The rotation period when none is set: quarterly, or less where validityDays / 3
# is shorter (exocba/settings/cross.py).
DEFAULT_ROTATION_DAYS = 90


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
    """Exchange role groups holding the app (exocba/exchange_rbac.py), or None."""
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


def active_public_certificate(
    certificates: tuple[PublicCertificate, ...], now: dt.datetime
) -> PublicCertificate:
    """The newest certificate that is valid now."""
    valid = [c for c in certificates if c.not_before <= now < c.not_after]
    return max(valid, key=lambda c: (c.not_before, c.not_after, c.thumbprint))
