"""`exoctl verify` against local HTTPS stand-ins for Entra ID and Exchange Online."""

from __future__ import annotations

import datetime as dt
import json
import socket
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from exocba.wellknown import DEFAULT_SP_WID
from exoctl import automation, cli
from exoctl.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED
from tests.conftest import INITIAL_DOMAIN, TENANT_ID, rsa_key, self_signed_pem
from tests.fakes.entra import RegisteredApp
from tests.fakes.pulumi_cli import FakePulumiCommand, stack_output_replies, stack_select_reply

APP_ID = "5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
SP_ID = "6d2f3e4a-5b6c-4d7e-9f8a-0b1c2d3e4f5a"
EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"
PASSWORD = "pfx password"


@pytest.fixture
def pfx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, x509.Certificate]:
    key = rsa_key(2048, "verify")
    pem = self_signed_pem(
        "", "exo-cba verify", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), 24 * 90, key=key
    )
    certificate = x509.load_pem_x509_certificate(pem.encode())
    path = tmp_path / "exo.pfx"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"exo", key, certificate, None, serialization.BestAvailableEncryption(PASSWORD.encode())
        )
    )
    monkeypatch.setenv("PFX_PASSWORD", PASSWORD)
    return path, certificate


def register(cloud, certificate, consent: bool = True, roles: set[str] | None = None) -> None:
    cloud.register(
        RegisteredApp(
            APP_ID,
            SP_ID,
            certificates=[certificate],
            app_roles={"https://outlook.office365.com": {"Exchange.ManageAsApp"}}
            if consent
            else {},
            directory_roles={EXCHANGE_ADMIN} if roles is None else roles,
        )
    )


def explicit_args(base_url: str, *source: str, organization: str = INITIAL_DOMAIN) -> list[str]:
    """verify in explicit mode against the stand-ins at base_url, signing in with source."""
    return [
        "verify",
        "--app-id",
        APP_ID,
        "--tenant-id",
        TENANT_ID,
        "--organization",
        organization,
        *source,
        "--authority",
        base_url,
        "--exchange-url",
        base_url,
    ]


def verify_args(pfx_path: Path, base_url: str, *extra: str) -> list[str]:
    return [
        *explicit_args(base_url, "--pfx", str(pfx_path), "--password-env", "PFX_PASSWORD"),
        *extra,
    ]


def run_verify(capsys, cloud, pfx_path: Path, *extra: str) -> tuple[int, dict]:
    code = cli.main(
        verify_args(pfx_path, cloud.base_url, "--role", EXCHANGE_ADMIN, "--json", *extra)
    )
    return code, json.loads(capsys.readouterr().out)


def statuses(document: dict) -> dict[str, str]:
    return {step["name"]: step["status"] for step in document["steps"]}


def test_working_credential_passes_every_step(cloud, pfx, capsys) -> None:
    path, certificate = pfx
    register(cloud, certificate)
    code, document = run_verify(capsys, cloud, path)
    assert code == EXIT_OK and document["ok"] is True
    assert statuses(document) == {"token": "pass", "claims": "pass", "exchange": "pass"}
    # What reached Exchange is what the ExchangeOnlineManagement module sends.
    (invoke,) = [r for r in cloud.requests if r.path.endswith("/InvokeCommand")]
    assert invoke.path == f"/adminapi/beta/{INITIAL_DOMAIN}/InvokeCommand"
    assert invoke.headers["authorization"].startswith("Bearer ey")
    assert invoke.headers["x-anchormailbox"].endswith(f"@{INITIAL_DOMAIN}")
    assert json.loads(invoke.body) == {
        "CmdletInput": {"CmdletName": "Get-AcceptedDomain", "Parameters": {}}
    }
    assert "2 result(s)" in document["steps"][2]["detail"]


def test_wrong_password_fails_before_any_network_call(cloud, pfx, capsys, monkeypatch) -> None:
    path, certificate = pfx
    register(cloud, certificate)
    monkeypatch.setenv("PFX_PASSWORD", "not it")
    code, document = run_verify(capsys, cloud, path)
    assert code == EXIT_VERIFY_FAILED
    assert "PFX password is wrong" in document["steps"][0]["detail"]
    assert statuses(document) == {"token": "fail", "claims": "skipped", "exchange": "skipped"}
    assert cloud.requests == []


def test_certificate_not_registered_names_aadsts700027(cloud, pfx, capsys) -> None:
    path, _ = pfx
    other = self_signed_pem("", "another", dt.datetime.now(dt.UTC), 24, key=rsa_key(2048, "other"))
    register(cloud, x509.load_pem_x509_certificate(other.encode()))
    code, document = run_verify(capsys, cloud, path)
    assert code == EXIT_VERIFY_FAILED
    detail = document["steps"][0]["detail"]
    assert "not registered on the app (AADSTS700027)" in detail and "exoctl export-pfx" in detail


def test_missing_admin_consent_is_named(cloud, pfx, capsys) -> None:
    path, certificate = pfx
    register(cloud, certificate, consent=False)
    code, document = run_verify(capsys, cloud, path)
    assert code == EXIT_VERIFY_FAILED
    assert statuses(document) == {"token": "pass", "claims": "fail", "exchange": "skipped"}
    assert "admin consent is missing" in document["steps"][1]["detail"]
    assert not [r for r in cloud.requests if r.path.endswith("/InvokeCommand")]


def test_a_token_with_other_roles_but_not_manage_as_app_is_missing_consent(
    cloud, pfx, capsys
) -> None:
    # Consent to another Exchange app role (EWS's full_access_as_app) puts a `roles`
    # claim in the token, but not the one app-only PowerShell needs.
    path, certificate = pfx
    cloud.register(
        RegisteredApp(
            APP_ID,
            SP_ID,
            certificates=[certificate],
            app_roles={"https://outlook.office365.com": {"full_access_as_app"}},
            directory_roles={EXCHANGE_ADMIN},
        )
    )
    code, document = run_verify(capsys, cloud, path)
    assert code == EXIT_VERIFY_FAILED
    assert statuses(document) == {"token": "pass", "claims": "fail", "exchange": "skipped"}
    detail = document["steps"][1]["detail"]
    assert "(roles: full_access_as_app): admin consent is missing" in detail
    assert not [r for r in cloud.requests if r.path.endswith("/InvokeCommand")]


def test_missing_directory_role_warns_then_exchange_403_explains_replication(
    cloud, pfx, capsys
) -> None:
    path, certificate = pfx
    register(cloud, certificate, roles=set())
    code, document = run_verify(capsys, cloud, path)
    assert code == EXIT_VERIFY_FAILED
    assert statuses(document) == {"token": "pass", "claims": "warn", "exchange": "fail"}
    assert EXCHANGE_ADMIN in document["steps"][1]["detail"]
    assert "403" in document["steps"][2]["detail"] and "replicate" in document["steps"][2]["detail"]


def test_role_group_instead_of_directory_role_passes_with_a_warning(cloud, pfx, capsys) -> None:
    path, certificate = pfx
    # Exchange grants rights through a role group; wids shows nothing but the default id.
    register(cloud, certificate, roles={"88d8e3e3-8f55-4a1e-953a-9b9898b8876b"})
    code, document = run_verify(capsys, cloud, path)
    assert code == EXIT_OK
    assert statuses(document) == {"token": "pass", "claims": "warn", "exchange": "pass"}
    assert DEFAULT_SP_WID not in document["steps"][1]["detail"]


@pytest.mark.parametrize(
    ("status", "fragment"), [(401, "401"), (429, "throttling"), (500, "HTTP 500")]
)
def test_exchange_refusals_are_explained(cloud, pfx, capsys, status, fragment) -> None:
    path, certificate = pfx
    register(cloud, certificate)
    cloud.exchange_status = status
    code, document = run_verify(capsys, cloud, path)
    assert code == EXIT_VERIFY_FAILED
    assert fragment in document["steps"][2]["detail"]


def test_network_errors_are_named(pfx, capsys, tmp_path) -> None:
    path, _ = pfx
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code = cli.main(verify_args(path, f"https://127.0.0.1:{port}"))
    out = capsys.readouterr().out
    assert code == EXIT_VERIFY_FAILED
    assert f"FAIL  token: network: cannot reach https://127.0.0.1:{port}" in out
    assert "not verified" in out


def deployed(monkeypatch, **outputs: object) -> None:
    """A stack whose `pulumi stack output --json` is the usual outputs, with `outputs` over
    them, served by the fake Pulumi CLI."""
    outputs = {
        "appId": APP_ID,
        "tenantId": TENANT_ID,
        "organization": INITIAL_DOMAIN,
        "roles": [{"name": "Exchange Administrator", "templateId": EXCHANGE_ADMIN}],
        **outputs,
    }
    fake = FakePulumiCommand([stack_select_reply(), *stack_output_replies(outputs, set())])
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: fake)


def test_from_stack_outputs(cloud, pfx, capsys, monkeypatch) -> None:
    path, certificate = pfx
    register(cloud, certificate)
    deployed(monkeypatch)
    code = cli.main(
        [
            "verify",
            "--stack",
            "contoso",
            "--pfx",
            str(path),
            "--password-env",
            "PFX_PASSWORD",
            "--authority",
            cloud.base_url,
            "--exchange-url",
            cloud.base_url,
        ]
    )
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    assert "ok    claims: Exchange.ManageAsApp present; wids hold the assigned roles" in out


def test_flag_errors_are_one_line(pfx, capsys) -> None:
    path, _ = pfx
    assert cli.main(["verify", "--pfx", str(path), "--password-env", "PFX_PASSWORD"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "verify needs --stack NAME" in err and err.count("\n") == 1


# ---------------------------------------------------------------- clouds

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


# ---------------------------------------------------------------- what the module sends


def test_the_request_carries_the_modules_headers(cloud, pfx, capsys) -> None:
    path, certificate = pfx
    register(cloud, certificate)
    code, _ = run_verify(capsys, cloud, path)
    assert code == EXIT_OK
    (invoke,) = [r for r in cloud.requests if r.path.endswith("/InvokeCommand")]
    headers = invoke.headers
    assert headers["x-anchormailbox"] == (
        f"APP:SystemMailbox{{bb558c35-97f1-4cb9-8ff7-d53741dc928c}}@{INITIAL_DOMAIN}"
    )
    assert headers["x-clientapplication"] == "ExoManagementModule"
    assert headers["x-cmdletname"] == "Get-AcceptedDomain"
    assert (headers["x-responseformat"], headers["x-serializationlevel"]) == ("json", "Partial")


def test_without_roles_to_compare_verify_says_so(cloud, pfx, capsys) -> None:
    path, certificate = pfx
    register(cloud, certificate)
    code = cli.main(verify_args(path, cloud.base_url, "--json"))  # no --role
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    assert "no directory roles to compare wids with" in document["steps"][1]["detail"]


def stack_verify(cloud, path, monkeypatch, roles: list[dict]) -> int:
    deployed(monkeypatch, roles=roles)
    return cli.main(
        [
            *("verify", "--stack", "contoso", "--pfx", str(path), "--password-env", "PFX_PASSWORD"),
            *("--authority", cloud.base_url, "--exchange-url", cloud.base_url, "--json"),
        ]
    )


def test_verify_stack_compares_wids_with_the_stacks_roles(cloud, pfx, capsys, monkeypatch) -> None:
    path, certificate = pfx
    register(cloud, certificate, roles={EXCHANGE_ADMIN})
    global_reader = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
    roles = [
        {"name": "Exchange Administrator", "templateId": EXCHANGE_ADMIN.upper()},
        {"name": "Global Reader", "templateId": global_reader},
    ]
    stack_verify(cloud, path, monkeypatch, roles)
    claims = json.loads(capsys.readouterr().out)["steps"][1]
    # The upper-case id matched; the role the token lacks is named.
    assert claims["status"] == "warn"
    assert claims["detail"].startswith(f"Exchange.ManageAsApp present; wids lacks {global_reader}:")
    stack_verify(cloud, path, monkeypatch, roles[:1])
    claims = json.loads(capsys.readouterr().out)["steps"][1]
    assert (claims["status"], claims["detail"]) == (
        "pass",
        "Exchange.ManageAsApp present; wids hold the assigned roles (1)",
    )


# ---------------------------------------------------------------- pipeline federation

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


# ---------------------------------------------------------------- key vault hand-off


def hand_off(
    vault, certificate_key, not_before: dt.datetime, tags: dict[str, str] | None = None
) -> x509.Certificate:
    """Publish one generation as components/key_vault.py does: base64 of cert + key PEM."""
    import base64

    from tests.fakes.key_vault import SecretVersion

    pem = self_signed_pem("", "exo-cba prod 72f988bf", not_before, 24 * 90, key=certificate_key)
    key_pem = certificate_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    vault.put(
        "exo-cba-prod",
        SecretVersion(
            base64.b64encode((pem + key_pem).encode()).decode(),
            created=not_before,
            expires=not_before + dt.timedelta(days=90),
            tags=tags or {},
        ),
    )
    return x509.load_pem_x509_certificate(pem.encode())


@pytest.fixture
def host(vault, monkeypatch):
    """The host's Azure identity: may read the secret."""
    from exocba import signin
    from tests.fakes.key_vault import FixedToken

    identity = FixedToken()
    vault.readers.add(identity.token)
    monkeypatch.setattr(signin, "make_credential", lambda: identity)
    return identity


def key_vault_args(cloud, vault, *extra: str) -> list[str]:
    source = ("--key-vault", vault.secret_id("exo-cba-prod"))
    return [*explicit_args(cloud.base_url, *source), "--role", EXCHANGE_ADMIN, "--json", *extra]


def test_a_host_reading_the_hand_off_signs_in_and_reaches_exchange(
    cloud, vault, host, capsys
) -> None:
    now = dt.datetime.now(dt.UTC)
    certificate = hand_off(vault, rsa_key(2048, "kv"), now - dt.timedelta(days=1))
    register(cloud, certificate)
    code = cli.main(key_vault_args(cloud, vault))
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK, document
    assert statuses(document) == {
        "key vault": "pass",
        "token": "pass",
        "claims": "pass",
        "exchange": "pass",
    }
    from exocba.certs import certificate_thumbprint

    assert certificate_thumbprint(certificate) in document["steps"][1]["detail"]


def test_a_published_certificate_entra_does_not_hold_fails_at_the_token(
    cloud, vault, host, capsys
) -> None:
    now = dt.datetime.now(dt.UTC)
    registered = hand_off(vault, rsa_key(2048, "kv-a"), now - dt.timedelta(days=2))
    hand_off(vault, rsa_key(2048, "kv-b"), now - dt.timedelta(hours=1))  # never registered
    register(cloud, registered)
    code = cli.main(key_vault_args(cloud, vault))
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_VERIFY_FAILED
    assert statuses(document)["token"] == "fail"
    assert "AADSTS700027" in document["steps"][1]["detail"]


def test_a_value_replaced_by_hand_is_a_warning_naming_the_tag(cloud, vault, host, capsys) -> None:
    now = dt.datetime.now(dt.UTC)
    tags = {"exo-cba-thumbprint": "A" * 40}
    certificate = hand_off(vault, rsa_key(2048, "kv"), now - dt.timedelta(days=1), tags)
    register(cloud, certificate)
    code = cli.main(key_vault_args(cloud, vault))
    document = json.loads(capsys.readouterr().out)
    # The certificate still works, so verify passes; the step says what is off.
    assert code == EXIT_OK, document
    assert statuses(document)["key vault"] == "warn"
    assert f"its tag says {'A' * 40}" in document["steps"][0]["detail"]


def test_a_host_that_may_not_read_is_told_which_role(cloud, vault, capsys, monkeypatch) -> None:
    from exocba import signin
    from tests.fakes.key_vault import FixedToken

    monkeypatch.setattr(signin, "make_credential", lambda: FixedToken("not-a-reader"))
    hand_off(vault, rsa_key(2048, "kv"), dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    code = cli.main(key_vault_args(cloud, vault))
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_VERIFY_FAILED
    assert statuses(document) == {"key vault": "fail", "token": "skipped", "exchange": "skipped"}
    assert "Key Vault Secrets User" in document["steps"][0]["detail"]
    assert not [r for r in cloud.requests if "/oauth2/" in r.path]


def test_verify_stack_reads_the_secret_id_and_compares_thumbprints(
    cloud, vault, host, capsys, monkeypatch
) -> None:
    now = dt.datetime.now(dt.UTC)
    certificate = hand_off(vault, rsa_key(2048, "kv"), now - dt.timedelta(days=1))
    register(cloud, certificate)
    deployed(
        monkeypatch,
        certificateThumbprint="0" * 40,
        keyVault={"secretId": vault.secret_id("exo-cba-prod")},
    )
    args = ["verify", "--stack", "prod", "--key-vault", "--authority", cloud.base_url]
    code = cli.main([*args, "--exchange-url", cloud.base_url, "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK, document
    assert statuses(document)["key vault"] == "warn"
    assert f"the stack's active certificate is {'0' * 40}" in document["steps"][0]["detail"]


def test_key_vault_without_a_secret_id_or_stack_output_is_one_line(capsys, monkeypatch) -> None:
    from exocba import signin

    monkeypatch.setattr(signin, "make_credential", lambda: None)
    args = ["verify", "--app-id", APP_ID, "--tenant-id", TENANT_ID]
    assert cli.main([*args, "--organization", INITIAL_DOMAIN, "--key-vault"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--key-vault needs the secret id" in err and err.count("\n") == 1
    bad = ["--organization", INITIAL_DOMAIN, "--key-vault", "kv-exo-prod"]
    assert cli.main([*args, *bad]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--key-vault: 'kv-exo-prod' is not a Key Vault secret id" in err
    assert err.count("\n") == 1
