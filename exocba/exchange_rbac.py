"""Exchange role groups for the app's service principal: the facts, the config, its checks.

Microsoft's app-only article ("Assign custom role groups to the application using service
principals", office-docs-powershell exchange/docs-conceptual/app-only-auth-powershell-v2.md)
is the narrower way to authorize the app: `New-ServicePrincipal` makes the app known to
Exchange, `Add-RoleGroupMember` puts it into a role group whose roles and write scope
bound what scripts can do. Directory roles and role groups add up (same article: "you
can also combine both methods").

The keys live under `exo-cba:exchangeRoleGroups` (flat or as an object, like
certificate and keyVault); `exocba/settings/load.py` calls `read_exchange_role_groups`
with its reader, so every refusal is reported with the rest of the config. Pure: no Pulumi.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Protocol

from exocba.clouds import Cloud
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

KEY = "exchangeRoleGroups"
# Declared, with their types and defaults, in the key table.
FIELDS = spec.fields(KEY)
MAX_PROPAGATION_SECONDS = 7200
# Exchange object names: kept to what New-RoleGroup and New-ManagementScope take without
# quoting trouble in OPATH or PowerShell.
MAX_NAME_LENGTH = 64
_NAME = re.compile(r"[^\"'\\\x00-\x1f]{1," + str(MAX_NAME_LENGTH) + "}")
# RecipientRestrictionFilter is OPATH: comparisons like `Department -eq 'Sales'`.
# Source: office-docs-powershell exchange/docs-conceptual/filters-v2.md, operators.
_OPERATOR = re.compile(
    r"-(eq|ne|lt|gt|le|ge|like|notlike|contains|notcontains|in|notin)\b", re.IGNORECASE
)


class Reader(Protocol):
    """What exocba/settings/reader.py's reader offers; defaults come from the key table."""

    raw: object

    def fail(self, name: str, what: str, allowed: str) -> None: ...

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
        return f"{self.name} write scope" if self.scope_filter else None


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


def nearest(value: str, choices: tuple[str, ...] | list[str]) -> str:
    """'; did you mean X?' for the closest valid value, or ''."""
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    if not match:
        folded = {c.casefold(): c for c in choices}
        match = [folded[m] for m in difflib.get_close_matches(value.casefold(), list(folded), 1)]
    return f"; did you mean {match[0]!r}?" if match else ""


def filter_problem(text: str) -> str | None:
    """Why a RecipientRestrictionFilter cannot be OPATH, or None. Exchange parses it; this
    catches what would fail there only after the app and role group were written."""
    if not text.strip():
        return "is empty"
    depth, quote = 0, ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return "closes a parenthesis it never opened"
    if quote:
        return f"leaves a {quote} quote open"
    if depth:
        return "leaves a parenthesis open"
    if not _OPERATOR.search(text):
        return "compares nothing (no -eq, -ne, -like, -notlike, … operator)"
    return None


def _name(reader: Reader, key: str, value: str) -> str | None:
    text = value.strip()
    if not _NAME.fullmatch(text):
        reader.fail(
            _field(key),
            f"{value!r} is not a role group name",
            f"1 to {MAX_NAME_LENGTH} characters without quotes, backslashes or control characters",
        )
        return None
    return text


def _existing(reader: Reader, allow_org_management: bool) -> tuple[str, ...]:
    allowed = 'an array of role group names, each once, e.g. ["View-Only Organization Management"]'
    entries = reader.string_list(_field("existing"), allowed) or []
    found: list[str] = []
    for entry in entries:
        name = _name(reader, "existing", entry)
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
            )
        elif name == ORGANIZATION_MANAGEMENT and not allow_org_management:
            reader.fail(
                _field("existing"),
                "Organization Management gives the app almost every Exchange task: it "
                f"narrows nothing; refused unless {_qualified('allowOrganizationManagement')} "
                "is true",
                "a role group with the roles the scripts need (exchangeRoleGroups.name and .roles)",
            )
        elif name in found:
            reader.fail(_field("existing"), f"{name} is listed twice", allowed)
        else:
            found.append(name)
    return tuple(found)


def _qualified(name: str) -> str:
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


def _custom(reader: Reader, existing: tuple[str, ...]) -> CustomRoleGroup | None:
    raw_name = reader.string(_field("name"))
    roles = _roles(reader)
    scope_filter = reader.string(_field("scopeFilter"))
    if raw_name is None:
        for key, given in (("roles", roles), ("scopeFilter", scope_filter is not None)):
            if given:
                reader.fail(
                    _field(key),
                    f"is set, but {_qualified('name')} is not",
                    "name the role group the stack owns in exchangeRoleGroups.name",
                )
        return None
    name = _name(reader, "name", raw_name)
    if name is None:
        return None
    if name.casefold() in {g.casefold() for g in (*BUILT_IN_ROLE_GROUPS, *existing)}:
        reader.fail(
            _field("name"),
            f"{name} is a built-in role group or listed in exchangeRoleGroups.existing; the "
            "stack would take over a group it did not make",
            "a new name for the group the stack owns (e.g. 'exo-cba mail recipients')",
        )
        return None
    if not roles:
        reader.fail(
            _field("roles"),
            f"is empty, but the role group {name} needs at least one role",
            'built-in Exchange Online management roles, e.g. ["Mail Recipients"]',
        )
    if scope_filter is not None:
        problem = filter_problem(scope_filter)
        if problem:
            reader.fail(
                _field("scopeFilter"),
                f"{scope_filter!r} {problem}",
                "an OPATH recipient filter with balanced quotes and parentheses, e.g. "
                "\"Department -eq 'Sales'\" or \"CustomAttribute1 -like 'scripts*'\"",
            )
        scope_filter = " ".join(scope_filter.split())
    return CustomRoleGroup(name, roles, scope_filter)


def read_exchange_role_groups(
    reader: Reader, cloud: Cloud, managed_identities: int
) -> ExchangeRoleGroups | None:
    """The validated keys, or None when the stack uses no Exchange role group."""
    allow_org = reader.boolean(_field("allowOrganizationManagement"))
    drop = reader.boolean(_field("dropDirectoryRoles"))
    seconds_allowed = f"a whole number of seconds from 0 to {MAX_PROPAGATION_SECONDS}"
    seconds = reader.integer(_field("propagationSeconds"), seconds_allowed)
    if not 0 <= seconds <= MAX_PROPAGATION_SECONDS:
        reader.fail(_field("propagationSeconds"), f"{seconds} is out of range", seconds_allowed)
    existing = _existing(reader, allow_org)
    custom = _custom(reader, existing)
    if not existing and custom is None:
        if drop:
            reader.fail(
                _field("dropDirectoryRoles"),
                "is true, but no role group gives the app rights in their place",
                f"{_qualified('existing')} or {_qualified('name')} with roles",
            )
        return None
    if not cloud.exchange_role_groups:
        key = "name" if custom else "existing"
        reader.fail(
            _field(key),
            f"Microsoft documents no Exchange role groups for apps in {cloud.title}",
            "directory roles (exo-cba:roles) in this cloud; role groups in "
            "public, gcc-high and dod",
        )
    if drop and managed_identities:
        reader.fail(
            _field("dropDirectoryRoles"),
            "would leave exo-cba:managedIdentities without rights: role groups hold the app only",
            "false while managed identities are configured",
        )
    return ExchangeRoleGroups(existing, custom, drop, allow_org, seconds)


def warnings(config: ExchangeRoleGroups, directory_roles: tuple[str, ...]) -> list[str]:
    """What is allowed but undoes or weakens the narrowing."""
    found: list[str] = []
    if config.custom and not config.custom.scope_filter:
        found.append(
            f"{_qualified('name')} {config.custom.name} has no write scope "
            f"({_qualified('scopeFilter')}): its roles reach every recipient"
        )
    if directory_roles and not config.drop_directory_roles:
        found.append(
            f"exo-cba:roles ({', '.join(directory_roles)}) and Exchange role groups add up: "
            f"the directory roles undo the narrowing; set {_qualified('dropDirectoryRoles')} "
            "true once the role groups work (exoctl verify --cmdlet)"
        )
    if directory_roles and config.drop_directory_roles:
        found.append(
            f"exo-cba:roles ({', '.join(directory_roles)}) is not assigned: "
            f"{_qualified('dropDirectoryRoles')} is true, so only the Exchange role groups "
            "authorize the app"
        )
    return found
