"""Errors a person can act on, for every command: one line, no secret, no network
before the arguments are known good, JSON when --json was asked, help that ends with
the exit codes and an example that parses."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from exoctl import cli, parsing
from exoctl.errors import EXIT_USAGE, ExoctlError
from exoctl.helptext import EPILOGS
from tests.conftest import INITIAL_DOMAIN, PROJECT_ROOT, TENANT_ID

APP_ID = "5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
PASSWORD = "S3cret!pw"


def refused(capsys, *argv: str) -> str:
    """stderr of a run that must be a usage error of exactly one line."""
    assert cli.main(list(argv)) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    return captured.err


# ------------------------------------------------------------------ secrets


@pytest.mark.parametrize(
    "argv",
    [
        ["export-pfx", "--cert", "c.pem", "--key", "k.pem", "--out", "x.pfx"],
        [
            "verify",
            "--app-id",
            APP_ID,
            "--tenant-id",
            TENANT_ID,
            "--organization",
            INITIAL_DOMAIN,
            "--pfx",
            "x.pfx",
        ],
    ],
    ids=["export-pfx", "verify"],
)
def test_a_password_given_as_the_variable_name_is_not_echoed(capsys, argv) -> None:
    err = refused(capsys, *argv, "--password-env", PASSWORD)
    assert PASSWORD not in err
    assert err.startswith("exoctl: error: --password-env: not a valid environment variable name")


def test_a_password_that_passes_for_a_name_is_not_echoed_either(capsys, monkeypatch) -> None:
    monkeypatch.delenv("Summer2024", raising=False)
    err = refused(
        capsys, "export-pfx", "--cert", "c.pem", "--key", "k.pem", "--out", "x.pfx",
        "--password-env", "Summer2024",
    )  # fmt: skip
    assert "Summer2024" not in err
    assert "no environment variable of that name is set" in err


def test_the_words_after_an_unknown_flag_are_not_echoed(capsys) -> None:
    err = refused(
        capsys, "export-pfx", "--out", "x.pfx", "--password-env", "V", "--password", PASSWORD
    )
    assert PASSWORD not in err
    assert "unrecognized arguments: --password (did you mean --password-env?)" in err
    assert "1 word not repeated here" in err


def test_a_token_pasted_as_the_federated_variable_name_is_not_echoed(capsys) -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    err = refused(
        capsys, "verify", "--app-id", APP_ID, "--tenant-id", TENANT_ID,
        "--organization", INITIAL_DOMAIN, "--federated-token-env", token,
    )  # fmt: skip
    assert token not in err and "not a valid environment variable name" in err


# ------------------------------------------------------------------ before the network


def explicit(cloud, *changes: str) -> list[str]:
    """verify in explicit mode against the stand-in, with `changes` overriding flags."""
    flags = {
        "--app-id": APP_ID,
        "--tenant-id": TENANT_ID,
        "--organization": INITIAL_DOMAIN,
        "--pfx": str(cloud.ca_bundle),  # any readable file: it is never opened
        "--password-env": "PFX_PASSWORD",
        "--authority": cloud.base_url,
        "--exchange-url": cloud.base_url,
    }
    flags.update(dict(zip(changes[::2], changes[1::2], strict=True)))
    return ["verify", *(word for pair in flags.items() for word in pair)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("--app-id", "contoso-app"), "--app-id 'contoso-app' is not a GUID"),
        (("--tenant-id", "contoso.com"), "--tenant-id 'contoso.com' is not a GUID"),
        (
            ("--organization", "contoso.onmicrosoft.us"),
            "--organization 'contoso.onmicrosoft.us' is a Microsoft 365 GCC High domain, but "
            "the cloud is Microsoft 365 (commercial) and GCC (--cloud gcc-high?)",
        ),
        (("--organization", "contoso.com"), "is not a tenant's initial domain"),
        (("--pfx", "missing.pfx"), "--pfx missing.pfx: does not exist"),
        (("--role", "Exchange Admin"), "did you mean Exchange Administrator, template id 29232"),
    ],
    ids=["app-id", "tenant-id", "organization-of-another-cloud", "organization", "pfx", "role"],
)
def test_verify_usage_errors_come_before_any_request(
    cloud, capsys, monkeypatch, change, expected
) -> None:
    monkeypatch.setenv("PFX_PASSWORD", "pfx password")
    err = refused(capsys, *explicit(cloud, *change))
    assert expected in err
    assert cloud.requests == []


def test_the_stand_in_does_see_a_request_when_the_arguments_are_good(
    cloud, capsys, monkeypatch, tmp_path
) -> None:
    """The counter-test: without the usage error, verify does reach the stand-in."""
    from tests.fakes.verification import PASSWORD as PFX_PASSWORD
    from tests.fakes.verification import register

    monkeypatch.setenv("PFX_PASSWORD", PFX_PASSWORD)
    pfx_path, certificate = make_pfx(tmp_path, PFX_PASSWORD)
    register(cloud, certificate)
    cli.main(explicit(cloud, "--pfx", str(pfx_path)))
    capsys.readouterr()
    assert cloud.requests != []


def make_pfx(tmp_path: Path, password: str):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    from tests.conftest import rsa_key, self_signed_pem

    key = rsa_key(2048, "cli-errors")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    pem = self_signed_pem("", "exo-cba cli errors", start, 24, key=key)
    certificate = x509.load_pem_x509_certificate(pem.encode())
    path = tmp_path / "exo.pfx"
    encryption = serialization.BestAvailableEncryption(password.encode())
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(b"exo", key, certificate, None, encryption)
    )
    return path, certificate


def test_adopt_checks_every_object_id_before_signing_in(capsys, monkeypatch, tmp_path) -> None:
    from exocba import signin

    signed_in: list[str] = []
    monkeypatch.setattr(signin, "make_credential", lambda: signed_in.append("yes"))
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", tmp_path)
    err = refused(
        capsys, "--project-dir", str(tmp_path), "adopt", "--stack", "contoso",
        "--app-id", APP_ID, "--managed-identity", "not-an-id",
    )  # fmt: skip
    assert "--managed-identity 'not-an-id' is not a GUID" in err
    assert signed_in == []


def test_audit_checks_the_markdown_folder_before_the_pulumi_cli(capsys, monkeypatch, tmp_path):
    from exoctl import automation

    started: list[str] = []
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: started.append("yes"))
    err = refused(capsys, "audit", "--stack", "dev", "--markdown", str(tmp_path / "no" / "s.md"))
    assert "--markdown" in err and "does not exist" in err
    assert started == []


# ------------------------------------------------------------------ --json


# One failing command line per command that takes --json.
FAILING_JSON_RUNS = {
    "plan": ["plan", "--stack", "nosuch"],
    "drift": ["drift"],
    "verify": ["verify", "--app-id", "contoso-app"],
    "audit": ["audit", "--stack", "nosuch"],
    "adopt": ["adopt", "--stack", "contoso", "--app-id", "contoso-app"],
}


def test_every_command_with_json_is_covered_below() -> None:
    assert sorted(parsing.commands_with_json(cli.build_parser())) == sorted(FAILING_JSON_RUNS)


@pytest.mark.parametrize("command", sorted(FAILING_JSON_RUNS))
def test_json_is_json_even_when_the_command_fails(capsys, command) -> None:
    code = cli.main([*FAILING_JSON_RUNS[command], "--json"])
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert code == EXIT_USAGE
    assert document["exitCode"] == code and document["status"] == "error"
    assert document["command"] == command
    # The same words as the one line on stderr.
    assert captured.err == f"exoctl: error: {document['error']}\n"


def test_a_flag_error_of_a_json_run_is_json(capsys) -> None:
    assert cli.main(["plan", "--json", "--nope"]) == EXIT_USAGE
    document = json.loads(capsys.readouterr().out)
    assert document["exitCode"] == EXIT_USAGE and "--nope" in document["error"]


def test_refused_config_with_json_lists_every_problem(capsys, tmp_path) -> None:
    from tests.fakes.project import project_copy

    project = project_copy(tmp_path)
    (project / "Pulumi.bad.yaml").write_text(
        "config:\n  azuread:tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47\n"
        "  exo-cba:roles:\n    - Exchange Admin\n  exo-cba:certificate.keySize: 1024\n"
    )
    code = cli.main(["--project-dir", str(project), "plan", "--stack", "bad", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_USAGE == document["exitCode"]
    assert [e.split(":")[1] for e in document["errors"]] == ["roles", "certificate.keySize"]


def test_without_json_a_failure_prints_nothing_on_stdout(capsys) -> None:
    assert cli.main(["plan", "--stack", "nosuch"]) == EXIT_USAGE
    assert capsys.readouterr().out == ""


# ------------------------------------------------------------------ one line


def test_a_missing_azure_sign_in_is_one_line(tmp_path) -> None:
    """The real DefaultAzureCredential, with nothing to sign in with: azure-identity
    logs each credential it tried; exoctl prints one line."""
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", tmp_path)
    environment = {
        "PATH": str(Path(sys.executable).parent) + os.pathsep + "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AZURE_CONFIG_DIR": str(tmp_path / "azure"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "exoctl", "--project-dir", str(tmp_path), "adopt",
         "--stack", "contoso", "--app-id", APP_ID],
        cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == EXIT_USAGE
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        "exoctl: error: adopt: no Azure sign-in for Microsoft Graph: DefaultAzureCredential "
        "failed to retrieve a token from the included credentials.; sign in with `az login"
    )


def test_no_doubled_prefix(capsys) -> None:
    err = refused(capsys)
    assert err.startswith("exoctl: error: the following arguments are required: COMMAND")
    assert "exoctl: error: exoctl" not in err


# ------------------------------------------------------------------ did you mean


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["plna"], "invalid choice: 'plna' (did you mean plan?)"),
        (["verify", "--cloud", "gcchigh"], "invalid choice: 'gcchigh' (did you mean gcc-high?)"),
        (["plan", "--stak", "dev"], "unrecognized arguments: --stak (did you mean --stack?)"),
        (["drift", "--kind", "refrsh"], "invalid choice: 'refrsh' (did you mean refresh?)"),
    ],
    ids=["command", "cloud", "flag", "kind"],
)
def test_a_misspelling_gets_the_nearest_valid_spelling(capsys, argv, hint) -> None:
    assert hint in refused(capsys, *argv)


# ------------------------------------------------------------------ help


def commands() -> dict:
    return parsing.commands(cli.build_parser())


def test_every_option_of_every_command_has_help() -> None:
    found = commands()
    assert {"plan", "export-pfx", "drift", "verify", "audit", "adopt"} <= set(found)
    missing = [
        (name, action.option_strings)
        for name, parser in found.items()
        for action in parser._actions
        if not action.help
    ]
    assert missing == []


@pytest.mark.parametrize("name", sorted(EPILOGS))
def test_help_ends_with_the_exit_codes_and_an_example_that_parses(name) -> None:
    text = commands()[name].format_help()
    codes, example = EPILOGS[name]
    assert text.rstrip().endswith(f"example:\n  {example}")
    block = text.split("exit codes:\n", 1)[1].split("\n\n", 1)[0]
    assert [int(line.split()[0]) for line in block.splitlines()] == sorted(c for c, _ in codes)
    words = [w for w in shlex.split(example) if "=" not in w.split("-")[0]]
    assert words[:2] == ["exoctl", name]
    parsed = cli.build_parser().parse_args(words[1:])
    assert parsed.command == name


def test_every_command_has_an_epilog() -> None:
    assert sorted(commands()) == sorted(EPILOGS)


# ------------------------------------------------------------------ global options


@pytest.mark.parametrize("name", sorted(EPILOGS))
def test_project_dir_is_taken_after_the_command_name_too(name, tmp_path) -> None:
    parser = cli.build_parser()
    before = parser.parse_args(["--project-dir", str(tmp_path), *EXAMPLE_ARGS[name]])
    after = parser.parse_args([*EXAMPLE_ARGS[name], "--project-dir", str(tmp_path)])
    assert before.project_dir == after.project_dir == tmp_path


def test_project_dir_after_the_name_wins_and_its_absence_keeps_the_one_before(tmp_path) -> None:
    parser = cli.build_parser()
    other = tmp_path / "other"
    assert parser.parse_args(["--project-dir", str(tmp_path), "plan"]).project_dir == tmp_path
    words = ["--project-dir", str(tmp_path), "plan", "--project-dir", str(other)]
    assert parser.parse_args(words).project_dir == other
    assert parser.parse_args(["plan"]).project_dir == cli.default_project_dir()


def test_project_dir_after_the_name_is_the_project_planned(capsys, tmp_path) -> None:
    assert cli.main(["plan", "--project-dir", str(tmp_path)]) == EXIT_USAGE
    assert capsys.readouterr().err.startswith(f"exoctl: error: {tmp_path} holds no Pulumi.yaml")


# Each command's example, without `exoctl` and the leading variables.
EXAMPLE_ARGS = {
    name: [w for w in shlex.split(example) if "=" not in w.split("-")[0]][1:]
    for name, (_, example) in EPILOGS.items()
}


# ------------------------------------------------------------------ YAML


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "config:\n  exo-cba:protect: true\n\texo-cba:owners: []\n",
            "line 3, column 1: a tab character, which YAML does not allow here: indent with spaces",
        ),
        (
            "config:\n  exo-cba:displayName: a: b\n",
            "line 2, column 25: mapping values are not allowed here",
        ),
        (
            "config:\n  exo-cba:displayName: 'unterminated\n",
            "line 3, column 1: found unexpected end of stream (while scanning a quoted scalar "
            "from line 2)",
        ),
    ],
    ids=["tab", "colon", "quote"],
)
def test_a_yaml_error_names_line_column_and_cause(capsys, tmp_path, text, expected) -> None:
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", tmp_path)
    (tmp_path / "Pulumi.bad.yaml").write_text(text)
    err = refused(capsys, "--project-dir", str(tmp_path), "plan", "--stack", "bad")
    assert err.startswith(f"exoctl: error: {tmp_path / 'Pulumi.bad.yaml'} is not valid YAML: ")
    assert f"is not valid YAML: {expected}" in err


# ------------------------------------------------------------------ parse-time checks


def test_two_flags_of_an_exclusive_group_get_the_commands_own_sentence(capsys, tmp_path) -> None:
    assert cli.main(["drift", "--all", "--from", str(tmp_path / "run.json")]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        "exoctl: error: drift needs exactly one of --stack NAME, --all or --from FILE\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["verify", "--app-id", "nope"],
            "--app-id 'nope' is not a GUID (like 5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f)",
        ),
        (["verify", "--role", "Exchange Admin"], "--role 'Exchange Admin' is not a role"),
        (["verify", "--federated-token-env", "1X"], "--federated-token-env: not a valid"),
        (["export-pfx", "--out", "x.pfx", "--password-env", "a b"], "--password-env: not a valid"),
        (["drift", "--parallel", "0"], "--parallel must be at least 1 and --warn-days at least 0"),
        (["drift", "--warn-days", "-1"], "--parallel must be at least 1 and --warn-days at least"),
        (["drift", "--parallel", "x"], "drift: argument --parallel: invalid int value: 'x'"),
        (["drift", "--shard", "5/4"], "--shard 5/4: I must be 1 to 4 (did you mean 4/4?)"),
        (["adopt", "--stack", "a b"], "--stack 'a b' is not a stack name"),
        (["adopt", "--stack", "s", "--app-id", "nope"], "adopt: --app-id 'nope' is not a GUID"),
        (["adopt", "--managed-identity", "x"], "adopt: --managed-identity 'x' is not a GUID"),
    ],
)
def test_a_wrong_value_is_refused_while_parsing_naming_its_flag(argv, message) -> None:
    """Refused by the flag's converter, before any command runs, in the check's words."""
    with pytest.raises(ExoctlError) as refused:
        cli.build_parser().parse_args(argv)
    assert str(refused.value).startswith(message)
    assert refused.value.code == EXIT_USAGE
