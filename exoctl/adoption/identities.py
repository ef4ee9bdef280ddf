"""A managed identity granted Exchange access by hand: its grants, as import entries."""

from __future__ import annotations

from typing import Any

from exocba import naming
from exocba.wellknown import EXCHANGE_MANAGE_AS_APP_ROLE_ID, DirectoryRole
from exoctl.adoption.entries import (
    DIRECTORY_ROLE_ASSIGNMENT,
    TENANT_WIDE,
    consent_entry,
    role_assignment_import_id,
)
from exoctl.adoption.model import Adoption, Identity


def identity_entries(
    identity: Identity,
    exchange_sp_id: str,
    roles: list[DirectoryRole],
    plan: Adoption,
) -> list[dict[str, Any]]:
    """Import entries for a managed identity's existing grants, at the program's URNs."""
    name = naming.identity_resource_name(identity.object_id)
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
                **consent_entry(naming.EXCHANGE_CONSENT, exchange_sp_id, consent),
                "name": naming.exchange_consent_name(name),
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
                "name": naming.role_assignment_name(name, role),
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
