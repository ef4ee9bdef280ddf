"""The role-group provider's create, read, delete and diff, called directly against the
Exchange stand-in (over HTTPS, with the deployer's azure-identity sign-in): what it makes,
what it adopts and leaves in place, and the drift a read shows. Updates are in
test_exchange_updates.py, retries and waits in test_exchange_failures.py."""

from __future__ import annotations

import base64

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components import exchange_rbac_provider as providers
from tests.fakes.exchange import Assignment, RoleGroup, Scope, ServicePrincipal
from tests.fakes.exchange_props import (
    APP_ID,
    DISPLAY_NAME,
    FILTER,
    GROUP,
    SCOPE,
    SP_ID,
    group,
    made,
    member,
    online,
    principal,
    scope,
)

__all__ = ["online"]  # the fixture, used by name


def test_the_service_principal_is_made_read_back_and_removed(online) -> None:
    provider = providers.ServicePrincipalProvider()
    created = provider.create(principal())
    assert created.id == SP_ID and created.outs["madeByStack"] is True
    assert online.principals[SP_ID].app_id == APP_ID
    assert online.cmdlets("New-ServicePrincipal") == [
        {"AppId": APP_ID, "ObjectId": SP_ID, "DisplayName": DISPLAY_NAME}
    ]
    read = provider.read(created.id, created.outs)
    assert read.id == SP_ID and read.outs == created.outs
    provider.delete(created.id, created.outs)
    assert SP_ID not in online.principals
    assert provider.read(created.id, created.outs).id == ""


def test_an_existing_service_principal_is_adopted_and_never_deleted(online) -> None:
    online.principals[SP_ID] = ServicePrincipal(APP_ID, SP_ID, DISPLAY_NAME, "made by hand")
    provider = providers.ServicePrincipalProvider()
    created = provider.create(principal())
    assert created.outs["madeByStack"] is False
    assert created.outs["identity"] == "made by hand"
    assert online.writes() == []
    provider.delete(created.id, created.outs)
    assert online.writes() == []
    assert online.principals[SP_ID].identity == "made by hand"


def test_an_existing_scope_is_adopted_and_never_deleted(online) -> None:
    online.scopes[SCOPE.casefold()] = Scope(SCOPE, FILTER)
    provider = providers.ManagementScopeProvider()
    created = provider.create(scope())
    assert created.outs["madeByStack"] is False
    assert online.writes() == []
    provider.delete(created.id, created.outs)
    assert online.writes() == []
    assert online.scopes[SCOPE.casefold()].filter == FILTER


def test_an_existing_scope_with_another_filter_is_refused_naming_the_key(online) -> None:
    online.scopes[SCOPE.casefold()] = Scope(SCOPE, "Department -eq 'Everyone'")
    with pytest.raises(providers.ExchangeFailure) as caught:
        providers.ManagementScopeProvider().create(scope())
    message = str(caught.value)
    assert f"management scope {SCOPE!r} exists with the filter" in message
    assert "Department -eq 'Everyone'" in message and "exo-cba:exchangeRoleGroups.name" in message
    assert online.writes() == []
    assert online.scopes[SCOPE.casefold()].filter == "Department -eq 'Everyone'"


def test_an_identical_existing_group_is_adopted_and_never_deleted(online) -> None:
    online.scopes[SCOPE.casefold()] = Scope(SCOPE, FILTER)
    online.groups[GROUP.casefold()] = RoleGroup(GROUP, "managed")
    online.assignments.append(Assignment("Mail Recipients", GROUP, SCOPE))
    provider = providers.RoleGroupProvider()
    created = provider.create(group())
    assert created.outs["madeByStack"] is False
    assert online.writes() == []
    provider.delete(created.id, created.outs)
    assert GROUP.casefold() in online.groups


def test_an_existing_group_that_differs_is_refused(online) -> None:
    online.groups[GROUP.casefold()] = RoleGroup(GROUP)
    online.assignments.append(Assignment("Mail Recipient Creation", GROUP, None))
    with pytest.raises(RuntimeError, match="exists with roles Mail Recipient Creation"):
        providers.RoleGroupProvider().create(group(writeScope=""))
    assert online.writes() == []


def test_a_new_name_replaces_the_group() -> None:
    provider = providers.RoleGroupProvider()
    changed = provider.diff("x", group(), group(name="another"))
    assert changed.replaces == ["name"] and changed.delete_before_replace
    assert (
        provider.diff("x", {**group(), "madeByStack": True, "__provider": "a"}, group()).changes
        is False
    )


def test_a_rewritten_filter_is_no_drift_and_a_changed_one_is(online) -> None:
    provider = providers.ManagementScopeProvider()
    created = provider.create(scope())
    assert online.scopes[SCOPE.casefold()].row()["RecipientFilter"] == "(Department -eq 'Sales')"
    assert created.outs["recipientFilter"] == FILTER
    assert provider.read(created.id, created.outs).outs == created.outs
    online.scopes[SCOPE.casefold()].filter = "Department -eq 'Everyone'"
    read = provider.read(created.id, created.outs)
    assert read.outs["recipientFilter"] == "(Department -eq 'Everyone')"
    assert provider.diff(created.id, read.outs, scope()).changes is True


@pytest.mark.parametrize(
    ("by_hand", "seen"),
    [("hand-made scope", "hand-made scope"), (None, "")],
    ids=["another-scope", "the-whole-organization"],
)
def test_a_write_scope_changed_by_hand_is_drift(online, by_hand, seen) -> None:
    made("scope")
    created = made("group")
    assert created.outs["writeScope"] == SCOPE
    online.scopes["hand-made scope"] = Scope("hand-made scope", "Department -eq 'IT'")
    (assignment,) = [a for a in online.assignments if a.group == GROUP]
    assignment.scope = by_hand
    provider = providers.RoleGroupProvider()
    read = provider.read(created.id, created.outs)
    assert read.outs["writeScope"] == seen
    assert {k: v for k, v in read.outs.items() if k != "writeScope"} == {
        k: v for k, v in created.outs.items() if k != "writeScope"
    }
    changed = provider.diff(created.id, read.outs, group())
    assert changed.changes is True and changed.replaces == []


def test_a_display_name_changed_by_hand_is_drift(online) -> None:
    created = made("sp")
    online.principals[SP_ID].display_name = "renamed by hand"
    provider = providers.ServicePrincipalProvider()
    read = provider.read(created.id, created.outs)
    assert read.outs == {**created.outs, "displayName": "renamed by hand"}
    changed = provider.diff(created.id, read.outs, principal())
    assert changed.changes is True and changed.replaces == []


def test_a_membership_is_added_seen_missing_when_removed_by_hand_and_removed(online) -> None:
    made("sp")
    provider = providers.RoleGroupMemberProvider()
    created = provider.create(member("View-Only Organization Management"))
    assert created.outs["madeByStack"] is True
    assert SP_ID in online.groups["view-only organization management"].members
    assert provider.read(created.id, created.outs).id == created.id
    online.groups["view-only organization management"].members.remove(SP_ID)
    assert provider.read(created.id, created.outs).id == ""
    online.groups["view-only organization management"].members.append(SP_ID)
    provider.delete(created.id, created.outs)
    assert SP_ID not in online.groups["view-only organization management"].members


def test_a_hand_made_membership_is_adopted_and_left_in_place(online) -> None:
    made("sp")
    online.groups["help desk"].members.append(SP_ID)
    provider = providers.RoleGroupMemberProvider()
    created = provider.create(member("Help Desk"))
    assert created.outs["madeByStack"] is False
    assert online.cmdlets("Add-RoleGroupMember") == []
    provider.delete(created.id, created.outs)
    assert SP_ID in online.groups["help desk"].members


def test_a_membership_of_a_missing_group_names_the_key(online) -> None:
    made("sp")
    with pytest.raises(RuntimeError, match=r"exchangeRoleGroups\.existing"):
        providers.RoleGroupMemberProvider().create(member("No Such Group"))


def test_the_serialized_provider_carries_no_state_and_is_stable() -> None:
    for provider in (
        providers.ServicePrincipalProvider(),
        providers.ManagementScopeProvider(),
        providers.RoleGroupProvider(),
        providers.RoleGroupMemberProvider(),
    ):
        serialized = serialize_provider(provider)
        assert serialized == serialize_provider(type(provider)())
        restored = dill.loads(base64.b64decode(serialized))
        assert type(restored) is type(provider) and vars(restored) == {}
        assert len(base64.b64decode(serialized)) < 200


def test_a_group_that_exists_after_all_is_adopted_never_claimed(online) -> None:
    made("scope")
    # Exchange makes the group, then the answer is lost: the retry meets "already exists".
    online.lost_answers["New-RoleGroup"] = [500]
    provider = providers.RoleGroupProvider()
    created = provider.create(group())
    assert len(online.cmdlets("New-RoleGroup")) == 2
    # Whose it is cannot be known, so it is the existing-object path's: compared, adopted.
    assert created.outs["madeByStack"] is False
    provider.delete(created.id, created.outs)
    assert GROUP.casefold() in online.groups
    assert "Remove-RoleGroup" not in online.writes()


def test_a_scope_a_lagging_read_missed_is_compared_before_it_is_adopted(
    online, monkeypatch
) -> None:
    online.scopes[SCOPE.casefold()] = Scope(SCOPE, "Department -eq 'Everyone'")
    served = online._Get_ManagementScope
    lagged: list[dict] = []  # the first read lags behind the scope a person made

    def lagging(p: dict) -> list:
        if not lagged:
            lagged.append(p)
            return []
        return served(p)

    monkeypatch.setattr(online, "_Get_ManagementScope", lagging)
    with pytest.raises(RuntimeError, match="exists with the filter"):
        providers.ManagementScopeProvider().create(scope())
    assert lagged, "the lagging read was never asked"
    assert online.scopes[SCOPE.casefold()].filter == "Department -eq 'Everyone'"


def test_an_unexpected_failure_reaches_pulumi_named_by_its_type(online, monkeypatch) -> None:
    from exocba import exchange_objects

    def broken(*_args: object) -> None:
        raise KeyError("recipientFilter")

    monkeypatch.setattr(exchange_objects, "create", broken)
    with pytest.raises(providers.ExchangeFailure) as caught:
        providers.ManagementScopeProvider().create(scope())
    assert str(caught.value) == "KeyError: 'recipientFilter'"
