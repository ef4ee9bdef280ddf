"""An Exchange Online stand-in for role-based access control, spoken through InvokeCommand.

Attach it to the Entra/Exchange stand-in (`FakeMicrosoftCloud.exchange = ExchangeOnline(...)`):
that one checks the module's headers and the token's signature and audience, then hands
the decoded claims here. State: service principals (what Exchange knows of Entra's),
management scopes, role groups with their role assignments, members; the built-in role
groups are seeded with roles from Microsoft's "Permissions in Exchange Online" table.

What is modelled, and from where:
- the envelope of answers and errors as exo-facts.md gives them: success
  `{"@odata.context", "@adminapi.warnings", "value"}`, paging by `@odata.nextLink`;
  a cmdlet failure `{"error": {"code", "message", "details": [{"code", "message":
  "<hex>|<exception type>|<text>"}]}}`; 429 for throttling; 401/403 for RBAC refusals
  with the reason in `x-ms-diagnostics`;
- the cmdlets' parameters and output properties from their reference pages
  (office-docs-powershell exchange-ps); row shapes beyond the properties used here, the
  HTTP status of a cmdlet error (404 for not-found, 400 otherwise) and the exact error
  texts are this stand-in's choices, not recorded answers;
- switchable faults: a propagation delay (New-ServicePrincipal answers not-found for a
  principal Entra made moments ago, Add-RoleGroupMember for a principal Exchange made
  moments ago), throttling with a chosen Retry-After, transient 5xx per cmdlet before
  or after it ran (a lost answer), not-found answers that only the text names, and a
  dehydrated tenant (InvalidOperationInDehydratedContextException until
  Enable-OrganizationCustomization).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlparse

from exocba.exchange_rbac import BUILT_IN_MANAGEMENT_ROLES
from tests.fakes.exchange_cmdlets import (
    Assignment,
    CmdletError,
    Cmdlets,
    RoleGroup,
    Scope,
    ServicePrincipal,
)

__all__ = ["Assignment", "ExchangeOnline", "RoleGroup", "Scope", "ServicePrincipal", "attach"]

MANAGE_AS_APP = "Exchange.ManageAsApp"
# Directory roles and the role group whose rights Exchange gives their holders ("Permissions
# in Exchange Online", Microsoft 365 roles table; Exchange Administrator as
# ExchangeServiceAdmins_, a member of Organization Management).
DIRECTORY_ROLE_GROUPS = {
    "29232cdf-9323-42fd-ade2-1d097af3e4de": "Organization Management",  # Exchange Administrator
    "62e90394-69f5-4237-9190-012177145e10": "Organization Management",  # Global Administrator
    "31392ffb-586c-42d1-9346-e59415a2cc4e": "Recipient Management",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451": "View-Only Organization Management",
}
_RBAC_CMDLETS = {
    f"{verb}-{noun}"
    for noun, verbs in {
        "RoleGroup": ("Get", "New", "Set", "Remove"),
        "RoleGroupMember": ("Get", "Add", "Remove"),
        "ManagementScope": ("Get", "New", "Set", "Remove"),
        "ManagementRoleAssignment": ("Get", "New", "Set", "Remove"),
        "ServicePrincipal": ("Get", "New", "Set", "Remove"),
    }.items()
    for verb in verbs
}
# Which cmdlets a role makes available: the few this stand-in serves.
ROLE_CMDLETS: dict[str, set[str]] = {
    "Role Management": _RBAC_CMDLETS,
    "Mail Recipients": {"Get-Mailbox", "Set-Mailbox", "Get-Recipient"},
    "View-Only Recipients": {"Get-Mailbox", "Get-Recipient"},
    "View-Only Configuration": {
        "Get-AcceptedDomain",
        "Get-OrganizationConfig",
        "Get-TransportRule",
        *(c for c in _RBAC_CMDLETS if c.startswith("Get-")),
    },
    "Remote and Accepted Domains": {"Get-AcceptedDomain"},
    "Transport Rules": {"Get-TransportRule"},
    "Organization Configuration": {"Get-OrganizationConfig", "Enable-OrganizationCustomization"},
}
# Built-in role groups and (some of) their default roles, same source.
_SEEDED_GROUPS = {
    "Organization Management": tuple(
        r
        for r in BUILT_IN_MANAGEMENT_ROLES
        if r not in ("Address Lists", "Mailbox Import Export", "Mailbox Search")
    ),
    "Recipient Management": ("Mail Recipients", "Mail Recipient Creation", "Reset Password"),
    "View-Only Organization Management": ("View-Only Configuration", "View-Only Recipients"),
    "Help Desk": ("Reset Password", "User Options", "View-Only Recipients"),
}
_DEHYDRATED_CMDLETS = {"New-RoleGroup", "New-ManagementScope", "New-ManagementRoleAssignment"}


class ExchangeOnline(Cmdlets):
    """One tenant's Exchange RBAC. `calls` records every cmdlet run, with its parameters."""

    def __init__(self, organization: str, tenant_id: str) -> None:
        self.organization = organization
        self.tenant_id = tenant_id
        self.entra: dict[str, tuple[str, str]] = {}
        """Entra's service principals: object id -> (app id, display name)."""
        self.principals: dict[str, ServicePrincipal] = {}
        self.scopes: dict[str, Scope] = {}
        self.groups: dict[str, RoleGroup] = {}
        self.assignments: list[Assignment] = []
        self.direct: list[Assignment] = []
        """Roles assigned straight to a service principal (New-ManagementRoleAssignment -App)."""
        for name, roles in _SEEDED_GROUPS.items():
            self.groups[name.casefold()] = RoleGroup(name, built_in=True)
            self.assignments += [Assignment(role, name) for role in roles]
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.deployer: Any = None
        """The deployer's azure-identity credential against the Entra stand-in (attach)."""
        self.propagation_delay = 0
        """New-ServicePrincipal answers not-found this many times per principal."""
        self._propagation_seen: dict[str, int] = {}
        self.member_delay = 0
        """Add-RoleGroupMember answers not-found this many times per principal."""
        self._member_seen: dict[str, int] = {}
        self.throttle = 0
        """The next this many requests answer 429."""
        self.throttled = 0
        self.retry_after: str | None = "0"
        """The Retry-After header of those 429s; None sends none."""
        self.failures: dict[str, list[int]] = {}
        """cmdlet -> statuses to answer before serving it (e.g. [500])."""
        self.lost_answers: dict[str, list[int]] = {}
        """cmdlet -> statuses to answer after running it: the change is made, the answer lost."""
        self.plain_not_found = False
        """Not-found errors as HTTP 400 BadRequest with an exception type that does not
        say not-found: only the text ("couldn't be found", "wasn't found") does."""
        self.dehydrated = False
        self.page_size = 1000
        self.mailboxes = ["sales1@contoso.com", "it1@contoso.com"]

    # ------------------------------------------------------------------ entry
    def invoke(
        self, cloud: Any, organization: str, path: str, body: bytes, claims: dict[str, Any]
    ) -> tuple[int, dict[str, Any]] | tuple[int, dict[str, Any], dict[str, str]]:
        request = json.loads(body or b"{}").get("CmdletInput", {})
        cmdlet = str(request.get("CmdletName") or "")
        parameters = dict(request.get("Parameters") or {})
        if self.throttle > 0:
            self.throttle -= 1
            self.throttled += 1
            return (
                429,
                {"error": {"code": "TooManyRequests", "message": "Too many requests."}},
                {} if self.retry_after is None else {"Retry-After": self.retry_after},
            )
        queued = self.failures.get(cmdlet)
        if queued:
            status = queued.pop(0)
            return status, {"error": {"code": "InternalServerError", "message": "try again"}}
        refusal = self._authorize(cmdlet, claims)
        if refusal is not None:
            return refusal
        self.calls.append((cmdlet, parameters))
        try:
            rows = self._run(cmdlet, parameters)
        except CmdletError as error:
            return self._cmdlet_error(error)
        lost = self.lost_answers.get(cmdlet)
        if lost:
            return lost.pop(0), {"error": {"code": "InternalServerError", "message": "try again"}}
        skip = int(parse_qs(urlparse(path).query).get("$skiptoken", ["0"])[0])
        base = f"{cloud.base_url}/adminapi/beta/{organization}"
        document: dict[str, Any] = {
            "@odata.context": f"{base}/$metadata#Collection(Exchange.GenericHashTable)",
            "@adminapi.warnings": [],
            "value": rows[skip : skip + self.page_size],
        }
        if skip + self.page_size < len(rows):
            document["@odata.nextLink"] = f"{base}/InvokeCommand?$skiptoken={skip + self.page_size}"
        return 200, document

    def _cmdlet_error(self, error: CmdletError) -> tuple[int, dict[str, Any]]:
        status, exception = error.status, error.exception
        if self.plain_not_found and status == 404:
            status, exception = 400, "System.Management.Automation.RemoteException"
        return status, {
            "error": {
                "code": "NotFound" if status == 404 else "BadRequest",
                "message": "Error executing cmdlet",
                "details": [{"code": "Client", "message": f"Ex6F9304|{exception}|{error.text}"}],
            }
        }

    def cmdlets(self, name: str) -> list[dict[str, Any]]:
        return [p for c, p in self.calls if c == name]

    def writes(self) -> list[str]:
        return [c for c, _ in self.calls if not c.startswith("Get-")]

    # ------------------------------------------------------------------ RBAC
    def roles_of(self, claims: dict[str, Any]) -> set[str]:
        groups = {
            DIRECTORY_ROLE_GROUPS[w] for w in claims.get("wids", []) if w in DIRECTORY_ROLE_GROUPS
        }
        oid = claims.get("oid", "")
        if oid in self.principals:
            groups |= {g.name for g in self.groups.values() if oid in g.members}
            roles = {a.role for a in self.direct if a.group == "" and a.scope == oid}
        else:
            roles = set()
        return roles | {a.role for a in self.assignments if a.group in groups}

    def _authorize(self, cmdlet: str, claims: dict[str, Any]) -> tuple[int, dict, dict] | None:
        if claims.get("idtyp") == "app" and MANAGE_AS_APP not in claims.get("roles", []):
            return 401, {"error": {"code": "Unauthorized", "message": "missing app role"}}, {}
        roles = self.roles_of(claims)
        if not roles:
            return (
                403,
                {
                    "error": {
                        "code": "Forbidden",
                        "message": "The role assigned to application isn't supported",
                    }
                },
                {},
            )
        if not any(cmdlet in ROLE_CMDLETS.get(role, set()) for role in roles):
            reason = f'2000008;reason="The user isn\'t allowed to run {cmdlet}"'
            return (
                403,
                {"error": {"code": "Forbidden", "message": f"{cmdlet} is not allowed"}},
                {"x-ms-diagnostics": reason},
            )
        return None

    # ------------------------------------------------------------------ cmdlets
    def _run(self, cmdlet: str, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.dehydrated and cmdlet in _DEHYDRATED_CMDLETS:
            raise CmdletError(
                "Microsoft.Exchange.Management.Tasks.InvalidOperationInDehydratedContextException",
                "The command you tried to run isn't currently allowed in your organization. To "
                "run this command, you first need to run the command: "
                "Enable-OrganizationCustomization.",
            )
        handler = getattr(self, "_" + cmdlet.replace("-", "_"), None)
        if handler is None:
            raise CmdletError(
                "System.Management.Automation.CommandNotFoundException", f"{cmdlet} is not served"
            )
        return handler(p)


# The deployer: a pipeline's service principal with Exchange.ManageAsApp and the Exchange
# Administrator role (Organization Management, so Role Management), signing in through
# azure-identity against the Entra stand-in as DefaultAzureCredential's
# EnvironmentCredential would.
DEPLOYER_APP_ID = "7e3a4b5c-6d7e-4f80-9a1b-2c3d4e5f6a7b"
DEPLOYER_SP_ID = "8f4b5c6d-7e8f-4091-8b2c-3d4e5f6a7b8c"
EXCHANGE_ADMINISTRATOR = "29232cdf-9323-42fd-ade2-1d097af3e4de"


def attach(cloud: Any, monkeypatch: Any, tmp_path: Any) -> ExchangeOnline:
    """Serve Exchange RBAC from `cloud`, make the deployer's azure-identity sign-in reach
    it, and point the provider's REST calls at it (EXO_CBA_EXCHANGE_URL)."""
    import datetime as dt

    from azure.identity import CertificateCredential
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from exocba import exchange_objects, exchange_rest, signin
    from tests.conftest import rsa_key, self_signed_pem
    from tests.fakes.entra import RegisteredApp

    online = ExchangeOnline(cloud.organization, cloud.tenant_id)
    cloud.exchange = online
    key = rsa_key(2048, "deployer")
    pem = self_signed_pem(
        "", "exo-cba deployer", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), 48, key=key
    )
    cloud.register(
        RegisteredApp(
            DEPLOYER_APP_ID,
            DEPLOYER_SP_ID,
            certificates=[x509.load_pem_x509_certificate(pem.encode())],
            app_roles={cloud.exchange_resource: {MANAGE_AS_APP}},
            directory_roles={EXCHANGE_ADMINISTRATOR},
        )
    )
    bundle = tmp_path / "deployer.pem"
    bundle.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + pem.encode()
    )
    credential = CertificateCredential(
        cloud.tenant_id,
        DEPLOYER_APP_ID,
        str(bundle),
        authority=cloud.base_url,
        disable_instance_discovery=True,
    )
    online.deployer = credential
    monkeypatch.setattr(signin, "make_credential", lambda: credential)
    exchange_rest.forget_credential()
    monkeypatch.setenv(exchange_objects.EXCHANGE_URL_VARIABLE, cloud.base_url)
    return online


class OneSignIn:
    """The one credential exoctl signs in with (exocba/signin.py), as DefaultAzureCredential
    is one for every resource: the deployer's for the Exchange stand-in's resource, `graph`
    for the rest (the Microsoft Graph stand-in)."""

    def __init__(self, online: ExchangeOnline, exchange_resource: str, graph: Any) -> None:
        self.online, self.exchange_resource, self.graph = online, exchange_resource, graph
        self.scopes: list[tuple[str, ...]] = []
        """The scopes of every token asked for, in order."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        self.scopes.append(scopes)
        exchange = scopes[0].startswith(self.exchange_resource.rstrip("/") + "/")
        return (self.online.deployer if exchange else self.graph).get_token(*scopes, **kwargs)


def token_scopes(cloud: Any) -> list[str]:
    """The scope of each token the Entra stand-in was asked for, in order."""
    from urllib.parse import parse_qs

    return [
        parse_qs(r.body.decode())["scope"][0]
        for r in cloud.requests
        if r.path.endswith("/oauth2/v2.0/token")
    ]


def record_sleeps(monkeypatch: Any) -> list[float]:
    """The waits urllib3's Retry makes between tries, recorded instead of slept: Retry
    calls `time.sleep` through its own module's `time` (urllib3/util/retry.py)."""
    import time
    import types

    import urllib3.util.retry

    sleeps: list[float] = []
    clock = types.SimpleNamespace(sleep=sleeps.append, time=time.time, monotonic=time.monotonic)
    monkeypatch.setattr(urllib3.util.retry, "time", clock)
    return sleeps
