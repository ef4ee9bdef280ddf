"""`exoctl drift --all --shard I/N`: one runner's stable, even share of the fleet.

The stacks are put in the order of the SHA-256 of their names, and that order is cut
into N runs of consecutive stacks: shard I (1-based) of K stacks gets the positions
floor((I-1)K/N) to floor(IK/N) - 1.
- stable: the order depends on the names alone, never on how the runner's file
  system lists Pulumi.<stack>.yaml, so a stack lands in the same shard on every run;
- even: every shard gets floor(K/N) or ceil(K/N) stacks (hashing each name to a shard
  on its own, `hash % N`, leaves some shards with several more than others);
- calm: a stack added or removed moves each cut by at most one place, so at most N-1
  other stacks change shard.

A shard's JSON report carries `shard`: its index and count, the commit it ran at and
the whole stack list, so `exoctl drift merge` can refuse reports that do not belong
together (exoctl/drift/merge.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from exoctl.errors import EXIT_USAGE, ExoctlError

# A GitHub Actions matrix makes at most 256 jobs.
MAX_SHARDS = 256
_SHARD = re.compile(r"(\d+)/(\d+)")


def parse_shard(text: str) -> tuple[int, int]:
    """(I, N) of `I/N`, 1 <= I <= N <= MAX_SHARDS; ExoctlError (one line) otherwise."""
    match = _SHARD.fullmatch(text.strip())
    if match is None:
        raise ExoctlError(
            f"--shard {text!r} is not I/N (shard I of N, e.g. 1/4 ... 4/4)", EXIT_USAGE
        )
    index, count = int(match[1]), int(match[2])
    if not 1 <= count <= MAX_SHARDS:
        raise ExoctlError(
            f"--shard {text}: N must be 1 to {MAX_SHARDS} (a GitHub matrix makes at most "
            f"{MAX_SHARDS} jobs)",
            EXIT_USAGE,
        )
    if not 1 <= index <= count:
        nearest = min(max(index, 1), count)
        raise ExoctlError(
            f"--shard {text}: I must be 1 to {count} (did you mean {nearest}/{count}?)", EXIT_USAGE
        )
    return index, count


def _order(stack: str) -> tuple[str, str]:
    return hashlib.sha256(stack.encode("utf-8")).hexdigest(), stack


def share(stacks: Sequence[str], index: int, count: int) -> list[str]:
    """Shard `index` (1-based) of `count`: its stacks, in name order."""
    ordered = sorted(set(stacks), key=_order)
    start, end = (index - 1) * len(ordered) // count, index * len(ordered) // count
    return sorted(ordered[start:end])


def digest(stacks: Sequence[str]) -> str:
    """One value for a whole stack list, whatever its order."""
    return hashlib.sha256("\n".join(sorted(set(stacks))).encode("utf-8")).hexdigest()


def current_commit(project_dir: Path) -> str:
    """The commit the shards run at: GITHUB_SHA in Actions, else `git rev-parse HEAD`."""
    sha = os.environ.get("GITHUB_SHA", "").strip()
    if sha:
        return sha
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 (git from PATH, as a user runs it)
            cwd=project_dir,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is None or done.returncode != 0 or not done.stdout.strip():
        raise ExoctlError(
            f"--shard needs the commit every shard runs at, so merge can check they match: "
            f"set GITHUB_SHA, or run in a git checkout ({project_dir} is none)",
            EXIT_USAGE,
        )
    return done.stdout.strip()


def header(index: int, count: int, commit: str, stacks: Sequence[str]) -> dict[str, Any]:
    """The `shard` entry of a shard's JSON report."""
    every = sorted(set(stacks))
    return {
        "index": index,
        "count": count,
        "commit": commit,
        "stacks": every,
        "digest": digest(every),
    }
