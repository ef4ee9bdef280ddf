"""exo-cba:roles: directory roles Exchange Online app-only access honours, and what to say
about the roles a stack chose."""

from __future__ import annotations

from dataclasses import dataclass

from exocba import exchange_rbac
from exocba.config_keys import did_you_mean
from exocba.settings.reader import Reader
from exocba.settings.spec import qualified
from exocba.wellknown import (
    EXCHANGE_APP_ONLY_ROLES,
    GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
    ROLES_BY_NAME,
    ROLES_BY_TEMPLATE_ID,
    DirectoryRole,
)


def _valid_role_list() -> str:
    return ", ".join(f"{role.name} ({role.template_id})" for role in EXCHANGE_APP_ONLY_ROLES)


@dataclass(frozen=True)
class ListedRoles:
    """exo-cba:roles read on its own: each role with the entry (from 1) that named it first.
    Global Administrator is set apart: exo-cba:allowGlobalAdministrator decides it in the
    cross-field pass."""

    roles: tuple[tuple[int, DirectoryRole], ...]
    global_administrator: tuple[int, ...]
    """Every entry naming Global Administrator."""


def listed_twice(role: DirectoryRole) -> tuple[str, str]:
    return f"{role.name} is listed twice", "each role once"


def resolve_roles(reader: Reader) -> ListedRoles:
    entries = reader.string_list(
        "roles", f"an array of role names or template ids: {_valid_role_list()}"
    )
    resolved: list[tuple[int, DirectoryRole]] = []
    global_administrator: list[int] = []
    for index, entry in enumerate(entries or [], start=1):
        text = entry.strip()
        role = ROLES_BY_NAME.get(text.casefold()) or ROLES_BY_TEMPLATE_ID.get(text.lower())
        if role is None:
            names = [r.name for r in EXCHANGE_APP_ONLY_ROLES]
            reader.fail(
                "roles",
                f"{entry!r} is not a role Exchange Online app-only access honours"
                + did_you_mean(text, names, "{!r}"),
                _valid_role_list(),
                index,
            )
        elif role.template_id == GLOBAL_ADMINISTRATOR_TEMPLATE_ID:
            global_administrator.append(index)
        elif any(role == known for _, known in resolved):
            reader.fail("roles", *listed_twice(role), index)
        else:
            resolved.append((index, role))
    return ListedRoles(tuple(resolved), tuple(global_administrator))


def warnings_and_notes(
    roles: tuple[DirectoryRole, ...],
    configured_roles: tuple[DirectoryRole, ...],
    role_groups: exchange_rbac.ExchangeRoleGroups | None,
) -> tuple[list[str], list[str]]:
    """What is allowed but weakens or limits the app (warnings), and facts worth saying
    once (notes), for config that passed."""
    warnings: list[str] = []
    notes: list[str] = []
    if role_groups is not None:
        warnings += exchange_rbac.warnings(role_groups, tuple(r.name for r in configured_roles))
    elif not roles:
        warnings.append(
            f"{qualified('roles')} is empty: the app gets no directory role, so Exchange answers "
            "401/403 unless an Exchange role group grants it rights (Add-RoleGroupMember)"
        )
    elif not any(role.security_compliance for role in roles):
        capable = ", ".join(r.name for r in EXCHANGE_APP_ONLY_ROLES if r.security_compliance)
        notes.append(
            f"{qualified('roles')}: {', '.join(r.name for r in roles)} cannot run Security & "
            "Compliance PowerShell cmdlets, so connectIppsCommand will connect without "
            f"rights; for eDiscovery, retention or DLP add one of: {capable}"
        )
    return warnings, notes
