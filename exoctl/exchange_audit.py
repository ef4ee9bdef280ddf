"""`exoctl audit`, Exchange's part: what the app holds through Exchange role groups.

Graph cannot see Exchange RBAC and no token claim shows it, so this reads Exchange's
admin REST endpoint (exocba/exchange_rest.py) with the deployer's sign-in: the app's
Exchange service principal, every role group it is a member of, the roles and write scope
of the group the stack owns, and any role assigned to the app directly. Memberships the
stack declares are listed as information; everything else is a finding.
"""

from __future__ import annotations

from typing import Any

from exocba import exchange_rest
from exocba.exchange_rest import ExchangeClient, ExchangeError
from exocba.opath import normalize_filter
from exoctl.audit import Finding

KIND = "exchangeServicePrincipal"


def _matches(row: dict[str, Any], ids: set[str]) -> bool:
    return bool(
        {str(row.get(k) or "") for k in ("ExternalDirectoryObjectId", "Name", "Identity")} & ids
    )


def _memberships(client: ExchangeClient, principal: dict[str, Any]) -> list[tuple[str, str]]:
    """(group, its roles as text) for every role group the service principal is in."""
    ids = {str(principal.get(k) or "") for k in ("Identity", "Name", "ObjectId", "Id")} - {""}
    found = []
    for group in client.run("Get-RoleGroup"):
        name = str(group.get("Name"))
        members = client.run("Get-RoleGroupMember", {"Identity": name})
        if any(_matches(m, ids) for m in members):
            roles = ", ".join(sorted(str(r) for r in group.get("Roles") or [])) or "no roles"
            found.append((name, roles))
    return found


def memberships(client: ExchangeClient, object_id: str) -> list[str] | None:
    """The role groups holding the app, or None when Exchange does not know it."""
    try:
        rows = client.run("Get-ServicePrincipal", {"Identity": object_id})
    except ExchangeError as error:
        if error.not_found:
            return None
        raise
    return [name for name, _ in _memberships(client, rows[0])] if rows else None


def client_for(exchange_url: str, resource: str, tenant: str) -> ExchangeClient:
    return ExchangeClient(
        exchange_url, tenant, lambda: exchange_rest.deployer_token(resource, tenant)
    )


def audit_exchange(
    client: ExchangeClient, object_id: str, declared: dict[str, Any] | None
) -> list[Finding]:
    """Raises ExchangeError when Exchange cannot be read (the caller makes it an error)."""
    declared = declared or {}
    groups = {str(g).casefold() for g in declared.get("groups") or []}
    try:
        (principal,) = client.run("Get-ServicePrincipal", {"Identity": object_id})[:1]
    except ExchangeError as error:
        if not error.not_found:
            raise
        if not groups:
            return []
        return [
            Finding(
                "exchange_service_principal",
                KIND,
                object_id,
                "Exchange does not know the app: its role group memberships are gone",
                "run `pulumi up --refresh`: the refresh finds them gone and the update makes the "
                "service principal and memberships again",
            )
        ]
    findings: list[Finding] = []
    for name, roles in _memberships(client, principal):
        if name.casefold() in groups:
            findings.append(
                Finding(
                    "exchange_role_group",
                    KIND,
                    object_id,
                    f"member of role group {name} ({roles}), declared",
                    "",
                    severity="info",
                )
            )
            continue
        findings.append(
            Finding(
                "exchange_role_group",
                KIND,
                object_id,
                f"member of role group {name} ({roles}) outside exo-cba:exchangeRoleGroups",
                f"Remove-RoleGroupMember -Identity '{name}' -Member {object_id}; or carry it into "
                "the stack (`exoctl adopt --exchange`, exchangeRoleGroups.existing)",
            )
        )
    custom = declared.get("custom") or None
    if custom:
        findings += _custom_group(client, object_id, custom)
        findings += _write_scope(client, custom)
    for assignment in client.run("Get-ManagementRoleAssignment", {"RoleAssignee": object_id}):
        findings.append(
            Finding(
                "exchange_role_assignment",
                KIND,
                object_id,
                f"role {assignment.get('Role')} assigned to the app directly "
                f"(write scope {assignment.get('CustomRecipientWriteScope') or 'organization'})",
                f"Remove-ManagementRoleAssignment -Identity '{assignment.get('Name')}'; the stack "
                "grants roles through its role group only",
            )
        )
    return findings


def _custom_group(client: ExchangeClient, object_id: str, custom: dict[str, Any]) -> list[Finding]:
    """Roles or scopes added by hand to the group the stack owns."""
    name, scope = str(custom["name"]), str(custom.get("writeScope") or "")
    wanted = {str(r).casefold() for r in custom.get("roles") or []}
    found: list[Finding] = []
    try:
        assignments = client.run("Get-ManagementRoleAssignment", {"RoleAssignee": name})
    except ExchangeError as error:
        if error.not_found:
            return []  # the group is gone: drift (refresh) reports it
        raise
    for assignment in assignments:
        role = str(assignment.get("Role"))
        actual = str(assignment.get("CustomRecipientWriteScope") or "")
        if role.casefold() not in wanted:
            found.append(
                Finding(
                    "exchange_role_assignment",
                    "roleGroup",
                    name,
                    f"role {role} on the stack's role group {name} is not in "
                    "exchangeRoleGroups.roles",
                    f"Remove-ManagementRoleAssignment -Identity '{assignment.get('Name')}', or add "
                    "the role to exchangeRoleGroups.roles",
                )
            )
        elif actual != scope:
            found.append(
                Finding(
                    "exchange_write_scope",
                    "roleGroup",
                    name,
                    f"role {role} on {name} writes to {actual or 'the whole organization'}, not "
                    f"the stack's scope {scope or '(none)'}",
                    "run `pulumi up --refresh`: the refresh reads the assignment and the "
                    "update sets the declared scope again",
                )
            )
    return found


def _write_scope(client: ExchangeClient, custom: dict[str, Any]) -> list[Finding]:
    """The scope the stack owns, widened or removed by hand: a filter that differs from
    exchangeRoleGroups.scopeFilter lets the group's roles reach recipients nobody declared."""
    scope = str(custom.get("writeScope") or "")
    if not scope:
        return []
    declared = str(custom.get("scopeFilter") or "")
    try:
        rows = client.run("Get-ManagementScope", {"Identity": scope})
    except ExchangeError as error:
        if not error.not_found:
            raise
        rows = []
    if not rows:
        return [
            Finding(
                "exchange_write_scope",
                "managementScope",
                scope,
                f"the stack's management scope {scope} is gone: the role group "
                f"{custom['name']} no longer bounds its roles to {declared!r}",
                "run `pulumi up --refresh`: the refresh finds the scope gone and the update "
                "makes it again",
            )
        ]
    # Get-ManagementScope shows the RecipientRestrictionFilter as RecipientFilter, in
    # Exchange's own form (in parentheses): compared normalized, as refresh does.
    actual = str(rows[0].get("RecipientFilter") or "")
    if normalize_filter(actual) == normalize_filter(declared):
        return []
    return [
        Finding(
            "exchange_write_scope",
            "managementScope",
            scope,
            f"the stack's management scope {scope} filters {actual or '(nothing)'}, not "
            f"exchangeRoleGroups.scopeFilter {declared!r}: a scope granted outside the stack",
            "run `pulumi up --refresh`: the refresh reads the filter and the update sets the "
            "declared one again",
        )
    ]


def run(
    exchange_url: str, resource: str, outputs: dict[str, Any]
) -> tuple[list[Finding], list[str]]:
    """(findings, errors) for a deployed stack's outputs."""
    tenant = str(outputs["tenantId"])
    client = client_for(exchange_url, resource, tenant)
    object_id = str(outputs.get("servicePrincipalObjectId") or "")
    if not object_id:
        return [], ["Exchange role groups: the stack has no output servicePrincipalObjectId"]
    try:
        return audit_exchange(client, object_id, outputs.get("exchangeRoleGroups")), []
    except ExchangeError as error:
        return [], [f"Exchange role groups: {error}"]
    except Exception as error:  # azure-identity and requests raise many kinds
        from exoctl.errors import first_line

        return [], [f"Exchange role groups: cannot read Exchange: {first_line(error)}"]
