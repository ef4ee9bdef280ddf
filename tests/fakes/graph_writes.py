"""Microsoft Graph as the real azuread provider writes and reads it, over the same Directory.

`FakeGraph` serves the reads `exoctl audit` and `adopt` make; this subclass adds what
terraform-provider-azuread v3 (go-azure-sdk) calls, with Graph's documented answers:
- applications: POST (201, `owners@odata.bind`), GET/PATCH/DELETE by object id,
  owners (`$ref` add and remove), the beta `$select` read; `keyCredentials` as Entra
  keeps them (graph_keys.py);
- servicePrincipals: `$filter=appId eq '…'`, POST (only for an app of this tenant),
  PATCH, DELETE, owners, the beta `$select` read;
- `servicePrincipals/{id}/appRoleAssignedTo` and
  `roleManagement/directory/roleAssignments`: POST (201), GET, DELETE;
- deleting a service principal removes its grants, deleting an app its service
  principal, as Entra does;
- every call needs a token this tenant issued for its Graph, holding the Graph
  application permission the API page names (graph_permissions); without it, 403
  Authorization_RequestDenied.

Payloads start from Graph's documented example bodies (tests/fixtures/graph).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.fakes.graph import Directory, FakeGraph, documented
from tests.fakes.graph_grants import GrantRoutes
from tests.fakes.graph_keys import (
    GUID,
    GraphRefusal,
    _now,
    merge_key_credentials,
    without_keys,
)
from tests.fakes.graph_permissions import APPLICATION_READWRITE_OWNED_BY, needed
from tests.fakes.https import LocalHttpsServer, Request

Answer = tuple[int, dict[str, Any] | None]


class WritableGraph(GrantRoutes, FakeGraph):
    """The tenant's Graph: FakeGraph's reads plus the provider's calls."""

    def __init__(
        self,
        directory: Directory,
        tmp_dir: Path,
        server: LocalHttpsServer,
        *,
        tenant_id: str,
        publisher: str,
        token_claims: Callable[[str], dict[str, Any] | None],
    ) -> None:
        super().__init__(directory, tmp_dir, server=server)
        self.page_size = 100  # Graph's default page
        self.tenant_id = tenant_id
        self.publisher = publisher
        """The tenant's initial domain: publisherDomain of its apps."""
        self.users: dict[str, dict[str, Any]] = {}
        """Directory users by object id (owners that are people)."""
        self.enforce_permissions = True
        self.unhandled: list[str] = []
        """Calls no route knows: each is a stand-in gap, answered 400."""
        self._token_claims = token_claims

    # ------------------------------------------------------------ look-ups
    def _authorized(self, request: Request) -> bool:
        return self._claims(request) is not None

    def _claims(self, request: Request) -> dict[str, Any] | None:
        header = request.headers.get("authorization", "")
        return self._token_claims(header.removeprefix("Bearer ")) if header else None

    def _application(self, object_id: str) -> dict[str, Any]:
        for app in self.directory.applications.values():
            if app["id"] == object_id:
                return app
        raise self._missing(object_id)

    def _service_principal(self, object_id: str) -> dict[str, Any]:
        for sp in self.directory.service_principals.values():
            if sp["id"] == object_id:
                return sp
        raise self._missing(object_id)

    @staticmethod
    def _missing(object_id: str) -> GraphRefusal:
        return GraphRefusal(
            404,
            "Request_ResourceNotFound",
            f"Resource '{object_id}' does not exist or one of its queried reference-property "
            "objects are not present.",
        )

    def _directory_object(self, object_id: str) -> dict[str, Any] | None:
        if object_id in self.users:
            return {"@odata.type": "#microsoft.graph.user", **self.users[object_id]}
        for sp in self.directory.service_principals.values():
            if sp["id"] == object_id:
                return {"@odata.type": "#microsoft.graph.servicePrincipal", **sp}
        for app in self.directory.applications.values():
            if app["id"] == object_id:
                return {"@odata.type": "#microsoft.graph.application", **app}
        return None

    def _bound_ids(self, references: list[str]) -> list[str]:
        ids = []
        for reference in references:
            object_id = reference.rstrip("/").rsplit("/", 1)[-1]
            if self._directory_object(object_id) is None:
                raise GraphRefusal(
                    400,
                    "Request_BadRequest",
                    f"Invalid object identifier '{object_id}'.",
                )
            ids.append(object_id)
        return ids

    def owns(self, caller: str, owned: str) -> bool:
        kind, _, key = owned.partition(":")
        if kind == "app":
            app = self.directory.applications.get(key)
            key = app["id"] if app else ""
        return caller in self.directory.owners.get(key, [])

    # ------------------------------------------------------------ routing
    def route(self, request: Request) -> Answer:
        parsed = urlparse(request.path)
        version, _, path = unquote(parsed.path).lstrip("/").partition("/")
        path = path.rstrip("/")
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        claims = self._claims(request)
        if claims is None:
            return self._error(
                401, "InvalidAuthenticationToken", "Access token validation failure."
            )
        try:
            body = json.loads(request.body) if request.body else {}
        except ValueError:
            return self._error(400, "BadRequest", "Unable to read JSON request payload.")
        need = needed(request.method, path, body.get("appId") if isinstance(body, dict) else None)
        if need is None:
            self.unhandled.append(f"{request.method} {request.path}")
            return self._error(400, "BadRequest", f"Resource not found for the segment '{path}'.")
        roles = set(claims.get("roles") or [])
        held = roles & need.any_of
        if self.enforce_permissions and (
            not held
            or (
                need.owned
                and held == {APPLICATION_READWRITE_OWNED_BY}
                and not self.owns(str(claims.get("oid")), need.owned)
            )
        ):
            return self._error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        try:
            if version == "beta":
                answer = self._beta(request.method, path, query)
            else:
                answer = self._v1(request.method, path, query, body, str(claims.get("oid")))
        except GraphRefusal as refusal:
            return self._error(refusal.status, refusal.code, refusal.message)
        if answer is not None:
            return answer
        if version == "v1.0" and request.method == "GET":
            return self._route(request)  # FakeGraph's reads
        self.unhandled.append(f"{request.method} {request.path}")
        return self._error(400, "BadRequest", f"Resource not found for the segment '{path}'.")

    def _beta(self, method: str, path: str, query: dict[str, str]) -> Answer | None:
        found = re.fullmatch(rf"(applications|servicePrincipals)/({GUID})", path)
        if method != "GET" or not found:
            return None
        item = (
            self._application(found[2])
            if found[1] == "applications"
            else self._service_principal(found[2])
        )
        selected = [s for s in query.get("$select", "").split(",") if s]
        defaults = {"oauth2RequirePostResponse": False}
        return 200, {
            "@odata.context": f"{self.base_url}/beta/$metadata#{found[1]}"
            f"({','.join(selected)})/$entity",
            "id": item["id"],
            **{name: item.get(name, defaults.get(name)) for name in selected},
        }

    def _v1(
        self, method: str, path: str, query: dict[str, str], body: Any, caller: str
    ) -> Answer | None:
        if path in ("applications", "servicePrincipals") and method == "GET":
            return self._filtered(path, query.get("$filter", ""))
        if path == "applications" and method == "POST":
            return self._create_application(body)
        if path == "servicePrincipals" and method == "POST":
            return self._create_service_principal(body)
        found = re.fullmatch(rf"(applications|servicePrincipals)/({GUID})", path)
        if found and method in ("GET", "PATCH", "DELETE"):
            return self._object(found[1], found[2], method, body)
        owners = re.fullmatch(
            rf"(applications|servicePrincipals)/({GUID})/owners(?:/\$ref|/({GUID})/\$ref)?", path
        )
        if owners:
            return self._owners(owners[1], owners[2], owners[3], method, body, path)
        granted = re.fullmatch(rf"servicePrincipals/({GUID})/appRoleAssignedTo(?:/([^/]+))?", path)
        if granted:
            return self._app_role_assigned_to(granted[1], granted[2], method, body)
        if path == "roleManagement/directory/roleAssignments" and method == "POST":
            return self._create_role_assignment(body)
        assigned = re.fullmatch(r"roleManagement/directory/roleAssignments/([^/]+)", path)
        if assigned and method in ("GET", "DELETE"):
            return self._role_assignment(assigned[1], method)
        return None

    # ------------------------------------------------------------ applications & SPs
    def _filtered(self, path: str, expression: str) -> Answer:
        table = (
            self.directory.applications
            if path == "applications"
            else self.directory.service_principals
        )
        matched = re.fullmatch(r"(appId|displayName) eq '((?:[^']|'')*)'", expression)
        if expression and not matched:
            raise GraphRefusal(400, "Request_UnsupportedQuery", "Unsupported query.")
        items = list(table.values())
        if matched:
            value = matched[2].replace("''", "'")
            items = [item for item in items if item.get(matched[1]) == value]
        if path == "applications":
            items = [without_keys(item) for item in items]
        return 200, {"@odata.context": f"{self.base_url}/v1.0/$metadata#{path}", "value": items}

    def _create_application(self, body: dict[str, Any]) -> Answer:
        if not body.get("displayName"):
            raise GraphRefusal(400, "Request_BadRequest", "Property 'displayName' is required.")
        owners = self._bound_ids(body.pop("owners@odata.bind", None) or [])
        keys = body.pop("keyCredentials", None) or []
        app = documented("application-post-applications")
        app.pop("@odata.context")
        app.update(body)
        app.update(
            id=str(uuid.uuid4()),
            appId=str(uuid.uuid4()),
            createdDateTime=_now(),
            publisherDomain=self.publisher,
            keyCredentials=merge_key_credentials([], keys),
        )
        self.directory.applications[app["appId"]] = app
        self.directory.owners[app["id"]] = owners
        return 201, {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#applications/$entity",
            **without_keys(app),
        }

    def _create_service_principal(self, body: dict[str, Any]) -> Answer:
        app_id = str(body.get("appId") or "")
        app = self.directory.applications.get(app_id)
        if app is None:
            raise GraphRefusal(
                400,
                "Request_BadRequest",
                f"The appId '{app_id}' of the service principal does not reference a valid "
                "application object.",
            )
        if app_id in self.directory.service_principals:
            raise GraphRefusal(
                409,
                "Request_MultipleObjectsWithSameKeyValue",
                "Another object with the same value for property servicePrincipalNames "
                "already exists.",
            )
        owners = self._bound_ids(body.pop("owners@odata.bind", None) or [])
        sp = documented("serviceprincipal-post-serviceprincipals")
        sp.pop("@odata.context")
        sp.update(body)
        sp.update(
            id=str(uuid.uuid4()),
            appDisplayName=app.get("displayName"),
            displayName=app.get("displayName"),
            appOwnerOrganizationId=self.tenant_id,
            appRoles=app.get("appRoles") or [],
            publisherName=self.publisher,
            servicePrincipalNames=[app_id],
            servicePrincipalType="Application",
            signInAudience=app.get("signInAudience"),
            notes=body.get("notes"),
        )
        self.directory.service_principals[app_id] = sp
        self.directory.owners[sp["id"]] = owners
        context = f"{self.base_url}/v1.0/$metadata#servicePrincipals/$entity"
        return 201, {"@odata.context": context, **sp}

    def _object(self, collection: str, object_id: str, method: str, body: Any) -> Answer | None:
        is_app = collection == "applications"
        item = self._application(object_id) if is_app else self._service_principal(object_id)
        if method == "GET":
            return (200, without_keys(item)) if is_app else None  # SPs: FakeGraph's read
        if method == "DELETE":
            if is_app:
                self.delete_application(object_id)
            else:
                self.delete_service_principal(object_id)
            return 204, None
        changes = {k: v for k, v in dict(body).items() if k not in ("id", "appId")}
        if is_app and "keyCredentials" in changes:
            changes["keyCredentials"] = merge_key_credentials(
                item.get("keyCredentials") or [], changes["keyCredentials"] or []
            )
        item.update(changes)
        return 204, None

    def delete_application(self, object_id: str) -> None:
        """Entra removes the app's service principal with it."""
        app = self._application(object_id)
        if app["appId"] in self.directory.service_principals:
            self.delete_service_principal(self.directory.service_principals[app["appId"]]["id"])
        del self.directory.applications[app["appId"]]
        self.directory.owners.pop(object_id, None)
        self.directory.federated_credentials.pop(object_id, None)

    def delete_service_principal(self, object_id: str) -> None:
        """The principal's grants, and grants to it as a resource, go with it."""
        sp = self._service_principal(object_id)
        del self.directory.service_principals[sp["appId"]]
        self.directory.owners.pop(object_id, None)
        self.directory.app_role_assignments.pop(object_id, None)
        for principal, grants in self.directory.app_role_assignments.items():
            self.directory.app_role_assignments[principal] = [
                g for g in grants if g.get("resourceId") != object_id
            ]
        self.directory.role_assignments[:] = [
            a for a in self.directory.role_assignments if a.get("principalId") != object_id
        ]

    def _owners(
        self,
        collection: str,
        object_id: str,
        owner_id: str | None,
        method: str,
        body: Any,
        path: str,
    ) -> Answer | None:
        if collection == "applications":
            self._application(object_id)
        else:
            self._service_principal(object_id)
        owners = self.directory.owners.setdefault(object_id, [])
        if method == "GET" and path.endswith("/owners"):
            items = [o for o in (self._directory_object(i) for i in owners) if o]
            return 200, {
                "@odata.context": f"{self.base_url}/v1.0/$metadata#directoryObjects",
                "value": [
                    {k: o.get(k) for k in ("@odata.type", "id", "displayName")} for o in items
                ],
            }
        if method == "POST" and path.endswith("/owners/$ref"):
            (new,) = self._bound_ids([str(body.get("@odata.id", ""))])
            if new in owners:
                raise GraphRefusal(
                    400,
                    "Request_BadRequest",
                    "One or more added object references already exist for the following "
                    "modified properties: 'owners'.",
                )
            owners.append(new)
            return 204, None
        if method == "DELETE" and owner_id:
            if owner_id not in owners:
                raise self._missing(owner_id)
            owners.remove(owner_id)
            return 204, None
        return None
