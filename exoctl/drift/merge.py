"""`exoctl drift merge FILE…`: the shards' JSON reports as one report and one status.

Every shard of one run must be there exactly once, cut the same way, at the same
commit, from the same stack list, each holding exactly its share (exoctl/drift/shard.py);
otherwise the merge is refused with one line per problem. The merged report has the
shape of `exoctl drift --all --json`, stacks in name order, plus `shards`; its status
is the worst of the shards' (exoctl/report.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from exoctl.drift.shard import digest, share
from exoctl.errors import EXIT_USAGE, ExoctlError
from exoctl.report import STATUS_RANK, worst

_REPORT_KEYS = ("status", "changes", "stacks", "warnings", "errors", "shard")
# What exoctl/drift/classify.py writes for each change and each stack.
_CHANGE_KEYS = frozenset({"stack", "urn", "type", "name", "op", "kind", "properties"})
_SUMMARY_KEYS = frozenset({"stack", "status", "drift", "pending", "rotation", "warnings", "errors"})


class MergeRefused(ExoctlError):
    """The reports do not make one run; `problems` holds one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems), EXIT_USAGE)
        self.problems = problems


def _problem_with(report: object) -> str | None:
    """Why a parsed document is not a shard report, or None."""
    if not isinstance(report, dict) or any(key not in report for key in _REPORT_KEYS):
        return "is not a shard report (`exoctl drift --all --shard I/N --json`)"
    shard = report["shard"]
    if not (
        isinstance(shard, dict)
        and isinstance(shard.get("index"), int)
        and isinstance(shard.get("count"), int)
        and 1 <= shard["index"] <= shard["count"]
        and isinstance(shard.get("commit"), str)
        and isinstance(shard.get("stacks"), list)
        and all(isinstance(s, str) for s in shard["stacks"])
    ):
        return "has no valid `shard` (index, count, commit, stacks)"
    if (
        report["status"] not in STATUS_RANK
        or not isinstance(report["stacks"], list)
        or not isinstance(report["changes"], list)
        or not all(
            isinstance(s, dict) and set(s) >= _SUMMARY_KEYS and isinstance(s["stack"], str)
            for s in report["stacks"]
        )
        or not all(isinstance(c, dict) and set(c) >= _CHANGE_KEYS for c in report["changes"])
    ):
        return "has a status, stack or change exoctl does not know"
    return None


def load(paths: Sequence[Path]) -> list[tuple[Path, dict[str, Any]]]:
    problems, reports = [], []
    for path in paths:
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            problems.append(f"cannot read {path}: {error.strerror}")
            continue
        except (UnicodeDecodeError, json.JSONDecodeError):
            problems.append(f"{path} is not JSON (a shard's `--json` report)")
            continue
        problem = _problem_with(report)
        if problem:
            problems.append(f"{path} {problem}")
        else:
            reports.append((path, report))
    if problems:
        raise MergeRefused(problems)
    return reports


def _label(report: dict[str, Any]) -> str:
    return f"{report['shard']['index']}/{report['shard']['count']}"


def _check(reports: list[tuple[Path, dict[str, Any]]]) -> list[str]:
    problems: list[str] = []
    first_path, first = reports[0]
    base = first["shard"]
    for path, report in reports[1:]:
        shard = report["shard"]
        if shard["count"] != base["count"]:
            problems.append(
                f"{path} is shard {_label(report)} but {first_path} is {_label(first)}: the "
                "runs were cut into different numbers of shards"
            )
        if shard["commit"] != base["commit"]:
            problems.append(
                f"{path} ran at commit {shard['commit']} but {first_path} at {base['commit']}"
            )
        if sorted(shard["stacks"]) != sorted(base["stacks"]):
            problems.append(
                f"{path} checked another stack list ({len(shard['stacks'])} stacks, "
                f"{digest(shard['stacks'])[:12]}) than {first_path} "
                f"({len(base['stacks'])} stacks, {digest(base['stacks'])[:12]})"
            )
    if problems:
        return problems
    count = base["count"]
    given: dict[int, list[Path]] = defaultdict(list)
    for path, report in reports:
        given[report["shard"]["index"]].append(path)
    for index in sorted(given):
        if len(given[index]) > 1:
            names = ", ".join(str(p) for p in given[index])
            problems.append(f"shard {index}/{count} is given {len(given[index])} times: {names}")
    problems += [f"shard {i}/{count} is missing" for i in range(1, count + 1) if i not in given]
    for path, report in reports:
        held = sorted(s["stack"] for s in report["stacks"])
        wanted = share(base["stacks"], report["shard"]["index"], count)
        if held != wanted:
            problems.append(
                f"{path} (shard {_label(report)}) reports {len(held)} stacks, not its share of "
                f"{len(wanted)}"
            )
    return problems


def merge(paths: Sequence[Path]) -> dict[str, Any]:
    """One report from every shard's; MergeRefused names every problem."""
    if not paths:
        raise MergeRefused(["drift merge needs the shards' report files"])
    reports = load(paths)
    problems = _check(reports)
    if problems:
        raise MergeRefused(problems)
    summaries = sorted(
        (s for _, r in reports for s in r["stacks"]), key=lambda summary: summary["stack"]
    )
    changes = sorted(
        (c for _, r in reports for c in r["changes"]), key=lambda change: str(change["stack"])
    )
    base = reports[0][1]["shard"]
    return {
        "status": worst(r["status"] for _, r in reports),
        "changes": changes,
        "stacks": summaries,
        "warnings": [f"{s['stack']}: {w}" for s in summaries for w in s.get("warnings", [])],
        "errors": [f"{s['stack']}: {e}" for s in summaries for e in s.get("errors", [])],
        "shards": {
            "count": base["count"],
            "commit": base["commit"],
            "stacks": len(base["stacks"]),
            "digest": digest(base["stacks"]),
        },
    }
