"""`exoctl export-pfx`: real PFX files that openssl, cryptography and MSAL accept."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess
from pathlib import Path

import msal
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from exocba.certs import thumbprint
from exocba.wellknown import EXCHANGE_SCOPE
from exoctl import automation, cli
from exoctl.errors import EXIT_USAGE
from tests.conftest import MOCK_CLOCK, TENANT_ID, rsa_key, rsa_key_pem, self_signed_pem
from tests.fakes.entra import RegisteredApp
from tests.fakes.pulumi_cli import (
    FakePulumiCommand,
    Reply,
    stack_output_replies,
    stack_select_reply,
)

PASSWORD = "correct horse battery staple"
APP_ID = "3f1c0e52-6a57-4b0e-9d41-8b1a2f6c7d90"


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    key_pem = rsa_key_pem(2048, "export")
    cert_pem = self_signed_pem(key_pem, "exo-cba export", dt.datetime.now(dt.UTC), 24 * 30)
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text(cert_pem)
    key.write_text(key_pem)
    return cert, key


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PFX_PASSWORD", PASSWORD)
    return PASSWORD


def export(*args: str) -> int:
    return cli.main(["export-pfx", "--password-env", "PFX_PASSWORD", *args])


def openssl_info(path: Path, legacy: bool) -> str:
    command = [
        "openssl",
        "pkcs12",
        "-in",
        str(path),
        "-info",
        "-noout",
        "-passin",
        "env:PFX_PASSWORD",
    ]
    if legacy:
        command.append("-legacy")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_modern_pfx_is_aes_with_sha256_mac_and_mode_0600(pair, tmp_path, capsys) -> None:
    cert, key = pair
    out = tmp_path / "exo.pfx"
    assert export("--cert", str(cert), "--key", str(key), "--out", str(out)) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    info = openssl_info(out, legacy=False)
    assert "PBES2, PBKDF2, AES-256-CBC" in info
    assert "MAC: sha256" in info
    printed = capsys.readouterr()
    assert "Connect-ExchangeOnline -CertificateFilePath ./exo.pfx" in printed.out
    assert "-CertificatePassword (Read-Host -AsSecureString)" in printed.out
    assert "Import-PfxCertificate" in printed.out
    assert f"-CertificateThumbprint {thumbprint(cert.read_text())} " in printed.out
    assert PASSWORD not in printed.out + printed.err
    assert "PRIVATE KEY" not in printed.out + printed.err


def test_legacy_pfx_is_3des_with_sha1_mac(pair, tmp_path) -> None:
    cert, key = pair
    out = tmp_path / "legacy.pfx"
    assert export("--cert", str(cert), "--key", str(key), "--out", str(out), "--legacy") == 0
    info = openssl_info(out, legacy=True)
    assert "pbeWithSHA1And3-KeyTripleDES-CBC" in info
    assert "MAC: sha1" in info
    assert "AES" not in info


@pytest.mark.parametrize("legacy", [False, True])
def test_pfx_holds_exactly_that_certificate_and_key(pair, tmp_path, legacy: bool) -> None:
    cert, key = pair
    out = tmp_path / "x.pfx"
    extra = ["--legacy"] if legacy else []
    assert export("--cert", str(cert), "--key", str(key), "--out", str(out), *extra) == 0
    loaded_key, loaded_cert, others = pkcs12.load_key_and_certificates(
        out.read_bytes(), PASSWORD.encode()
    )
    assert loaded_cert == x509.load_pem_x509_certificate(cert.read_bytes())
    assert loaded_key.private_numbers() == rsa_key(2048, "export").private_numbers()
    assert others == []
    # openssl agrees on the certificate it holds.
    command = ["openssl", "pkcs12", "-in", str(out), "-nokeys", "-passin", "env:PFX_PASSWORD"]
    dumped = subprocess.run(
        command + (["-legacy"] if legacy else []), capture_output=True, text=True, check=True
    ).stdout
    begin = dumped.index("-----BEGIN CERTIFICATE-----")
    assert x509.load_pem_x509_certificate(dumped[begin:].encode()) == loaded_cert


def token_from_pfx(cloud, pfx_path: Path) -> dict:
    """What a script host does with the file: MSAL signs a client assertion with it."""
    app = msal.ConfidentialClientApplication(
        APP_ID,
        authority=f"{cloud.base_url}/{TENANT_ID}",
        client_credential={"private_key_pfx_path": str(pfx_path), "passphrase": PASSWORD},
        instance_discovery=False,
    )
    return app.acquire_token_for_client(scopes=[EXCHANGE_SCOPE])


@pytest.mark.parametrize("legacy", [False, True])
def test_msal_signs_a_client_assertion_entra_accepts(pair, tmp_path, cloud, legacy) -> None:
    cert, key = pair
    out = tmp_path / "msal.pfx"
    assert (
        export(
            "--cert",
            str(cert),
            "--key",
            str(key),
            "--out",
            str(out),
            *(["--legacy"] if legacy else []),
        )
        == 0
    )
    cloud.register(
        RegisteredApp(
            client_id=APP_ID,
            service_principal_id="9a7b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d",
            certificates=[x509.load_pem_x509_certificate(cert.read_bytes())],
            app_roles={"https://outlook.office365.com": {"Exchange.ManageAsApp"}},
        )
    )
    result = token_from_pfx(cloud, out)
    assert "access_token" in result, result
    token_requests = [r for r in cloud.requests if r.path.endswith("/oauth2/v2.0/token")]
    assert len(token_requests) == 1
    assert b"client_assertion=" in token_requests[0].body


def test_a_pfx_of_another_certificate_is_rejected_by_entra(pair, tmp_path, cloud) -> None:
    cert, key = pair
    out = tmp_path / "other.pfx"
    assert export("--cert", str(cert), "--key", str(key), "--out", str(out)) == 0
    registered = self_signed_pem(rsa_key_pem(2048, "registered"), "other", MOCK_CLOCK, 24)
    cloud.register(
        RegisteredApp(
            APP_ID, "sp", certificates=[x509.load_pem_x509_certificate(registered.encode())]
        )
    )
    result = token_from_pfx(cloud, out)
    assert "access_token" not in result
    assert "AADSTS700027" in result["error_description"]


# ------------------------------------------------------------------ refusals


def refused(capsys, *args: str) -> str:
    assert export(*args) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("exoctl: error: ")
    assert PASSWORD not in err
    return err


def test_existing_file_is_kept_without_force_and_replaced_with_it(pair, tmp_path, capsys) -> None:
    cert, key = pair
    out = tmp_path / "exists.pfx"
    out.write_bytes(b"keep me")
    out.chmod(0o644)
    assert "pass --force" in refused(
        capsys, "--cert", str(cert), "--key", str(key), "--out", str(out)
    )
    assert out.read_bytes() == b"keep me"
    assert export("--cert", str(cert), "--key", str(key), "--out", str(out), "--force") == 0
    assert out.read_bytes() != b"keep me"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".exists")] == []


@pytest.mark.parametrize("value", [None, ""])
def test_unset_or_empty_password_is_refused(pair, tmp_path, capsys, monkeypatch, value) -> None:
    cert, key = pair
    if value is None:
        monkeypatch.delenv("PFX_PASSWORD")
    else:
        monkeypatch.setenv("PFX_PASSWORD", value)
    out = tmp_path / "none.pfx"
    err = refused(capsys, "--cert", str(cert), "--key", str(key), "--out", str(out))
    assert err.startswith("exoctl: error: --password-env: ")
    assert ("no environment variable of that name is set" in err) or ("empty" in err)
    assert not out.exists()


def test_a_key_of_another_certificate_is_refused(pair, tmp_path, capsys) -> None:
    cert, _ = pair
    other = tmp_path / "other-key.pem"
    other.write_text(rsa_key_pem(2048, "someone else"))
    out = tmp_path / "mismatch.pfx"
    err = refused(capsys, "--cert", str(cert), "--key", str(other), "--out", str(out))
    assert "does not belong to the certificate" in err
    assert not out.exists()


def test_password_is_never_an_argument(pair, tmp_path, capsys) -> None:
    cert, key = pair
    err = refused(
        capsys,
        "--cert",
        str(cert),
        "--key",
        str(key),
        "--out",
        str(tmp_path / "p.pfx"),
        "--password",
        "x",
    )
    assert "unrecognized arguments: --password" in err


# ------------------------------------------------------------------ from a stack


def test_from_stack_outputs_through_the_automation_api(pair, tmp_path, monkeypatch, capsys) -> None:
    cert, key = pair
    outputs = {
        "appId": APP_ID,
        "organization": "contoso.onmicrosoft.com",
        "certificatePem": cert.read_text(),
        "privateKeyPem": key.read_text(),
    }
    fake = FakePulumiCommand(
        [stack_select_reply(), *stack_output_replies(outputs, {"privateKeyPem"})]
    )
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: fake)
    out = tmp_path / "stack.pfx"
    assert export("--stack", "contoso", "--out", str(out)) == 0
    assert ["stack", "select", "--stack", "contoso"] in fake.calls
    assert any("--show-secrets" in call for call in fake.calls)
    _, loaded_cert, _ = pkcs12.load_key_and_certificates(out.read_bytes(), PASSWORD.encode())
    assert loaded_cert == x509.load_pem_x509_certificate(cert.read_bytes())
    printed = capsys.readouterr().out
    assert f"-AppId {APP_ID} -Organization contoso.onmicrosoft.com" in printed


def test_bring_your_own_stack_has_no_key_to_export(pair, tmp_path, monkeypatch, capsys) -> None:
    cert, _ = pair
    outputs = {"appId": APP_ID, "certificatePem": cert.read_text()}
    fake = FakePulumiCommand([stack_select_reply(), *stack_output_replies(outputs, set())])
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: fake)
    err = refused(capsys, "--stack", "byo", "--out", str(tmp_path / "byo.pfx"))
    assert "exports no privateKeyPem" in err


def test_missing_stack_is_one_line(tmp_path, monkeypatch, capsys) -> None:
    fake = FakePulumiCommand(
        [Reply(("stack", "select"), stderr="error: no stack named 'nope' found", code=255)]
    )
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: fake)
    err = refused(capsys, "--stack", "nope", "--out", str(tmp_path / "n.pfx"))
    assert "'nope'" in err
    assert not (tmp_path / "n.pfx").exists()


def test_without_a_pulumi_cli_the_stack_form_says_so(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `pulumi` anywhere
    monkeypatch.delenv("PULUMI_HOME", raising=False)
    err = refused(capsys, "--stack", "dev", "--out", str(tmp_path / "c.pfx"))
    assert "Pulumi CLI is not installed" in err


def test_the_offline_form_never_starts_the_pulumi_cli(pair, tmp_path, monkeypatch) -> None:
    def no_cli():
        raise AssertionError("the offline form must not need the Pulumi CLI")

    monkeypatch.setattr(automation, "make_pulumi_command", no_cli)
    cert, key = pair
    assert export("--cert", str(cert), "--key", str(key), "--out", str(tmp_path / "o.pfx")) == 0


def test_a_folder_gets_one_file_per_generation(pair, tmp_path, capsys) -> None:
    from cryptography import x509

    from exocba.certs import certificate_thumbprint

    cert, key = pair
    folder = tmp_path / "exo-cba"
    folder.mkdir()
    assert export("--cert", str(cert), "--key", str(key), "--out", str(folder)) == 0
    certificate = x509.load_pem_x509_certificate(cert.read_bytes())
    thumbprint = certificate_thumbprint(certificate)
    expected = f"exo-cba-{certificate.not_valid_before_utc:%Y%m%d}-{thumbprint[:8].lower()}.pfx"
    (written,) = folder.iterdir()
    assert written.name == expected
    assert written.stat().st_mode & 0o777 == 0o600
    assert f"Wrote {written} " in capsys.readouterr().out
    # The same generation again is refused without --force, as any file is.
    assert export("--cert", str(cert), "--key", str(key), "--out", str(folder)) == 2


def test_readme_and_help_spell_the_folder_file_name_as_it_is_written(pair, tmp_path) -> None:
    """docs/script-hosts.md, "Scripts that survive rotation", and --help give the pattern; the file
    written has exactly that shape: YYYYMMDD the NotBefore date, then 8 hex digits."""
    import re

    from exocba.connect import GENERATION_FILE_PATTERN
    from tests.conftest import PROJECT_ROOT

    assert f"`{GENERATION_FILE_PATTERN}`" in (PROJECT_ROOT / "docs" / "script-hosts.md").read_text()
    from exoctl.parsing import commands

    command = commands(cli.build_parser())["export-pfx"]
    help_text = "".join(command.format_help().split())  # argparse wraps at hyphens
    assert GENERATION_FILE_PATTERN in help_text
    cert, key = pair
    folder = tmp_path / "generations"
    folder.mkdir()
    assert export("--cert", str(cert), "--key", str(key), "--out", str(folder)) == 0
    (written,) = folder.iterdir()
    shape = re.escape(GENERATION_FILE_PATTERN).replace("YYYYMMDD", r"\d{8}")
    assert re.fullmatch(shape.replace("xxxxxxxx", "[0-9a-f]{8}"), written.name), written.name
