"""`exoctl drift --all --shard I/N` and `exoctl drift merge`: a fleet over several runners."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from exoctl import automation, cli
from exoctl.drift.shard import parse_shard, share
from exoctl.errors import EXIT_DRIFT, EXIT_OK, EXIT_PENDING, EXIT_USAGE, ExoctlError
from exoctl.report import EXIT_FOR_STATUS
from tests.conftest import PROJECT_ROOT
from tests.fakes import events as ev
from tests.fakes.pulumi_cli import FakePulumiCommand, stack_replies

GENERATIONS = ["20260308", "20260606", "20260904"]
COMMIT = "4d6f1b2c9e8a7d3f5b0c1e2d3f4a5b6c7d8e9f01"
TENANTS = [f"tenant-{n:04d}" for n in range(600)]


def where(stacks: list[str], count: int) -> dict[str, int]:
    """Each stack's shard (1-based)."""
    return {s: i for i in range(1, count + 1) for s in share(stacks, i, count)}


# ------------------------------------------------------------------ the share


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 16, 100, 256])
def test_every_stack_is_in_exactly_one_shard_and_shards_are_even(count: int) -> None:
    shares = [share(TENANTS, i, count) for i in range(1, count + 1)]
    sizes = [len(s) for s in shares]
    assert max(sizes) - min(sizes) <= 1
    assert sum(sizes) == len(TENANTS)
    assert sorted(s for part in shares for s in part) == TENANTS


def test_a_stack_lands_in_the_same_shard_whatever_the_listing_order() -> None:
    listed = list(TENANTS)
    random.Random(7).shuffle(listed)
    for count in (3, 16):
        assert where(listed, count) == where(TENANTS, count)
        assert where(list(reversed(TENANTS)), count) == where(TENANTS, count)


def test_the_hash_not_the_alphabet_decides() -> None:
    # Tenants named alike are spread: the first 16 names do not share one shard.
    first = where(TENANTS, 16)
    assert len({first[s] for s in TENANTS[:16]}) > 4


def test_one_stack_more_moves_fewer_than_n_others() -> None:
    for count in (4, 16):
        before = where(TENANTS, count)
        after = where([*TENANTS, "tenant-new"], count)
        moved = [s for s in TENANTS if before[s] != after[s]]
        assert len(moved) <= count - 1


def test_more_shards_than_stacks_leaves_some_empty() -> None:
    shares = [share(["a", "b"], i, 4) for i in range(1, 5)]
    assert Counter(len(s) for s in shares) == {0: 2, 1: 2}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("4", "is not I/N"),
        ("0/4", "I must be 1 to 4 (did you mean 1/4?)"),
        ("5/4", "I must be 1 to 4 (did you mean 4/4?)"),
        ("1/0", "N must be 1 to 256"),
        ("1/257", "N must be 1 to 256"),
    ],
)
def test_a_bad_shard_is_one_line(text: str, fragment: str) -> None:
    with pytest.raises(ExoctlError) as refused:
        parse_shard(text)
    assert fragment in str(refused.value) and "\n" not in str(refused.value)
    assert refused.value.code == EXIT_USAGE
    assert parse_shard("3/4") == (3, 4)


# ------------------------------------------------------------------ a fleet run in shards


FLEET = {
    "alpine": {"drifted": {"exo-sp": ("update", ["notes"])}},
    "bravo": {},
    "cedar": {"created": ["20261203"], "retired": ["20260308"]},
    "delta": {"updated": {"exo-app": ["displayName"]}},
    "echo": {},
    "fjord": {"error": "AADSTS7000215: Invalid client secret provided."},
    "grove": {},
}


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "fleet"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_ROOT / name, project / name)
    replies = []
    for stack, shape in FLEET.items():
        (project / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
        program = {k: v for k, v in shape.items() if k != "drifted"}
        replies += stack_replies(
            stack,
            ev.refresh_preview(stack, GENERATIONS, shape.get("drifted")),
            ev.program_preview(stack, GENERATIONS, **program),
            {"appId": "x", "certificateNotAfter": "2027-09-01T00:00:00Z"},
        )
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: FakePulumiCommand(replies))
    monkeypatch.setenv("EXO_CBA_NOW", "2026-11-22T00:00:00Z")
    monkeypatch.setenv("GITHUB_SHA", COMMIT)
    return project


def run(capsys, project: Path, *args: str) -> tuple[int, dict]:
    code = cli.main(["--project-dir", str(project), "drift", *args, "--json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def shard_files(capsys, project: Path, tmp_path: Path, count: int) -> list[Path]:
    files = []
    for index in range(1, count + 1):
        code, report = run(capsys, project, "--all", "--shard", f"{index}/{count}")
        assert code in (EXIT_OK, EXIT_DRIFT, EXIT_PENDING, EXIT_USAGE)
        path = tmp_path / f"drift-{index}.json"
        path.write_text(json.dumps(report))
        files.append(path)
    return files


def merge(capsys, *files: Path) -> tuple[int, dict, str]:
    code = cli.main(["drift", "merge", "--json", *map(str, files)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out), captured.err


def test_a_shard_checks_only_its_share_and_says_which(fleet, capsys) -> None:
    code, report = run(capsys, fleet, "--all", "--shard", "2/3")
    assert report["shard"]["index"] == 2 and report["shard"]["count"] == 3
    assert report["shard"]["commit"] == COMMIT
    assert report["shard"]["stacks"] == sorted(FLEET)
    checked = [s["stack"] for s in report["stacks"]]
    assert checked == share(list(FLEET), 2, 3) and 0 < len(checked) < len(FLEET)
    assert code == EXIT_FOR_STATUS[report["status"]]


@pytest.mark.parametrize("count", [2, 3, 7, 9])
def test_merged_shards_are_the_report_of_one_runner(fleet, capsys, tmp_path, count) -> None:
    whole_code, whole = run(capsys, fleet, "--all")
    code, merged, err = merge(capsys, *shard_files(capsys, fleet, tmp_path, count))
    assert err == ""
    shards = merged.pop("shards")
    assert shards["count"] == count and shards["commit"] == COMMIT
    assert shards["stacks"] == len(FLEET)
    assert merged == whole
    # The worst status wins: fjord's failed preview outranks alpine's drift.
    assert (code, merged["status"]) == (whole_code, "error") == (EXIT_USAGE, "error")


def test_the_worst_status_of_clean_shards_decides_the_exit_code(fleet, capsys, tmp_path) -> None:
    for stack in ("fjord",):
        (fleet / f"Pulumi.{stack}.yaml").unlink()
    code, merged, _ = merge(capsys, *shard_files(capsys, fleet, tmp_path, 3))
    assert (code, merged["status"]) == (EXIT_DRIFT, "drift")
    by_stack = {s["stack"]: s["status"] for s in merged["stacks"]}
    assert by_stack == {
        "alpine": "drift",
        "bravo": "in_sync",
        "cedar": "rotation_due",
        "delta": "pending",
        "echo": "in_sync",
        "grove": "in_sync",
    }


def refused(capsys, *files: Path) -> list[str]:
    code, document, err = merge(capsys, *files)
    assert code == EXIT_USAGE
    assert document["status"] == "error"
    lines = err.splitlines()
    assert all(line.startswith("exoctl: error: drift merge: ") for line in lines)
    assert [line.removeprefix("exoctl: error: drift merge: ") for line in lines] == document[
        "errors"
    ]
    return document["errors"]


def test_a_missing_shard_is_refused(fleet, capsys, tmp_path) -> None:
    files = shard_files(capsys, fleet, tmp_path, 4)
    assert refused(capsys, files[0], files[2]) == ["shard 2/4 is missing", "shard 4/4 is missing"]


def test_a_shard_given_twice_is_refused(fleet, capsys, tmp_path) -> None:
    files = shard_files(capsys, fleet, tmp_path, 2)
    copy = tmp_path / "again.json"
    shutil.copy(files[1], copy)
    assert refused(capsys, *files, copy) == [f"shard 2/2 is given 2 times: {files[1]}, {copy}"]


def test_reports_of_different_commits_are_refused(fleet, capsys, tmp_path, monkeypatch) -> None:
    files = shard_files(capsys, fleet, tmp_path, 2)
    monkeypatch.setenv("GITHUB_SHA", "0" * 40)
    later = tmp_path / "later"
    later.mkdir()
    newer = shard_files(capsys, fleet, later, 2)
    (problem,) = refused(capsys, files[0], newer[1])
    assert problem == f"{newer[1]} ran at commit {'0' * 40} but {files[0]} at {COMMIT}"


def test_reports_of_different_stack_lists_are_refused(fleet, capsys, tmp_path) -> None:
    files = shard_files(capsys, fleet, tmp_path, 2)
    (fleet / "Pulumi.grove.yaml").unlink()
    fewer = tmp_path / "fewer"
    fewer.mkdir()
    other = shard_files(capsys, fleet, fewer, 2)
    (problem,) = refused(capsys, files[0], other[1])

    def label(stacks: list[str]) -> str:
        return hashlib.sha256("\n".join(sorted(stacks)).encode()).hexdigest()[:12]

    six = sorted(set(FLEET) - {"grove"})
    assert problem == (
        f"{other[1]} checked another stack list (6 stacks, {label(six)}) than {files[0]} "
        f"(7 stacks, {label(list(FLEET))})"
    )


def test_shards_cut_differently_are_refused(fleet, capsys, tmp_path) -> None:
    halves = shard_files(capsys, fleet, tmp_path, 2)
    thirds_dir = tmp_path / "thirds"
    thirds_dir.mkdir()
    thirds = shard_files(capsys, fleet, thirds_dir, 3)
    (problem,) = refused(capsys, *halves, thirds[2])
    assert problem == (
        f"{thirds[2]} is shard 3/3 but {halves[0]} is 1/2: the runs were cut into different "
        "numbers of shards"
    )


def test_a_report_that_is_not_its_shards_share_is_refused(fleet, capsys, tmp_path) -> None:
    files = shard_files(capsys, fleet, tmp_path, 2)
    report = json.loads(files[1].read_text())
    report["stacks"] = report["stacks"][1:]
    files[1].write_text(json.dumps(report))
    (problem,) = refused(capsys, *files)
    assert problem.startswith(f"{files[1]} (shard 2/2) reports ")
    assert problem.endswith("not its share of " + str(len(share(list(FLEET), 2, 2))))


def test_files_that_are_not_shard_reports_are_named_one_line_each(fleet, capsys, tmp_path) -> None:
    (shard_file,) = shard_files(capsys, fleet, tmp_path, 1)
    empty = tmp_path / "empty.json"
    empty.write_text("")
    unsharded = tmp_path / "whole.json"
    unsharded.write_text(json.dumps(run(capsys, fleet, "--all")[1]))
    missing = tmp_path / "nope.json"
    assert refused(capsys, shard_file, empty, unsharded, missing) == [
        f"{empty} is not JSON (a shard's `--json` report)",
        f"{unsharded} is not a shard report (`exoctl drift --all --shard I/N --json`)",
        f"cannot read {missing}: No such file or directory",
    ]


def test_a_report_with_a_change_exoctl_does_not_write_is_refused(fleet, capsys, tmp_path) -> None:
    files = shard_files(capsys, fleet, tmp_path, 2)
    for path in files:
        report = json.loads(path.read_text())
        if report["changes"]:
            del report["changes"][0]["op"]
            path.write_text(json.dumps(report))
            break
    else:
        pytest.fail("no shard of the fleet has a change")
    (problem,) = refused(capsys, *files)
    assert problem == f"{path} has a status, stack or change exoctl does not know"


def test_merge_writes_one_markdown_summary(fleet, capsys, tmp_path) -> None:
    files = shard_files(capsys, fleet, tmp_path, 3)
    summary = tmp_path / "summary.md"
    code = cli.main(["drift", "merge", "--markdown", str(summary), *map(str, files)])
    out = capsys.readouterr().out
    assert code == EXIT_USAGE and "status: error" in out
    text = summary.read_text()
    assert text.count("### exo-cba drift: `error`") == 1
    assert f"7 stacks in 3 shards at commit `{COMMIT[:12]}`" in text
    assert all(f"| {stack} |" in text for stack in FLEET)


# ------------------------------------------------------------------ the commit


def test_without_github_sha_the_commit_is_gits(fleet, capsys, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_SHA")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=fleet, check=True)
    subprocess.run([*git, "add", "."], cwd=fleet, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "fleet"], cwd=fleet, check=True)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=fleet, capture_output=True, text=True, check=True
    ).stdout.strip()
    _, report = run(capsys, fleet, "--all", "--shard", "1/2")
    assert report["shard"]["commit"] == head


def test_without_a_commit_a_shard_is_refused_in_one_line(fleet, capsys, monkeypatch) -> None:
    monkeypatch.delenv("GITHUB_SHA")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(fleet.parent))
    code = cli.main(["--project-dir", str(fleet), "drift", "--all", "--shard", "1/2"])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and err.count("\n") == 1
    assert "--shard needs the commit every shard runs at" in err and "GITHUB_SHA" in err


def test_shard_needs_all(capsys) -> None:
    assert cli.main(["drift", "--stack", "dev", "--shard", "1/2"]) == EXIT_USAGE
    assert capsys.readouterr().err == "exoctl: error: --shard only applies to --all\n"
