"""Entries of the `pulumi import --file` document, at the URNs the program registers."""

from __future__ import annotations

from typing import Any

from exocba import naming

# What the program registers (components/exchange_app.py); the test compares the
# URNs this file implies with the ones the program registers on the mock engine.
COMPONENT_TYPE = naming.EXCHANGE_ONLINE_APP
COMPONENT_NAME = naming.APP_NAME
APPLICATION = "azuread:index/application:Application"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
APP_ROLE_ASSIGNMENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
DIRECTORY_ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment"
TENANT_WIDE = "/"


def role_assignment_import_id(assignment: dict[str, Any]) -> str:
    """azuread's DirectoryRoleAssignment id: `/roleManagement/directory/roleAssignments/{id}`.

    The provider's importer validates that form (stable.ValidateRoleManagementDirectory-
    RoleAssignmentID, terraform-provider-azuread v3; its state upgrader turns v2's bare
    ids into it); Graph lists the bare assignment id.
    """
    return f"/roleManagement/directory/roleAssignments/{assignment['id']}"


def consent_entry(suffix: str, resource_sp_id: str, assignment: dict[str, Any]) -> dict[str, Any]:
    # azuread's AppRoleAssignment import id (provider docs, "Import").
    return {
        "type": APP_ROLE_ASSIGNMENT,
        "name": f"{COMPONENT_NAME}-{suffix}",
        "id": f"/servicePrincipals/{resource_sp_id}/appRoleAssignedTo/{assignment['id']}",
        "parent": COMPONENT_NAME,
    }
