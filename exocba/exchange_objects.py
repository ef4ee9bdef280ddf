"""Create, read, update and delete the Exchange objects behind the app's role groups.

The dynamic provider (components/exchange_rbac_provider.py) is a thin shell around this
module; everything here is plain Python over exocba/exchange_rest.py, so tests call
it against the Exchange stand-in without an engine. The rules, for every kind:
- create first reads: an existing object with the same properties is adopted
  (`madeByStack` false) instead of failing; one that differs is refused, saying what
  differs. Only a definite not-found counts as absent: a read that fails otherwise stops
  the run (a transient read error taken for "absent" made Microsoft365DSC re-create
  objects that existed, Microsoft365DSC #7124);
- update changes only the properties that differ;
- delete removes only what the stack made, and what is already gone is not an error;
- read returns what Exchange has, in the declared form where Exchange merely rewrote it
  (a filter in parentheses, roles in another order), so refresh shows real drift only.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from exocba import exchange_rest, naming
from exocba.exchange_rest import ExchangeClient, ExchangeError
from exocba.opath import normalize_filter

# For stand-ins and proxies: the admin REST host to call instead of the cloud's (the
# token is still asked for the cloud's Exchange resource, as `exoctl verify` does).
EXCHANGE_URL_VARIABLE = "EXO_CBA_EXCHANGE_URL"
# Waits between "not yet known" answers while a new app reaches Exchange:
# multiplier * 2^n seconds, at most WAIT_MAX, within the stack's propagationSeconds.
WAIT_MULTIPLIER = 0.25
WAIT_MAX = 30.0

SERVICE_PRINCIPAL = naming.SERVICE_PRINCIPAL_KIND
MANAGEMENT_SCOPE = naming.MANAGEMENT_SCOPE_KIND
ROLE_GROUP = naming.ROLE_GROUP_KIND
ROLE_GROUP_MEMBER = naming.ROLE_GROUP_MEMBER_KIND

# Properties whose change means another object (replace); the rest update in place.
IDENTITY = {
    SERVICE_PRINCIPAL: ("tenantId", "appId", "objectId"),
    MANAGEMENT_SCOPE: ("tenantId", "name"),
    ROLE_GROUP: ("tenantId", "name"),
    ROLE_GROUP_MEMBER: ("tenantId", "group", "memberObjectId"),
}
MUTABLE = {
    SERVICE_PRINCIPAL: ("displayName",),
    MANAGEMENT_SCOPE: ("recipientFilter",),
    ROLE_GROUP: ("roles", "writeScope", "description"),
    ROLE_GROUP_MEMBER: (),
}


def client(props: dict[str, Any]) -> ExchangeClient:
    resource, tenant = str(props["exchangeUrl"]), str(props["tenantId"])
    url = os.environ.get(EXCHANGE_URL_VARIABLE) or resource
    return ExchangeClient(url, tenant, lambda: exchange_rest.deployer_token(resource, tenant))


def _roles(values: Any) -> list[str]:
    return sorted({str(v) for v in values or []}, key=str.casefold)


def _same(kind: str, field: str, a: Any, b: Any) -> bool:
    if field == "recipientFilter":
        return normalize_filter(a) == normalize_filter(b)
    if field == "roles":
        return [r.casefold() for r in _roles(a)] == [r.casefold() for r in _roles(b)]
    return (a or "") == (b or "")


def diff(kind: str, olds: dict[str, Any], news: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(changed properties, those of them that need a new object)."""
    changed = [
        f for f in (*IDENTITY[kind], *MUTABLE[kind]) if not _same(kind, f, olds.get(f), news.get(f))
    ]
    return changed, [f for f in changed if f in IDENTITY[kind]]


def _absent(run: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
    """The rows, or None when Exchange says the object does not exist."""
    try:
        return run()
    except ExchangeError as error:
        if error.not_found:
            return None
        raise


def _while_unknown(seconds: float, step: Callable[[], Any], what: str) -> Any:
    """Run `step` again while Exchange does not know the app yet, for at most `seconds`."""
    from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential

    retrying = Retrying(
        retry=retry_if_exception(lambda e: isinstance(e, ExchangeError) and e.not_found),
        stop=stop_after_delay(max(0.0, seconds)),
        wait=wait_exponential(multiplier=WAIT_MULTIPLIER, max=WAIT_MAX),
        reraise=True,
    )
    try:
        return retrying(step)
    except ExchangeError as error:
        if not error.not_found:
            raise
        raise RuntimeError(
            f"{what}: Exchange still does not know the app after {int(seconds)} s "
            f"({error.reason}). "
            "A new app reaches Exchange through directory replication, which can take longer; "
            "run `pulumi up` again later, or raise exo-cba:exchangeRoleGroups.propagationSeconds"
        ) from None


# ---------------------------------------------------------------- service principal


def _read_principal(exchange: ExchangeClient, props: dict[str, Any]) -> dict[str, Any] | None:
    rows = _absent(lambda: exchange.run("Get-ServicePrincipal", {"Identity": props["objectId"]}))
    return rows[0] if rows else None


def _principal_outs(props: dict[str, Any], row: dict[str, Any], made: bool) -> dict[str, Any]:
    return {
        **props,
        "appId": str(row.get("AppId") or props["appId"]),
        "displayName": str(row.get("DisplayName") or ""),
        "identity": str(row.get("Identity") or row.get("Id") or ""),
        "madeByStack": made,
    }


def _exists_unseen(what: str) -> RuntimeError:
    return RuntimeError(
        f"Exchange answers that {what} already exists, but reading it back finds none "
        "(replication between Exchange's servers): run `pulumi up` again in a few minutes"
    )


def _create_principal(
    exchange: ExchangeClient, props: dict[str, Any], again: bool = True
) -> tuple[str, dict]:
    row = _read_principal(exchange, props)
    made = False
    if row is not None and str(row.get("AppId")) != props["appId"]:
        raise RuntimeError(
            f"Exchange holds object id {props['objectId']} for app {row.get('AppId')}, not "
            f"{props['appId']}: remove that service principal (Remove-ServicePrincipal) first"
        )
    if row is None:

        def new() -> list[dict[str, Any]]:
            return exchange.run(
                "New-ServicePrincipal",
                {
                    "AppId": props["appId"],
                    "ObjectId": props["objectId"],
                    "DisplayName": props["displayName"],
                },
            )

        try:
            rows = _while_unknown(
                float(props.get("propagationSeconds") or 0), new, "New-ServicePrincipal"
            )
            row, made = (rows[0] if rows else _read_principal(exchange, props) or {}), True
        except ExchangeError as error:
            if not error.already_exists:
                raise
            if not again:
                raise _exists_unseen(f"the service principal of app {props['appId']}") from None
            # There after all: a read that lagged, or a request of ours whose answer was
            # lost. Either way it goes through the existing-object path: compared, then
            # adopted, so destroy never removes what someone else may have made.
            return _create_principal(exchange, props, again=False)
    if str(row.get("DisplayName") or "") != props["displayName"]:
        exchange.run(
            "Set-ServicePrincipal",
            {"Identity": props["objectId"], "DisplayName": props["displayName"]},
        )
        row = {**row, "DisplayName": props["displayName"]}
    return str(props["objectId"]), _principal_outs(props, row, made)


# ---------------------------------------------------------------- management scope


def _read_scope(exchange: ExchangeClient, name: str) -> dict[str, Any] | None:
    rows = _absent(lambda: exchange.run("Get-ManagementScope", {"Identity": name}))
    return rows[0] if rows else None


def _scope_outs(props: dict[str, Any], row: dict[str, Any], made: bool) -> dict[str, Any]:
    current = str(row.get("RecipientFilter") or "")
    declared = str(props.get("recipientFilter") or "")
    keep = declared if normalize_filter(current) == normalize_filter(declared) else current
    return {**props, "recipientFilter": keep, "madeByStack": made}


def _create_scope(
    exchange: ExchangeClient, props: dict[str, Any], again: bool = True
) -> tuple[str, dict]:
    name, wanted = str(props["name"]), str(props["recipientFilter"])
    row = _read_scope(exchange, name)
    if row is not None:
        if normalize_filter(row.get("RecipientFilter")) != normalize_filter(wanted):
            raise RuntimeError(
                f"management scope {name!r} exists with the filter {row.get('RecipientFilter')!r}, "
                f"not {wanted!r}: other role assignments may use it; rename the role group "
                "(exo-cba:exchangeRoleGroups.name) or change the scope by hand to match"
            )
        return name, _scope_outs(props, row, False)
    parameters = {"Name": name, "RecipientRestrictionFilter": wanted}
    try:
        rows = exchange.run("New-ManagementScope", parameters)
    except ExchangeError as error:
        if not error.already_exists:
            raise
        if not again:
            raise _exists_unseen(f"management scope {name!r}") from None
        return _create_scope(exchange, props, again=False)  # as for the principal
    return name, _scope_outs(props, rows[0] if rows else {"RecipientFilter": wanted}, True)


# ---------------------------------------------------------------- role group


def _read_group(exchange: ExchangeClient, name: str) -> dict[str, Any] | None:
    rows = _absent(lambda: exchange.run("Get-RoleGroup", {"Identity": name}))
    if not rows:
        return None
    assignments = exchange.run("Get-ManagementRoleAssignment", {"RoleAssignee": name})
    return {**rows[0], "assignments": assignments}


def _group_state(row: dict[str, Any]) -> tuple[list[str], str]:
    """(roles, write scope) as the role assignments say; one scope for all, or a marker."""
    assignments = row.get("assignments") or []
    roles = _roles(a.get("Role") for a in assignments) or _roles(row.get("Roles"))
    scopes = {str(a.get("CustomRecipientWriteScope") or "") for a in assignments}
    scope = scopes.pop() if len(scopes) == 1 else ("(mixed)" if scopes else "")
    return roles, scope


def _group_outs(props: dict[str, Any], row: dict[str, Any], made: bool) -> dict[str, Any]:
    roles, scope = _group_state(row)
    declared = _roles(props.get("roles"))
    same = [r.casefold() for r in roles] == [r.casefold() for r in declared]
    return {
        **props,
        "roles": declared if same else roles,
        "writeScope": scope,
        "description": str(row.get("Description") or ""),
        "madeByStack": made,
    }


def _create_group(
    exchange: ExchangeClient, props: dict[str, Any], again: bool = True
) -> tuple[str, dict]:
    name = str(props["name"])
    row = _read_group(exchange, name)
    if row is not None:
        outs = _group_outs(props, row, False)
        changed, _ = diff(ROLE_GROUP, outs, props)
        if [f for f in changed if f != "description"]:
            raise RuntimeError(
                f"role group {name!r} exists with roles {', '.join(outs['roles']) or 'none'} and "
                f"write scope {outs['writeScope'] or 'none'}; the stack declares "
                f"{', '.join(_roles(props['roles']))} on {props.get('writeScope') or 'no scope'}: "
                "rename exo-cba:exchangeRoleGroups.name, or make the group match by hand"
            )
        if "description" in changed:
            exchange.run("Set-RoleGroup", {"Identity": name, "Description": props["description"]})
            outs["description"] = props["description"]
        return name, outs
    parameters: dict[str, Any] = {"Name": name, "Roles": _roles(props["roles"])}
    if props.get("description"):
        parameters["Description"] = props["description"]
    if props.get("writeScope"):
        parameters["CustomRecipientWriteScope"] = props["writeScope"]
    try:
        exchange.run("New-RoleGroup", parameters)
    except ExchangeError as error:
        if not error.already_exists:
            raise
        if not again:
            raise _exists_unseen(f"role group {name!r}") from None
        return _create_group(exchange, props, again=False)  # as for the principal
    return name, _group_outs(props, _read_group(exchange, name) or {}, True)


def _update_group(
    exchange: ExchangeClient, olds: dict[str, Any], news: dict[str, Any]
) -> dict[str, Any]:
    name = str(news["name"])
    row = _read_group(exchange, name)
    if row is None:
        raise RuntimeError(f"role group {name!r} is gone: run `pulumi refresh`, then `pulumi up`")
    wanted = {r.casefold(): r for r in _roles(news["roles"])}
    scope = str(news.get("writeScope") or "")
    for assignment in row.get("assignments") or []:
        role = str(assignment.get("Role"))
        if role.casefold() not in wanted:
            # Not-found is done: removed by a request whose answer was lost and retried.
            _absent(
                lambda name=assignment["Name"]: exchange.run(
                    "Remove-ManagementRoleAssignment", {"Identity": name, "Confirm": False}
                )
            )
            continue
        wanted.pop(role.casefold())
        if str(assignment.get("CustomRecipientWriteScope") or "") != scope:
            change = (
                {"CustomRecipientWriteScope": scope}
                if scope
                else {"RecipientRelativeWriteScope": "Organization"}
            )
            exchange.run("Set-ManagementRoleAssignment", {"Identity": assignment["Name"], **change})
    for role in wanted.values():
        parameters: dict[str, Any] = {"SecurityGroup": name, "Role": role}
        if scope:
            parameters["CustomRecipientWriteScope"] = scope
        try:
            exchange.run("New-ManagementRoleAssignment", parameters)
        except ExchangeError as error:
            # Made by a request whose answer was lost and then retried; the read below
            # reports the scope it has.
            if not error.already_exists:
                raise
    if str(row.get("Description") or "") != str(news.get("description") or ""):
        exchange.run("Set-RoleGroup", {"Identity": name, "Description": news["description"]})
    made = bool(olds.get("madeByStack"))
    return _group_outs(news, _read_group(exchange, name) or {}, made)


# ---------------------------------------------------------------- membership


def _is_member(exchange: ExchangeClient, props: dict[str, Any]) -> bool | None:
    """True, False, or None when the group itself does not exist."""
    rows = _absent(lambda: exchange.run("Get-RoleGroupMember", {"Identity": props["group"]}))
    if rows is None:
        return None
    wanted = str(props["memberObjectId"])
    return any(
        wanted in (str(r.get("ExternalDirectoryObjectId")), str(r.get("Name"))) for r in rows
    )


def _create_member(exchange: ExchangeClient, props: dict[str, Any]) -> tuple[str, dict]:
    group, member = str(props["group"]), str(props["memberObjectId"])
    found = _is_member(exchange, props)
    if found is None:
        raise RuntimeError(
            f"role group {group!r} does not exist in Exchange: check "
            "exo-cba:exchangeRoleGroups.existing (names as Get-RoleGroup shows them)"
        )
    made = False
    if not found:

        def add() -> list[dict[str, Any]]:
            return exchange.run("Add-RoleGroupMember", {"Identity": group, "Member": member})

        try:
            _while_unknown(float(props.get("propagationSeconds") or 0), add, "Add-RoleGroupMember")
            made = True
        except ExchangeError as error:
            if not error.already_exists:
                raise
            # A member after all (see the principal): adopted, never removed by the stack.
    return f"{group}/{member}", {**props, "madeByStack": made}


# ---------------------------------------------------------------- the four operations


def create(kind: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    exchange = client(props)
    return {
        SERVICE_PRINCIPAL: _create_principal,
        MANAGEMENT_SCOPE: _create_scope,
        ROLE_GROUP: _create_group,
        ROLE_GROUP_MEMBER: _create_member,
    }[kind](exchange, props)


def read(kind: str, id_: str, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """("", {}) when the object is gone: the engine then drops it from state."""
    exchange = client(props)
    made = bool(props.get("madeByStack"))
    if kind == SERVICE_PRINCIPAL:
        row = _read_principal(exchange, props)
        return (id_, _principal_outs(props, row, made)) if row else ("", {})
    if kind == MANAGEMENT_SCOPE:
        row = _read_scope(exchange, str(props["name"]))
        return (id_, _scope_outs(props, row, made)) if row else ("", {})
    if kind == ROLE_GROUP:
        row = _read_group(exchange, str(props["name"]))
        return (id_, _group_outs(props, row, made)) if row else ("", {})
    return (id_, dict(props)) if _is_member(exchange, props) else ("", {})


def update(kind: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    exchange = client(news)
    made = bool(olds.get("madeByStack"))
    if kind == SERVICE_PRINCIPAL:
        parameters = {"Identity": news["objectId"], "DisplayName": news["displayName"]}
        exchange.run("Set-ServicePrincipal", parameters)
        return {**olds, **news, "madeByStack": made}
    if kind == MANAGEMENT_SCOPE:
        exchange.run(
            "Set-ManagementScope",
            {"Identity": news["name"], "RecipientRestrictionFilter": news["recipientFilter"]},
        )
        return {**news, "madeByStack": made}
    if kind == ROLE_GROUP:
        return _update_group(exchange, olds, news)
    return {**news, "madeByStack": made}


def delete(kind: str, props: dict[str, Any]) -> None:
    if not props.get("madeByStack"):
        return  # adopted: it was there before the stack, and stays
    exchange = client(props)
    cmdlet, parameters = {
        SERVICE_PRINCIPAL: ("Remove-ServicePrincipal", {"Identity": props.get("objectId")}),
        MANAGEMENT_SCOPE: ("Remove-ManagementScope", {"Identity": props.get("name")}),
        ROLE_GROUP: ("Remove-RoleGroup", {"Identity": props.get("name")}),
        ROLE_GROUP_MEMBER: (
            "Remove-RoleGroupMember",
            {"Identity": props.get("group"), "Member": props.get("memberObjectId")},
        ),
    }[kind]
    try:
        exchange.run(cmdlet, {**parameters, "Confirm": False})
    except ExchangeError as error:
        if not error.not_found:
            raise
