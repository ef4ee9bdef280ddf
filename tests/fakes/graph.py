"""A local HTTPS stand-in for the Microsoft Graph v1.0 reads `exoctl audit` and `adopt` make.

Objects have Microsoft's documented shapes: each builder below starts from an
example body in Graph's API reference (tests/fixtures/graph, see SOURCES.md) and
overrides the ids and fields a scenario needs. The server answers like Graph:
`applications(appId='…')` and `servicePrincipals(appId='…')` key look-ups,
collections under `value` paged with `@odata.nextLink` (one item a page, so paging
is always exercised, in the link form the test picks), `$filter=principalId eq '…'`,
errors as `{"error": {"code", "message"}}`, and 401 for a token it did not issue.
`throttle` answers the next requests as a busy tenant does: 429 TooManyRequests (or
503, 504) with Retry-After (learn.microsoft.com/graph/throttling).
"""

from __future__ import annotations

import copy
import json
import re
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

from tests.fakes.https import HttpsFake, LocalHttpsServer, Request

TOKEN = "graph-token-for-tests"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "graph"
SAFE = "$'(),=:"
"""Characters left as they are in a query value of a link (Graph's own links keep them)."""


@cache
def _documented(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def documented(name: str) -> dict[str, Any]:
    """A fresh copy of a documented example body."""
    return copy.deepcopy(_documented(name))


def _first(name: str) -> dict[str, Any]:
    return documented(name)["value"][0]


def application(object_id: str, app_id: str, **fields: Any) -> dict[str, Any]:
    body = documented("application-get")
    body.pop("@odata.context")
    return {**body, "id": object_id, "appId": app_id, "signInAudience": "AzureADMyOrg", **fields}


def service_principal(
    object_id: str, app_id: str, tenant_id: str = "", **fields: Any
) -> dict[str, Any]:
    body = documented("serviceprincipal-get")
    return {
        **body,
        "id": object_id,
        "appId": app_id,
        "appOwnerOrganizationId": tenant_id or body["appOwnerOrganizationId"],
        "servicePrincipalType": "Application",
        "signInAudience": "AzureADMyOrg",
        **fields,
    }


def domain(name: str, initial: bool) -> dict[str, Any]:
    item = _first("domain-list")
    return {**item, "id": name, "isInitial": initial, "isDefault": not initial}


def key_credential(custom_key_identifier: str | None, name: str, **fields: Any) -> dict[str, Any]:
    shape = documented("keycredential-resource")
    shape.pop("@odata.type")
    return {
        **shape,
        "customKeyIdentifier": custom_key_identifier,
        "displayName": f"CN={name}",
        "endDateTime": "2027-11-22T09:30:00Z",
        "key": None,  # only with $select on a single object
        "keyId": f"0000000{len(name)}-0000-4000-8000-{name.encode().hex()[:12]:0<12}",
        "startDateTime": "2026-11-22T09:30:00Z",
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
        **fields,
    }


def federated_credential(name: str, issuer: str, subject: str) -> dict[str, Any]:
    item = _first("application-list-federatedidentitycredentials")
    return {**item, "name": name, "issuer": issuer, "subject": subject}


def delegated_grant(client_id: str, resource_id: str, scope: str) -> dict[str, Any]:
    item = _first("serviceprincipal-list-oauth2permissiongrants")
    return {
        **item,
        "clientId": client_id,
        "consentType": "AllPrincipals",
        "principalId": None,
        "resourceId": resource_id,
        "scope": scope,
    }


def app_role_assignment(principal_id: str, resource_id: str, role_id: str, resource: str) -> dict:
    item = _first("serviceprincipal-list-approleassignments")
    return {
        **item,
        "appRoleId": role_id,
        "principalId": principal_id,
        "resourceDisplayName": resource,
        "resourceId": resource_id,
    }


def role_assignment(principal_id: str, template_id: str, scope: str = "/") -> dict[str, Any]:
    item = _first("rbacapplication-list-roleassignments")
    return {
        **item,
        "principalId": principal_id,
        "roleDefinitionId": template_id,
        "directoryScopeId": scope,
        "resourceScope": scope,
    }


def role_eligibility(principal_id: str, template_id: str) -> dict[str, Any]:
    item = _first("rbacapplication-list-roleeligibilityschedules")
    return {**item, "principalId": principal_id, "roleDefinitionId": template_id}


def owner(object_id: str) -> dict[str, Any]:
    return {**_first("application-list-owners"), "id": object_id}


@dataclass
class Directory:
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)  # by appId
    service_principals: dict[str, dict[str, Any]] = field(default_factory=dict)  # by appId
    app_role_assignments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by SP id
    role_assignments: list[dict[str, Any]] = field(default_factory=list)
    eligibility_schedules: list[dict[str, Any]] = field(default_factory=list)
    owners: dict[str, list[str]] = field(default_factory=dict)  # by object id
    federated_credentials: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # app id
    delegated_grants: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by SP id
    domains: list[dict[str, Any]] = field(default_factory=list)


class FakeGraph(HttpsFake):
    def __init__(
        self, directory: Directory, tmp_dir: Path, server: LocalHttpsServer | None = None
    ) -> None:
        """`server`: serve from another stand-in's server (one tenant on one host)."""
        self.directory = directory
        self.status_override: int | None = None
        self.failures: dict[str, tuple[int, str, str]] = {}
        """Path pattern (regex on the path after /v1.0/) -> (status, code, message)."""
        self.throttle: list[tuple[int, str | None]] = []
        """(status, Retry-After or None) for each of the next requests, before anything else."""
        self.times: list[float] = []
        """When each request arrived (time.monotonic)."""
        self.link_form = "absolute"
        """How @odata.nextLink is written: absolute, root-relative (/v1.0/…) or relative."""
        self.page_size = 1
        """Items per page; 1 exercises paging on every list (Graph's default is 100)."""
        super().__init__(tmp_dir, "fake-graph", server)

    def _next_link(self, url: str) -> str:
        if self.link_form == "absolute":
            return f"{self.base_url}{url}"
        if self.link_form == "root-relative":
            return url
        return url.removeprefix("/v1.0/")

    def _page(self, items: list[dict[str, Any]], url: str, skip: int) -> dict[str, Any]:
        end = skip + self.page_size
        document: dict[str, Any] = {"value": items[skip:end]}
        if end < len(items):
            separator = "&" if "?" in url else "?"
            document["@odata.nextLink"] = self._next_link(f"{url}{separator}$skiptoken={end}")
        return document

    def _authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {TOKEN}"

    @staticmethod
    def _error(status: int, code: str, message: str) -> tuple[int, dict[str, Any]]:
        return status, {
            "error": {
                "code": code,
                "message": message,
                "innerError": {"date": "2026-11-22T09:30:00", "request-id": "0" * 36},
            }
        }

    def _route(self, request: Request) -> tuple:
        self.times.append(time.monotonic())
        if not self._authorized(request):
            return self._error(401, "InvalidAuthenticationToken", "Access token is empty.")
        if self.throttle:
            status, wait = self.throttle.pop(0)
            code = {429: "TooManyRequests", 503: "serviceNotAvailable"}.get(status, "UnknownError")
            answer = self._error(status, code, "Too many requests. Please try again later.")
            return (*answer, {"Retry-After": wait} if wait else {})
        if self.status_override:
            return self._error(
                self.status_override,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        parsed = urlparse(request.path)
        path = unquote(parsed.path).removeprefix("/v1.0/")
        for pattern, (status, code, message) in self.failures.items():
            if re.fullmatch(pattern, path):
                return self._error(status, code, message)
        query = parse_qs(parsed.query)
        skip = int(query.pop("$skiptoken", ["0"])[0])
        # Graph's links are URL-encoded: a space in $filter would break the request line.
        base = parsed.path + (
            "?" + "&".join(f"{k}={quote(v[0], safe=SAFE)}" for k, v in query.items())
            if query
            else ""
        )
        directory = self.directory

        by_id = re.fullmatch(r"servicePrincipals/([0-9a-f-]{36})", path)
        if by_id:
            found = next(
                (sp for sp in directory.service_principals.values() if sp["id"] == by_id[1]), None
            )
            if found is None:
                return self._error(404, "Request_ResourceNotFound", f"'{by_id[1]}' does not exist")
            return 200, found
        key = re.fullmatch(r"(applications|servicePrincipals)\(appId='([^']+)'\)", path)
        if key:
            table = (
                directory.applications if key[1] == "applications" else directory.service_principals
            )
            found = table.get(key[2])
            if found is None:
                return self._error(
                    404,
                    "Request_ResourceNotFound",
                    f"Resource '{key[2]}' does not exist or one of its queried reference-property "
                    "objects are not present.",
                )
            return 200, found
        nested = re.fullmatch(
            r"(applications|servicePrincipals)/([^/]+)/"
            r"(owners|appRoleAssignments|federatedIdentityCredentials|oauth2PermissionGrants)",
            path,
        )
        if nested:
            source = {
                "owners": {k: [owner(o) for o in v] for k, v in directory.owners.items()},
                "appRoleAssignments": directory.app_role_assignments,
                "federatedIdentityCredentials": directory.federated_credentials,
                "oauth2PermissionGrants": directory.delegated_grants,
            }[nested[3]]
            return 200, self._page(source.get(nested[2], []), base, skip)
        if path == "domains":
            return 200, self._page(directory.domains, base, skip)
        if path in (
            "roleManagement/directory/roleAssignments",
            "roleManagement/directory/roleEligibilitySchedules",
        ):
            source = (
                directory.role_assignments
                if path.endswith("roleAssignments")
                else directory.eligibility_schedules
            )
            wanted = re.fullmatch(r"principalId eq '([^']+)'", query.get("$filter", [""])[0])
            items = [item for item in source if wanted and item["principalId"] == wanted[1]]
            return 200, self._page(items, base, skip)
        return self._error(400, "BadRequest", f"Resource not found for the segment '{path}'.")
