"""`exoctl adopt --exchange` of a GCC High app: the deployer's token is asked for that
cloud's Exchange resource, the only one its Entra issues and its Exchange accepts (the
Exchange RBAC stand-in beside the Graph one)."""

from __future__ import annotations

import json

from exocba import signin
from exoctl import cli
from exoctl.errors import EXIT_OK
from exoctl.stackfiles import load_stack_config
from tests.conftest import GCC_HIGH_EXCHANGE
from tests.fakes import graph as g
from tests.fakes.adoption import APP_ID, SP, Credential, hand_made, project
from tests.fakes.exchange import OneSignIn, ServicePrincipal, attach
from tests.fakes.graph import FakeGraph

__all__ = ["project"]  # the fixture, used by name


def test_adopt_asks_for_the_clouds_exchange_token(
    capsys, monkeypatch, project, gcc_high_cloud
) -> None:
    online = attach(gcc_high_cloud, monkeypatch, project.parent)
    online.principals[SP] = ServicePrincipal(APP_ID, SP, "EXO automation", "sp-identity")
    online.groups["view-only organization management"].members.append(SP)
    directory = hand_made()
    directory.domains = [g.domain("contoso.onmicrosoft.us", True)]
    sign_in = OneSignIn(online, gcc_high_cloud.exchange_resource, Credential())
    monkeypatch.setattr(signin, "make_credential", lambda: sign_in)
    with FakeGraph(directory, project.parent) as fake:
        bundle = project.parent / "both-ca.pem"
        bundle.write_text(fake.ca_bundle.read_text() + gcc_high_cloud.ca_bundle.read_text())
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        code = cli.main(
            [
                *("--project-dir", str(project), "adopt", "--stack", "contoso"),
                *("--app-id", APP_ID, "--cloud", "gcc-high", "--graph-url", fake.base_url),
                *("--exchange", "--exchange-url", gcc_high_cloud.base_url, "--json"),
            ]
        )
        graph_scope = (f"{fake.base_url}/.default",)
    captured = capsys.readouterr()
    assert code == EXIT_OK, captured.err
    assert json.loads(captured.out)["files"]
    assert (f"{GCC_HIGH_EXCHANGE}/.default",) in sign_in.scopes
    assert set(sign_in.scopes) == {graph_scope, (f"{GCC_HIGH_EXCHANGE}/.default",)}
    config = load_stack_config(project, "contoso")
    assert json.loads(config["exo-cba:exchangeRoleGroups.existing"]) == [
        "View-Only Organization Management"
    ]
