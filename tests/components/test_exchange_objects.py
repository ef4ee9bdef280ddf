"""The role-group provider's create, read, update, delete and diff, called directly against
the Exchange stand-in (over HTTPS, with the deployer's azure-identity sign-in)."""

from __future__ import annotations

import base64
from pathlib import Path

import dill
import pytest
from pulumi.dynamic.dynamic import serialize_provider

from components import exchange_rbac_provider as providers
from exocba.exchange_rest import DEHYDRATED
from tests.conftest import TENANT_ID
from tests.fakes.exchange import Assignment, RoleGroup, Scope, attach

APP_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SP_ID = "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
GROUP = "exo-cba mail recipients"
SCOPE = f"{GROUP} write scope"
COMMON = {"tenantId": TENANT_ID, "exchangeUrl": "https://outlook.office365.com"}


@pytest.fixture
def online(cloud, monkeypatch, tmp_path: Path):
    exchange = attach(cloud, monkeypatch, tmp_path)
    exchange.entra[SP_ID] = (APP_ID, "Exchange Online automation")
    return exchange


def principal(**extra) -> dict:
    return {
        **COMMON,
        "appId": APP_ID,
        "objectId": SP_ID,
        "displayName": "Exchange Online automation",
        "propagationSeconds": 20,
        **extra,
    }


def group(**extra) -> dict:
    return {
        **COMMON,
        "name": GROUP,
        "roles": ["Mail Recipients"],
        "writeScope": SCOPE,
        "description": "managed",
        **extra,
    }


def scope(**extra) -> dict:
    return {**COMMON, "name": SCOPE, "recipientFilter": "Department -eq 'Sales'", **extra}


def member(group_name: str = GROUP) -> dict:
    return {**COMMON, "group": group_name, "memberObjectId": SP_ID, "propagationSeconds": 20}


def made(online, kind: str) -> None:
    """Run the create that puts the stack's objects in place for a test's starting point."""
    provider = {
        "sp": providers.ServicePrincipalProvider(),
        "scope": providers.ManagementScopeProvider(),
        "group": providers.RoleGroupProvider(),
    }[kind]
    props = {"sp": principal, "scope": scope, "group": group}[kind]()
    return provider.create(props)


def test_the_service_principal_is_made_read_back_and_removed(online) -> None:
    provider = providers.ServicePrincipalProvider()
    created = provider.create(principal())
    assert created.id == SP_ID and created.outs["madeByStack"] is True
    assert online.principals[SP_ID].app_id == APP_ID
    assert online.cmdlets("New-ServicePrincipal") == [
        {"AppId": APP_ID, "ObjectId": SP_ID, "DisplayName": "Exchange Online automation"}
    ]
    read = provider.read(created.id, created.outs)
    assert read.id == SP_ID and read.outs == created.outs
    provider.delete(created.id, created.outs)
    assert SP_ID not in online.principals
    assert provider.read(created.id, created.outs).id == ""


def test_a_new_app_is_waited_for_within_the_bound(online) -> None:
    online.propagation_delay = 2
    created = providers.ServicePrincipalProvider().create(principal())
    assert created.outs["madeByStack"] is True
    assert len(online.cmdlets("New-ServicePrincipal")) == 3


def test_the_wait_for_a_new_app_is_bounded(online) -> None:
    import time

    online.propagation_delay = 10_000
    started = time.monotonic()
    with pytest.raises(RuntimeError) as caught:
        providers.ServicePrincipalProvider().create(principal(propagationSeconds=1))
    # The bound, plus one last wait and request: far below the next backoff steps.
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "still does not know the app after 1 s" in message
    assert "exchangeRoleGroups.propagationSeconds" in message
    assert SP_ID not in online.principals


def test_throttling_is_retried_with_backoff(online) -> None:
    online.throttle = 2
    created = providers.ServicePrincipalProvider().create(principal())
    assert online.throttled == 2 and created.outs["madeByStack"] is True


def test_an_identical_existing_group_is_adopted_and_never_deleted(online) -> None:
    online.scopes[SCOPE.casefold()] = Scope(SCOPE, "Department -eq 'Sales'")
    online.groups[GROUP.casefold()] = RoleGroup(GROUP, "managed")
    online.assignments.append(Assignment("Mail Recipients", GROUP, SCOPE))
    provider = providers.RoleGroupProvider()
    created = provider.create(group())
    assert created.outs["madeByStack"] is False
    assert online.writes() == []
    provider.delete(created.id, created.outs)
    assert GROUP.casefold() in online.groups


def test_a_transient_read_failure_is_not_taken_for_absent(online) -> None:
    online.groups[GROUP.casefold()] = RoleGroup(GROUP, "managed")
    online.assignments.append(Assignment("Mail Recipients", GROUP, None))
    online.failures["Get-RoleGroup"] = [500]
    created = providers.RoleGroupProvider().create(group(writeScope=""))
    assert created.outs["madeByStack"] is False
    assert online.cmdlets("New-RoleGroup") == []


def test_a_read_that_keeps_failing_stops_the_create(online, monkeypatch) -> None:
    from exocba import exchange_rest

    # Every retry is spent (the backoff itself is the throttling test's subject).
    monkeypatch.setattr(exchange_rest, "RETRY_BACKOFF_FACTOR", 0)
    online.failures["Get-RoleGroup"] = [503] * 20
    with pytest.raises(providers.ExchangeFailure, match="HTTP 503") as caught:
        providers.RoleGroupProvider().create(group(writeScope=""))
    assert online.cmdlets("New-RoleGroup") == []
    # What `pulumi up` prints is the traceback of this exception (the SDK's provider
    # server): raised from None, it carries none of the inner stack.
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert caught.traceback[-1].name == "_plainly"


def test_an_existing_group_that_differs_is_refused(online) -> None:
    online.groups[GROUP.casefold()] = RoleGroup(GROUP)
    online.assignments.append(Assignment("Mail Recipient Creation", GROUP, None))
    with pytest.raises(RuntimeError, match="exists with roles Mail Recipient Creation"):
        providers.RoleGroupProvider().create(group(writeScope=""))
    assert online.writes() == []


def test_update_changes_only_what_differs(online) -> None:
    made(online, "scope")
    created = made(online, "group")
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
    assert outs["roles"] == ["Mail Recipients", "View-Only Recipients"]
    assert outs["madeByStack"] is True
    assert provider.diff(created.id, outs, wider).changes is False


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
    assert created.outs["recipientFilter"] == "Department -eq 'Sales'"
    assert provider.read(created.id, created.outs).outs == created.outs
    online.scopes[SCOPE.casefold()].filter = "Department -eq 'Everyone'"
    read = provider.read(created.id, created.outs)
    assert read.outs["recipientFilter"] == "(Department -eq 'Everyone')"
    assert provider.diff(created.id, read.outs, scope()).changes is True


def test_a_dehydrated_tenant_gets_its_fix_in_one_line(online) -> None:
    online.dehydrated = True
    with pytest.raises(Exception) as caught:
        providers.RoleGroupProvider().create(group(writeScope=""))
    message = str(caught.value)
    assert "\n" not in message
    assert DEHYDRATED in message and "run `Enable-OrganizationCustomization` once" in message


def test_a_membership_is_added_seen_missing_when_removed_by_hand_and_removed(online) -> None:
    made(online, "sp")
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
    made(online, "sp")
    online.groups["help desk"].members.append(SP_ID)
    provider = providers.RoleGroupMemberProvider()
    created = provider.create(member("Help Desk"))
    assert created.outs["madeByStack"] is False
    assert online.cmdlets("Add-RoleGroupMember") == []
    provider.delete(created.id, created.outs)
    assert SP_ID in online.groups["help desk"].members


def test_a_membership_of_a_missing_group_names_the_key(online) -> None:
    made(online, "sp")
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
