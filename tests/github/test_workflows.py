"""The CI pipelines, validated offline: GitHub's workflow schema, actionlint, and intent."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from exoctl.errors import EXIT_DRIFT, EXIT_PENDING, EXIT_USAGE, EXIT_VERIFY_FAILED
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
    assert {f.name for f in FILES} == {
        "test.yml",
        "preview.yml",
        "drift.yml",
        "deploy.yml",
        "deploy-stacks.yml",
    }
    # deploy-stacks.yml is deploy.yml's part, never a pipeline of its own.
    assert set(load("deploy-stacks.yml")["on"]) == {"workflow_call"}


def test_workflows_match_githubs_schema() -> None:
    assert FILES, f"no workflows in {WORKFLOWS}"
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, FILES)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_finds_nothing() -> None:
    assert FILES, f"no workflows in {WORKFLOWS}"
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
    assert FILES, f"no workflows in {WORKFLOWS}"
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
    script = runs(workflow["jobs"]["merge"])
    assert 'exoctl drift merge --markdown "$GITHUB_STEP_SUMMARY" "${reports[@]}"' in script
    cases = dict(re.findall(r"^\s*(\d)\) (.*)$", script, flags=re.MULTILINE))
    assert "::warning" in cases[str(EXIT_PENDING)] and "exit" not in cases[str(EXIT_PENDING)]
    assert "::error" in cases[str(EXIT_DRIFT)] and f"exit {EXIT_DRIFT}" in cases[str(EXIT_DRIFT)]
    assert workflow["jobs"]["drift"]["permissions"]["id-token"] == "write"


def test_drift_runs_its_shards_as_a_matrix_and_merges_them_in_one_job() -> None:
    jobs = load("drift.yml")["jobs"]
    shard, merge = jobs["drift"], jobs["merge"]
    assert shard["strategy"]["matrix"]["shard"] == "${{ fromJSON(needs.shards.outputs.shards) }}"
    assert shard["strategy"]["fail-fast"] is False
    command = 'exoctl drift --all --shard "${{ matrix.shard }}/$SHARDS" --json > "$REPORT"'
    assert command in runs(shard)
    (upload,) = [
        s for s in steps(shard) if s.get("uses", "").startswith("actions/upload-artifact@")
    ]
    (download,) = [
        s for s in steps(merge) if s.get("uses", "").startswith("actions/download-artifact@")
    ]
    pattern = download["with"]["pattern"]
    assert fnmatch.fnmatch(upload["with"]["name"].replace("${{ matrix.shard }}", "7"), pattern)
    assert upload["with"]["path"] == "${{ env.REPORT }}"
    assert shard["env"]["REPORT"] == "drift-${{ matrix.shard }}.json"
    assert download["with"]["merge-multiple"] is True
    # The merge runs when a shard failed (it names the missing one), not when cancelled.
    assert "drift" in merge["needs"] and "!cancelled()" in merge["if"]
    # One job summary: only the merge writes it.
    summary_writers = [
        (name, step.get("name"))
        for name, job in jobs.items()
        for step in steps(job)
        if "GITHUB_STEP_SUMMARY" in step.get("run", "")
    ]
    assert summary_writers == [("merge", "exoctl drift merge")]


def bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    """A `run:` script as GitHub runs it (bash -e -o pipefail), GitHub's files here."""
    output = cwd / "github-output"
    output.touch()
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(output), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def outputs(cwd: Path) -> dict[str, str]:
    lines = (cwd / "github-output").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines)


@pytest.mark.parametrize("shards", ["1", "4", "256"])
def test_the_shard_matrix_counts_to_drift_shards(tmp_path: Path, shards: str) -> None:
    job = load("drift.yml")["jobs"]["shards"]
    done = bash(runs(job), tmp_path, SHARDS=shards)
    assert done.returncode == 0, done.stderr
    assert json.loads(outputs(tmp_path)["shards"]) == list(range(1, int(shards) + 1))


@pytest.mark.parametrize("shards", ["0", "257", "four", ""])
def test_a_shard_count_outside_the_matrix_cap_stops_the_run(tmp_path: Path, shards: str) -> None:
    done = bash(runs(load("drift.yml")["jobs"]["shards"]), tmp_path, SHARDS=shards)
    assert done.returncode == 2
    assert "::error title=exo-cba::DRIFT_SHARDS must be" in done.stdout


def shard_report(stacks: list[str], index: int, count: int, drifted: set[str]) -> dict:
    from exoctl.drift import Change, StackResult, document
    from exoctl.drift.shard import header, share

    def changes(stack: str) -> list[Change]:
        urn = f"urn:pulumi:{stack}::exo-cba::azuread:index/servicePrincipal:ServicePrincipal::sp"
        return [
            Change(
                stack=stack,
                urn=urn,
                type="azuread:index/servicePrincipal:ServicePrincipal",
                name="sp",
                op="update",
                kind="drift",
                properties=("notes",),
            )
        ]

    results = [
        StackResult(s, changes(s) if s in drifted else []) for s in share(stacks, index, count)
    ]
    return {**document(results), "shard": header(index, count, "c0ffee" * 6, stacks)}


def merge_step(tmp_path: Path, reports: list[dict]) -> subprocess.CompletedProcess:
    """The merge job's exoctl step, run on shard reports as the artifacts land."""
    (step,) = [
        s for s in steps(load("drift.yml")["jobs"]["merge"]) if "drift merge" in s.get("run", "")
    ]
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    python = venv / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    (tmp_path / "shards").mkdir()
    for number, report in enumerate(reports, start=1):
        (tmp_path / "shards" / f"drift-{number}.json").write_text(json.dumps(report))
    summary = tmp_path / "summary.md"
    return bash(
        step["run"], tmp_path, GITHUB_STEP_SUMMARY=str(summary), PYTHONPATH=str(PROJECT_ROOT)
    )


def test_the_merge_step_fails_the_run_on_drift_with_one_summary(tmp_path: Path) -> None:
    stacks = [f"tenant-{n}" for n in range(9)]
    reports = [shard_report(stacks, i, 3, {"tenant-4"}) for i in (1, 2, 3)]
    done = merge_step(tmp_path, reports)
    assert done.returncode == EXIT_DRIFT, done.stderr
    assert "::error title=exo-cba::drift" in done.stdout
    summary = (tmp_path / "summary.md").read_text()
    assert summary.count("### exo-cba drift: `drift`") == 1
    assert "9 stacks in 3 shards" in summary


def test_the_merge_step_names_a_missing_shard(tmp_path: Path) -> None:
    stacks = [f"tenant-{n}" for n in range(9)]
    done = merge_step(tmp_path, [shard_report(stacks, i, 3, set()) for i in (1, 3)])
    assert done.returncode == EXIT_USAGE
    assert "exoctl: error: drift merge: shard 2/3 is missing" in done.stderr
    assert "::error title=exo-cba::the drift check failed (exit 2)" in done.stdout


def test_deploy_batches_stay_within_the_matrix_cap(tmp_path: Path) -> None:
    names = [f"tenant-{n:03d}" for n in range(600)]
    for name in names:
        (tmp_path / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.yaml").write_text("name: exo-cba\n")  # the project file is no stack
    done = bash(runs(load("deploy.yml")["jobs"]["stacks"]), tmp_path)
    assert done.returncode == 0, done.stderr
    batches = json.loads(outputs(tmp_path)["batches"])
    assert [len(b) for b in batches] == [256, 256, 88]
    assert sorted(s for b in batches for s in b) == names


def test_deploy_calls_one_gated_matrix_per_batch() -> None:
    job = load("deploy.yml")["jobs"]["deploy"]
    assert job["uses"] == "./.github/workflows/deploy-stacks.yml"
    assert job["strategy"]["matrix"]["batch"] == "${{ fromJSON(needs.stacks.outputs.batches) }}"
    assert job["with"]["stacks"] == "${{ toJSON(matrix.batch) }}"
    assert job["secrets"] == "inherit"
    assert job["strategy"]["max-parallel"] == 1
    # The called workflow gets no more than its caller grants.
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    called = load("deploy-stacks.yml")
    assert called["on"]["workflow_call"]["inputs"]["stacks"]["type"] == "string"
    inner = called["jobs"]["deploy"]
    assert inner["strategy"]["matrix"]["stack"] == "${{ fromJSON(inputs.stacks) }}"
    assert inner["strategy"]["max-parallel"] == 1


def test_deploy_is_gated_per_stack_and_verifies_after_up() -> None:
    assert load("deploy.yml")["on"]["push"]["branches"] == ["main"]
    job = load("deploy-stacks.yml")["jobs"]["deploy"]
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


@pytest.mark.parametrize("name", ["preview.yml", "drift.yml", "deploy.yml", "deploy-stacks.yml"])
def test_every_azure_job_signs_in_with_oidc(name: str) -> None:
    workflow = load(name)
    for job_name, job in workflow["jobs"].items():
        env = {**workflow.get("env", {}), **job.get("env", {})}
        if "ARM_CLIENT_ID" not in env:
            continue
        permissions = job.get("permissions") or workflow.get("permissions") or {}
        assert permissions.get("id-token") == "write", f"{name}:{job_name}"
        assert env["ARM_USE_OIDC"] == "true"
