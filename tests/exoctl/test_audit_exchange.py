"""`exoctl audit`, Exchange's part: role group memberships and roles granted outside the stack,
read from the Exchange RBAC stand-in beside the Graph one."""

from __future__ import annotations

import json

import pytest

from exocba import signin
from exoctl import cli
from exoctl.errors import EXIT_DRIFT, EXIT_OK
from tests.fakes.audit import (
    OUTPUTS,
    SP,
    Credential,
    clean_directory,
    project,
    use_outputs,
)
from tests.fakes.exchange import (
    Assignment,
    OneSignIn,
    RoleGroup,
    Scope,
    ServicePrincipal,
    attach,
)
from tests.fakes.graph import FakeGraph

__all__ = ["project"]  # the fixture, used by name
GROUP = "exo-cba mail recipients"
SCOPE = f"{GROUP} write scope"
FILTER = "Department -eq 'Sales'"
DECLARED = {
    **OUTPUTS,
    "servicePrincipalObjectId": SP,
    "roles": [],
    "exchangeRoleGroups": {
        "groups": [GROUP],
        "existing": [],
        "custom": {
            "name": GROUP,
            "roles": ["Mail Recipients"],
            "writeScope": SCOPE,
            "scopeFilter": FILTER,
        },
        "directoryRolesDropped": True,
    },
}


@pytest.fixture
def online(cloud, monkeypatch, tmp_path):
    exchange = attach(cloud, monkeypatch, tmp_path)
    exchange.principals[SP] = ServicePrincipal(OUTPUTS["appId"], SP, "automation", "sp-identity")
    exchange.groups[GROUP.casefold()] = RoleGroup(GROUP, members=[SP])
    # Exchange answers the filter in its own form, "(Department -eq 'Sales')".
    exchange.scopes[SCOPE.casefold()] = Scope(SCOPE, FILTER)
    exchange.assignments.append(Assignment("Mail Recipients", GROUP, SCOPE))
    return exchange


def run_audit(capsys, monkeypatch, project, cloud, outputs) -> tuple[int, dict]:
    use_outputs(monkeypatch, outputs)
    directory = clean_directory()
    directory.role_assignments = []  # the role groups authorize the app, no directory role
    sign_in = OneSignIn(cloud.exchange, cloud.exchange_resource, Credential())
    monkeypatch.setattr(signin, "make_credential", lambda: sign_in)
    with FakeGraph(directory, project) as graph:
        bundle = project / "both-ca.pem"
        bundle.write_text(graph.ca_bundle.read_text() + cloud.ca_bundle.read_text())
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        code = cli.main(
            [
                "--project-dir",
                str(project),
                "audit",
                "--stack",
                "contoso",
                "--graph-url",
                graph.base_url,
                "--exchange-url",
                cloud.base_url,
                "--json",
            ]
        )
    return code, json.loads(capsys.readouterr().out)


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
