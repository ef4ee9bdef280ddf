"""`exoctl verify` in a sovereign cloud: the token is asked for that cloud's Exchange."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exoctl import cli
from exoctl.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED
from tests.conftest import TENANT_ID
from tests.fakes.entra import RegisteredApp
from tests.fakes.verification import (
    APP_ID,
    EXCHANGE_ADMIN,
    SP_ID,
    deployed,
    explicit_args,
)

GCC_HIGH_ORG = "contoso.onmicrosoft.us"


@pytest.fixture
def gcc_high(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A GCC High tenant: tokens only for its own Exchange resource."""
    from exocba.clouds import GCC_HIGH
    from tests.fakes.entra import FakeMicrosoftCloud

    with FakeMicrosoftCloud(
        TENANT_ID, GCC_HIGH_ORG, tmp_path, exchange_resource=GCC_HIGH.exchange_url
    ) as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
        yield fake


def register_in(fake, certificate, resource: str) -> None:
    fake.register(
        RegisteredApp(
            APP_ID,
            SP_ID,
            certificates=[certificate],
            app_roles={resource: {"Exchange.ManageAsApp"}},
            directory_roles={EXCHANGE_ADMIN},
        )
    )


def token_scopes(fake) -> list[str]:
    from urllib.parse import parse_qs

    return [
        parse_qs(r.body.decode())["scope"][0]
        for r in fake.requests
        if r.path.endswith("/oauth2/v2.0/token")
    ]


def gcc_high_args(path: Path, fake, *extra: str) -> list[str]:
    source = ("--pfx", str(path), "--password-env", "PFX_PASSWORD")
    return [*explicit_args(fake.base_url, *source, organization=GCC_HIGH_ORG), "--json", *extra]


def test_a_gcc_high_tenant_is_verified_with_its_own_exchange_scope(gcc_high, pfx, capsys) -> None:
    path, certificate = pfx
    register_in(gcc_high, certificate, "https://outlook.office365.us")
    code = cli.main(gcc_high_args(path, gcc_high, "--cloud", "gcc-high"))
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK, document
    assert token_scopes(gcc_high) == ["https://outlook.office365.us/.default"]
    assert "https://outlook.office365.us/.default" in document["steps"][0]["detail"]
    (invoke,) = [r for r in gcc_high.requests if r.path.endswith("/InvokeCommand")]
    assert invoke.path == f"/adminapi/beta/{GCC_HIGH_ORG}/InvokeCommand"


def test_the_public_scope_is_refused_in_gcc_high_and_the_fix_names_the_cloud(
    gcc_high, pfx, capsys
) -> None:
    path, certificate = pfx
    register_in(gcc_high, certificate, "https://outlook.office365.us")
    # A public-cloud domain passes the offline check; the tenant still lives in GCC High.
    source = ("--pfx", str(path), "--password-env", "PFX_PASSWORD")
    code = cli.main([*explicit_args(gcc_high.base_url, *source), "--json"])  # no --cloud
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_VERIFY_FAILED
    assert token_scopes(gcc_high) == ["https://outlook.office365.com/.default"]
    detail = document["steps"][0]["detail"]
    assert "AADSTS500011" in detail and "azuread:environment, or --cloud" in detail


def test_verify_stack_takes_the_cloud_from_the_stack_outputs(
    gcc_high, pfx, capsys, monkeypatch
) -> None:
    path, certificate = pfx
    register_in(gcc_high, certificate, "https://outlook.office365.us")
    deployed(monkeypatch, organization=GCC_HIGH_ORG, cloud="gcc-high")
    args = ["verify", "--stack", "gov", "--pfx", str(path), "--password-env", "PFX_PASSWORD"]
    code = cli.main([*args, "--authority", gcc_high.base_url, "--exchange-url", gcc_high.base_url])
    assert code == EXIT_OK, capsys.readouterr().out
    assert token_scopes(gcc_high) == ["https://outlook.office365.us/.default"]


def test_an_unknown_cloud_is_one_line(pfx, capsys) -> None:
    path, _ = pfx
    code = cli.main(
        ["verify", "--cloud", "germany", "--pfx", str(path), "--password-env", "PFX_PASSWORD"]
    )
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "invalid choice: 'germany'" in err and err.count("\n") == 1
