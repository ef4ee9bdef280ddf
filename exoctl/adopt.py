"""`exoctl adopt`: bring a hand-made Exchange app under a stack, with nothing lost.

Reads the app, its service principal, the consent, the directory roles and the
owners through Microsoft Graph (the client audit uses), then writes:
- `Pulumi.<stack>.yaml` set to what the tenant has now, so the first preview after
  import changes as little as possible;
- a `pulumi import --file` document (pkg/cmd/pulumi/operations/import.go,
  importFile/importSpec) whose every entry lands at the URN the program registers:
  the same component parent, the same resource names.

Hand-made certificates are not imported: they stay registered and keep working,
are recorded in `exo-cba:adoptedCertificates`, and the stack adds its own. Client
secrets are never imported; they are findings to remove.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from exocba import naming
from exocba.clouds import PUBLIC, Cloud
from exocba.consents import compliance_consent, stack_consents
from exocba.wellknown import (
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_ONLINE_APP_ID,
    GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
    ROLES_BY_TEMPLATE_ID,
    SIGN_IN_AUDIENCE_SINGLE_TENANT,
    DirectoryRole,
)
from exoctl.audit import thumbprint_of
from exoctl.errors import EXIT_USAGE, ExoctlError
from exoctl.graph import Graph, GraphError

# What the program registers (components/exchange_app.py); the test compares the
# URNs this file implies with the ones the program registers on the mock engine.
COMPONENT_TYPE = naming.EXCHANGE_ONLINE_APP
COMPONENT_NAME = naming.APP_NAME
APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
DIRECTORY_ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment"
TENANT_WIDE = "/"


class AdoptRefused(ExoctlError):
    """Adoption cannot go ahead; nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(f"adopt: {message}", EXIT_USAGE)


@dataclass
class Tenant:
    """What Graph says exists for the app."""

    tenant_id: str
    app: dict[str, Any]
    sp: dict[str, Any]
    exchange_sp_id: str
    compliance_sp_id: str | None
    app_role_assignments: list[dict[str, Any]]
    role_assignments: list[dict[str, Any]]
    app_owners: list[str]
    sp_owners: list[str]
    initial_domain: str | None
    domain_note: str | None = None


@dataclass
class Identity:
    """A managed identity granted Exchange access by hand, to adopt too."""

    object_id: str
    user_assigned: bool
    display_name: str
    app_role_assignments: list[dict[str, Any]]
    role_assignments: list[dict[str, Any]]


@dataclass
class Adoption:
    stack: str
    config: dict[str, Any]
    import_file: dict[str, Any]
    commands: list[str]
    first_preview: list[str] = field(default_factory=list)
    unmanaged: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    def document(self, files: dict[str, str]) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "files": files,
            "config": self.config,
            "import": self.import_file,
            "commands": self.commands,
            "firstPreview": self.first_preview,
            "unmanaged": self.unmanaged,
            "findings": self.findings,
        }


def check_guid(value: str, flag: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise AdoptRefused(f"{flag} {value!r} is not a GUID") from None


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


def _adopt_identity(
    identity: Identity,
    exchange_sp_id: str,
    roles: list[DirectoryRole],
    plan: Adoption,
) -> list[dict[str, Any]]:
    """Import entries for a managed identity's existing grants, at the program's URNs."""
    from components.managed_identity import identity_resource_name

    name = identity_resource_name(identity.object_id)
    entries: list[dict[str, Any]] = [
        {"type": naming.MANAGED_IDENTITY_ACCESS, "name": name, "component": True}
    ]
    label = f"managed identity {identity.display_name or identity.object_id}"
    consent = next(
        (
            a
            for a in identity.app_role_assignments
            if a.get("resourceId") == exchange_sp_id
            and str(a.get("appRoleId", "")).lower() == EXCHANGE_MANAGE_AS_APP_ROLE_ID
        ),
        None,
    )
    if consent is not None:
        entries.append(
            {
                **_consent_entry("exchange-consent", exchange_sp_id, consent),
                "name": f"{name}-exchange-consent",
                "parent": name,
            }
        )
    else:
        plan.first_preview.append(f"{label} will be granted Exchange.ManageAsApp")
    for other in identity.app_role_assignments:
        if other is not consent:
            plan.unmanaged.append(
                f"{label} holds app role {other.get('appRoleId')} on "
                f"{other.get('resourceDisplayName') or other.get('resourceId')}: it is not "
                "imported; `exoctl audit` reports it"
            )
    held = {
        str(a.get("roleDefinitionId", "")).lower(): a
        for a in identity.role_assignments
        if (a.get("directoryScopeId") or TENANT_WIDE) == TENANT_WIDE
    }
    for role in roles:
        assignment = held.pop(role.template_id, None)
        if assignment is None:
            plan.first_preview.append(f"{label} will be assigned {role.name}")
            continue
        entries.append(
            {
                "type": DIRECTORY_ROLE_ASSIGNMENT,
                "name": f"{name}-role-{_role_slug(role)}",
                "id": role_assignment_import_id(assignment),
                "parent": name,
            }
        )
    for template in sorted(held):
        plan.unmanaged.append(
            f"{label} holds directory role {template} outside exo-cba:roles: it is not imported; "
            "`exoctl audit` reports it"
        )
    return entries


def _role_slug(role: DirectoryRole) -> str:
    from components.grants import role_slug

    return role_slug(role)


def _carried_roles(tenant: Tenant, plan: Adoption) -> list[tuple[DirectoryRole, dict[str, Any]]]:
    carried: list[tuple[DirectoryRole, dict[str, Any]]] = []
    for assignment in sorted(tenant.role_assignments, key=lambda a: a.get("roleDefinitionId", "")):
        template = str(assignment.get("roleDefinitionId", "")).lower()
        scope = assignment.get("directoryScopeId") or TENANT_WIDE
        role = ROLES_BY_TEMPLATE_ID.get(template)
        label = f"{role.name} ({template})" if role else template
        if scope != TENANT_WIDE:
            plan.unmanaged.append(
                f"directory role {label} at scope {scope} is not carried (the stack assigns "
                "roles tenant-wide): it stays assigned outside the stack and `exoctl audit` "
                "reports it; remove it when the tenant-wide role works"
            )
        elif template == GLOBAL_ADMINISTRATOR_TEMPLATE_ID:
            plan.unmanaged.append(
                f"directory role {label} is not carried into exo-cba:roles: it stays assigned "
                "outside the stack and `exoctl audit` reports it. Exchange Administrator covers "
                "every Exchange Online task; add it to exo-cba:roles, verify, then remove Global "
                "Administrator in Entra ID (or set exo-cba:allowGlobalAdministrator and add it)"
            )
        elif role is None:
            plan.unmanaged.append(
                f"directory role {label} is not one Exchange Online app-only access honours, so "
                "it is not carried: it stays assigned outside the stack and `exoctl audit` "
                "reports it; remove it in Entra ID"
            )
        elif role in [r for r, _ in carried]:
            continue
        else:
            carried.append((role, assignment))
    return carried


def _permissions(tenant: Tenant, plan: Adoption, wanted: set[tuple[str, str]]) -> None:
    present: set[tuple[str, str]] = set()
    for resource in tenant.app.get("requiredResourceAccess") or []:
        resource_app = str(resource.get("resourceAppId", "")).lower()
        for access in resource.get("resourceAccess") or []:
            key = (resource_app, str(access.get("id", "")).lower())
            if key in wanted and access.get("type") == "Role":
                present.add(key)
                continue
            plan.first_preview.append(
                f"API permission {access.get('id')} ({access.get('type')}) on {resource_app} "
                "will be removed from the app registration (requiredResourceAccess); a consent "
                "already granted for it stays until you revoke it"
            )
    for resource_app, role in sorted(wanted - present):
        plan.first_preview.append(
            f"API permission {role} (Role) on {resource_app} will be requested by the app"
        )


def plan_adoption(
    tenant: Tenant,
    stack: str,
    cloud: Cloud,
    now: dt.datetime,
    identities: list[Identity] | None = None,
) -> Adoption:
    from components.exchange_app import NOTES
    from exocba.rotation import first_generation, generation_name

    plan = Adoption(stack=stack, config={}, import_file={}, commands=[])
    roles = _carried_roles(tenant, plan)
    compliance = compliance_consent(cloud, [r for r, _ in roles])
    _permissions(tenant, plan, stack_consents(cloud, [r for r, _ in roles]))

    entries: list[dict[str, Any]] = [
        {"type": COMPONENT_TYPE, "name": COMPONENT_NAME, "component": True},
        {
            "type": APPLICATION,
            "name": f"{COMPONENT_NAME}-app",
            "id": f"/applications/{tenant.app['id']}",
            "parent": COMPONENT_NAME,
        },
        {
            "type": SERVICE_PRINCIPAL,
            "name": f"{COMPONENT_NAME}-sp",
            "id": f"/servicePrincipals/{tenant.sp['id']}",
            "parent": COMPONENT_NAME,
        },
    ]
    consents = {
        (a.get("resourceId"), str(a.get("appRoleId", "")).lower()): a
        for a in tenant.app_role_assignments
    }
    exchange = consents.pop((tenant.exchange_sp_id, EXCHANGE_MANAGE_AS_APP_ROLE_ID), None)
    if exchange is not None:
        entries.append(_consent_entry("exchange-consent", tenant.exchange_sp_id, exchange))
    else:
        plan.first_preview.append(
            "admin consent for Exchange.ManageAsApp will be granted (exo-exchange-consent is "
            "created): the app has none today"
        )
    if compliance and tenant.compliance_sp_id:
        role_id = compliance[1]
        found = consents.pop((tenant.compliance_sp_id, role_id), None)
        if found is not None:
            entries.append(_consent_entry("compliance-consent", tenant.compliance_sp_id, found))
        else:
            plan.first_preview.append(
                "consent for Security & Compliance (GCC High/DoD) will be granted "
                "(exo-compliance-consent is created)"
            )
    for assignment in consents.values():
        plan.findings.append(
            f"consented app role {assignment.get('appRoleId')} on "
            f"{assignment.get('resourceDisplayName') or assignment.get('resourceId')} is not "
            "imported: revoke it (Enterprise applications > Permissions); `exoctl audit` reports it"
        )
    for role, assignment in roles:
        entries.append(
            {
                "type": DIRECTORY_ROLE_ASSIGNMENT,
                "name": f"{COMPONENT_NAME}-role-{_role_slug(role)}",
                "id": role_assignment_import_id(assignment),
                "parent": COMPONENT_NAME,
            }
        )
    if not roles:
        plan.first_preview.append(
            "no directory role is assigned (exo-cba:roles is []): Exchange answers 403 unless "
            "an Exchange role group grants the app rights; add Exchange Administrator to "
            "exo-cba:roles to have the stack assign it"
        )

    if (tenant.app.get("notes") or "") != NOTES:
        plan.first_preview.append(f"the app's notes will be set to {NOTES!r}")
    if (tenant.sp.get("notes") or "") != NOTES:
        plan.first_preview.append(f"the service principal's notes will be set to {NOTES!r}")
    if tenant.sp_owners != tenant.app_owners:
        plan.first_preview.append(
            "the service principal's owners will become the app's owners (exo-cba:owners): "
            f"{', '.join(tenant.app_owners) or 'none'}"
        )
    generation = first_generation(now)
    plan.first_preview.append(
        f"a first certificate generation ({naming.CREDENTIALS_NAME}-{generation_name(generation)})"
        " will be created "
        "and become active; the hand-made certificates stay registered"
    )
    plan.first_preview.append(
        "`pulumi import` protects what it imports; the first `pulumi up` keeps the app and its "
        "service principal protected (exo-cba:protect) and unprotects the consent and role "
        "assignments, as the program declares them"
    )

    for identity in identities or []:
        entries += _adopt_identity(identity, tenant.exchange_sp_id, [r for r, _ in roles], plan)

    adopted = _certificates(tenant, plan)
    _secrets(tenant, plan)

    config: dict[str, Any] = {"azuread:tenantId": tenant.tenant_id}
    if cloud is not PUBLIC:
        config["azuread:environment"] = cloud.azuread_environments[0]
    config["exo-cba:displayName"] = tenant.app.get("displayName") or "Exchange Online automation"
    config["exo-cba:roles"] = [role.name for role, _ in roles]
    config["exo-cba:owners"] = tenant.app_owners
    if tenant.initial_domain:
        config["exo-cba:organization"] = tenant.initial_domain
    elif tenant.domain_note:
        plan.unmanaged.append(tenant.domain_note)
    config["exo-cba:adoptedCertificates"] = adopted
    for key, user_assigned in (("managedIdentities", False), ("userAssignedIdentities", True)):
        chosen = [i.object_id for i in identities or [] if i.user_assigned == user_assigned]
        if chosen:
            config[f"exo-cba:{key}"] = chosen
    config["exo-cba:protect"] = True
    plan.config = config
    plan.import_file = {"nameTable": {}, "resources": entries}
    return plan


def role_assignment_import_id(assignment: dict[str, Any]) -> str:
    """azuread's DirectoryRoleAssignment id: `/roleManagement/directory/roleAssignments/{id}`.

    The provider's importer validates that form (stable.ValidateRoleManagementDirectory-
    RoleAssignmentID, terraform-provider-azuread v3; its state upgrader turns v2's bare
    ids into it); Graph lists the bare assignment id.
    """
    return f"/roleManagement/directory/roleAssignments/{assignment['id']}"


def _consent_entry(suffix: str, resource_sp_id: str, assignment: dict[str, Any]) -> dict[str, Any]:
    # azuread's AppRoleAssignment import id (provider docs, "Import").
    return {
        "type": APP_ROLE_ASSIGNMENT,
        "name": f"{COMPONENT_NAME}-{suffix}",
        "id": f"/servicePrincipals/{resource_sp_id}/appRoleAssignedTo/{assignment['id']}",
        "parent": COMPONENT_NAME,
    }


def _certificates(tenant: Tenant, plan: Adoption) -> list[str]:
    adopted: list[str] = []
    for credential in sorted(
        tenant.app.get("keyCredentials") or [], key=lambda c: str(c.get("endDateTime"))
    ):
        thumbprint = thumbprint_of(credential)
        ends = str(credential.get("endDateTime", "?"))[:10]
        name = credential.get("displayName") or "no name"
        if thumbprint:
            adopted.append(thumbprint)
        plan.unmanaged.append(
            f"certificate {thumbprint or credential.get('keyId')} ({name}, ends {ends}) stays "
            "registered and keeps working; after the first `pulumi up`, export the stack's "
            "certificate (`exoctl export-pfx`), install it on each script host and switch the "
            "scripts to its thumbprint or PFX, then delete this one in Entra ID and from "
            "exo-cba:adoptedCertificates"
        )
    for credential in tenant.sp.get("keyCredentials") or []:
        plan.findings.append(
            f"certificate {thumbprint_of(credential) or credential.get('keyId')} on the service "
            "principal is not imported: remove it once no script uses it"
        )
    return adopted


def _secrets(tenant: Tenant, plan: Adoption) -> None:
    for kind, owner in (("app", tenant.app), ("service principal", tenant.sp)):
        for secret in owner.get("passwordCredentials") or []:
            plan.findings.append(
                f"client secret {secret.get('displayName') or secret.get('keyId')} on the {kind} "
                f"(expires {str(secret.get('endDateTime', '?'))[:10]}) is never imported: remove "
                "it in Entra ID (Certificates & secrets) once no script uses it"
            )


def check_config(plan: Adoption, project_dir: Path) -> None:
    """The written stack file must pass the program's own validation."""
    from exocba.settings.load import load_settings
    from exocba.settings.reader import ConfigProblems
    from exoctl.stackfiles import as_raw_config

    raw = as_raw_config(project_dir, plan.config)
    namespace = {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith("exo-cba:")}
    provider = {k: v for k, v in raw.items() if k.startswith("azuread:")}
    try:
        load_settings(namespace, base_dir=project_dir, provider=provider)
    except ConfigProblems as error:
        raise ExoctlError(f"adopt wrote config the program refuses: {error}", 1) from None


def stack_yaml(plan: Adoption) -> str:
    header = (
        "# Written by `exoctl adopt` for an app made by hand; see docs/existing-apps.md.\n"
        "# Review it, then run the import (pulumi import --file).\n"
    )
    return header + yaml.safe_dump({"config": plan.config}, sort_keys=False, width=100)


def write_files(files: dict[Path, str], force: bool) -> None:
    """Both or neither: every target is checked before anything is written."""
    for path in files:
        if path.exists() and not force:
            raise AdoptRefused(f"{path.name} exists; pass --force to replace it")
    for path, text in files.items():
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)


def carry_role_groups(plan: Adoption, groups: list[str] | None) -> None:
    """Hand-made Exchange role group memberships into exchangeRoleGroups.existing.

    Dynamic-provider resources cannot be `pulumi import`ed (components/
    exchange_rbac_provider.py); the first `pulumi up` finds the service principal and the
    memberships, records them as adopted, and never removes them."""
    from exocba.exchange_rbac import (
        CENTRALLY_MANAGED_GROUPS,
        CENTRALLY_MANAGED_PREFIXES,
        ORGANIZATION_MANAGEMENT,
    )

    if groups is None:
        plan.unmanaged.append(
            "Exchange does not know the app (no Exchange service principal): no role group "
            "membership to carry"
        )
        return
    carried = [
        g
        for g in groups
        if g not in CENTRALLY_MANAGED_GROUPS and not g.startswith(CENTRALLY_MANAGED_PREFIXES)
    ]
    if not carried:
        return
    plan.config["exo-cba:exchangeRoleGroups.existing"] = carried
    if ORGANIZATION_MANAGEMENT in carried:
        plan.config["exo-cba:exchangeRoleGroups.allowOrganizationManagement"] = True
        plan.findings.append(
            "the app is a member of Organization Management, which gives it almost every "
            "Exchange task: carried so nothing breaks; replace it with a role group of the "
            "roles the scripts need (exchangeRoleGroups.name and .roles)"
        )
    plan.first_preview.append(
        "the app's Exchange service principal and its membership of "
        f"{', '.join(carried)} are adopted by the first `pulumi up` (not imported: dynamic "
        "resources cannot be); the stack records them as adopted and never removes them"
    )
