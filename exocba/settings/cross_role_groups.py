"""The cross-field rules of exo-cba:exchangeRoleGroups: how its fields go together, and
with the stack's cloud, exo-cba:roles and the managed identities. Part of the
cross-field pass (exocba/settings/cross.py); the fields are read one by one in
exocba/exchange_rbac.py.
"""

from __future__ import annotations

from exocba import exchange_rbac
from exocba.clouds import Cloud
from exocba.settings.model import ManagedIdentity
from exocba.settings.reader import Reader, by_entry
from exocba.wellknown import ORGANIZATION_MANAGEMENT, DirectoryRole

_GROUPS = exchange_rbac.KEY


def _group_key(name: str) -> str:
    return f"{_GROUPS}.{name}"


def organization_management(late: Reader, keys: exchange_rbac.GroupKeys) -> tuple[str, ...]:
    """Organization Management in exchangeRoleGroups.existing only with
    allowOrganizationManagement true."""
    late.at(_group_key("existing"))
    kept = list(keys.existing)
    for seen, entry in enumerate(keys.organization_management):
        if not keys.allow_organization_management:
            late.fail(
                _group_key("existing"),
                "Organization Management gives the app almost every Exchange task: it "
                "narrows nothing; refused unless "
                f"{exchange_rbac.qualified('allowOrganizationManagement')} is true",
                "a role group with the roles the scripts need (exchangeRoleGroups.name and .roles)",
                entry,
            )
        elif seen:
            late.fail(
                _group_key("existing"), *exchange_rbac.listed_twice(ORGANIZATION_MANAGEMENT), entry
            )
        else:
            kept.append((entry, ORGANIZATION_MANAGEMENT))
    return by_entry(kept)


def own_group(
    late: Reader, keys: exchange_rbac.GroupKeys, existing: tuple[str, ...]
) -> exchange_rbac.CustomRoleGroup | None:
    """The group the stack owns: roles and scopeFilter need its name; the name is not one
    of the existing groups; it has a role; its scope filter can be OPATH."""
    if not keys.name_given:
        for key, given in (("roles", keys.roles), ("scopeFilter", keys.scope_filter is not None)):
            if given:
                late.at(_group_key(key)).fail(
                    _group_key(key),
                    f"is set, but {exchange_rbac.qualified('name')} is not",
                    "name the role group the stack owns in exchangeRoleGroups.name",
                )
        return None
    if keys.name is None:
        return None
    if keys.name.casefold() in {group.casefold() for group in existing}:
        late.at(_group_key("name")).fail(_group_key("name"), *exchange_rbac.taken(keys.name))
        return None
    if not keys.roles:
        late.at(_group_key("roles")).fail(
            _group_key("roles"),
            f"is empty, but the role group {keys.name} needs at least one role",
            'built-in Exchange Online management roles, e.g. ["Mail Recipients"]',
        )
    scope_filter = keys.scope_filter
    if scope_filter is not None:
        scoped_name_fits(late, keys.name)
        late.at(_group_key("scopeFilter"))
        scope_filter = exchange_rbac.check_scope_filter(late, scope_filter)
    return exchange_rbac.CustomRoleGroup(keys.name, keys.roles, scope_filter)


def scoped_name_fits(late: Reader, name: str) -> None:
    """The scope the stack makes is named '<name> write scope': that name, not only the
    group's, must fit Exchange's 64 characters."""
    limit = exchange_rbac.MAX_SCOPED_NAME_LENGTH
    if len(name) <= limit:
        return
    scope = f"{name}{exchange_rbac.SCOPE_SUFFIX}"
    late.at(_group_key("name")).fail(
        _group_key("name"),
        f"{name!r} is {len(name)} characters: with {exchange_rbac.qualified('scopeFilter')} "
        f"set the stack also makes the management scope {scope!r}, {len(scope)} characters, "
        f"and Exchange takes at most {exchange_rbac.MAX_NAME_LENGTH} for a scope's name; "
        f"e.g. {name[:limit].rstrip()!r}",
        f"at most {limit} characters while exchangeRoleGroups.scopeFilter is set (the scope's "
        f"name adds {exchange_rbac.SCOPE_SUFFIX!r})",
    )


def drop_needs_a_group(late: Reader, drop: bool) -> None:
    """dropDirectoryRoles only where a role group gives the app rights instead."""
    if drop:
        late.at(_GROUPS).fail(
            _group_key("dropDirectoryRoles"),
            "is true, but no role group gives the app rights in their place",
            f"{exchange_rbac.qualified('existing')} or {exchange_rbac.qualified('name')} "
            "with roles",
        )


def groups_in_cloud(late: Reader, cloud: Cloud, own: bool) -> None:
    """Role groups only in the clouds Microsoft documents them for apps."""
    if not cloud.exchange_role_groups:
        key = "name" if own else "existing"
        late.at(_GROUPS).fail(
            _group_key(key),
            f"Microsoft documents no Exchange role groups for apps in {cloud.title}",
            "directory roles (exo-cba:roles) in this cloud; role groups in "
            "public, gcc-high and dod",
        )


def drop_keeps_identities(late: Reader, drop: bool, identities: int) -> None:
    """The managed identities hold directory roles only: dropping them leaves them none."""
    if drop and identities:
        late.at(_GROUPS).fail(
            _group_key("dropDirectoryRoles"),
            "would leave exo-cba:managedIdentities without rights: role groups hold the app only",
            "false while managed identities are configured",
        )


def role_groups(
    late: Reader,
    keys: exchange_rbac.GroupKeys,
    cloud: Cloud,
    identities: tuple[ManagedIdentity, ...],
) -> exchange_rbac.ExchangeRoleGroups | None:
    """The Exchange role groups, or None when the stack uses none."""
    existing = organization_management(late, keys)
    custom = own_group(late, keys, existing)
    if not existing and custom is None:
        drop_needs_a_group(late, keys.drop_directory_roles)
        return None
    groups_in_cloud(late, cloud, custom is not None)
    drop_keeps_identities(late, keys.drop_directory_roles, len(identities))
    return exchange_rbac.ExchangeRoleGroups(
        existing,
        custom,
        keys.drop_directory_roles,
        keys.allow_organization_management,
        keys.propagation_seconds,
    )


def assigned_roles(
    configured: tuple[DirectoryRole, ...], groups: exchange_rbac.ExchangeRoleGroups | None
) -> tuple[DirectoryRole, ...]:
    """dropDirectoryRoles: the role groups alone authorize the app."""
    return () if groups is not None and groups.drop_directory_roles else configured
