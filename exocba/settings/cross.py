"""The cross-field pass: every rule that reads more than one key.

The per-key pass (exocba/settings/load.py) reads each key on its own, with the rules of
that key alone, and hands over Keys. `reconcile` then runs the rules here, one function
each, and returns what they decide with the problems they found. Each problem is placed
where the per-key pass read the key it concerns (REPORT_ORDER in exocba/settings/
reader.py), beside the list entry it is about if any, so the report lists the problems
in reading order, all of them in one run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from exocba import exchange_rbac
from exocba.clouds import CLOUDS, ENVIRONMENT_KEY, Cloud
from exocba.rotation import OVERLAP_FACTOR
from exocba.settings import federation, key_vault, roles
from exocba.settings.certificate import MAX_COMMON_NAME_LENGTH
from exocba.settings.cross_role_groups import assigned_roles, role_groups
from exocba.settings.model import (
    DEFAULT_ROTATION_DAYS,
    FederatedCredential,
    KeyVault,
    ManagedIdentity,
    PublicCertificate,
)
from exocba.settings.reader import Reader, SetTwice, by_entry
from exocba.settings.spec import qualified
from exocba.wellknown import (
    GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
    MAX_FEDERATED_CREDENTIALS,
    ROLES_BY_TEMPLATE_ID,
    DirectoryRole,
)

GLOBAL_ADMINISTRATOR = ROLES_BY_TEMPLATE_ID[GLOBAL_ADMINISTRATOR_TEMPLATE_ID]
# An initial domain's first label; the suffix comes from the stack's cloud.
_DOMAIN_LABEL = r"[a-z0-9][a-z0-9-]{0,62}"


@dataclass(frozen=True)
class Keys:
    """What the per-key pass read, each key on its own."""

    set_twice: tuple[SetTwice, ...]
    cloud: Cloud
    display_name: str
    allow_global_administrator: bool
    roles: roles.ListedRoles
    organization: str | None
    """As given."""
    managed_identities: tuple[str, ...]
    user_assigned_identities: tuple[str, ...]
    role_groups: exchange_rbac.GroupKeys
    allow_pull_requests: bool
    federated: federation.ListedCredentials
    validity_days: int
    public_certificates: tuple[PublicCertificate, ...]
    key_vault: key_vault.VaultKeys
    subject: str | None
    """As set; None when unset."""


@dataclass(frozen=True)
class Reconciled:
    """What the rules decide, and the problems they found."""

    configured_roles: tuple[DirectoryRole, ...]
    """exo-cba:roles as allowed; the warnings speak of these."""
    roles: tuple[DirectoryRole, ...]
    """The directory roles assigned: none when the role groups replace them."""
    organization: str | None
    managed_identities: tuple[ManagedIdentity, ...]
    role_groups: exchange_rbac.ExchangeRoleGroups | None
    federated_credentials: tuple[FederatedCredential, ...]
    rotation_days: int
    key_vault: KeyVault | None
    subject: str
    subject_is_explicit: bool
    problems: Reader
    """Each problem with its place (exocba/settings/reader.py in_report_order)."""


def reconcile(
    keys: Keys, reader: Reader, installed: key_vault.Installed | None = None
) -> Reconciled:
    """Every cross-field rule over what the per-key pass (`reader`) read."""
    late = reader.later()
    set_both_ways(late, keys.set_twice)
    configured = global_administrator(late, keys.roles, keys.allow_global_administrator)
    organization = organization_in_cloud(late, keys.organization, keys.cloud)
    identities = identities_once(late, keys.managed_identities, keys.user_assigned_identities)
    groups = role_groups(late, keys.role_groups, keys.cloud, identities)
    federated = federated_credentials(late, keys.federated, keys.allow_pull_requests)
    rotation = rotation_days(late, keys.validity_days)
    vault = published_vault(late, keys.key_vault, keys.public_certificates, installed)
    subject, subject_is_explicit = certificate_subject(keys.subject, keys.display_name)
    return Reconciled(
        configured_roles=configured,
        roles=assigned_roles(configured, groups),
        organization=organization,
        managed_identities=identities,
        role_groups=groups,
        federated_credentials=audiences_of_the_cloud(federated, keys.cloud),
        rotation_days=rotation,
        key_vault=vault,
        subject=subject,
        subject_is_explicit=subject_is_explicit,
        problems=late,
    )


def set_both_ways(late: Reader, twice: tuple[SetTwice, ...]) -> None:
    """A field is set as a flat key or inside its object (`pulumi config set --path`),
    not both."""
    late.at("objects")
    for field in twice:
        late.fail(
            field.key,
            f"is set twice, as the flat key {qualified(field.key)} and inside the "
            f"object {qualified(field.parent)} (pulumi config set --path)",
            "one of the two; remove the other from the stack file",
            field.entry,
        )


def global_administrator(
    late: Reader, listed: roles.ListedRoles, allowed: bool
) -> tuple[DirectoryRole, ...]:
    """Global Administrator in exo-cba:roles only with allowGlobalAdministrator true."""
    late.at("roles")
    kept = list(listed.roles)
    for seen, entry in enumerate(listed.global_administrator):
        if not allowed:
            late.fail(
                "roles",
                "Global Administrator is refused unless exo-cba:allowGlobalAdministrator is true",
                "Exchange Administrator covers every Exchange Online task with far less reach",
                entry,
            )
        elif seen:
            late.fail("roles", *roles.listed_twice(GLOBAL_ADMINISTRATOR), entry)
        else:
            kept.append((entry, GLOBAL_ADMINISTRATOR))
    return by_entry(kept)


def organization_in_cloud(late: Reader, given: str | None, cloud: Cloud) -> str | None:
    """exo-cba:organization is an initial domain of the stack's cloud."""
    if given is None:
        return None
    late.at("organization")
    organization = given.strip().lower()
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
        late.fail(
            "organization",
            f"{organization!r} is a {other.title} domain, but this stack's cloud is {cloud.title}",
            allowed,
        )
    else:
        late.fail("organization", f"{organization!r} is not the tenant's initial domain", allowed)
    return None


def identities_once(
    late: Reader, system: tuple[str, ...], user: tuple[str, ...]
) -> tuple[ManagedIdentity, ...]:
    """An identity is system-assigned or user-assigned, not both."""
    late.at("userAssignedIdentities")
    found = [ManagedIdentity(i, False, qualified("managedIdentities")) for i in system]
    for object_id in user:
        if object_id in system:
            late.fail(
                "userAssignedIdentities",
                f"{object_id} is listed in both exo-cba:managedIdentities and "
                "exo-cba:userAssignedIdentities",
                "each identity once: system-assigned in managedIdentities, user-assigned "
                "in userAssignedIdentities",
            )
            continue
        found.append(ManagedIdentity(object_id, True, qualified("userAssignedIdentities")))
    return tuple(found)


def federated_credentials(
    late: Reader, listed: federation.ListedCredentials, allowed: bool
) -> tuple[FederatedCredential, ...]:
    """Pull request subjects only with allowPullRequestFederation true; at most
    MAX_FEDERATED_CREDENTIALS in all."""
    late.at(federation.FEDERATED)
    kept = list(listed.credentials)
    accepted: set[tuple[str, str]] = set()
    for entry, credential in listed.pull_requests:
        if not allowed:
            late.fail(
                federation.FEDERATED,
                f"entry {entry} ({credential.subject}) trusts every pull request's workflow: "
                "any pull request could run as an Exchange administrator of this tenant",
                "an environment with required reviewers or a protected branch; or set "
                "exo-cba:allowPullRequestFederation true to accept the risk",
                entry,
            )
        elif (credential.issuer, credential.subject) in accepted:
            late.fail(federation.FEDERATED, *federation.repeats(entry, credential), entry)
        else:
            accepted.add((credential.issuer, credential.subject))
            kept.append((entry, credential))
    found = by_entry(kept)
    if len(found) > MAX_FEDERATED_CREDENTIALS:
        late.fail(
            federation.FEDERATED,
            f"{len(found)} credentials; Entra accepts at most {MAX_FEDERATED_CREDENTIALS} per app",
            federation.ALLOWED,
        )
    return found


def audiences_of_the_cloud(
    credentials: tuple[FederatedCredential, ...], cloud: Cloud
) -> tuple[FederatedCredential, ...]:
    """An entry that names no audience gets the one its cloud's tokens carry."""
    return tuple(
        replace(c, audiences=c.audiences or (cloud.federation_audience,)) for c in credentials
    )


def rotation_days(late: Reader, validity: int) -> int:
    """certificate.rotationDays leaves every certificate OVERLAP_FACTOR periods of its
    validityDays; unset, the longest period validityDays allows, at most quarterly."""
    late.at("certificate.rotationDays")
    max_rotation = max(1, validity // OVERLAP_FACTOR)
    rotation_allowed = (
        f"1 to {max_rotation} days for certificate.validityDays {validity}: every "
        f"certificate must outlive {OVERLAP_FACTOR} rotation periods (see docs/rotation.md)"
    )
    if not late.is_set("certificate.rotationDays"):
        # Someone who never set it must not get an error about it.
        return min(DEFAULT_ROTATION_DAYS, max_rotation)
    days = late.integer(
        "certificate.rotationDays", rotation_allowed, fallback=DEFAULT_ROTATION_DAYS
    )
    if validity >= OVERLAP_FACTOR and not 1 <= days <= max_rotation:
        late.fail("certificate.rotationDays", f"{days} days is out of range", rotation_allowed)
    return days


def vault_fields_together(late: Reader, keys: key_vault.VaultKeys) -> None:
    """keyVault.readers, .tenantId and .certificate only with keyVault.id."""
    if keys.id is None and (keys.readers or keys.tenant_id or keys.certificate):
        late.at("keyVault").fail(
            "keyVault.id",
            "is unset, but keyVault.readers, keyVault.tenantId or keyVault.certificate is set",
            "the vault's resource id, or none of the keyVault keys",
        )


def vault_for_generated_certificates(late: Reader, brought: bool) -> bool:
    """A vault publishes the private key the stack generates: brought certificates have
    none here."""
    if brought:
        late.at("keyVault").fail(
            "keyVault.id",
            "is set with certificate.publicCertificates: the stack holds no private key to publish",
            "publish brought certificates from your own PKI; or generate them (unset "
            "certificate.publicCertificates)",
        )
    return not brought


def published_vault(
    late: Reader,
    keys: key_vault.VaultKeys,
    brought: tuple[PublicCertificate, ...],
    installed: key_vault.Installed | None = None,
) -> KeyVault | None:
    """The vault, once the fields go together; only then are the provider package and
    keyVault.tenantId checked."""
    vault_fields_together(late, keys)
    if keys.id is None or keys.match is None:
        return None
    if not vault_for_generated_certificates(late, bool(brought)):
        return None
    if not key_vault.package_installed(late.at("keyVault"), installed):
        return None
    return KeyVault(
        id=keys.id.strip(),
        name=keys.match["name"],
        subscription_id=keys.match["subscription"].lower(),
        tenant_id=key_vault.tenant_id(late, keys.tenant_id),
        readers=keys.readers,
        certificate=keys.certificate,
    )


def certificate_subject(explicit: str | None, display_name: str) -> tuple[str, bool]:
    """certificate.subject, or the first 64 characters of displayName; and whether it was set."""
    if explicit is None:
        return display_name[:MAX_COMMON_NAME_LENGTH].strip(), False
    return explicit, True
