"""The role-group provider against an Exchange that is slow, busy or failing, called
directly against the stand-in: waits for a new app, retries with Retry-After and
backoff (the waits recorded instead of slept), what counts as not-found, and failures
that stop the run in one line."""

from __future__ import annotations

import time

import pytest

from components import exchange_rbac_provider as providers
from exocba import exchange_rest
from exocba.exchange_rest import DEHYDRATED, ExchangeError
from tests.fakes.exchange import Assignment, RoleGroup, record_sleeps
from tests.fakes.exchange_props import (
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


# ------------------------------------------------------------------ a new app


def test_a_new_app_is_waited_for_within_the_bound(online) -> None:
    online.propagation_delay = 2
    created = providers.ServicePrincipalProvider().create(principal())
    assert created.outs["madeByStack"] is True
    assert len(online.cmdlets("New-ServicePrincipal")) == 3


def test_the_wait_for_a_new_app_is_bounded(online) -> None:
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


def test_a_new_principal_is_waited_for_by_add_role_group_member(online) -> None:
    made("sp")
    online.member_delay = 2
    created = providers.RoleGroupMemberProvider().create(member("Help Desk"))
    assert created.outs["madeByStack"] is True
    assert len(online.cmdlets("Add-RoleGroupMember")) == 3
    assert online.groups["help desk"].members == [SP_ID]


# ------------------------------------------------------------------ throttling


def test_throttling_is_retried(online) -> None:
    online.throttle = 2
    created = providers.ServicePrincipalProvider().create(principal())
    assert online.throttled == 2 and created.outs["madeByStack"] is True


def test_retry_after_is_waited_out(online, monkeypatch) -> None:
    sleeps = record_sleeps(monkeypatch)
    online.throttle, online.retry_after = 2, "7"
    created = providers.ServicePrincipalProvider().create(principal())
    assert created.outs["madeByStack"] is True
    assert sleeps == [7, 7]


@pytest.mark.parametrize("answer", ["429 without Retry-After", "503"])
def test_without_retry_after_the_wait_doubles(online, monkeypatch, answer) -> None:
    sleeps = record_sleeps(monkeypatch)
    if answer == "503":
        online.failures["Get-ServicePrincipal"] = [503, 503, 503]
    else:
        online.throttle, online.retry_after = 3, None
    created = providers.ServicePrincipalProvider().create(principal())
    assert created.outs["madeByStack"] is True
    # urllib3 sends the first retry at once, then waits factor * 2^n.
    assert len(sleeps) == 2
    assert sleeps[0] > 0 and sleeps[1] == 2 * sleeps[0]


def test_a_huge_retry_after_is_cut_to_the_cap(online, monkeypatch) -> None:
    monkeypatch.setattr(exchange_rest, "RETRY_BACKOFF_MAX", 3)
    sleeps = record_sleeps(monkeypatch)
    online.throttle, online.retry_after = 1, "100000"
    created = providers.ServicePrincipalProvider().create(principal())
    assert created.outs["madeByStack"] is True
    assert sleeps == [3]


# ------------------------------------------------------------------ not found


@pytest.mark.parametrize(
    "text",
    [
        "The operation couldn't be performed because object 'x' couldn't be found on 'DC1'.",
        "The operation couldn\u2019t be performed because object 'x' couldn\u2019t be found.",
        "The service principal with AppId a and ObjectId b wasn't found in the directory.",
        "The management scope 'x' was not found.",
    ],
)
def test_exchanges_not_found_texts_mean_not_found(text) -> None:
    error = ExchangeError(
        "Get-X", 400, "BadRequest", "Error executing cmdlet", "TaskException", text
    )
    assert error.not_found is True
    assert ExchangeError("Get-X", 400, "BadRequest", text).not_found is True


@pytest.mark.parametrize("status", [429, 500, 503, 403])
def test_a_not_found_text_in_a_failed_request_is_not_absent(status) -> None:
    text = "The operation couldn't be performed because object 'x' couldn't be found."
    assert ExchangeError("Get-X", status, "Busy", text, "", text).not_found is False


def test_an_unrelated_cmdlet_error_is_not_absent() -> None:
    error = ExchangeError("New-X", 400, "BadRequest", "", "TaskException", "The name is too long.")
    assert error.not_found is False


def test_a_not_found_named_only_in_the_text_is_absent_end_to_end(online) -> None:
    online.plain_not_found = True
    online.propagation_delay = 1
    created = made("sp")  # Get-ServicePrincipal: couldn't be found; New-: wasn't found
    assert created.outs["madeByStack"] is True
    assert len(online.cmdlets("New-ServicePrincipal")) == 2
    provider = providers.ManagementScopeProvider()
    created_scope = provider.create(scope())  # absent: Get- says it couldn't be found
    assert created_scope.outs["madeByStack"] is True and SCOPE.casefold() in online.scopes
    provider.delete(created_scope.id, created_scope.outs)
    assert provider.read(created_scope.id, created_scope.outs).id == ""


# ------------------------------------------------------------------ failures


def test_a_transient_read_failure_is_not_taken_for_absent(online) -> None:
    online.groups[GROUP.casefold()] = RoleGroup(GROUP, "managed")
    online.assignments.append(Assignment("Mail Recipients", GROUP, None))
    online.failures["Get-RoleGroup"] = [500]
    created = providers.RoleGroupProvider().create(group(writeScope=""))
    assert created.outs["madeByStack"] is False
    assert online.cmdlets("New-RoleGroup") == []


def test_a_read_that_keeps_failing_stops_the_create(online, monkeypatch) -> None:
    record_sleeps(monkeypatch)  # every retry is spent, none waited for
    online.failures["Get-RoleGroup"] = [503] * 20
    with pytest.raises(providers.ExchangeFailure, match="HTTP 503") as caught:
        providers.RoleGroupProvider().create(group(writeScope=""))
    assert online.cmdlets("New-RoleGroup") == []
    # What `pulumi up` prints is the traceback of this exception (the SDK's provider
    # server): raised from None, it carries none of the inner stack.
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert caught.traceback[-1].name == "_plainly"


def test_a_dehydrated_tenant_gets_its_fix_in_one_line(online) -> None:
    online.dehydrated = True
    with pytest.raises(Exception) as caught:
        providers.RoleGroupProvider().create(group(writeScope=""))
    message = str(caught.value)
    assert "\n" not in message
    assert DEHYDRATED in message and "run `Enable-OrganizationCustomization` once" in message
