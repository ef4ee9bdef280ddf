"""The CI pipelines, validated offline: GitHub's workflow schema, actionlint, and intent."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from exoctl.errors import EXIT_DRIFT, EXIT_PENDING, EXIT_VERIFY_FAILED
from tests.conftest import PROJECT_ROOT

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in steps(job))


def test_the_four_pipelines_exist() -> None:
    assert {f.name for f in FILES} == {"test.yml", "preview.yml", "drift.yml", "deploy.yml"}


def test_workflows_match_githubs_schema() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, FILES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_nothing() -> None:
    actionlint = Path(sys.executable).with_name("actionlint")
    binary = str(actionlint) if actionlint.exists() else shutil.which("actionlint")
    assert binary, "actionlint is installed by requirements-dev.txt"
    done = subprocess.run(
        [binary, "-no-color", *map(str, FILES)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    actionlint = Path(sys.executable).with_name("actionlint")
    binary = str(actionlint) if actionlint.exists() else shutil.which("actionlint")
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ matrix.nope }}\n"
    )
    done = subprocess.run([binary, str(broken)], capture_output=True, text=True, check=False)
    assert done.returncode != 0


def test_no_workflow_stores_or_uses_a_client_secret() -> None:
    for path in FILES:
        text = path.read_text()
        assert not re.search(r"CLIENT_SECRET|client-secret|ARM_CLIENT_CERTIFICATE", text), path.name


def test_pr_preview_comments_and_forks_get_the_offline_plan() -> None:
    workflow = load("preview.yml")
    assert "pull_request" in workflow["on"]
    assert "pull_request_target" not in workflow["on"]  # never run fork code with secrets
    preview = workflow["jobs"]["preview"]
    assert "head.repo.full_name == github.repository" in preview["if"]
    assert preview["permissions"] == {
        "contents": "read",
        "id-token": "write",
        "pull-requests": "write",
    }
    (action,) = [s for s in steps(preview) if s.get("uses", "").startswith("pulumi/actions@")]
    assert action["with"]["command"] == "preview"
    assert action["with"]["comment-on-pr"] is True
    assert action["with"]["policyPacks"] == "policy"
    assert preview["env"]["ARM_USE_OIDC"] == "true"

    plan = workflow["jobs"]["plan"]
    assert "if" not in plan  # forks included
    assert "exoctl plan --stack" in runs(plan)
    assert "secrets." not in yaml.safe_dump(plan)


def test_scheduled_drift_fails_on_drift_and_warns_on_rotation() -> None:
    workflow = load("drift.yml")
    assert workflow["on"]["schedule"]
    job = workflow["jobs"]["drift"]
    script = runs(job)
    assert 'exoctl drift --all --markdown "$GITHUB_STEP_SUMMARY"' in script
    cases = dict(re.findall(r"^\s*(\d)\) (.*)$", script, flags=re.MULTILINE))
    assert "::warning" in cases[str(EXIT_PENDING)] and "exit" not in cases[str(EXIT_PENDING)]
    assert "::error" in cases[str(EXIT_DRIFT)] and f"exit {EXIT_DRIFT}" in cases[str(EXIT_DRIFT)]
    assert workflow["permissions"]["id-token"] == "write"


def test_deploy_is_gated_per_stack_and_verifies_after_up() -> None:
    workflow = load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    job = workflow["jobs"]["deploy"]
    assert job["environment"] == "${{ matrix.stack }}"
    assert job["strategy"]["matrix"]["stack"].startswith("${{ fromJSON(")
    names = [s.get("uses", "") or s.get("name", "") for s in steps(job)]
    up = next(i for i, s in enumerate(steps(job)) if s.get("with", {}).get("command") == "up")
    verify = next(i for i, s in enumerate(steps(job)) if "exoctl verify" in s.get("run", ""))
    assert up < verify, names
    script = steps(job)[verify]["run"]
    assert "--password-env PFX_PASSWORD" in script and "::add-mask::" in script
    assert f"-ne {EXIT_VERIFY_FAILED} ]" in script  # retries only "not verified yet"
    assert 'rm -f "$pfx"' in script


@pytest.mark.parametrize("name", ["preview.yml", "drift.yml", "deploy.yml"])
def test_every_azure_job_signs_in_with_oidc(name: str) -> None:
    workflow = load(name)
    for job_name, job in workflow["jobs"].items():
        env = {**workflow.get("env", {}), **job.get("env", {})}
        if "ARM_CLIENT_ID" not in env:
            continue
        permissions = job.get("permissions") or workflow.get("permissions") or {}
        assert permissions.get("id-token") == "write", f"{name}:{job_name}"
        assert env["ARM_USE_OIDC"] == "true"
