"""load_settings: raw config in, Settings or every problem out.

Two passes. The per-key pass reads each key on its own, in reading order, with the rules
of that key alone; the cross-field pass (exocba/settings/cross.py) then runs the rules
that read several keys. Each problem is reported at its place in the reading order
(exocba/settings/reader.py), so one run reports every problem in a fixed order.
Warnings and notes are said only about config that passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from exocba import exchange_rbac
from exocba.config_keys import did_you_mean, foreign_key_problems
from exocba.settings import certificate, cross, federation, identities, key_vault, roles, tenant
from exocba.settings.model import Settings
from exocba.settings.reader import (
    ConfigProblems,
    Reader,
    SetTwice,
    flatten_objects,
    in_report_order,
)
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


def _display_name(reader: Reader, name: str) -> str:
    return reader.bounded_text(name, reader.string(name) or "", MAX_DISPLAY_NAME_LENGTH)


@dataclass(frozen=True)
class _PerKey:
    """The per-key pass: what the cross-field pass takes, and what it does not need."""

    keys: cross.Keys
    tenant_id: str | None
    allow_global_administrator: bool
    protect: bool
    owners: tuple[str, ...]
    adopted_certificates: tuple[str, ...]
    key_size: int


def _read_each_key(
    reader: Reader,
    set_twice: tuple[SetTwice, ...],
    provider: Mapping[str, str | None],
    now: dt.datetime,
    base_dir: Path,
) -> _PerKey:
    """Each key on its own, at its site of the reading order."""
    _unknown_keys(reader.at("unknown keys"), provider)
    tenant_id = tenant.read_tenant_id(reader.at(tenant.TENANT_ID_KEY), provider)
    cloud = tenant.read_cloud(reader.at("cloud"), provider)
    display_name = reader.read_at("displayName", _display_name)
    allow_global_administrator = reader.read_at("allowGlobalAdministrator", Reader.boolean)
    protect = reader.read_at("protect", Reader.boolean)
    listed_roles = roles.resolve_roles(reader.at("roles"))
    organization = reader.read_at("organization", Reader.string)
    owners = reader.read_at("owners", identities.guid_list)
    adopted = reader.read_at("adoptedCertificates", certificate.thumbprint_list)
    system = reader.read_at("managedIdentities", identities.guid_list)
    user = reader.read_at("userAssignedIdentities", identities.guid_list)
    role_groups = exchange_rbac.read_keys(reader)
    allow_pull_requests = reader.read_at("allowPullRequestFederation", Reader.boolean)
    federated = federation.federated_credentials(reader.at(federation.FEDERATED))
    validity_days = certificate.validity_days(reader.at("certificate.validityDays"))
    public_certificates = certificate.public_certificates(
        reader.at("certificate.publicCertificates"), now, base_dir
    )
    vault = key_vault.read_keys(reader.at("keyVault"))
    key_size = certificate.key_size(reader.at("certificate.keySize"))
    subject = certificate.subject(reader.at("certificate.subject"))
    keys = cross.Keys(
        set_twice=set_twice,
        cloud=cloud,
        display_name=display_name,
        allow_global_administrator=allow_global_administrator,
        roles=listed_roles,
        organization=organization,
        managed_identities=system,
        user_assigned_identities=user,
        role_groups=role_groups,
        allow_pull_requests=allow_pull_requests,
        federated=federated,
        validity_days=validity_days,
        public_certificates=public_certificates,
        key_vault=vault,
        subject=subject,
    )
    return _PerKey(keys, tenant_id, allow_global_administrator, protect, owners, adopted, key_size)


def load_settings(
    raw: Mapping[str, str | None],
    *,
    now: dt.datetime | None = None,
    base_dir: Path | None = None,
    provider: Mapping[str, str | None] | None = None,
    installed: key_vault.Installed | None = None,
) -> Settings:
    """Validate raw config values (keys without the namespace) into Settings.

    `now` decides which brought certificates have expired; `base_dir` is where
    certificate file paths are relative to (the project); `provider` holds the
    azuread keys the program depends on (full names); `installed` says whether a
    Python package can be imported where the program runs (the Pulumi adapter gives
    it, so keyVault.id without pulumi-azure is refused with the rest). Raises
    ConfigProblems listing every problem found.
    """
    now = now or dt.datetime.now(dt.UTC)
    base_dir = base_dir or Path.cwd()
    provider = provider or {}
    objects = Reader({})
    flat, set_twice = flatten_objects(raw, objects)
    reader = Reader(flat)
    read = _read_each_key(reader, set_twice, provider, now, base_dir)
    decided = cross.reconcile(read.keys, reader, installed)
    problems = in_report_order(objects, reader, decided.problems)
    if problems:
        raise ConfigProblems(problems)

    keys = read.keys
    warnings, notes = roles.warnings_and_notes(
        decided.roles, decided.configured_roles, decided.role_groups
    )
    return Settings(
        display_name=keys.display_name,
        roles=decided.roles,
        allow_global_administrator=read.allow_global_administrator,
        organization=decided.organization,
        owners=read.owners,
        validity_days=keys.validity_days,
        key_size=read.key_size,
        subject=decided.subject,
        subject_is_explicit=decided.subject_is_explicit,
        protect=read.protect,
        rotation_days=decided.rotation_days,
        tenant_id=read.tenant_id,
        cloud=keys.cloud,
        adopted_certificates=read.adopted_certificates,
        key_vault=decided.key_vault,
        managed_identities=decided.managed_identities,
        federated_credentials=decided.federated_credentials,
        allow_pull_request_federation=keys.allow_pull_requests,
        public_certificates=keys.public_certificates,
        exchange_role_groups=decided.role_groups,
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
    flat, _ = flatten_objects(raw, Reader({}))
    reader = Reader(flat)
    owners = identities.guid_list(reader, "owners")
    adopted = certificate.thumbprint_list(reader, "adoptedCertificates")
    if reader.problems:
        raise ConfigProblems(reader.problems)
    return Ownership(owners, adopted)
