"""The Graph reads adopt makes: the app, its service principal, and each managed identity."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from exocba.clouds import Cloud
from exocba.wellknown import EXCHANGE_ONLINE_APP_ID, SIGN_IN_AUDIENCE_SINGLE_TENANT
from exoctl.adoption.model import AdoptRefused, Identity, Tenant
from exoctl.graph import Graph, GraphError


def _get(graph: Graph, path: str, missing: str) -> dict[str, Any]:
    try:
        return graph.get(path)
    except GraphError as error:
        if error.status == 404:
            raise AdoptRefused(missing) from None
        raise AdoptRefused(str(error)) from None


def _list(graph: Graph, path: str) -> list[dict[str, Any]]:
    try:
        return graph.list(path)
    except GraphError as error:
        raise AdoptRefused(str(error)) from None


def read_tenant(graph: Graph, app_id: str, tenant_id: str | None, cloud: Cloud) -> Tenant:
    key = f"(appId='{quote(app_id)}')"
    where = f"in tenant {tenant_id}" if tenant_id else "in the signed-in tenant"
    app = _get(
        graph,
        f"applications{key}?$select=id,appId,displayName,signInAudience,notes,"
        "passwordCredentials,keyCredentials,requiredResourceAccess",
        f"no application with appId {app_id} {where}",
    )
    audience = app.get("signInAudience")
    if audience != SIGN_IN_AUDIENCE_SINGLE_TENANT:
        raise AdoptRefused(
            f"app {app_id} is multi-tenant (signInAudience {audience}); the stack manages "
            f"single-tenant apps ({SIGN_IN_AUDIENCE_SINGLE_TENANT}): make it single tenant in "
            "Entra ID first, or let the stack create a new app"
        )
    sp = _get(
        graph,
        f"servicePrincipals{key}?$select=id,appId,appOwnerOrganizationId,passwordCredentials,"
        "keyCredentials,notes",
        f"app {app_id} has no service principal {where}, so it has no consent or role to "
        "adopt; let the stack create the app instead",
    )
    exchange = _get(
        graph,
        f"servicePrincipals(appId='{EXCHANGE_ONLINE_APP_ID}')?$select=id",
        "the tenant has no Office 365 Exchange Online service principal",
    )
    compliance_sp_id = None
    if cloud.security_compliance_permission:
        resource = cloud.security_compliance_permission[0]
        try:
            compliance_sp_id = graph.get(f"servicePrincipals(appId='{resource}')?$select=id")["id"]
        except GraphError as error:
            if error.status != 404:
                raise AdoptRefused(str(error)) from None
    principal = f"$filter=principalId eq '{sp['id']}'"
    initial, note = None, None
    try:
        initial = next(
            (d["id"] for d in graph.list("domains?$select=id,isInitial") if d.get("isInitial")),
            None,
        )
    except GraphError as error:
        note = f"the initial domain could not be read ({error}); the program reads it at deploy"
    return Tenant(
        tenant_id=tenant_id or str(sp.get("appOwnerOrganizationId") or ""),
        app=app,
        sp=sp,
        exchange_sp_id=exchange["id"],
        compliance_sp_id=compliance_sp_id,
        app_role_assignments=_list(graph, f"servicePrincipals/{sp['id']}/appRoleAssignments"),
        role_assignments=_list(graph, f"roleManagement/directory/roleAssignments?{principal}"),
        app_owners=sorted(
            o["id"] for o in _list(graph, f"applications/{app['id']}/owners?$select=id")
        ),
        sp_owners=sorted(
            o["id"] for o in _list(graph, f"servicePrincipals/{sp['id']}/owners?$select=id")
        ),
        initial_domain=initial,
        domain_note=note,
    )


def read_identity(graph: Graph, object_id: str, user_assigned: bool) -> Identity:
    sp = _get(
        graph,
        f"servicePrincipals/{object_id}?$select=id,appId,displayName,servicePrincipalType",
        f"no service principal with object id {object_id}",
    )
    if sp.get("servicePrincipalType") != "ManagedIdentity":
        raise AdoptRefused(
            f"{object_id} ({sp.get('displayName')}) is of type {sp.get('servicePrincipalType')}, "
            "not a managed identity"
        )
    principal = f"$filter=principalId eq '{object_id}'"
    return Identity(
        object_id=object_id,
        user_assigned=user_assigned,
        display_name=str(sp.get("displayName") or ""),
        app_role_assignments=_list(graph, f"servicePrincipals/{object_id}/appRoleAssignments"),
        role_assignments=_list(graph, f"roleManagement/directory/roleAssignments?{principal}"),
    )
