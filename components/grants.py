"""The grants Exchange Online app-only access needs, declared the same way for every principal.

Neither alone is enough: consent (an app role assignment of Exchange.ManageAsApp on
the tenant's Office 365 Exchange Online service principal) without a role gives
403; a role without consent gives 401. The stack's app and each managed identity
get both, through these helpers, so their resources and names cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_azuread as azuread

from exocba.naming import role_assignment_name
from exocba.wellknown import DirectoryRole

# Directory role assignments at tenant scope; the provider stores "/" too, so
# declaring it keeps refresh quiet.
TENANT_WIDE_SCOPE = "/"


def consent(
    name: str,
    parent: pulumi.Resource,
    principal_object_id: pulumi.Input[str],
    resource_app_id: str,
    app_role_id: str,
) -> azuread.AppRoleAssignment:
    """Admin consent for one app role of a Microsoft resource.

    The resource's service principal belongs to Microsoft: looked up, never declared,
    so that no destroy can delete it from the tenant (pulumi-azuread #2045).
    """
    resource = azuread.get_service_principal_output(
        client_id=resource_app_id, opts=pulumi.InvokeOutputOptions(parent=parent)
    )
    return azuread.AppRoleAssignment(
        name,
        app_role_id=app_role_id,
        principal_object_id=principal_object_id,
        resource_object_id=resource.object_id,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def directory_roles(
    name: str,
    parent: pulumi.Resource,
    principal_object_id: pulumi.Input[str],
    roles: Sequence[DirectoryRole],
) -> dict[str, azuread.DirectoryRoleAssignment]:
    """One tenant-wide assignment per role, named `{name}-role-<role>`.

    role_id takes the role *template* id: the activated role's object id makes every
    refresh propose a replacement (terraform-provider-azuread #1068).
    """
    return {
        role.template_id: azuread.DirectoryRoleAssignment(
            role_assignment_name(name, role),
            role_id=role.template_id,
            principal_object_id=principal_object_id,
            directory_scope_id=TENANT_WIDE_SCOPE,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for role in roles
    }
