"""The program's Exchange role groups on the SDK's mock engine, with the dynamic provider run
as the engine runs it (tests/fakes/dynamic.py) against the Exchange stand-in:
preview, create, no-op, update, drift, delete, and retries (GCC High in
test_exchange_role_groups_clouds.py)."""

from __future__ import annotations

from tests.fakes.dynamic import DynamicMocks
from tests.fakes.exchange import Scope
from tests.fakes.role_groups import (
    APP_ID,
    COMPONENT,
    GROUP,
    GROUP_TYPE,
    MEMBER_TYPE,
    NARROW,
    SCOPE_TYPE,
    SP_ID,
    SP_TYPE,
    online,
    up,
)

__all__ = ["online"]  # the fixture, used by name
SCOPE = f"{GROUP} write scope"


def test_preview_shows_one_role_on_one_scope_and_no_directory_role(online) -> None:
    mocks = DynamicMocks()
    run = up(mocks, NARROW, preview=True)
    component = run.one(COMPONENT)
    children = [r for r in run.resources if r.parent == component.urn]
    assert sorted((r.type, r.name) for r in children) == sorted(
        [
            (GROUP_TYPE, "exo-rbac-group"),
            (SCOPE_TYPE, "exo-rbac-scope"),
            (MEMBER_TYPE, "exo-rbac-member-exo-cba-mail-recipients"),
            (SP_TYPE, "exo-rbac-sp"),
        ]
    )
    assert run.by_type("azuread:index/directoryRoleAssignment:DirectoryRoleAssignment") == []
    group = run.one(GROUP_TYPE).inputs
    assert group["roles"] == ["Mail Recipients"] and group["name"] == GROUP
    assert run.one(SCOPE_TYPE).inputs["recipientFilter"] == "Department -eq 'Sales'"
    assert "__provider" in group
    assert online.calls == [] and mocks.ops == []
    assert run.outputs["roles"] == []
    assert run.outputs["exchangeRoleGroups"]["custom"]["writeScope"] == f"{GROUP} write scope"


def test_up_makes_it_and_a_second_up_changes_nothing(online) -> None:
    mocks = DynamicMocks()
    first = up(mocks, NARROW)
    assert first.error is None
    assert sorted(mocks.ops) == [
        ("create", "exo-rbac-group"),
        ("create", "exo-rbac-member-exo-cba-mail-recipients"),
        ("create", "exo-rbac-scope"),
        ("create", "exo-rbac-sp"),
    ]
    group = online.groups[GROUP.casefold()]
    assert [(a.role, a.scope) for a in online.assignments if a.group == GROUP] == [
        ("Mail Recipients", f"{GROUP} write scope")
    ]
    assert group.members == [SP_ID]
    assert online.principals[SP_ID].app_id == APP_ID
    writes = list(online.writes())
    second = up(mocks, NARROW)
    assert second.error is None
    assert len(mocks.ops) == 4
    assert online.writes() == writes
    assert mocks.refresh() == []


def test_a_changed_filter_updates_only_the_scope(online) -> None:
    mocks = DynamicMocks()
    up(mocks, NARROW)
    online.calls.clear()
    up(mocks, {**NARROW, "exchangeRoleGroups.scopeFilter": "Department -eq 'Support'"})
    assert mocks.ops[4:] == [("update", "exo-rbac-scope")]
    assert online.writes() == ["Set-ManagementScope"]
    assert online.scopes[f"{GROUP} write scope".casefold()].filter == "Department -eq 'Support'"


def test_refresh_names_a_membership_removed_by_hand(online) -> None:
    mocks = DynamicMocks()
    up(mocks, NARROW)
    online.groups[GROUP.casefold()].members.clear()
    assert mocks.refresh() == [("delete", "exo-rbac-member-exo-cba-mail-recipients", [])]
    up(mocks, NARROW)
    assert mocks.ops[-1] == ("create", "exo-rbac-member-exo-cba-mail-recipients")
    assert online.groups[GROUP.casefold()].members == [SP_ID]


def test_dropping_the_role_groups_deletes_what_the_stack_made(online) -> None:
    mocks = DynamicMocks()
    up(mocks, NARROW)
    online.groups["help desk"].members.append("someone@contoso.com")
    up(mocks, {})
    assert sorted(op for op, _ in mocks.ops[4:]) == ["delete"] * 4
    assert GROUP.casefold() not in online.groups
    assert online.scopes == {} and online.principals == {}
    assert online.groups["help desk"].members == ["someone@contoso.com"]


def test_throttling_and_a_slow_new_app_are_retried_during_up(online) -> None:
    online.throttle = 2
    online.propagation_delay = 1
    online.member_delay = 1
    mocks = DynamicMocks()
    run = up(mocks, NARROW)
    assert run.error is None
    assert online.throttled == 2
    assert len(online.cmdlets("New-ServicePrincipal")) == 2
    assert len(online.cmdlets("Add-RoleGroupMember")) == 2
    assert online.groups[GROUP.casefold()].members == [SP_ID]


def test_a_dehydrated_tenant_fails_the_up_with_the_fix(online) -> None:
    online.dehydrated = True
    mocks = DynamicMocks()
    run = up(mocks, NARROW, tolerate_failure=True)
    assert run.error is not None
    # The provider's own fix, not the stand-in's error text (which names the cmdlet too).
    assert "run `Enable-OrganizationCustomization` once" in str(run.error)
    assert GROUP.casefold() not in online.groups


def test_refresh_names_a_write_scope_and_a_display_name_changed_by_hand(online) -> None:
    mocks = DynamicMocks()
    up(mocks, NARROW)
    online.scopes["hand-made"] = Scope("hand-made", "Department -eq 'IT'")
    (assignment,) = [a for a in online.assignments if a.group == GROUP]
    assignment.scope = "hand-made"
    online.principals[SP_ID].display_name = "renamed by hand"
    assert sorted(mocks.refresh()) == [
        ("update", "exo-rbac-group", ["writeScope"]),
        ("update", "exo-rbac-sp", ["displayName"]),
    ]
    online.calls.clear()
    up(mocks, NARROW)
    assert sorted(mocks.ops[4:]) == [("update", "exo-rbac-group"), ("update", "exo-rbac-sp")]
    assert sorted(online.writes()) == ["Set-ManagementRoleAssignment", "Set-ServicePrincipal"]
    assert assignment.scope == SCOPE
    assert online.principals[SP_ID].display_name == "Exchange Online automation"


def test_a_dropped_scope_filter_widens_the_group_then_deletes_the_scope(online) -> None:
    mocks = DynamicMocks()
    up(mocks, NARROW)
    online.calls.clear()
    wider = {k: v for k, v in NARROW.items() if k != "exchangeRoleGroups.scopeFilter"}
    run = up(mocks, wider)
    assert run.error is None
    assert mocks.ops[4:] == [("update", "exo-rbac-group"), ("delete", "exo-rbac-scope")]
    assert online.writes() == ["Set-ManagementRoleAssignment", "Remove-ManagementScope"]
    assert [(a.role, a.scope) for a in online.assignments if a.group == GROUP] == [
        ("Mail Recipients", None)
    ]
    assert online.scopes == {}
