"""The role-group provider's update, called directly against the Exchange stand-in: only
what differs is sent, and Exchange ends as declared (roles added or removed, the write
scope changed or dropped), also when an answer is lost after the change was made."""

from __future__ import annotations

from components import exchange_rbac_provider as providers
from tests.fakes.exchange import Scope
from tests.fakes.exchange_props import GROUP, SCOPE, group, made, online

__all__ = ["online"]  # the fixture, used by name

OTHER = "exo-cba it write scope"


def assignments(online) -> list[tuple[str, str | None]]:
    return sorted((a.role, a.scope) for a in online.assignments if a.group == GROUP)


def assignment_name(online, role: str) -> str:
    """The stand-in's name for the group's assignment of `role` (Exchange makes one up)."""
    (found,) = [a for a in online.assignments if a.group == GROUP and a.role == role]
    return found.name


def test_an_added_role_is_assigned_on_the_write_scope(online) -> None:
    made("scope")
    created = made("group")
    assert online.groups[GROUP.casefold()].name == GROUP
    online.calls.clear()
    provider = providers.RoleGroupProvider()
    wider = group(roles=["Mail Recipients", "View-Only Recipients"])
    changed = provider.diff(created.id, created.outs, wider)
    assert changed.changes and not changed.replaces
    outs = provider.update(created.id, created.outs, wider).outs
    assert online.writes() == ["New-ManagementRoleAssignment"]
    assert online.cmdlets("New-ManagementRoleAssignment") == [
        {"SecurityGroup": GROUP, "Role": "View-Only Recipients", "CustomRecipientWriteScope": SCOPE}
    ]
    assert assignments(online) == [("Mail Recipients", SCOPE), ("View-Only Recipients", SCOPE)]
    assert outs["roles"] == ["Mail Recipients", "View-Only Recipients"]
    assert outs["madeByStack"] is True
    assert provider.diff(created.id, outs, wider).changes is False


def test_a_dropped_role_loses_its_assignment_and_nothing_else(online) -> None:
    made("scope")
    created = made("group", roles=["Mail Recipients", "View-Only Recipients"])
    dropped = assignment_name(online, "View-Only Recipients")
    online.calls.clear()
    provider = providers.RoleGroupProvider()
    outs = provider.update(created.id, created.outs, group()).outs
    assert online.writes() == ["Remove-ManagementRoleAssignment"]
    assert online.cmdlets("Remove-ManagementRoleAssignment") == [
        {"Identity": dropped, "Confirm": False}
    ]
    assert assignments(online) == [("Mail Recipients", SCOPE)]
    assert outs["roles"] == ["Mail Recipients"] and outs["writeScope"] == SCOPE
    assert provider.diff(created.id, outs, group()).changes is False


def test_a_changed_write_scope_is_set_on_every_assignment(online) -> None:
    made("scope")
    created = made("group", roles=["Mail Recipients", "View-Only Recipients"])
    online.scopes[OTHER] = Scope(OTHER, "Department -eq 'IT'")
    names = {
        role: assignment_name(online, role) for role in ("Mail Recipients", "View-Only Recipients")
    }
    online.calls.clear()
    declared = group(roles=["Mail Recipients", "View-Only Recipients"], writeScope=OTHER)
    outs = providers.RoleGroupProvider().update(created.id, created.outs, declared).outs
    assert online.writes() == ["Set-ManagementRoleAssignment"] * 2
    assert sorted(online.cmdlets("Set-ManagementRoleAssignment"), key=str) == sorted(
        [{"Identity": name, "CustomRecipientWriteScope": OTHER} for name in names.values()],
        key=str,
    )
    assert assignments(online) == [("Mail Recipients", OTHER), ("View-Only Recipients", OTHER)]
    assert outs["writeScope"] == OTHER


def test_a_dropped_write_scope_makes_the_role_write_to_the_organization(online) -> None:
    made("scope")
    created = made("group")
    name = assignment_name(online, "Mail Recipients")
    online.calls.clear()
    outs = providers.RoleGroupProvider().update(created.id, created.outs, group(writeScope="")).outs
    assert online.writes() == ["Set-ManagementRoleAssignment"]
    assert online.cmdlets("Set-ManagementRoleAssignment") == [
        {"Identity": name, "RecipientRelativeWriteScope": "Organization"}
    ]
    assert assignments(online) == [("Mail Recipients", None)]
    assert outs["writeScope"] == ""


def test_an_added_role_whose_answer_was_lost_is_not_an_error(online) -> None:
    made("scope")
    created = made("group")
    online.calls.clear()
    # Exchange makes the assignment, then the answer is a 500: the retry meets it.
    online.lost_answers["New-ManagementRoleAssignment"] = [500]
    wider = group(roles=["Mail Recipients", "View-Only Recipients"])
    outs = providers.RoleGroupProvider().update(created.id, created.outs, wider).outs
    assert online.writes() == ["New-ManagementRoleAssignment"] * 2
    assert online.lost_answers["New-ManagementRoleAssignment"] == []
    assert assignments(online) == [("Mail Recipients", SCOPE), ("View-Only Recipients", SCOPE)]
    assert outs["roles"] == ["Mail Recipients", "View-Only Recipients"]
    assert outs["writeScope"] == SCOPE


def test_a_dropped_role_whose_answer_was_lost_is_not_an_error(online) -> None:
    made("scope")
    created = made("group", roles=["Mail Recipients", "View-Only Recipients"])
    online.calls.clear()
    # Exchange removes the assignment, then the answer is a 500: the retry meets not-found.
    online.lost_answers["Remove-ManagementRoleAssignment"] = [500]
    outs = providers.RoleGroupProvider().update(created.id, created.outs, group()).outs
    assert online.writes() == ["Remove-ManagementRoleAssignment"] * 2
    assert online.lost_answers["Remove-ManagementRoleAssignment"] == []
    assert assignments(online) == [("Mail Recipients", SCOPE)]
    assert outs["roles"] == ["Mail Recipients"]
