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
  principal Entra made moments ago), throttling, transient 5xx per cmdlet, and a
  dehydrated tenant (InvalidOperationInDehydratedContextException until
  Enable-OrganizationCustomization).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlparse

from components.exchange_rbac import BUILT_IN_MANAGEMENT_ROLES

MANAGE_AS_APP = "Exchange.ManageAsApp"
_NS = uuid.UUID("3c0b8a55-6f0e-4f3a-9d7e-8b1f2a6c4d21")
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


class CmdletError(Exception):
    def __init__(self, exception: str, text: str, status: int = 400) -> None:
        super().__init__(text)
        self.exception, self.text, self.status = exception, text, status


def _not_found(text: str) -> CmdletError:
    return CmdletError(
        "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException", text, 404
    )


def _missing(identity: str) -> CmdletError:
    return _not_found(
        f"The operation couldn't be performed because object '{identity}' couldn't be found."
    )


@dataclass
class ServicePrincipal:
    app_id: str
    object_id: str
    display_name: str
    identity: str

    def row(self) -> dict[str, Any]:
        return {
            "AppId": self.app_id,
            "ObjectId": self.object_id,
            "DisplayName": self.display_name,
            "Identity": self.identity,
            "Name": self.identity,
            "Id": self.identity,
        }


@dataclass
class Scope:
    name: str
    filter: str

    def row(self) -> dict[str, Any]:
        # Exchange keeps the filter in its own normal form; the stored text is wrapped.
        return {
            "Name": self.name,
            "RecipientFilter": f"({self.filter})",
            "ScopeRestrictionType": "RecipientScope",
            "Exclusive": False,
        }


@dataclass
class Assignment:
    role: str
    group: str
    scope: str | None = None

    @property
    def name(self) -> str:
        return f"{self.role}-{self.group}"

    def row(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "Identity": self.name,
            "Role": self.role,
            "RoleAssignee": self.group,
            "RoleAssigneeName": self.group,
            "RoleAssigneeType": "RoleGroup" if self.group else "ServicePrincipal",
            "CustomRecipientWriteScope": self.scope,
            "RecipientWriteScope": "CustomRecipientScope" if self.scope else "Organization",
        }


@dataclass
class RoleGroup:
    name: str
    description: str = ""
    members: list[str] = field(default_factory=list)
    """Object ids of service principals, or user names."""
    built_in: bool = False


class ExchangeOnline:
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
        self.propagation_delay = 0
        """New-ServicePrincipal answers not-found this many times per principal."""
        self._propagation_seen: dict[str, int] = {}
        self.throttle = 0
        """The next this many requests answer 429."""
        self.throttled = 0
        self.failures: dict[str, list[int]] = {}
        """cmdlet -> statuses to answer before serving it (e.g. [500])."""
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
                {"Retry-After": "0"},
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
            return error.status, {
                "error": {
                    "code": "NotFound" if error.status == 404 else "BadRequest",
                    "message": "Error executing cmdlet",
                    "details": [
                        {"code": "Client", "message": f"Ex6F9304|{error.exception}|{error.text}"}
                    ],
                }
            }
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
    def _principal(self, identity: str) -> ServicePrincipal:
        for sp in self.principals.values():
            if identity in (sp.object_id, sp.app_id, sp.identity, sp.display_name):
                return sp
        raise _not_found(
            f"The operation couldn't be performed because object '{identity}' couldn't be found."
        )

    def _group(self, identity: str) -> RoleGroup:
        found = self.groups.get(str(identity).casefold())
        if found is None:
            raise _missing(identity)
        return found

    def _scope(self, identity: str) -> Scope:
        found = self.scopes.get(str(identity).casefold())
        if found is None:
            raise _missing(identity)
        return found

    def _group_row(self, group: RoleGroup) -> dict[str, Any]:
        mine = [a for a in self.assignments if a.group == group.name]
        return {
            "Name": group.name,
            "Identity": group.name,
            "Description": group.description,
            "Roles": sorted({a.role for a in mine}),
            "RoleAssignments": [a.name for a in mine],
            "Members": [
                self.principals[m].identity if m in self.principals else m for m in group.members
            ],
            "IsBuiltIn": group.built_in,
        }

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

    def _Enable_OrganizationCustomization(self, p: dict) -> list:
        self.dehydrated = False
        return []

    def _Get_OrganizationConfig(self, p: dict) -> list:
        return [{"Name": self.organization, "IsDehydrated": self.dehydrated}]

    def _Get_AcceptedDomain(self, p: dict) -> list:
        return [{"DomainName": self.organization, "Default": True, "DomainType": "Authoritative"}]

    def _Get_Mailbox(self, p: dict) -> list:
        return [
            {"PrimarySmtpAddress": m, "RecipientTypeDetails": "UserMailbox"} for m in self.mailboxes
        ]

    def _Get_TransportRule(self, p: dict) -> list:
        return []

    # service principals
    def _Get_ServicePrincipal(self, p: dict) -> list:
        if "Identity" in p:
            return [self._principal(str(p["Identity"])).row()]
        return [sp.row() for sp in self.principals.values()]

    def _New_ServicePrincipal(self, p: dict) -> list:
        object_id, app_id = str(p.get("ObjectId") or p.get("ServiceId")), str(p["AppId"])
        if object_id in self.principals:
            raise CmdletError(
                "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                f"The service principal {object_id} already exists.",
            )
        seen = self._propagation_seen.get(object_id, 0)
        if self.entra.get(object_id, ("",))[0] != app_id or seen < self.propagation_delay:
            self._propagation_seen[object_id] = seen + 1
            raise _not_found(
                f"The service principal with AppId {app_id} and ObjectId {object_id} wasn't "
                "found in the directory."
            )
        sp = ServicePrincipal(
            app_id, object_id, str(p.get("DisplayName") or app_id), str(uuid.uuid5(_NS, object_id))
        )
        self.principals[object_id] = sp
        return [sp.row()]

    def _Set_ServicePrincipal(self, p: dict) -> list:
        sp = self._principal(str(p["Identity"]))
        sp.display_name = str(p.get("DisplayName") or sp.display_name)
        return []

    def _Remove_ServicePrincipal(self, p: dict) -> list:
        sp = self._principal(str(p["Identity"]))
        del self.principals[sp.object_id]
        for group in self.groups.values():
            group.members = [m for m in group.members if m != sp.object_id]
        return []

    # scopes
    def _Get_ManagementScope(self, p: dict) -> list:
        if "Identity" in p:
            return [self._scope(str(p["Identity"])).row()]
        return [s.row() for s in self.scopes.values()]

    def _New_ManagementScope(self, p: dict) -> list:
        name = str(p["Name"])
        if name.casefold() in self.scopes:
            raise CmdletError(
                "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                f"The management scope {name} already exists.",
            )
        self.scopes[name.casefold()] = Scope(name, str(p["RecipientRestrictionFilter"]))
        return [self.scopes[name.casefold()].row()]

    def _Set_ManagementScope(self, p: dict) -> list:
        self._scope(str(p["Identity"])).filter = str(p["RecipientRestrictionFilter"])
        return []

    def _Remove_ManagementScope(self, p: dict) -> list:
        scope = self._scope(str(p["Identity"]))
        if any(a.scope == scope.name for a in self.assignments):
            raise CmdletError(
                "Microsoft.Exchange.Management.RbacTasks.ScopeInUseException",
                f"The scope {scope.name} is in use by role assignments.",
            )
        del self.scopes[scope.name.casefold()]
        return []

    # role groups
    def _Get_RoleGroup(self, p: dict) -> list:
        if "Identity" in p:
            return [self._group_row(self._group(str(p["Identity"])))]
        return [self._group_row(g) for g in self.groups.values()]

    def _New_RoleGroup(self, p: dict) -> list:
        name = str(p["Name"])
        if name.casefold() in self.groups:
            raise CmdletError(
                "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                f"The role group {name} already exists.",
            )
        scope = p.get("CustomRecipientWriteScope")
        if scope is not None:
            scope = self._scope(str(scope)).name
        for role in p.get("Roles") or []:
            if role not in BUILT_IN_MANAGEMENT_ROLES:
                raise _not_found(f"The role '{role}' couldn't be found.")
        group = RoleGroup(name, str(p.get("Description") or ""))
        self.groups[name.casefold()] = group
        self.assignments += [Assignment(role, name, scope) for role in p.get("Roles") or []]
        return [self._group_row(group)]

    def _Set_RoleGroup(self, p: dict) -> list:
        group = self._group(str(p["Identity"]))
        if "Description" in p:
            group.description = str(p["Description"])
        return []

    def _Remove_RoleGroup(self, p: dict) -> list:
        group = self._group(str(p["Identity"]))
        del self.groups[group.name.casefold()]
        self.assignments = [a for a in self.assignments if a.group != group.name]
        return []

    def _Get_ManagementRoleAssignment(self, p: dict) -> list:
        assignee = str(p.get("RoleAssignee") or "")
        try:
            group = self._group(assignee).name
        except CmdletError:
            sp = self._principal(assignee)
            return [
                a.row() | {"RoleAssignee": sp.identity}
                for a in self.direct
                if a.scope == sp.object_id
            ]
        return [a.row() for a in self.assignments if a.group == group]

    def _New_ManagementRoleAssignment(self, p: dict) -> list:
        group = self._group(str(p["SecurityGroup"])).name
        scope = p.get("CustomRecipientWriteScope")
        assignment = Assignment(
            str(p["Role"]), group, self._scope(str(scope)).name if scope else None
        )
        self.assignments.append(assignment)
        return [assignment.row()]

    def _assignment(self, identity: str) -> Assignment:
        for assignment in self.assignments:
            if assignment.name == identity:
                return assignment
        raise _not_found(f"The role assignment '{identity}' couldn't be found.")

    def _Set_ManagementRoleAssignment(self, p: dict) -> list:
        assignment = self._assignment(str(p["Identity"]))
        if p.get("CustomRecipientWriteScope"):
            assignment.scope = self._scope(str(p["CustomRecipientWriteScope"])).name
        elif p.get("RecipientRelativeWriteScope") == "Organization":
            assignment.scope = None
        return []

    def _Remove_ManagementRoleAssignment(self, p: dict) -> list:
        self.assignments.remove(self._assignment(str(p["Identity"])))
        return []

    # members
    def _member(self, identity: str) -> str:
        try:
            return self._principal(identity).object_id
        except CmdletError:
            raise _not_found(
                f'Couldn\'t find object "{identity}". Please make sure that it was spelled '
                "correctly or specify a different object."
            ) from None

    def _Get_RoleGroupMember(self, p: dict) -> list:
        group = self._group(str(p["Identity"]))
        rows = []
        for member in group.members:
            sp = self.principals.get(member)
            rows.append(
                {
                    "Name": sp.identity if sp else member,
                    "DisplayName": sp.display_name if sp else member,
                    "Identity": sp.identity if sp else member,
                    "ExternalDirectoryObjectId": sp.object_id if sp else "",
                    "RecipientType": "ServicePrincipal" if sp else "User",
                }
            )
        return rows

    def _Add_RoleGroupMember(self, p: dict) -> list:
        group = self._group(str(p["Identity"]))
        member = self._member(str(p["Member"]))
        if member in group.members:
            raise CmdletError(
                "Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException",
                f'The recipient "{p["Member"]}" is already a member of the group "{group.name}".',
            )
        group.members.append(member)
        return []

    def _Remove_RoleGroupMember(self, p: dict) -> list:
        group = self._group(str(p["Identity"]))
        member = self._member(str(p["Member"]))
        if member not in group.members:
            raise CmdletError(
                "Microsoft.Exchange.Management.Tasks.MemberNotFoundException",
                f'The recipient "{p["Member"]}" isn\'t a member of the group "{group.name}".',
            )
        group.members.remove(member)
        return []


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

    from components import exchange_objects, exchange_rest
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
    monkeypatch.setattr(exchange_rest, "make_credential", lambda: credential)
    exchange_rest.forget_credential()
    monkeypatch.setenv(exchange_objects.EXCHANGE_URL_VARIABLE, cloud.base_url)
    return online
