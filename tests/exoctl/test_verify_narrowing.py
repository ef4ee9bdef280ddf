"""`exoctl verify --cmdlet/--refused-cmdlet`: proving the app holds only what its Exchange
role groups give, against the Exchange RBAC stand-in."""

from __future__ import annotations

import json

import pytest

from exoctl import cli
from exoctl.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED
from tests.fakes.exchange import Assignment, RoleGroup, ServicePrincipal, attach
from tests.fakes.verification import APP_ID, EXCHANGE_ADMIN, SP_ID, register, verify_args

GROUP = "exo-cba mail recipients"


@pytest.fixture
def narrowed(cloud, monkeypatch, tmp_path):
    """The app in Exchange, a member of a group with Mail Recipients only."""
    online = attach(cloud, monkeypatch, tmp_path)
    online.principals[SP_ID] = ServicePrincipal(APP_ID, SP_ID, "automation", "sp-identity")
    online.groups[GROUP.casefold()] = RoleGroup(GROUP, members=[SP_ID])
    online.assignments.append(Assignment("Mail Recipients", GROUP, None))
    return online


def run(capsys, cloud, pfx_path, *extra) -> tuple[int, dict]:
    code = cli.main(verify_args(pfx_path, cloud.base_url, "--json", *extra))
    return code, json.loads(capsys.readouterr().out)


def test_an_allowed_cmdlet_runs_and_a_refused_one_is_refused(capsys, cloud, pfx, narrowed):
    register(cloud, pfx[1], roles=set())
    code, document = run(
        capsys, cloud, pfx[0], "--cmdlet", "Get-Mailbox", "--refused-cmdlet", "Get-TransportRule"
    )
    steps = {s["name"]: s for s in document["steps"]}
    assert code == EXIT_OK, document
    assert steps["exchange"]["status"] == "pass" and "Get-Mailbox" in steps["exchange"]["detail"]
    assert steps["narrowing"]["status"] == "pass"
    assert "refused Get-TransportRule (HTTP 403)" in steps["narrowing"]["detail"]
    assert narrowed.cmdlets("Get-TransportRule") == []


def test_a_directory_role_left_in_place_fails_the_narrowing(capsys, cloud, pfx, narrowed):
    register(cloud, pfx[1], roles={EXCHANGE_ADMIN})
    code, document = run(
        capsys, cloud, pfx[0], "--cmdlet", "Get-Mailbox", "--refused-cmdlet", "Get-TransportRule"
    )
    narrowing = next(s for s in document["steps"] if s["name"] == "narrowing")
    assert code == EXIT_VERIFY_FAILED
    assert narrowing["status"] == "fail" and "Get-TransportRule ran" in narrowing["detail"]


def test_a_401_proves_nothing_and_fails_the_narrowing(capsys, cloud, pfx, narrowed):
    register(cloud, pfx[1], roles=set())
    narrowed.failures["Get-TransportRule"] = [401]  # the token refused, not the cmdlet
    code, document = run(
        capsys, cloud, pfx[0], "--cmdlet", "Get-Mailbox", "--refused-cmdlet", "Get-TransportRule"
    )
    steps = {s["name"]: s for s in document["steps"]}
    assert code == EXIT_VERIFY_FAILED
    assert steps["exchange"]["status"] == "pass"
    assert steps["narrowing"]["status"] == "fail"
    assert "refused the token itself (401)" in steps["narrowing"]["detail"]
    assert "nothing is proven" in steps["narrowing"]["detail"]


def test_without_a_passing_exchange_step_the_narrowing_is_skipped(capsys, cloud, pfx, narrowed):
    """Get-AcceptedDomain is not in Mail Recipients: refused like the other cmdlet, so the
    refusal shows nothing about the narrowing."""
    register(cloud, pfx[1], roles=set())
    narrowed.failures["Get-TransportRule"] = [200]  # a marker, taken off if the cmdlet is sent
    code, document = run(
        capsys,
        cloud,
        pfx[0],
        "--cmdlet",
        "Get-AcceptedDomain",
        "--refused-cmdlet",
        "Get-TransportRule",
    )
    steps = {s["name"]: s for s in document["steps"]}
    assert code == EXIT_VERIFY_FAILED
    assert steps["exchange"]["status"] == "fail" and "(403)" in steps["exchange"]["detail"]
    assert steps["narrowing"]["status"] == "skipped"
    assert "exchange step did not pass" in steps["narrowing"]["detail"]
    assert narrowed.failures["Get-TransportRule"] == [200]  # never sent


@pytest.mark.parametrize("flag", ["--cmdlet", "--refused-cmdlet"])
def test_only_read_only_cmdlets_are_run(capsys, cloud, pfx, flag):
    code = cli.main(verify_args(pfx[0], cloud.base_url, flag, "Remove-Mailbox"))
    error = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert error.count("\n") == 1 and "not a read-only cmdlet name" in error
