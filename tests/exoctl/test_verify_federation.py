"""`exoctl verify` signing in as a pipeline: a federated OIDC token as the assertion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exoctl import cli
from exoctl.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED
from tests.conftest import INITIAL_DOMAIN, TENANT_ID
from tests.fakes.entra import RegisteredApp
from tests.fakes.verification import (
    APP_ID,
    EXCHANGE_ADMIN,
    SP_ID,
    deployed,
    statuses,
)

GITHUB_SUBJECT = "repo:contoso/exo-scripts:environment:prod"
AUDIENCE = "api://AzureADTokenExchange"


@pytest.fixture
def issuer(tmp_path: Path, cloud):
    from tests.fakes.oidc import FakeOidcIssuer

    (tmp_path / "issuer").mkdir()
    with FakeOidcIssuer(tmp_path / "issuer") as fake:
        cloud.issuer_ca = str(fake.ca_bundle)
        yield fake


def register_federated(cloud, issuer, subject: str = GITHUB_SUBJECT) -> None:
    cloud.register(
        RegisteredApp(
            APP_ID,
            SP_ID,
            certificates=[],
            app_roles={"https://outlook.office365.com": {"Exchange.ManageAsApp"}},
            directory_roles={EXCHANGE_ADMIN},
            federated=[(issuer.issuer, subject, [AUDIENCE])],
        )
    )


def federated_args(cloud, *extra: str) -> list[str]:
    return [
        *("verify", "--app-id", APP_ID, "--tenant-id", TENANT_ID),
        *("--organization", INITIAL_DOMAIN, "--authority", cloud.base_url),
        *("--exchange-url", cloud.base_url, "--json", *extra),
    ]


def test_a_pipeline_token_signs_in_and_reaches_exchange(cloud, issuer, capsys, tmp_path) -> None:
    register_federated(cloud, issuer)
    token_file = tmp_path / "token"
    token_file.write_text(issuer.token(GITHUB_SUBJECT, AUDIENCE))
    code = cli.main(federated_args(cloud, "--federated-token-file", str(token_file)))
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK, document
    assert statuses(document) == {"token": "pass", "claims": "pass", "exchange": "pass"}
    assert f"(subject {GITHUB_SUBJECT})" in document["steps"][0]["detail"]
    # The stand-in checked the token against the issuer's published keys.
    assert [r.path for r in issuer.requests] == ["/.well-known/openid-configuration", "/keys"]
    (token_request,) = [r for r in cloud.requests if r.path.endswith("/oauth2/v2.0/token")]
    form = token_request.body.decode()
    assert (
        "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        in form
    )
    assert "client_secret" not in form


@pytest.mark.parametrize(
    ("subject", "audience", "wrong_issuer", "part"),
    [
        ("repo:contoso/exo-scripts:ref:refs/heads/dev", AUDIENCE, False, "subject"),
        (GITHUB_SUBJECT, "api://AzureADTokenExchangeUSGov", False, "audience"),
        (GITHUB_SUBJECT, AUDIENCE, True, "issuer"),
    ],
)
def test_a_token_that_matches_no_credential_is_refused_saying_which(
    cloud, issuer, capsys, monkeypatch, subject, audience, wrong_issuer, part
) -> None:
    register_federated(cloud, issuer)
    if wrong_issuer:
        cloud.apps[APP_ID].federated = [("https://token.example", GITHUB_SUBJECT, [AUDIENCE])]
    monkeypatch.setenv("PIPELINE_TOKEN", issuer.token(subject, audience))
    code = cli.main(federated_args(cloud, "--federated-token-env", "PIPELINE_TOKEN"))
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_VERIFY_FAILED
    detail = document["steps"][0]["detail"]
    assert detail.startswith(f"the federated token's {part} ")
    assert "matches no federated credential on the app (AADSTS70021" in detail


def test_verify_stack_names_the_declared_subjects(cloud, issuer, capsys, monkeypatch) -> None:
    register_federated(cloud, issuer)
    declared = [{"issuer": issuer.issuer, "subject": GITHUB_SUBJECT, "audiences": [AUDIENCE]}]
    deployed(monkeypatch, federatedCredentials=declared)
    monkeypatch.setenv(
        "PIPELINE_TOKEN", issuer.token("repo:contoso/exo-scripts:pull_request", AUDIENCE)
    )
    code = cli.main(
        [
            *("verify", "--stack", "contoso", "--federated-token-env", "PIPELINE_TOKEN"),
            *("--authority", cloud.base_url, "--exchange-url", cloud.base_url, "--json"),
        ]
    )
    detail = json.loads(capsys.readouterr().out)["steps"][0]["detail"]
    assert code == EXIT_VERIFY_FAILED
    assert f"the stack declares {GITHUB_SUBJECT}" in detail


def test_exactly_one_sign_in_source(pfx, capsys, monkeypatch) -> None:
    path, _ = pfx
    monkeypatch.setenv("PIPELINE_TOKEN", "x")
    base = [
        "verify",
        "--app-id",
        APP_ID,
        "--tenant-id",
        TENANT_ID,
        "--organization",
        INITIAL_DOMAIN,
    ]
    both = [
        *base,
        "--pfx",
        str(path),
        "--password-env",
        "PFX_PASSWORD",
        "--federated-token-env",
        "PIPELINE_TOKEN",
    ]
    assert cli.main(both) == EXIT_USAGE
    assert "verify needs one of --pfx FILE" in capsys.readouterr().err
    monkeypatch.delenv("PIPELINE_TOKEN")
    assert cli.main([*base, "--federated-token-env", "PIPELINE_TOKEN"]) == EXIT_USAGE
    assert "the variable is unset or empty" in capsys.readouterr().err
