"""One stateful tenant on local HTTPS: what the real azuread provider, exoctl and scripts meet.

It is the Entra/Exchange stand-in (FakeMicrosoftCloud: token endpoint, discovery,
Exchange's InvokeCommand) and the Graph stand-in (FakeGraph's reads plus
WritableGraph's writes) over ONE Directory, on one host, so that what `pulumi up`
writes is what `exoctl audit`/`adopt` read and what `exoctl verify` signs in with:
the token endpoint finds an app's certificates, consents and roles in the Directory.

Also served: the cloud metadata document the provider reads when
`azuread:metadataHost` / ARM_METADATA_HOSTNAME names this host
(`GET /metadata/endpoints?api-version=2022-09-01`, the fields go-azure-sdk's
internal/metadata client reads: name, resourceManager, microsoftGraphResourceId,
authentication.loginEndpoint).

Knobs: `latency` (seconds added to every Graph call), `fail_next(...)` (the next
matching Graph call answers an error), `log` (every request with status and times).

Standalone, for a CLI run by hand or a benchmark:
    python -m tests.fakes.tenant --state-dir DIR [--latency-ms 100]
writes DIR/ca.pem, DIR/port, DIR/tenant.json (ids, metadata host, the deployer's
PFX and password file) and serves until interrupted; `/_stand-in/log`,
`/_stand-in/directory` (GET) and `/_stand-in/latency`, `/_stand-in/fail-next` (POST
JSON) steer it.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import re
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jwt

from exocba.wellknown import EXCHANGE_ONLINE_APP_ID, MICROSOFT_GRAPH_APP_ID
from tests.fakes import tenant_seed as seed
from tests.fakes.entra import FakeMicrosoftCloud, RegisteredApp
from tests.fakes.graph import Directory
from tests.fakes.graph_keys import load_key, merge_key_credentials
from tests.fakes.graph_writes import WritableGraph
from tests.fakes.https import Request


@dataclass
class LogEntry:
    method: str
    path: str
    status: int
    started: float
    ended: float
    kind: str
    """graph, token, exchange, metadata or control."""

    @property
    def write(self) -> bool:
        return self.kind == "graph" and self.method in ("POST", "PATCH", "DELETE", "PUT")


@dataclass
class Injection:
    method: str
    pattern: str
    """Regex (fullmatch) on the Graph path after /v1.0/ or /beta/, without the query."""
    status: int
    code: str
    message: str
    body_contains: str = ""
    remaining: int = 1


class DirectoryApps(Mapping[str, RegisteredApp]):
    """FakeMicrosoftCloud's `apps`, read live from the Directory: an app signs in with the
    certificates registered on it, and its token carries the app roles consented to its
    service principal and the directory roles assigned to it."""

    def __init__(self, tenant: Tenant) -> None:
        self._tenant = tenant
        self.registered: dict[str, RegisteredApp] = {}
        """Apps registered directly (FakeMicrosoftCloud.register), outside the Directory."""

    def __getitem__(self, client_id: str) -> RegisteredApp:
        if client_id in self.registered:
            return self.registered[client_id]
        directory = self._tenant.directory
        app = directory.applications.get(client_id)
        sp = directory.service_principals.get(client_id)
        if app is None or sp is None:
            raise KeyError(client_id)
        audiences = {
            directory.service_principals[app_id]["id"]: (
                audience,
                {r["id"]: r["value"] for r in directory.service_principals[app_id]["appRoles"]},
            )
            for app_id, audience in self._tenant.resources().items()
            if app_id in directory.service_principals
        }
        roles: dict[str, set[str]] = {}
        for assignment in directory.app_role_assignments.get(sp["id"], []):
            audience, names = audiences.get(assignment["resourceId"], (None, {}))
            if audience and assignment["appRoleId"] in names:
                roles.setdefault(audience, set()).add(names[assignment["appRoleId"]])
        return RegisteredApp(
            client_id,
            sp["id"],
            certificates=[
                load_key(c["key"]) for c in app.get("keyCredentials") or [] if c.get("key")
            ],
            app_roles=roles,
            directory_roles={
                a["roleDefinitionId"].lower()
                for a in directory.role_assignments
                if a["principalId"] == sp["id"] and (a.get("directoryScopeId") or "/") == "/"
            },
            federated=[
                (c["issuer"], c["subject"], list(c.get("audiences") or []))
                for c in directory.federated_credentials.get(app["id"], [])
            ],
        )

    def __setitem__(self, client_id: str, app: RegisteredApp) -> None:
        self.registered[client_id] = app

    def __iter__(self) -> Iterator[str]:
        yield from self.registered
        yield from self._tenant.directory.applications

    def __len__(self) -> int:
        return len(list(iter(self)))


class Tenant(FakeMicrosoftCloud):
    """Entra ID, Microsoft Graph and Exchange Online for one tenant."""

    def __init__(
        self,
        tmp_dir: Path,
        tenant_id: str = seed.TENANT_ID,
        organization: str = seed.INITIAL_DOMAIN,
        deployer_password: str = "exo-cba-e2e-deployer",
    ) -> None:
        super().__init__(tenant_id, organization, tmp_dir)
        self.lock = threading.RLock()
        self.latency = 0.0
        self.injections: list[Injection] = []
        self.log: list[LogEntry] = []
        self.graph_resource = self.base_url
        """The Graph base and token audience (microsoftGraphResourceId, normalized)."""
        self.other_resources.add(self.graph_resource)
        self.metadata_host = urlparse(self.base_url).netloc
        self.directory = Directory(
            service_principals=seed.microsoft_service_principals(),
            domains=list(seed.DOMAINS),
        )
        self.graph = WritableGraph(
            self.directory,
            tmp_dir,
            self._server,
            tenant_id=tenant_id,
            publisher=organization,
            token_claims=self._graph_claims,
        )
        self.graph.users[seed.ADMIN_USER_ID] = dict(seed.ADMIN_USER)
        self.deployer = seed.deployer_certificate(tmp_dir, deployer_password)
        self._add_pipeline_app(
            seed.DEPLOY_APP_OBJECT_ID,
            seed.DEPLOY_APP_ID,
            seed.DEPLOY_SP_ID,
            "exo-cba-pipeline-deploy",
            seed.DEPLOY_PERMISSIONS,
            keys=[
                {
                    "type": "AsymmetricX509Cert",
                    "usage": "Verify",
                    "key": base64.b64encode(self.deployer.pem).decode(),
                }
            ],
        )
        self.apps = DirectoryApps(self)  # type: ignore[assignment]

    # ------------------------------------------------------------ seeding
    def _add_pipeline_app(
        self,
        object_id: str,
        app_id: str,
        sp_id: str,
        name: str,
        permissions: tuple[str, ...],
        keys: list[dict[str, Any]] | None = None,
    ) -> None:
        from tests.fakes.graph_permissions import GRAPH_APP_ROLE_IDS

        app, sp = seed.pipeline_app(
            object_id, app_id, sp_id, name, merge_key_credentials([], keys or [])
        )
        self.directory.applications[app_id] = app
        self.directory.service_principals[app_id] = sp
        self.directory.owners[object_id] = [seed.ADMIN_USER_ID]
        self.directory.owners[sp_id] = [seed.ADMIN_USER_ID]
        self.directory.app_role_assignments[sp_id] = [
            seed.grant(sp_id, name, seed.GRAPH_SP_ID, GRAPH_APP_ROLE_IDS[p], "Microsoft Graph")
            for p in permissions
        ]

    def add_pipeline_reader(self, issuer: str, subject: str) -> None:
        """The README's read-only pipeline app, signing in with `issuer`'s OIDC tokens."""
        self._add_pipeline_app(
            seed.READ_APP_OBJECT_ID,
            seed.READ_APP_ID,
            seed.READ_SP_ID,
            "exo-cba-pipeline-read",
            seed.READ_PERMISSIONS,
        )
        self.directory.federated_credentials[seed.READ_APP_OBJECT_ID] = [
            {
                "name": "main",
                "issuer": issuer,
                "subject": subject,
                "audiences": [seed.FEDERATION_AUDIENCE],
            }
        ]

    def resources(self) -> dict[str, str]:
        """Token audience of each resource app whose roles land in tokens."""
        return {
            EXCHANGE_ONLINE_APP_ID: self.exchange_resource,
            MICROSOFT_GRAPH_APP_ID: self.graph_resource,
        }

    def snapshot(self) -> dict[str, Any]:
        """The Directory as plain data (deep copy), to compare before and after."""
        with self.lock:
            return json.loads(json.dumps(asdict(self.directory)))

    # ------------------------------------------------------------ knobs
    def fail_next(
        self,
        method: str,
        pattern: str,
        status: int = 400,
        code: str = "Request_BadRequest",
        message: str = "Injected by the test.",
        body_contains: str = "",
        times: int = 1,
    ) -> Injection:
        injection = Injection(method, pattern, status, code, message, body_contains, times)
        with self.lock:
            self.injections.append(injection)
        return injection

    def fail_next_key_credentials_patch(self, **kwargs: Any) -> Injection:
        """The next PATCH of an application's keyCredentials is refused."""
        kwargs.setdefault("code", "KeyCredentialsInvalidEndDate")
        kwargs.setdefault("message", "Key credential end date is invalid.")
        return self.fail_next(
            "PATCH", r"applications/[0-9a-f-]{36}", body_contains='"keyCredentials"', **kwargs
        )

    def graph_log(self) -> list[LogEntry]:
        with self.lock:
            return [e for e in self.log if e.kind == "graph"]

    # ------------------------------------------------------------ routing
    def _graph_claims(self, token: str) -> dict[str, Any] | None:
        try:
            return jwt.decode(
                token,
                self._signing_key.public_key(),
                algorithms=["RS256"],
                audience=self.graph_resource,
            )
        except jwt.PyJWTError:
            return None

    def metadata(self) -> dict[str, Any]:
        return {
            "name": "ExoCbaStandIn",
            "portal": self.base_url,
            "authentication": {
                "loginEndpoint": self.base_url,
                "audiences": [f"{self.base_url}/"],
                "tenant": "common",
                "identityProvider": "AAD",
            },
            "resourceManager": f"{self.base_url}/",
            "microsoftGraphResourceId": f"{self.graph_resource}/",
            "graph": f"{self.graph_resource}/",
            "suffixes": {},
        }

    def _injected(self, request: Request, path: str) -> Injection | None:
        for injection in self.injections:
            if (
                injection.remaining > 0
                and injection.method == request.method
                and re.fullmatch(injection.pattern, path)
                and injection.body_contains.encode() in request.body
            ):
                injection.remaining -= 1
                return injection
        return None

    def _route(self, request: Request) -> tuple[int, dict[str, Any] | None]:
        started = time.monotonic()
        path = urlparse(request.path).path
        kind = (
            "graph"
            if path.startswith(("/v1.0/", "/beta/"))
            else "metadata"
            if path == "/metadata/endpoints"
            else "control"
            if path.startswith("/_stand-in/")
            else "exchange"
            if path.startswith("/adminapi/")
            else "token"
        )
        if kind == "graph" and self.latency:
            time.sleep(self.latency)  # outside the lock: calls in flight overlap, as on Graph
        with self.lock:
            if kind == "graph":
                injection = self._injected(request, path.split("/", 2)[2])
                answer = (
                    self.graph._error(injection.status, injection.code, injection.message)
                    if injection
                    else self.graph.route(request)
                )
            elif kind == "metadata":
                answer = 200, self.metadata()
            elif kind == "control":
                answer = self._control(request, path)
            else:
                answer = super()._route(request)
            self.log.append(
                LogEntry(request.method, request.path, answer[0], started, time.monotonic(), kind)
            )
        return answer

    def _control(self, request: Request, path: str) -> tuple[int, dict[str, Any]]:
        body = json.loads(request.body or b"{}")
        if path == "/_stand-in/directory":
            return 200, json.loads(json.dumps(asdict(self.directory)))
        if path == "/_stand-in/log":
            return 200, {"log": [asdict(e) for e in self.log if e.kind != "control"]}
        if path == "/_stand-in/latency" and request.method == "POST":
            self.latency = float(body["seconds"])
            return 200, {"latency": self.latency}
        if path == "/_stand-in/fail-next" and request.method == "POST":
            return 200, asdict(self.fail_next(**body))
        return 404, {"error": {"code": "NotFound", "message": path}}

    def describe(self) -> dict[str, Any]:
        """What a CLI run needs to know about this tenant."""
        return {
            "tenantId": self.tenant_id,
            "baseUrl": self.base_url,
            "metadataHost": self.metadata_host,
            "caBundle": str(self.ca_bundle),
            "deployerClientId": seed.DEPLOY_APP_ID,
            "deployerObjectId": seed.DEPLOY_SP_ID,
            "deployerPfx": str(self.deployer.pfx),
        }


@dataclass
class _Args:
    state_dir: Path = field(default_factory=Path)
    latency_ms: float = 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.tenant", description=__doc__)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args(argv, namespace=_Args())
    args.state_dir.mkdir(parents=True, exist_ok=True)
    with Tenant(args.state_dir) as tenant:
        tenant.latency = args.latency_ms / 1000
        password_file = args.state_dir / "deployer-password"
        password_file.touch(mode=0o600)
        password_file.write_text(tenant.deployer.password)
        (args.state_dir / "ca.pem").write_bytes(tenant.ca_bundle.read_bytes())
        description = {**tenant.describe(), "deployerPasswordFile": str(password_file)}
        (args.state_dir / "tenant.json").write_text(json.dumps(description, indent=2))
        # Written last: its presence means the tenant is serving.
        (args.state_dir / "port").write_text(str(urlparse(tenant.base_url).port))
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
