"""Scenario 5: drift made in the portal, seen through the real CLI.

The app is renamed and one role assignment removed in the stand-in. `exoctl drift
--stack` (Automation API over the real CLI) reports both as drift; the event log of
a real `pulumi refresh --preview-only` classifies the same; `exoctl drift --all`
checks three stacks of the project at once on the file backend: the drifted one,
one in sync, one never deployed (pending).
"""

from __future__ import annotations

import json

import pytest

from exoctl.errors import EXIT_DRIFT
from tests.e2e.deployments import FABRIKAM_CONFIG, MAIN_PROJECT, configure, deployed
from tests.e2e.tenant_ops import remove_role_assignment, rename_application, restore

pytestmark = pytest.mark.e2e
APPLICATION = "azuread:index/application:Application"
ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment"


def drifted(document: dict) -> set[tuple[str, str, str]]:
    return {(c["type"], c["name"], c["op"]) for c in document["changes"] if c["kind"] == "drift"}


@pytest.fixture
def portal_edits(e2e):
    stack = deployed(e2e)
    outputs = stack.outputs()
    snapshot = e2e.tenant.snapshot()
    rename_application(e2e.tenant, outputs["appId"], "EXO automation (renamed in the portal)")
    remove_role_assignment(e2e.tenant, outputs["servicePrincipalObjectId"], "Global Reader")
    yield stack
    restore(e2e.tenant, snapshot)


EXPECTED = {
    (APPLICATION, "exo-app", "update"),
    (ROLE_ASSIGNMENT, "exo-role-global-reader", "delete"),
}


def test_drift_stack_reports_the_rename_and_the_removed_role(e2e, portal_edits) -> None:
    stack = portal_edits
    result = stack.exoctl("drift", "--stack", stack.name, "--json", check=False)
    assert result.code == EXIT_DRIFT, result.text
    document = json.loads(result.stdout)
    assert drifted(document) == EXPECTED
    (rename,) = [c for c in document["changes"] if c["name"] == "exo-app"]
    assert "displayName" in rename["properties"]
    assert document["errors"] == []


def test_a_real_refresh_event_log_is_classified_the_same(e2e, portal_edits, tmp_path) -> None:
    stack = portal_edits
    log = tmp_path / "refresh.jsonl"
    stack.pulumi("refresh", "--preview-only", "--event-log", str(log), debug=True)
    result = stack.exoctl("drift", "--from", str(log), "--stack", stack.name, "--json", check=False)
    assert result.code == EXIT_DRIFT, result.text
    assert drifted(json.loads(result.stdout)) == EXPECTED


def test_drift_all_checks_three_stacks_at_once(e2e, portal_edits) -> None:
    stack = portal_edits
    fabrikam = e2e.stack(MAIN_PROJECT, "fabrikam")
    if fabrikam.deployment is None:
        fabrikam.now = stack.now
        configure(fabrikam, FABRIKAM_CONFIG)
        fabrikam.up()
        fabrikam.deployment = {"outputs": fabrikam.outputs()}
    tailspin = e2e.stack(MAIN_PROJECT, "tailspin")
    configure(tailspin, FABRIKAM_CONFIG[:2])

    result = stack.exoctl("drift", "--all", "--parallel", "3", "--json", check=False)
    document = json.loads(result.stdout)
    statuses = {s["stack"]: s["status"] for s in document["stacks"]}
    assert statuses == {"contoso": "drift", "fabrikam": "in_sync", "tailspin": "pending"}
    assert {
        (c["type"], c["name"], c["op"])
        for c in document["changes"]
        if c["stack"] == "contoso" and c["kind"] == "drift"
    } == EXPECTED
    assert result.code == EXIT_DRIFT
