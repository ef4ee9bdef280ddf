"""`exoctl plan` on the example stack and on stacks it must refuse, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exoctl.errors import EXIT_USAGE
from tests.conftest import PROJECT_ROOT, TENANT_ID, run_stack
from tests.fakes.project import project_copy

NOW = "2026-11-22T09:30:00Z"
# The start of a stack file that names its tenant, as every stack must.
TENANT = f"config:\n  azuread:tenantId: {TENANT_ID}\n"


def exoctl(
    *args: str, cwd: Path = PROJECT_ROOT, now: str = NOW
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exoctl", *args],
        cwd=cwd,
        env={**os.environ, "EXO_CBA_NOW": now},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_copy(tmp_path)


def test_the_program_imports_modules_beside_it_and_leaves_sys_path_as_it_was(
    project: Path,
) -> None:
    """As under `pulumi up`, the program's folder is first on sys.path while it runs."""
    (project / "exo_cba_house_rules.py").write_text('NOTE = "house rules imported"\n')
    main = project / "__main__.py"
    main.write_text(
        main.read_text() + "\nimport exo_cba_house_rules\n\n"
        "pulumi.log.info(exo_cba_house_rules.NOTE)\n"
    )
    before = list(sys.path)
    try:
        run = run_stack(program_dir=project)
    finally:
        sys.modules.pop("exo_cba_house_rules", None)
    assert "house rules imported" in run.notes
    assert sys.path == before


def test_plan_json_for_the_example_stack() -> None:
    result = exoctl("plan", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["stack"] == "dev"
    by_name = {r["name"]: r for r in plan["resources"]}
    assert by_name["exo-app"]["type"] == "azuread:index/application:Application"
    assert by_name["exo-app"]["parent"] == "exo"
    # The example stack shows destroy protection on what scripts depend on.
    assert sorted(r["name"] for r in plan["resources"] if r["protect"]) == ["exo-app", "exo-sp"]
    assert by_name["exo-app"]["inputs"]["displayName"] == "Exchange Online automation (dev)"
    assert by_name["exo-role-exchange-administrator"]["inputs"]["roleId"] == (
        "29232cdf-9323-42fd-ade2-1d097af3e4de"
    )
    # Only the tenant knows these: marked as computed, not invented.
    assert by_name["exo-sp"]["inputs"]["clientId"] == "<computed>"
    assert by_name["exo-exchange-consent"]["inputs"]["resourceObjectId"] == "<computed>"
    assert plan["outputs"]["appId"] == "<computed>"
    assert plan["outputs"]["tenantId"] == "00000000-0000-0000-0000-000000000000"
    # Secrets never printed.
    assert plan["outputs"]["privateKeyPem"] == "[secret]"
    (credential,) = [r for r in plan["resources"] if r["type"].endswith("ApplicationCertificate")]
    assert credential["inputs"]["value"] == "[secret]"
    assert "PRIVATE KEY" not in result.stdout
    assert [r["urn"] for r in plan["resources"]] == sorted(r["urn"] for r in plan["resources"])


def test_plan_text_shows_types_names_inputs_and_outputs() -> None:
    result = exoctl("plan")
    assert result.returncode == 0, result.stderr
    assert (
        "azuread:index/appRoleAssignment:AppRoleAssignment  exo-exchange-consent" in result.stdout
    )
    assert "appRoleId: dc50a0fb-09a3-484d-be87-e023b12c6440" in result.stdout
    assert "connectCommand: <computed>" in result.stdout


def test_two_plans_are_identical() -> None:
    assert exoctl("plan", "--json").stdout == exoctl("plan", "--json").stdout


def test_missing_stack_is_one_line_and_exit_2() -> None:
    result = exoctl("plan", "--stack", "nosuch")
    assert result.returncode == EXIT_USAGE
    assert result.stderr.count("\n") == 1
    assert "Pulumi.nosuch.yaml" in result.stderr and "dev" in result.stderr
    assert "Traceback" not in result.stderr


def test_refused_config_names_the_key_and_exits_2(project: Path) -> None:
    (project / "Pulumi.bad.yaml").write_text(
        TENANT + "  exo-cba:roles:\n    - Exchange Admin\n  exo-cba:certificate.keySize: 1024\n"
    )
    result = exoctl("--project-dir", str(project), "plan", "--stack", "bad")
    assert result.returncode == EXIT_USAGE
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("exoctl: config error: exo-cba:roles: 'Exchange Admin'")
    assert lines[1].startswith("exoctl: config error: exo-cba:certificate.keySize: 1024")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_stack_values_override_project_defaults(project: Path) -> None:
    (project / "Pulumi.prod.yaml").write_text(
        TENANT + "  exo-cba:organization: fabrikam.onmicrosoft.com\n"
        "  exo-cba:roles: [Global Reader]\n"
    )
    result = exoctl("--project-dir", str(project), "plan", "--stack", "prod", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["outputs"]["organization"] == "fabrikam.onmicrosoft.com"
    assert plan["outputs"]["roles"] == [
        {"name": "Global Reader", "templateId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451"}
    ]
    # Project defaults applied: validityDays 365.
    cert = next(r for r in plan["resources"] if r["type"].endswith("SelfSignedCert"))
    assert cert["inputs"]["validityPeriodHours"] == 365 * 24


def test_bad_flag_is_one_line_exit_2() -> None:
    result = exoctl("plan", "--nope")
    assert result.returncode == EXIT_USAGE
    assert "unrecognized arguments: --nope" in result.stderr
    assert result.stderr.count("\n") == 1


def test_rehearse_a_rotation_with_previous_outputs_and_exo_cba_now(tmp_path: Path) -> None:
    """A reviewer replays the deployed ledger at a future date: one generation in, one out."""
    deployed = {
        "appId": "3f1c0e52-6a57-4b0e-9d41-8b1a2f6c7d90",
        "rotationLedger": {
            "rotationDays": 90,
            "generations": ["2026-03-08", "2026-06-06", "2026-09-04"],
            "active": "2026-09-04",
        },
    }
    previous = tmp_path / "outputs.json"
    previous.write_text(json.dumps(deployed))
    same = exoctl("plan", "--json", "--previous", str(previous), now="2026-11-30T00:00:00Z")
    assert same.returncode == 0, same.stderr
    planned = json.loads(same.stdout)
    rotation = {k: v for k, v in planned["rotation"].items() if k != "subjects"}
    assert rotation == deployed["rotationLedger"]
    # Exported only once the tenant holds every generation: unknown in a preview.
    assert planned["outputs"]["rotationLedger"] == "<computed>"

    later = exoctl("plan", "--previous", str(previous), now="2026-12-03T06:00:00Z")
    assert later.returncode == 0, later.stderr
    assert "exo:index:AppCertificate  exo-cert-20261203" in later.stdout
    # The retired generation is no longer declared: named only as retired.
    assert "exo:index:AppCertificate  exo-cert-20260308" not in later.stdout
    assert "exo-cert-20260606" in later.stdout and "exo-cert-20260904" in later.stdout
    assert "Rotation: generation 2026-12-03 is active (every 90 days)" in later.stdout


def test_unreadable_previous_outputs_is_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "outputs.json"
    broken.write_text("{not json")
    result = exoctl("plan", "--previous", str(broken))
    assert result.returncode == EXIT_USAGE
    assert result.stderr.startswith("exoctl: error: --previous") and result.stderr.count("\n") == 1


def test_bad_exo_cba_now_is_one_line() -> None:
    result = exoctl("plan", now="soon")
    assert result.returncode == EXIT_USAGE
    assert result.stderr == (
        "exoctl: error: EXO_CBA_NOW: 'soon' is not an ISO 8601 date or time; "
        "allowed: e.g. 2027-03-01 or 2027-03-01T12:00:00Z\n"
    )


def test_a_stack_file_written_with_config_set_path_plans(project: Path) -> None:
    """The nested form `pulumi config set --path` writes, as a YAML mapping."""
    (project / "Pulumi.nested.yaml").write_text(
        TENANT + "  exo-cba:certificate:\n    validityDays: 90\n    keySize: 4096\n"
    )
    result = exoctl("--project-dir", str(project), "plan", "--stack", "nested", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    cert = next(r for r in plan["resources"] if r["type"].endswith("SelfSignedCert"))
    assert cert["inputs"]["validityPeriodHours"] == 90 * 24
    assert plan["rotation"]["rotationDays"] == 30


def test_a_setting_written_both_ways_names_both(project: Path) -> None:
    (project / "Pulumi.twice.yaml").write_text(
        TENANT + "  exo-cba:certificate.keySize: 3072\n  exo-cba:certificate:\n    keySize: 4096\n"
    )
    result = exoctl("--project-dir", str(project), "plan", "--stack", "twice")
    assert result.returncode == EXIT_USAGE
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("exoctl: config error: exo-cba:certificate.keySize: is set twice")
    assert "exo-cba:certificate (pulumi config set --path)" in line


def test_identities_and_pipelines_plan_offline(project: Path) -> None:
    (project / "Pulumi.mi.yaml").write_text(
        TENANT + "  exo-cba:managedIdentities:\n    - 3f2504e0-4f89-41d3-9a0c-0305e82c3301\n"
        "  exo-cba:federatedCredentials:\n    - repo:contoso/exo-scripts:environment:prod\n"
    )
    result = exoctl("--project-dir", str(project), "plan", "--stack", "mi", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    names = {r["name"]: r for r in plan["resources"]}
    component = "exo-mi-3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    assert names[component]["type"] == "exo:index:ManagedIdentityAccess"
    assert names[f"{component}-exchange-consent"]["parent"] == component
    (credential,) = [
        r for r in plan["resources"] if r["type"].endswith("FederatedIdentityCredential")
    ]
    assert credential["inputs"]["subject"] == "repo:contoso/exo-scripts:environment:prod"


def test_plan_refuses_a_stack_that_does_not_name_its_tenant(project: Path) -> None:
    """The program's own refusal, before anything is declared: plan gives the same answer
    as `pulumi preview`, however the tenant is misnamed."""
    (project / "Pulumi.nameless.yaml").write_text("config:\n  exo-cba:displayName: EXO\n")
    (project / "Pulumi.typos.yaml").write_text(
        "config:\n  azuread:tenantid: 72f988bf-86f1-41af-91ab-2d7cd011db47\n"
        "  exo-cab:roles: [Global Administrator]\n"
    )
    nameless = exoctl("--project-dir", str(project), "plan", "--stack", "nameless")
    assert nameless.returncode == EXIT_USAGE
    (line,) = nameless.stderr.strip().splitlines()
    assert line.startswith("exoctl: config error: azuread:tenantId: is not set")
    assert "Overview > Tenant ID" in line and "az account show --query tenantId" in line
    assert nameless.stdout == ""

    typos = exoctl("--project-dir", str(project), "plan", "--stack", "typos", "--json")
    assert typos.returncode == EXIT_USAGE
    lines = typos.stderr.strip().splitlines()
    assert [line.split(": ")[2] for line in lines] == [
        "azuread:tenantid",
        "exo-cab:roles",
        "azuread:tenantId",
    ]
    assert "(did you mean azuread:tenantId?)" in lines[0]
    assert "(did you mean exo-cba:roles?)" in lines[1]
    assert "Traceback" not in typos.stderr


def test_the_readmes_recipe_plans_as_written(project: Path) -> None:
    """Copy Pulumi.dev.yaml, then `pulumi config set --path exo-cba:certificate.validityDays
    730` (README, Steps): the CLI writes into the mapping the example already uses."""
    import yaml

    document = yaml.safe_load((PROJECT_ROOT / "Pulumi.dev.yaml").read_text())
    readme = (PROJECT_ROOT / "README.md").read_text()
    assert "pulumi config set --path exo-cba:certificate.validityDays 730" in readme
    # What `--path` does with that key: the value lands inside the object, as a string.
    document["config"].setdefault("exo-cba:certificate", {})["validityDays"] = "730"
    (project / "Pulumi.contoso.yaml").write_text(yaml.safe_dump(document))
    result = exoctl("--project-dir", str(project), "plan", "--stack", "contoso", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    cert = next(r for r in plan["resources"] if r["type"].endswith("SelfSignedCert"))
    assert cert["inputs"]["validityPeriodHours"] == 730 * 24


DEPLOYED_LEDGER = {
    "rotationDays": 90,
    "generations": ["2026-03-08", "2026-06-06", "2026-09-04"],
    "active": "2026-09-04",
}


def test_a_rehearsal_marks_what_it_creates_and_retires_and_ends_with_the_counts(
    tmp_path: Path,
) -> None:
    previous = tmp_path / "outputs.json"
    previous.write_text(json.dumps({"rotationLedger": DEPLOYED_LEDGER}))
    result = exoctl("plan", "--previous", str(previous), now="2026-12-03T06:00:00Z")
    assert result.returncode == 0, result.stderr
    block = result.stdout.split("Generations (a new one every 90 days):\n", 1)[1]
    assert block.splitlines()[:4] == [
        "  + exo-cert-20261203  to create, active",
        "    exo-cert-20260904  unchanged, was active",
        "    exo-cert-20260606  unchanged",
        "  - exo-cert-20260308  to retire",
    ]
    assert (
        result.stdout.splitlines()[-1] == "Generations: + 1 to create, - 1 to retire, 2 unchanged"
    )

    document = json.loads(
        exoctl("plan", "--json", "--previous", str(previous), now="2026-12-03T06:00:00Z").stdout
    )
    changes = {
        kind: [e["name"] for e in entries] for kind, entries in document["rotationChanges"].items()
    }
    assert changes == {
        "create": ["exo-cert-20261203"],
        "retire": ["exo-cert-20260308"],
        "unchanged": ["exo-cert-20260904", "exo-cert-20260606"],
    }


def test_a_rehearsal_inside_the_window_changes_nothing(tmp_path: Path) -> None:
    previous = tmp_path / "outputs.json"
    previous.write_text(json.dumps({"rotationLedger": DEPLOYED_LEDGER}))
    result = exoctl("plan", "--previous", str(previous), now="2026-11-30T00:00:00Z")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "Generations: 3 unchanged"
    assert "  + exo-cert" not in result.stdout and "  - exo-cert" not in result.stdout


def test_a_first_deployment_creates_one_generation() -> None:
    """The first generation is named by the day of the first deploy (the ledger's anchor)."""
    result = exoctl("plan", now="2026-11-22T09:30:00Z")
    assert result.returncode == 0, result.stderr
    assert "  + exo-cert-20261122  to create, active" in result.stdout
    assert result.stdout.splitlines()[-1] == "Generations: + 1 to create"


@pytest.mark.parametrize(
    ("outputs", "expected"),
    [
        (
            {"appId": "3f1c0e52-6a57-4b0e-9d41-8b1a2f6c7d90"},
            "has no rotationLedger output, which a rotation rehearsal compares against",
        ),
        (
            {"rotationLedger": {"rotationDays": 90, "active": "2026-09-04"}},
            "rotationLedger is malformed: 'generations'",
        ),
        ({"rotationLedger": "[secret]"}, "rotationLedger is not an object: '[secret]'"),
    ],
    ids=["no-ledger", "no-generations", "secret"],
)
def test_a_previous_file_without_a_usable_ledger_is_refused(
    tmp_path: Path, outputs: dict, expected: str
) -> None:
    previous = tmp_path / "outputs.json"
    previous.write_text(json.dumps(outputs))
    result = exoctl("plan", "--previous", str(previous))
    assert result.returncode == EXIT_USAGE
    assert result.stderr.startswith(f"exoctl: error: --previous {previous}")
    assert expected in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_the_security_and_compliance_note_is_said_once_in_the_header() -> None:
    result = exoctl("plan")
    assert result.returncode == 0, result.stderr
    header = result.stdout.split("\nResources (", 1)[0]
    assert header.splitlines()[-1].startswith(
        "Note: exo-cba:roles: Exchange Administrator cannot run Security & Compliance"
    )
    assert result.stdout.count("Security & Compliance") == 1
    assert "warning:" not in result.stdout


def test_the_rehearsal_in_docs_is_what_exoctl_prints(tmp_path: Path) -> None:
    """docs/exoctl.md, "Rehearse a rotation": its outputs.json, its command, its output."""
    section = (PROJECT_ROOT / "docs" / "exoctl.md").read_text().split("## Rehearse a rotation")[1]
    outputs = section.split("```json\n", 1)[1].split("```", 1)[0]
    command = section.split("`EXO_CBA_NOW=", 1)[1].split("`", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    now, rest = command.split(" ", 1)
    assert rest == "exoctl plan --previous outputs.json"
    previous = tmp_path / "outputs.json"
    previous.write_text(outputs)
    result = exoctl("plan", "--previous", str(previous), now=now)
    assert result.returncode == 0, result.stderr
    assert len(shown) > 5
    assert result.stdout.splitlines()[-len(shown) :] == shown
