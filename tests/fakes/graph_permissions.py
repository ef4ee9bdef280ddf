"""Which Microsoft Graph application permission each call the stand-in serves needs.

From the "Permissions" table of each API page in Microsoft Graph's v1.0 reference
(microsoft-graph-docs-contrib, api-reference/v1.0/api/*.md), application column,
least to most privileged. Ids are the app roles of Microsoft Graph's service
principal, from the Microsoft Graph permissions reference
(learn.microsoft.com/graph/permissions-reference, source commit b419dfee).

`Application.ReadWrite.OwnedBy` is the README's pipeline permission: it writes only
applications and service principals the caller owns ("Manage apps that this app
creates or owns"), which is why the deployer must stay in `exo-cba:owners`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

APPLICATION_READ_ALL = "Application.Read.All"
APPLICATION_READWRITE_ALL = "Application.ReadWrite.All"
APPLICATION_READWRITE_OWNED_BY = "Application.ReadWrite.OwnedBy"
APP_ROLE_ASSIGNMENT_READWRITE_ALL = "AppRoleAssignment.ReadWrite.All"
DIRECTORY_READ_ALL = "Directory.Read.All"
DOMAIN_READ_ALL = "Domain.Read.All"
ROLE_MANAGEMENT_READ_DIRECTORY = "RoleManagement.Read.Directory"
ROLE_MANAGEMENT_READWRITE_DIRECTORY = "RoleManagement.ReadWrite.Directory"

GRAPH_APP_ROLE_IDS = {
    APPLICATION_READ_ALL: "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30",
    APPLICATION_READWRITE_ALL: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
    APPLICATION_READWRITE_OWNED_BY: "18a4783c-866b-4cc7-a460-3d5e5662c884",
    APP_ROLE_ASSIGNMENT_READWRITE_ALL: "06b708a9-e830-4db3-a914-8e69da51d44f",
    DIRECTORY_READ_ALL: "7ab1d382-f21e-4acd-a863-ba3e13f7da61",
    DOMAIN_READ_ALL: "dbb9058a-0e50-45d7-ae91-66909b5d4664",
    ROLE_MANAGEMENT_READ_DIRECTORY: "483bed4a-2ad3-4361-a73b-c83ccdbdc53c",
    ROLE_MANAGEMENT_READWRITE_DIRECTORY: "9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8",
}

_APP_READ = frozenset(
    {APPLICATION_READ_ALL, APPLICATION_READWRITE_ALL, APPLICATION_READWRITE_OWNED_BY}
) | {DIRECTORY_READ_ALL}
_APP_WRITE = frozenset({APPLICATION_READWRITE_ALL, APPLICATION_READWRITE_OWNED_BY})
_ROLES_READ = frozenset(
    {ROLE_MANAGEMENT_READ_DIRECTORY, ROLE_MANAGEMENT_READWRITE_DIRECTORY, DIRECTORY_READ_ALL}
)


@dataclass(frozen=True)
class Need:
    any_of: frozenset[str]
    """The caller's token must hold one of these roles."""
    owned: str | None = None
    """With only Application.ReadWrite.OwnedBy, the caller must own this object
    ("application:<object id>", "servicePrincipal:<object id>", or "app:<appId>" for
    the backing application of a new service principal)."""


_OBJECT = r"(applications|servicePrincipals)/([0-9a-f-]{36})"


def needed(method: str, path: str, body_app_id: str | None = None) -> Need | None:
    """What `method path` (path after /v1.0/ or /beta/, no query) needs; None: unknown."""
    kind = {"applications": "application", "servicePrincipals": "servicePrincipal"}
    if path.startswith("domains"):
        return Need(frozenset({DOMAIN_READ_ALL, DIRECTORY_READ_ALL})) if method == "GET" else None
    if path.startswith("roleManagement/directory/"):
        if method == "GET":
            return Need(_ROLES_READ)
        return Need(frozenset({ROLE_MANAGEMENT_READWRITE_DIRECTORY}))
    if re.fullmatch(r"servicePrincipals/[0-9a-f-]{36}/appRoleAssigned(To|To/[^/]+)", path):
        if method == "GET":
            return Need(_APP_READ | {APP_ROLE_ASSIGNMENT_READWRITE_ALL})
        return Need(frozenset({APP_ROLE_ASSIGNMENT_READWRITE_ALL}))
    if method == "GET":
        return Need(_APP_READ)
    if method == "POST" and path == "applications":
        return Need(_APP_WRITE)
    if method == "POST" and path == "servicePrincipals":
        return Need(_APP_WRITE, f"app:{body_app_id}")
    owned = re.match(_OBJECT, path)
    if owned and method in ("PATCH", "DELETE", "POST"):
        return Need(_APP_WRITE, f"{kind[owned[1]]}:{owned[2]}")
    return None
