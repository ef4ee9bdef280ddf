"""The cmdlets the Exchange RBAC stand-in (tests/fakes/exchange.py) serves, and its records.

Parameters and output properties follow each cmdlet's reference page (office-docs-powershell
exchange-ps); the error texts and row shapes beyond those properties are the stand-in's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from exocba.exchange_rbac import BUILT_IN_MANAGEMENT_ROLES

_NS = uuid.UUID("3c0b8a55-6f0e-4f3a-9d7e-8b1f2a6c4d21")


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


class Cmdlets:
    """Cmdlet handlers over ExchangeOnline's state: `_<Verb>_<Noun>(parameters) -> rows`."""

    organization: str
    dehydrated: bool
    mailboxes: list[str]
    entra: dict[str, tuple[str, str]]
    principals: dict[str, ServicePrincipal]
    scopes: dict[str, Scope]
    groups: dict[str, RoleGroup]
    assignments: list[Assignment]
    direct: list[Assignment]
    propagation_delay: int
    _propagation_seen: dict[str, int]
    member_delay: int
    _member_seen: dict[str, int]

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
        # This stand-in's choice, not a recorded answer: the name `<Role>-<Group>` that
        # New-ManagementRoleAssignment derives when none is given is taken, so a second
        # one is refused as already existing. Real Exchange may instead allow several
        # assignments of one role to one group (under other names); the provider's read
        # then reports the extra one and the next update removes it.
        if any(a.role == str(p["Role"]) and a.group == group for a in self.assignments):
            raise CmdletError(
                "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
                f"The role assignment {p['Role']}-{group} already exists.",
            )
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
        seen = self._member_seen.get(member, 0)
        if seen < self.member_delay:
            self._member_seen[member] = seen + 1
            raise _not_found(f'Couldn\'t find object "{p["Member"]}".')
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
