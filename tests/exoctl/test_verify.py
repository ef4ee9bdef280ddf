"""`exoctl verify` against local HTTPS stand-ins for Entra ID and Exchange: each step's
pass and failure, the stack outputs and the flags."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
from cryptography import x509

from exocba.wellknown import DEFAULT_SP_WID
from exoctl import cli
from exoctl.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED
from tests.conftest import INITIAL_DOMAIN, rsa_key, self_signed_pem
from tests.fakes.entra import RegisteredApp
from tests.fakes.verification import (
    APP_ID,
    EXCHANGE_ADMIN,
    SP_ID,
    deployed,
    register,
    run_verify,
    statuses,
    verify_args,
)


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


def test_an_unreachable_exchange_host_is_named_after_a_good_token(cloud, pfx, capsys) -> None:
    path, certificate = pfx
    register(cloud, certificate)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The last --exchange-url wins: the token comes from the stand-in, Exchange is away.
    code, document = run_verify(capsys, cloud, path, "--exchange-url", f"https://127.0.0.1:{port}")
    assert code == EXIT_VERIFY_FAILED
    assert statuses(document) == {"token": "pass", "claims": "pass", "exchange": "fail"}
    assert document["steps"][2]["detail"].startswith(
        f"network: cannot reach https://127.0.0.1:{port}: "
    )


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
