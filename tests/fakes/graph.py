"""A local HTTPS stand-in for the Microsoft Graph v1.0 reads `exoctl audit` makes.

Answers like Graph: `applications(appId='…')` and `servicePrincipals(appId='…')`
key look-ups, collections under `value` with `@odata.nextLink` paging (one item a
page, so paging is always exercised), `$filter=principalId eq '…'`, and 401 for
a bearer token it did not issue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.fakes.https import LocalHttpsServer, Request

TOKEN = "graph-token-for-tests"


@dataclass
class Directory:
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)  # by appId
    service_principals: dict[str, dict[str, Any]] = field(default_factory=dict)  # by appId
    app_role_assignments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by SP id
    role_assignments: list[dict[str, Any]] = field(default_factory=list)
    eligibility_schedules: list[dict[str, Any]] = field(default_factory=list)
    owners: dict[str, list[str]] = field(default_factory=dict)  # by object id


class FakeGraph:
    def __init__(self, directory: Directory, tmp_dir: Path) -> None:
        self.directory = directory
        self.status_override: int | None = None
        self._server = LocalHttpsServer(self._route, tmp_dir, "fake-graph")
        self.base_url = self._server.base_url
        self.ca_bundle = self._server.ca_bundle
        self.requests = self._server.requests

    def __enter__(self) -> FakeGraph:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def _page(self, items: list[dict[str, Any]], url: str, skip: int) -> dict[str, Any]:
        document: dict[str, Any] = {"value": items[skip : skip + 1]}
        if skip + 1 < len(items):
            separator = "&" if "?" in url else "?"
            document["@odata.nextLink"] = f"{self.base_url}{url}{separator}$skiptoken={skip + 1}"
        return document

    def _route(self, request: Request) -> tuple[int, dict[str, Any]]:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"error": {"code": "InvalidAuthenticationToken"}}
        if self.status_override:
            return self.status_override, {"error": {"code": "Forbidden"}}
        parsed = urlparse(request.path)
        path = unquote(parsed.path).removeprefix("/v1.0/")
        query = parse_qs(parsed.query)
        skip = int(query.pop("$skiptoken", ["0"])[0])
        base = parsed.path + (
            "?" + "&".join(f"{k}={v[0]}" for k, v in query.items()) if query else ""
        )
        directory = self.directory

        key = re.fullmatch(r"(applications|servicePrincipals)\(appId='([^']+)'\)", path)
        if key:
            table = (
                directory.applications if key[1] == "applications" else directory.service_principals
            )
            found = table.get(key[2])
            if found is None:
                return 404, {"error": {"code": "Request_ResourceNotFound"}}
            return 200, found
        nested = re.fullmatch(
            r"(applications|servicePrincipals)/([^/]+)/(owners|appRoleAssignments)", path
        )
        if nested:
            if nested[3] == "owners":
                items = [{"id": o} for o in directory.owners.get(nested[2], [])]
            else:
                items = directory.app_role_assignments.get(nested[2], [])
            return 200, self._page(items, base, skip)
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
        return 404, {"error": {"code": "BadRequest", "message": f"no route for {path}"}}
