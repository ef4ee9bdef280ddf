"""The adoption of a hand-made app: its stack config, its import file, and what the first
preview after the import changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from exocba import naming
from exocba.clouds import PUBLIC, Cloud
from exocba.consents import compliance_consent, stack_consents
from exocba.settings import spec
from exocba.wellknown import (
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
    ROLES_BY_TEMPLATE_ID,
    DirectoryRole,
)
from exoctl.adoption.entries import (
    APPLICATION,
    COMPONENT_NAME,
    COMPONENT_TYPE,
    DIRECTORY_ROLE_ASSIGNMENT,
    SERVICE_PRINCIPAL,
    TENANT_WIDE,
    consent_entry,
    role_assignment_import_id,
)
from exoctl.adoption.identities import identity_entries
from exoctl.adoption.model import Adoption, Identity, Tenant
from exoctl.audit import thumbprint_of


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
    from exocba.rotation import first_generation, generation_name

    plan = Adoption(stack=stack, config={}, import_file={}, commands=[])
    roles = _carried_roles(tenant, plan)
    compliance = compliance_consent(cloud, [r for r, _ in roles])
    _permissions(tenant, plan, stack_consents(cloud, [r for r, _ in roles]))

    entries: list[dict[str, Any]] = [
        {"type": COMPONENT_TYPE, "name": COMPONENT_NAME, "component": True},
        {
            "type": APPLICATION,
            "name": naming.application_name(COMPONENT_NAME),
            "id": f"/applications/{tenant.app['id']}",
            "parent": COMPONENT_NAME,
        },
        {
            "type": SERVICE_PRINCIPAL,
            "name": naming.service_principal_name(COMPONENT_NAME),
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
        entries.append(consent_entry(naming.EXCHANGE_CONSENT, tenant.exchange_sp_id, exchange))
    else:
        plan.first_preview.append(
            "admin consent for Exchange.ManageAsApp will be granted (exo-exchange-consent is "
            "created): the app has none today"
        )
    if compliance and tenant.compliance_sp_id:
        role_id = compliance[1]
        found = consents.pop((tenant.compliance_sp_id, role_id), None)
        if found is not None:
            entries.append(consent_entry(naming.COMPLIANCE_CONSENT, tenant.compliance_sp_id, found))
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
                "name": naming.role_assignment_name(COMPONENT_NAME, role),
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

    if (tenant.app.get("notes") or "") != naming.APP_NOTES:
        plan.first_preview.append(f"the app's notes will be set to {naming.APP_NOTES!r}")
    if (tenant.sp.get("notes") or "") != naming.APP_NOTES:
        plan.first_preview.append(
            f"the service principal's notes will be set to {naming.APP_NOTES!r}"
        )
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
        entries += identity_entries(identity, tenant.exchange_sp_id, [r for r, _ in roles], plan)

    adopted = _certificates(tenant, plan)
    _secrets(tenant, plan)

    config: dict[str, Any] = {"azuread:tenantId": tenant.tenant_id}
    if cloud is not PUBLIC:
        config["azuread:environment"] = cloud.azuread_environments[0]
    config["exo-cba:displayName"] = tenant.app.get("displayName") or spec.default("displayName")
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
