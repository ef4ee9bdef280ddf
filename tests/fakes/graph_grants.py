"""Graph's grant routes, served over the tenant's Directory (a mixin of WritableGraph).

- `servicePrincipals/{resource}/appRoleAssignedTo`: POST (201; the role must be one
  of the resource's app roles, given once), GET one or all, DELETE;
- `roleManagement/directory/roleAssignments`: POST (201), GET, DELETE.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.graph import Directory, documented
from tests.fakes.graph_keys import (
    GUID,
    PRINCIPAL_TYPES,
    GraphRefusal,
    _now,
    app_role_assignment_id,
    role_assignment_id,
)

Answer = tuple[int, dict[str, Any] | None]


class GrantRoutes:
    """Needs, from the class it is mixed into: directory, base_url, _page,
    _service_principal, _directory_object and _missing (WritableGraph, FakeGraph)."""

    directory: Directory
    base_url: str

    # ------------------------------------------------------------ grants
    def _app_role_assigned_to(
        self, resource_id: str, assignment_id: str | None, method: str, body: Any
    ) -> Answer | None:
        resource = self._service_principal(resource_id)
        granted = [
            g
            for grants in self.directory.app_role_assignments.values()
            for g in grants
            if g.get("resourceId") == resource_id
        ]
        if assignment_id is None and method == "GET":
            url = f"/v1.0/servicePrincipals/{resource_id}/appRoleAssignedTo"
            return 200, self._page(granted, url, 0)
        if assignment_id is None and method == "POST":
            return self._create_app_role_assignment(resource, dict(body))
        found = next((g for g in granted if g["id"] == assignment_id), None)
        if found is None:
            raise self._missing(str(assignment_id))
        if method == "GET":
            return 200, found
        if method == "DELETE":
            grants = self.directory.app_role_assignments[found["principalId"]]
            grants.remove(found)
            return 204, None
        return None

    def _create_app_role_assignment(self, resource: dict[str, Any], body: dict[str, Any]) -> Answer:
        principal = self._directory_object(str(body.get("principalId")))
        if principal is None:
            raise GraphRefusal(400, "Request_BadRequest", "Not a valid reference update.")
        role_id = str(body.get("appRoleId", "")).lower()
        if role_id not in {str(r.get("id", "")).lower() for r in resource.get("appRoles") or []}:
            raise GraphRefusal(
                400,
                "Request_BadRequest",
                f"Permission being assigned was not found on application '{resource['appId']}'.",
            )
        grants = self.directory.app_role_assignments.setdefault(principal["id"], [])
        if any(g["resourceId"] == resource["id"] and g["appRoleId"] == role_id for g in grants):
            raise GraphRefusal(
                400, "Request_BadRequest", "Permission being assigned already exists on the object"
            )
        assignment = documented("serviceprincipal-post-approleassignedto")
        assignment.pop("@odata.context")
        assignment.update(
            id=app_role_assignment_id(principal["id"]),
            appRoleId=role_id,
            createdDateTime=_now(),
            principalDisplayName=principal.get("displayName"),
            principalId=principal["id"],
            principalType=PRINCIPAL_TYPES[principal["@odata.type"]],
            resourceDisplayName=resource.get("displayName"),
            resourceId=resource["id"],
        )
        grants.append(assignment)
        return 201, {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#servicePrincipals"
            f"('{resource['id']}')/appRoleAssignedTo/$entity",
            **assignment,
        }

    def _create_role_assignment(self, body: dict[str, Any]) -> Answer:
        principal = str(body.get("principalId", ""))
        role = str(body.get("roleDefinitionId", ""))
        if self._directory_object(principal) is None or not re.fullmatch(GUID, role):
            raise GraphRefusal(
                400, "Request_BadRequest", "Invalid principalId or roleDefinitionId."
            )
        scope = body.get("directoryScopeId") or "/"
        assignment = documented("rbacapplication-post-roleassignments")
        assignment.pop("@odata.context")
        assignment.update(
            id=role_assignment_id(role, principal),
            roleDefinitionId=role,
            principalId=principal,
            directoryScopeId=scope,
            resourceScope=scope,
        )
        if any(
            a["id"] == assignment["id"] and a["directoryScopeId"] == scope
            for a in self.directory.role_assignments
        ):
            raise GraphRefusal(
                409,
                "Request_BadRequest",
                "A conflicting object with one or more of the specified property values is "
                "present in the directory.",
            )
        self.directory.role_assignments.append(assignment)
        return 201, {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#roleManagement/directory/"
            "roleAssignments/$entity",
            **assignment,
        }

    def _role_assignment(self, assignment_id: str, method: str) -> Answer:
        found = next((a for a in self.directory.role_assignments if a["id"] == assignment_id), None)
        if found is None:
            raise self._missing(assignment_id)
        if method == "DELETE":
            self.directory.role_assignments.remove(found)
            return 204, None
        return 200, found
