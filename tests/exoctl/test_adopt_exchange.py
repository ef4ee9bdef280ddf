"""`exoctl adopt --exchange`: a hand-made Exchange role group membership carried into the
stack file, and adopted (not imported) by the first `pulumi up`."""

from __future__ import annotations

import json

import pytest

from exocba import signin
from exoctl import cli
from exoctl.errors import EXIT_OK
from exoctl.stackfiles import load_stack_config
from tests.fakes.adoption import APP_ID, SP, Credential, hand_made, project
from tests.fakes.exchange import OneSignIn, ServicePrincipal, attach
from tests.fakes.graph import FakeGraph

__all__ = ["project"]  # the fixture, used by name


@pytest.fixture
def online(cloud, monkeypatch, tmp_path):
    exchange = attach(cloud, monkeypatch, tmp_path)
    exchange.principals[SP] = ServicePrincipal(APP_ID, SP, "EXO automation", "sp-identity")
    exchange.groups["view-only organization management"].members.append(SP)
    return exchange


def adopt(capsys, monkeypatch, project, cloud, *extra) -> tuple[int, dict, str]:
    sign_in = OneSignIn(cloud.exchange, cloud.exchange_resource, Credential())
    monkeypatch.setattr(signin, "make_credential", lambda: sign_in)
    with FakeGraph(hand_made(), project.parent) as fake:
        bundle = project.parent / "both-ca.pem"
        bundle.write_text(fake.ca_bundle.read_text() + cloud.ca_bundle.read_text())
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        code = cli.main(
            [
                *("--project-dir", str(project), "adopt", "--stack", "contoso"),
                *("--app-id", APP_ID, "--graph-url", fake.base_url, "--json"),
                *("--exchange", "--exchange-url", cloud.base_url, *extra),
            ]
        )
    captured = capsys.readouterr()
    return code, json.loads(captured.out or "{}"), captured.err


def test_a_hand_made_membership_is_carried_into_the_stack_file(
    capsys, monkeypatch, project, cloud, online
) -> None:
    code, document, err = adopt(capsys, monkeypatch, project, cloud)
    assert code == EXIT_OK, err
    config = load_stack_config(project, "contoso")
    assert json.loads(config["exo-cba:exchangeRoleGroups.existing"]) == [
        "View-Only Organization Management"
    ]
    assert any("adopted by the first `pulumi up`" in line for line in document["firstPreview"])
    assert online.writes() == []


def test_organization_management_is_carried_with_its_allowance_and_a_finding(
    capsys, monkeypatch, project, cloud, online
) -> None:
    online.groups["organization management"].members.append(SP)
    code, document, err = adopt(capsys, monkeypatch, project, cloud)
    assert code == EXIT_OK, err
    config = load_stack_config(project, "contoso")
    assert "Organization Management" in json.loads(config["exo-cba:exchangeRoleGroups.existing"])
    assert config["exo-cba:exchangeRoleGroups.allowOrganizationManagement"] == "true"
    assert any("Organization Management" in f for f in document["findings"])
