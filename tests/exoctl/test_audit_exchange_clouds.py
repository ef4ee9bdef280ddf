"""`exoctl audit` of a GCC High stack's Exchange role groups: the deployer's token is asked
for that cloud's Exchange resource, the only one its Entra issues and its Exchange accepts
(the Exchange RBAC stand-in beside the Graph one)."""

from __future__ import annotations

import json

from exocba import signin
from exoctl import cli
from exoctl.errors import EXIT_OK
from tests.conftest import GCC_HIGH_EXCHANGE
from tests.fakes.audit import OUTPUTS, SP, Credential, clean_directory, project, use_outputs
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


def test_audit_asks_for_the_clouds_exchange_token(
    capsys, monkeypatch, project, gcc_high_cloud
) -> None:
    online = attach(gcc_high_cloud, monkeypatch, project)
    online.principals[SP] = ServicePrincipal(OUTPUTS["appId"], SP, "automation", "sp-identity")
    online.groups[GROUP.casefold()] = RoleGroup(GROUP, members=[SP])
    online.scopes[SCOPE.casefold()] = Scope(SCOPE, FILTER)
    online.assignments.append(Assignment("Mail Recipients", GROUP, SCOPE))
    declared = {
        **OUTPUTS,
        "cloud": "gcc-high",
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
    use_outputs(monkeypatch, declared)
    directory = clean_directory()
    directory.role_assignments = []
    sign_in = OneSignIn(online, gcc_high_cloud.exchange_resource, Credential())
    monkeypatch.setattr(signin, "make_credential", lambda: sign_in)
    with FakeGraph(directory, project) as graph:
        bundle = project / "both-ca.pem"
        bundle.write_text(graph.ca_bundle.read_text() + gcc_high_cloud.ca_bundle.read_text())
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        code = cli.main(
            [
                *("--project-dir", str(project), "audit", "--stack", "contoso"),
                *("--graph-url", graph.base_url, "--exchange-url", gcc_high_cloud.base_url),
                "--json",
            ]
        )
        graph_scope = (f"{graph.base_url}/.default",)
    report = json.loads(capsys.readouterr().out)
    assert (code, report["status"], report["errors"]) == (EXIT_OK, "clean", [])
    assert (f"{GCC_HIGH_EXCHANGE}/.default",) in sign_in.scopes
    assert set(sign_in.scopes) == {graph_scope, (f"{GCC_HIGH_EXCHANGE}/.default",)}
    assert [f["category"] for f in report["findings"]] == ["exchange_role_group"]
