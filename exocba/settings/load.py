"""load_settings: raw config in, Settings or every problem out.

Each key is read by its rule module; keys that constrain one another are read in an
order that hands the earlier result to the later rule (allowGlobalAdministrator to roles,
the cloud to organization, federation and role groups, validityDays to rotationDays,
brought certificates to keyVault), so one run reports every problem in a fixed order.
Warnings and notes are said only about config that passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from exocba import exchange_rbac
from exocba.config_keys import did_you_mean, foreign_key_problems
from exocba.settings import certificate, federation, identities, key_vault, roles, tenant
from exocba.settings.model import Settings
from exocba.settings.reader import ConfigProblems, Reader, flatten_objects
from exocba.settings.spec import KNOWN_KEYS, NAMESPACE, OBJECT_KEYS, qualified

# Entra ID limits an application's displayName to 256 characters (Microsoft Graph
# application resource type).
MAX_DISPLAY_NAME_LENGTH = 256


def _unknown_keys(reader: Reader, provider: Mapping[str, str | None]) -> None:
    for unknown in sorted(set(reader.raw) - set(KNOWN_KEYS)):
        if reader.raw[unknown] is not None:
            reader.fail(
                unknown,
                "is not a key this program reads"
                + did_you_mean(unknown, (*KNOWN_KEYS, *OBJECT_KEYS), f"{NAMESPACE}:{{}}"),
                ", ".join(KNOWN_KEYS) + f" (or {qualified('certificate')} as an object)",
            )
    for key, what, allowed in foreign_key_problems(
        provider, NAMESPACE, (*KNOWN_KEYS, *OBJECT_KEYS)
    ):
        reader.fail(key, what, allowed)


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
    azuread keys the program depends on (full names). Raises ConfigProblems listing
    every problem found.
    """
    now = now or dt.datetime.now(dt.UTC)
    base_dir = base_dir or Path.cwd()
    provider = provider or {}
    problems: list[str] = []
    reader = Reader(flatten_objects(raw, problems), problems)
    _unknown_keys(reader, provider)
    tenant_id = tenant.read_tenant_id(reader, provider)
    cloud = tenant.read_cloud(reader, provider)

    display_name = reader.bounded_text(
        "displayName", reader.string("displayName") or "", MAX_DISPLAY_NAME_LENGTH
    )
    allow_global_administrator = reader.boolean("allowGlobalAdministrator")
    protect = reader.boolean("protect")
    directory_roles = roles.resolve_roles(reader, allow_global_administrator)
    organization = tenant.read_organization(reader, cloud)

    owners = identities.guid_list(reader, "owners")
    adopted = certificate.thumbprint_list(reader, "adoptedCertificates")
    managed = identities.managed_identities(reader)
    role_groups = exchange_rbac.read_exchange_role_groups(reader, cloud, len(managed))
    configured_roles = directory_roles
    if role_groups is not None and role_groups.drop_directory_roles:
        directory_roles = ()
    allow_pull_requests = reader.boolean("allowPullRequestFederation")
    federated = federation.federated_credentials(reader, cloud, allow_pull_requests)

    validity_days = certificate.validity_days(reader)
    rotation_days = certificate.rotation_days(reader, validity_days)
    public_certificates = certificate.public_certificates(reader, now, base_dir)
    vault = key_vault.key_vault(reader, bool(public_certificates))
    key_size = certificate.key_size(reader)
    subject, subject_is_explicit = certificate.subject(reader, display_name)

    if reader.problems:
        raise ConfigProblems(reader.problems)

    warnings, notes = roles.warnings_and_notes(directory_roles, configured_roles, role_groups)
    return Settings(
        display_name=display_name,
        roles=directory_roles,
        allow_global_administrator=allow_global_administrator,
        organization=organization,
        owners=owners,
        validity_days=validity_days,
        key_size=key_size,
        subject=subject,
        subject_is_explicit=subject_is_explicit,
        protect=protect,
        rotation_days=rotation_days,
        tenant_id=tenant_id,
        cloud=cloud,
        adopted_certificates=adopted,
        key_vault=vault,
        managed_identities=managed,
        federated_credentials=federated,
        allow_pull_request_federation=allow_pull_requests,
        public_certificates=public_certificates,
        exchange_role_groups=role_groups,
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class Ownership:
    """What `exoctl audit` holds the tenant to that only the config says: who may own the
    app, and which hand-made certificates are known leftovers."""

    owners: tuple[str, ...]
    adopted_certificates: tuple[str, ...]


def ownership(config: Mapping[str, str | None]) -> Ownership:
    """exo-cba:owners and exo-cba:adoptedCertificates of a stack's config (full key names,
    as exoctl.stackfiles reads them), by the same rules as load_settings. Only these two
    keys are read: an audit must not stop at an expired brought certificate or a missing
    provider package. Raises ConfigProblems naming each bad entry."""
    prefix = f"{NAMESPACE}:"
    raw = {k[len(prefix) :]: v for k, v in config.items() if k.startswith(prefix)}
    reader = Reader(flatten_objects(raw, []))
    owners = identities.guid_list(reader, "owners")
    adopted = certificate.thumbprint_list(reader, "adoptedCertificates")
    if reader.problems:
        raise ConfigProblems(reader.problems)
    return Ownership(owners, adopted)
