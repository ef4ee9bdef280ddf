"""Exchange role groups for the app's service principal: the facts, the config, its checks.

Microsoft's app-only article ("Assign custom role groups to the application using service
principals", office-docs-powershell exchange/docs-conceptual/app-only-auth-powershell-v2.md)
is the narrower way to authorize the app: `New-ServicePrincipal` makes the app known to
Exchange, `Add-RoleGroupMember` puts it into a role group whose roles and write scope
bound what scripts can do. Directory roles and role groups add up (same article: "you
can also combine both methods").

The keys live under `exo-cba:exchangeRoleGroups` (flat or as an object, like
certificate and keyVault); `exocba/settings/load.py` calls `read_keys` with its reader,
and the rules over several fields (or over roles and managedIdentities) are in
exocba/settings/cross.py, so every refusal is reported with the rest of the config.
Pure: no Pulumi.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Protocol

from exocba import opath
from exocba.compliance_role_groups import only_in_security_compliance
from exocba.settings import spec
from exocba.wellknown import ORGANIZATION_MANAGEMENT

# Built-in management roles of Exchange Online. Source: Microsoft Learn, "Permissions in
# Exchange Online" (MicrosoftDocs/OfficeDocs-Exchange, Exchange/ExchangeOnline/
# permissions-exo/permissions-exo.md at bc3e21e14d5d86d35264ad4361a700befb585e9b): every
# role in the "Default roles assigned" column of the built-in role groups table, plus
# Address Lists and Mailbox Import Export, which the same table says no role group holds
# by default. Custom roles (New-ManagementRole) are not accepted: a stack declares
# built-in roles only, so a typo cannot become a role that does not exist.
BUILT_IN_MANAGEMENT_ROLES: tuple[str, ...] = (
    "Address Lists",
    "Audit Logs",
    "Compliance Admin",
    "Data Loss Prevention",
    "Distribution Groups",
    "E-Mail Address Policies",
    "Federated Sharing",
    "Information Rights Management",
    "Journaling",
    "Legal Hold",
    "Mail Enabled Public Folders",
    "Mail Recipient Creation",
    "Mail Recipients",
    "Mail Tips",
    "Mailbox Import Export",
    "Mailbox Search",
    "Message Tracking",
    "Migration",
    "Move Mailboxes",
    "Org Custom Apps",
    "Org Marketplace Apps",
    "Organization Client Access",
    "Organization Configuration",
    "Organization Transport Settings",
    "Public Folders",
    "Recipient Policies",
    "Remote and Accepted Domains",
    "Reset Password",
    "Retention Management",
    "Role Management",
    "Security Admin",
    "Security Group Creation and Membership",
    "Security Reader",
    "Team Mailboxes",
    "Transport Hygiene",
    "Transport Rules",
    "UM Mailboxes",
    "UM Prompts",
    "Unified Messaging",
    "User Options",
    "View-Only Audit Logs",
    "View-Only Configuration",
    "View-Only Recipients",
)
ROLES_BY_FOLDED = {role.casefold(): role for role in BUILT_IN_MANAGEMENT_ROLES}

# The built-in role groups of the same table.
BUILT_IN_ROLE_GROUPS: tuple[str, ...] = (
    "Compliance Management",
    "Discovery Management",
    "Help Desk",
    "Hygiene Management",
    ORGANIZATION_MANAGEMENT,
    "Recipient Management",
    "Records Management",
    "Security Administrator",
    "Security Reader",
    "UM Management",
    "View-Only Organization Management",
)
# Groups whose membership "is synchronized across services and is managed centrally. You
# can't manage this role group in Exchange Online" (same table): Add-RoleGroupMember
# cannot put the app into them. The unique suffix differs per tenant.
CENTRALLY_MANAGED_GROUPS = ("Security Administrator", "Security Reader")
CENTRALLY_MANAGED_PREFIXES = ("ExchangeServiceAdmins_", "HelpdeskAdmins_", "TenantAdmins_")
# Security & Compliance's own groups (exocba/compliance_role_groups.py), by folded name.
SECURITY_COMPLIANCE_ONLY = only_in_security_compliance(BUILT_IN_ROLE_GROUPS)
# How close a name in `existing` must be to a built-in group to be taken for a misspelling
# of it: a typo scores above 0.9, custom names like "Sales Management" below.
NEAR_MISS_CUTOFF = 0.88

KEY = "exchangeRoleGroups"
# Declared, with their types and defaults, in the key table.
FIELDS = spec.fields(KEY)
MAX_PROPAGATION_SECONDS = 7200
# Exchange object names: what New-RoleGroup and New-ManagementScope take, without quoting
# trouble in OPATH or PowerShell. Length: "The name can be up to 64 characters"
# (office-docs-powershell exchange/exchange-ps/exchange/New-ManagementScope.md, -Name, at
# 018b34e320552caf2d4fbff6361918a6eaa652f4); for a role group, "The name can contain up to
# 64 characters" (Set-RoleGroup.md, -Name, at 09948235113ca4c53fdcbd97560915e72b4ede02).
MAX_NAME_LENGTH = 64
# The stack's scope is named after its group, so a group with a scope has this much less.
SCOPE_SUFFIX = " write scope"
MAX_SCOPED_NAME_LENGTH = MAX_NAME_LENGTH - len(SCOPE_SUFFIX)
_NAME = re.compile(r"[^\"'\\\x00-\x1f]{1," + str(MAX_NAME_LENGTH) + "}")


class Reader(Protocol):
    """What exocba/settings/reader.py's reader offers; defaults come from the key table."""

    raw: object

    def at(self, site: str) -> Reader: ...

    def fail(self, name: str, what: str, allowed: str, entry: int = 0) -> None: ...

    def string(self, name: str) -> str | None: ...

    def integer(self, name: str, allowed: str, fallback: int | None = None) -> int: ...

    def boolean(self, name: str) -> bool: ...

    def string_list(self, name: str, allowed: str) -> list[str] | None: ...


@dataclass(frozen=True)
class CustomRoleGroup:
    """A role group the stack owns: its roles, and the write scope it owns, if any."""

    name: str
    roles: tuple[str, ...]
    scope_filter: str | None

    @property
    def scope_name(self) -> str | None:
        return f"{self.name}{SCOPE_SUFFIX}" if self.scope_filter else None


@dataclass(frozen=True)
class ExchangeRoleGroups:
    existing: tuple[str, ...]
    """Role groups made elsewhere; the stack only adds the app to them."""
    custom: CustomRoleGroup | None
    drop_directory_roles: bool
    allow_organization_management: bool
    propagation_seconds: int

    @property
    def groups(self) -> tuple[str, ...]:
        """Every group the app becomes a member of."""
        return (*self.existing, *((self.custom.name,) if self.custom else ()))


def _field(name: str) -> str:
    return f"{KEY}.{name}"


def nearest(value: str, choices: tuple[str, ...] | list[str], cutoff: float = 0.6) -> str:
    """'; did you mean X?' for the closest valid value, or ''."""
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=cutoff)
    if not match:
        folded = {c.casefold(): c for c in choices}
        match = [
            folded[m] for m in difflib.get_close_matches(value.casefold(), list(folded), 1, cutoff)
        ]
    return f"; did you mean {match[0]!r}?" if match else ""


@dataclass(frozen=True)
class GroupKeys:
    """The exchangeRoleGroups fields, each read on its own; how they go together is the
    cross-field pass's (exocba/settings/cross.py)."""

    allow_organization_management: bool
    drop_directory_roles: bool
    propagation_seconds: int
    existing: tuple[tuple[int, str], ...]
    """Each role group with the entry (from 1) that named it first, Organization
    Management apart: allowOrganizationManagement decides it."""
    organization_management: tuple[int, ...]
    """Every entry naming Organization Management."""
    name_given: bool
    name: str | None
    """The stack's own group; None when unset or refused here."""
    roles: tuple[str, ...]
    scope_filter: str | None
    """As given; its OPATH is checked (`check_scope_filter`) only for a group the stack owns."""


def _name(reader: Reader, key: str, value: str, entry: int = 0) -> str | None:
    text = value.strip()
    if not _NAME.fullmatch(text):
        reader.fail(
            _field(key),
            f"{value!r} is not a role group name",
            f"1 to {MAX_NAME_LENGTH} characters without quotes, backslashes or control characters",
            entry,
        )
        return None
    return text


EXISTING_ALLOWED = (
    'an array of role group names, each once, e.g. ["View-Only Organization Management"]'
)


def _existing(reader: Reader) -> tuple[tuple[tuple[int, str], ...], tuple[int, ...]]:
    entries = reader.string_list(_field("existing"), EXISTING_ALLOWED) or []
    found: list[tuple[int, str]] = []
    organization_management: list[int] = []
    for index, entry in enumerate(entries, start=1):
        name = _name(reader, "existing", entry, index)
        if name is None:
            continue
        folded = name.casefold()
        builtin = next((g for g in BUILT_IN_ROLE_GROUPS if g.casefold() == folded), None)
        name = builtin or name
        if name in CENTRALLY_MANAGED_GROUPS or name.startswith(CENTRALLY_MANAGED_PREFIXES):
            reader.fail(
                _field("existing"),
                f"{name} is managed centrally from Entra ID; Exchange cannot add members to it",
                "another role group; or the matching directory role in exo-cba:roles",
                index,
            )
        elif folded in SECURITY_COMPLIANCE_ONLY:
            reader.fail(_field("existing"), *_compliance_group(name), index)
        elif name == ORGANIZATION_MANAGEMENT:
            organization_management.append(index)
        elif any(name == known for _, known in found):
            reader.fail(_field("existing"), *listed_twice(name), index)
        else:
            found.append((index, name))
    return tuple(found), tuple(organization_management)


def _compliance_group(name: str) -> tuple[str, str]:
    group = SECURITY_COMPLIANCE_ONLY[name.casefold()]
    # Suggested only among groups the app may join without an allowance.
    joinable = tuple(
        g
        for g in BUILT_IN_ROLE_GROUPS
        if g not in CENTRALLY_MANAGED_GROUPS and g != ORGANIZATION_MANAGEMENT
    )
    return (
        f"{group} is a Security & Compliance role group (Connect-IPPSSession), not an "
        "Exchange Online one: only Exchange Online role groups are managed"
        + nearest(group, joinable),
        "an Exchange Online role group: a built-in one ("
        + ", ".join(BUILT_IN_ROLE_GROUPS)
        + ") or a custom one made with New-RoleGroup in Exchange Online",
    )


def listed_twice(group: str) -> tuple[str, str]:
    return f"{group} is listed twice", EXISTING_ALLOWED


def qualified(name: str) -> str:
    return f"exo-cba:{_field(name)}"


def _roles(reader: Reader) -> tuple[str, ...]:
    allowed = "built-in Exchange Online management roles, each once: " + ", ".join(
        BUILT_IN_MANAGEMENT_ROLES
    )
    entries = reader.string_list(_field("roles"), allowed) or []
    found: list[str] = []
    for entry in entries:
        role = ROLES_BY_FOLDED.get(entry.strip().casefold())
        if role is None:
            reader.fail(
                _field("roles"),
                f"{entry!r} is not a built-in Exchange Online management role"
                + nearest(entry.strip(), BUILT_IN_MANAGEMENT_ROLES),
                allowed,
            )
        elif role in found:
            reader.fail(_field("roles"), f"{role} is listed twice", allowed)
        else:
            found.append(role)
    return tuple(found)


def taken(name: str) -> tuple[str, str]:
    """Why the stack may not own a group of that name."""
    return (
        f"{name} is a built-in role group or listed in exchangeRoleGroups.existing; the "
        "stack would take over a group it did not make",
        "a new name for the group the stack owns (e.g. 'exo-cba mail recipients')",
    )


def _own_name(reader: Reader, given: str | None) -> str | None:
    if given is None:
        return None
    name = _name(reader, "name", given)
    if name is not None and name.casefold() in {g.casefold() for g in BUILT_IN_ROLE_GROUPS}:
        reader.fail(_field("name"), *taken(name))
        return None
    return name


def read_keys(reader: Reader) -> GroupKeys:
    """Each field at its own site (exocba/settings/reader.py REPORT_ORDER)."""
    allow_org = reader.at(_field("allowOrganizationManagement")).boolean(
        _field("allowOrganizationManagement")
    )
    drop = reader.at(_field("dropDirectoryRoles")).boolean(_field("dropDirectoryRoles"))
    seconds_allowed = f"a whole number of seconds from 0 to {MAX_PROPAGATION_SECONDS}"
    reader.at(_field("propagationSeconds"))
    seconds = reader.integer(_field("propagationSeconds"), seconds_allowed)
    if not 0 <= seconds <= MAX_PROPAGATION_SECONDS:
        reader.fail(_field("propagationSeconds"), f"{seconds} is out of range", seconds_allowed)
    existing, organization_management = _existing(reader.at(_field("existing")))
    given = reader.string(_field("name"))
    roles = _roles(reader.at(_field("roles")))
    scope_filter = reader.string(_field("scopeFilter"))
    name = _own_name(reader.at(_field("name")), given)
    return GroupKeys(
        allow_org,
        drop,
        seconds,
        existing,
        organization_management,
        given is not None,
        name,
        roles,
        scope_filter,
    )


def check_scope_filter(reader: Reader, scope_filter: str) -> str:
    """The filter with its whitespace collapsed, after reporting why it cannot be OPATH."""
    problem = opath.filter_problem(scope_filter)
    if problem:
        reader.fail(
            _field("scopeFilter"),
            f"{scope_filter!r} {problem}",
            "an OPATH recipient filter with balanced quotes and parentheses, e.g. "
            "\"Department -eq 'Sales'\" or \"CustomAttribute1 -like 'scripts*'\"",
        )
    return " ".join(scope_filter.split())


def warnings(config: ExchangeRoleGroups, directory_roles: tuple[str, ...]) -> list[str]:
    """What is allowed but undoes or weakens the narrowing."""
    found: list[str] = []
    built_in = {group.casefold() for group in BUILT_IN_ROLE_GROUPS}
    for name in config.existing:
        hint = nearest(name, BUILT_IN_ROLE_GROUPS, NEAR_MISS_CUTOFF)
        if name.casefold() not in built_in and hint:
            found.append(
                f"{qualified('existing')} {name} is not a built-in role group{hint} That is "
                "fine if a custom role group of that name exists in Exchange Online; "
                "otherwise `pulumi up` fails adding the app to it"
            )
    if config.custom and not config.custom.scope_filter:
        found.append(
            f"{qualified('name')} {config.custom.name} has no write scope "
            f"({qualified('scopeFilter')}): its roles reach every recipient"
        )
    if directory_roles and not config.drop_directory_roles:
        found.append(
            f"exo-cba:roles ({', '.join(directory_roles)}) and Exchange role groups add up: "
            f"the directory roles undo the narrowing; set {qualified('dropDirectoryRoles')} "
            "true once the role groups work (exoctl verify --cmdlet)"
        )
    if directory_roles and config.drop_directory_roles:
        found.append(
            f"exo-cba:roles ({', '.join(directory_roles)}) is not assigned: "
            f"{qualified('dropDirectoryRoles')} is true, so only the Exchange role groups "
            "authorize the app"
        )
    return found
