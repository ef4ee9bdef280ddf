"""What the Exchange audit tests share (tests/exoctl/test_audit_exchange*.py): a stack whose
app is held by one custom role group on one scope, that group as Exchange holds it, and
one `exoctl audit --json` run against the Graph and Exchange RBAC stand-ins."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from exocba import signin
from exoctl import cli
from tests.fakes.audit import OUTPUTS, SP, Credential, clean_directory, use_outputs
from tests.fakes.exchange import (
    Assignment,
    ExchangeOnline,
    OneSignIn,
    RoleGroup,
    Scope,
    ServicePrincipal,
)
from tests.fakes.graph import FakeGraph

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


def hold_the_app(online: ExchangeOnline) -> ExchangeOnline:
    """Exchange as the stack left it: the app's principal in its group, on its scope."""
    online.principals[SP] = ServicePrincipal(OUTPUTS["appId"], SP, "automation", "sp-identity")
    online.groups[GROUP.casefold()] = RoleGroup(GROUP, members=[SP])
    # Exchange answers the filter in its own form, "(Department -eq 'Sales')".
    online.scopes[SCOPE.casefold()] = Scope(SCOPE, FILTER)
    online.assignments.append(Assignment("Mail Recipients", GROUP, SCOPE))
    return online


@dataclass
class AuditRun:
    code: int
    report: dict[str, Any]
    sign_in: OneSignIn
    graph_url: str


def audit(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    project: Path,
    cloud: Any,
    outputs: dict[str, Any],
) -> AuditRun:
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
                *("--project-dir", str(project), "audit", "--stack", "contoso"),
                *("--graph-url", graph.base_url, "--exchange-url", cloud.base_url),
                "--json",
            ]
        )
    return AuditRun(code, json.loads(capsys.readouterr().out), sign_in, graph.base_url)
