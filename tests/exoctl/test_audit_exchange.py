"""`exoctl audit`, Exchange's part: role group memberships and roles granted outside the stack,
read from the Exchange RBAC stand-in beside the Graph one."""

from __future__ import annotations

import pytest

from exoctl.errors import EXIT_DRIFT, EXIT_OK
from tests.fakes.audit import SP, project
from tests.fakes.audit_exchange import DECLARED, FILTER, GROUP, SCOPE, audit, hold_the_app
from tests.fakes.exchange import Assignment, attach

__all__ = ["project"]  # the fixture, used by name


@pytest.fixture
def online(cloud, monkeypatch, tmp_path):
    return hold_the_app(attach(cloud, monkeypatch, tmp_path))


def run_audit(capsys, monkeypatch, project, cloud, outputs) -> tuple[int, dict]:
    run = audit(capsys, monkeypatch, project, cloud, outputs)
    return run.code, run.report


def exchange_findings(report: dict) -> list[tuple[str, str, str]]:
    return sorted(
        (f["severity"], f["category"], f["detail"])
        for f in report["findings"]
        if f["category"].startswith("exchange")
    )


def test_the_declared_membership_is_reported_and_clean(
    capsys, monkeypatch, project, cloud, online
) -> None:
    code, report = run_audit(capsys, monkeypatch, project, cloud, DECLARED)
    assert (code, report["status"], report["errors"]) == (EXIT_OK, "clean", [])
    assert exchange_findings(report) == [
        ("info", "exchange_role_group", f"member of role group {GROUP} (Mail Recipients), declared")
    ]


def test_memberships_roles_and_scopes_granted_by_hand_are_findings(
    capsys, monkeypatch, project, cloud, online
) -> None:
    online.groups["view-only organization management"].members.append(SP)
    online.assignments.append(Assignment("Mail Recipient Creation", GROUP, SCOPE))
    online.assignments[-2].scope = None  # Mail Recipients now writes to every recipient
    online.direct.append(Assignment("Transport Rules", "", SP))
    code, report = run_audit(capsys, monkeypatch, project, cloud, DECLARED)
    assert (code, report["status"]) == (EXIT_DRIFT, "findings")
    found = exchange_findings(report)
    assert [c for s, c, _ in found if s == "high"] == [
        "exchange_role_assignment",
        "exchange_role_assignment",
        "exchange_role_group",
        "exchange_write_scope",
    ]
    details = " | ".join(d for _, _, d in found)
    assert "View-Only Organization Management" in details and "outside exo-cba" in details
    assert "Mail Recipient Creation on the stack's role group" in details
    assert "writes to the whole organization" in details
    assert "Transport Rules assigned to the app directly" in details
    # State still holds the declared scope: only a refresh lets the update see the change.
    (widened,) = [f for f in report["findings"] if f["category"] == "exchange_write_scope"]
    assert "pulumi up --refresh" in widened["fix"]


def test_a_scope_filter_widened_by_hand_is_a_finding(
    capsys, monkeypatch, project, cloud, online
) -> None:
    online.scopes[SCOPE.casefold()].filter = "Department -like '*'"
    code, report = run_audit(capsys, monkeypatch, project, cloud, DECLARED)
    assert (code, report["status"]) == (EXIT_DRIFT, "findings")
    (widened,) = [f for f in report["findings"] if f["category"] == "exchange_write_scope"]
    assert (widened["severity"], widened["object"], widened["id"]) == (
        "high",
        "managementScope",
        SCOPE,
    )
    assert "(Department -like '*')" in widened["detail"]
    assert f"not exchangeRoleGroups.scopeFilter {FILTER!r}" in widened["detail"]
    assert "granted outside the stack" in widened["detail"]
    assert "pulumi up --refresh" in widened["fix"]
    assert ("Get-ManagementScope", {"Identity": SCOPE}) in online.calls


def test_a_scope_removed_by_hand_is_a_finding(capsys, monkeypatch, project, cloud, online) -> None:
    del online.scopes[SCOPE.casefold()]
    code, report = run_audit(capsys, monkeypatch, project, cloud, DECLARED)
    assert (code, report["status"], report["errors"]) == (EXIT_DRIFT, "findings", [])
    (gone,) = [f for f in report["findings"] if f["category"] == "exchange_write_scope"]
    assert gone["severity"] == "high" and gone["id"] == SCOPE
    assert f"management scope {SCOPE} is gone" in gone["detail"]


def test_without_declared_role_groups_exchange_is_not_read(
    capsys, monkeypatch, project, cloud, online
) -> None:
    outputs = {k: v for k, v in DECLARED.items() if k != "exchangeRoleGroups"}
    online.calls.clear()
    _code, report = run_audit(capsys, monkeypatch, project, cloud, outputs)
    assert online.calls == []
    assert exchange_findings(report) == []
