"""Microsoft Graph as the real azuread provider writes and reads it, over the same Directory.

`FakeGraph` serves the reads `exoctl audit` and `adopt` make; this subclass adds what
terraform-provider-azuread v3 (go-azure-sdk) calls, with Graph's documented answers:
- applications: POST (201, `owners@odata.bind`), GET/PATCH/DELETE by object id,
  owners (`$ref` add and remove), the beta `$select` read; `keyCredentials` PATCH
  keeps a credential sent back without its `key` (the provider returns the GET's
  list, where `key` is null), reads a new one's certificate, fills
  `customKeyIdentifier` (the thumbprint) and `displayName` (the subject) as Entra
  does, and refuses an end date after the certificate's ("Key credential end date
  is invalid");
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

import base64
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from tests.fakes.graph import Directory, FakeGraph, documented
from tests.fakes.graph_permissions import APPLICATION_READWRITE_OWNED_BY, needed
from tests.fakes.https import LocalHttpsServer, Request

Answer = tuple[int, dict[str, Any] | None]
GUID = r"[0-9a-fA-F-]{36}"
KEY_CREDENTIAL_TYPES = ("AsymmetricX509Cert", "X509CertAndPassword")
PRINCIPAL_TYPES = {
    "#microsoft.graph.servicePrincipal": "ServicePrincipal",
    "#microsoft.graph.user": "User",
    "#microsoft.graph.application": "Application",
}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def role_assignment_id(role_definition_id: str, principal_id: str) -> str:
    """Graph's form: base64url of the role and principal GUIDs (little endian), then -1
    (the documented example decodes to Global Administrator and its principal)."""
    return _b64url(uuid.UUID(role_definition_id).bytes_le + uuid.UUID(principal_id).bytes_le) + "-1"


def app_role_assignment_id(principal_id: str) -> str:
    """Graph's form: base64url starting with the principal's GUID (little endian)."""
    return _b64url(uuid.UUID(principal_id).bytes_le + uuid.uuid4().bytes)[:43]


def _timestamp(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_key(key: str) -> x509.Certificate:
    """`key` as clients send it: base64 of DER, or of PEM text (the azuread provider)."""
    raw = base64.b64decode(key, validate=True)
    if raw.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(raw)
    return x509.load_der_x509_certificate(raw)


class GraphRefusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def merge_key_credentials(
    stored: list[dict[str, Any]], sent: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The application's keyCredentials after a PATCH sending `sent`."""
    by_id = {str(c.get("keyId", "")).lower(): c for c in stored}
    merged = []
    for credential in sent:
        key_id = str(credential.get("keyId") or uuid.uuid4()).lower()
        if not credential.get("key"):
            if key_id not in by_id:
                raise GraphRefusal(
                    400, "Request_BadRequest", f"Key credential {key_id} has no key value."
                )
            merged.append(by_id[key_id])
            continue
        merged.append(_new_key_credential(key_id, credential))
    return merged


def _new_key_credential(key_id: str, credential: dict[str, Any]) -> dict[str, Any]:
    try:
        certificate = load_key(str(credential["key"]))
    except ValueError:
        raise GraphRefusal(
            400, "Request_BadRequest", "Invalid value specified for property 'key'."
        ) from None
    if credential.get("type") not in KEY_CREDENTIAL_TYPES:
        raise GraphRefusal(
            400, "Request_BadRequest", "Invalid value specified for property 'type'."
        )
    not_before = certificate.not_valid_before_utc
    not_after = certificate.not_valid_after_utc
    start = _timestamp(credential.get("startDateTime")) or not_before.strftime("%Y-%m-%dT%H:%M:%SZ")
    end = _timestamp(credential.get("endDateTime")) or not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    if dt.datetime.fromisoformat(end.replace("Z", "+00:00")) > not_after:
        raise GraphRefusal(
            400, "KeyCredentialsInvalidEndDate", "Key credential end date is invalid."
        )
    if dt.datetime.fromisoformat(start.replace("Z", "+00:00")) < not_before:
        raise GraphRefusal(
            400, "KeyCredentialsInvalidStartDate", "Key credential start date is invalid."
        )
    der = certificate.public_bytes(serialization.Encoding.DER)
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    shape = documented("keycredential-resource")
    shape.pop("@odata.type")
    return {
        **shape,
        "customKeyIdentifier": credential.get("customKeyIdentifier")
        or base64.b64encode(hashlib.sha1(der, usedforsecurity=False).digest()).decode(),
        "displayName": credential.get("displayName")
        or (f"CN={names[-1].value}" if names else None),
        "endDateTime": end,
        "key": base64.b64encode(der).decode(),
        "keyId": key_id,
        "startDateTime": start,
        "type": credential["type"],
        "usage": credential.get("usage") or "Verify",
    }


def without_keys(application: dict[str, Any]) -> dict[str, Any]:
    """What GET returns: `key` is only sent with $select on one object."""
    return {
        **application,
        "keyCredentials": [{**c, "key": None} for c in application.get("keyCredentials") or []],
    }


class WritableGraph(FakeGraph):
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
