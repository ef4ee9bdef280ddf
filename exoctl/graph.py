"""The one Microsoft Graph client `exoctl audit` and `exoctl adopt` share.

Signs in with exocba/signin.py's credential (az login, OIDC in a pipeline, managed
identity), reads v1.0, follows `@odata.nextLink` whatever its form, and turns
Graph's errors into GraphError carrying Graph's own code and message, plus the
permission the caller needs for that kind of read. A throttled read (429, 503, 504) is
retried as Retry-After says, within exoctl/retry.py's bounds.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from exoctl import retry
from exoctl.errors import first_line

TIMEOUT_SECONDS = 30

# The least-privileged application permission for each read (Microsoft Graph
# permissions reference, per API page), by the first path segment.
_PERMISSION_FOR = {
    "applications": "Application.Read.All",
    "servicePrincipals": "Application.Read.All",
    "roleManagement": "RoleManagement.Read.Directory",
    "domains": "Domain.Read.All",
    "organization": "Organization.Read.All",
}


class GraphError(Exception):
    """A Graph read that failed: `status` (HTTP), `code` and `message` as Graph said."""

    def __init__(self, message: str, status: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _short(path: str) -> str:
    return urlparse(path).path.removeprefix("/v1.0/") if "://" in path else path.split("?")[0]


def needed_permission(path: str) -> str:
    first = _short(path).lstrip("/").split("/")[0].split("(")[0]
    return _PERMISSION_FOR.get(first, "Application.Read.All")


class Graph:
    def __init__(self, graph_url: str, tenant_id: str | None, credential: Any) -> None:
        import requests

        self.base = graph_url.rstrip("/")
        self.host = urlparse(self.base).netloc
        self.session = requests.Session()
        retry.mount(self.session, frozenset({"GET"}))
        self.requests = requests
        try:
            token = credential.get_token(f"{self.base}/.default", tenant_id=tenant_id).token
        except Exception as error:  # azure-identity raises many kinds; all mean "no sign-in"
            raise GraphError(
                f"no Azure sign-in for Microsoft Graph: {first_line(error)}; sign in with "
                "`az login --tenant <tenant>`, or give a pipeline AZURE_CLIENT_ID, "
                "AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE"
            ) from None
        self.session.headers["Authorization"] = f"Bearer {token}"

    def _url(self, path: str) -> str:
        """Absolute links must stay on this Graph host: the token goes with them."""
        if "://" in path:
            if urlparse(path).netloc != self.host:
                raise GraphError(f"Graph sent a link to another host ({urlparse(path).netloc})")
            return path
        if path.startswith("/"):
            return f"{self.base}{path}"
        return f"{self.base}/v1.0/{path}"

    def get(self, path: str) -> dict[str, Any]:
        url = self._url(path)
        try:
            response = self.session.get(url, timeout=TIMEOUT_SECONDS)
        except self.requests.RequestException as error:
            raise GraphError(f"cannot reach {self.base}: {type(error).__name__}") from None
        if response.status_code == 200:
            return response.json()
        code, message = _graph_error(response)
        what = f"GET {_short(path)} (HTTP {response.status_code}{f' {code}' if code else ''}"
        what += f": {message})" if message else ")"
        if response.status_code in (401, 403):
            raise GraphError(
                f"Graph refused {what}: the signed-in identity needs {needed_permission(path)}",
                response.status_code,
                code,
            )
        if response.status_code == 404:
            raise GraphError(f"Graph has no {what}", 404, code)
        if response.status_code in retry.RETRY_STATUSES:
            raise GraphError(
                f"Graph gave up on {what} after {retry.tries(response)} tries (throttled or "
                "busy): wait a few minutes and run again",
                response.status_code,
                code,
            )
        raise GraphError(f"Graph failed {what}", response.status_code, code)

    def list(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page: str | None = path
        while page:
            document = self.get(page)
            items += document.get("value", [])
            page = document.get("@odata.nextLink")
        return items


def _graph_error(response: Any) -> tuple[str, str]:
    """Graph's `{"error": {"code", "message"}}` (Microsoft Graph error responses)."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return "", ""
    if not isinstance(error, dict):
        return str(error), ""
    message = " ".join(str(error.get("message") or "").split())
    return str(error.get("code") or ""), message
