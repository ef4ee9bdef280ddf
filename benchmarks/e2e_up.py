"""How long the real engine takes to deploy a stack, and why: a benchmark, not a test.

The real CLI and providers (the e2e toolchain) deploy a fresh stack against the tenant
stand-in with --latency-ms added to every Graph call, then run a no-op `pulumi preview`.
From the stand-in's request log it counts the Graph calls, the writes, and the longest
chain of writes that ran one after another (the critical path: no two of its writes
overlap in time, so no schedule of the same calls could run them at once), and shows
the provider's own polling: the GETs it repeats after a write until the object has
shown up five (certificate) or three (role assignment) times in a row.

The ideal is app -> service principal -> (consent, role assignments, certificate in
parallel): three sequential writes.

    .venv/bin/python -m benchmarks.e2e_up                       # 100 ms a Graph call
    EXO_CBA_E2E_HOME=/path/.e2e .venv/bin/python -m benchmarks.e2e_up --latency-ms 0
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

# Run as a module from the checkout (`python -m benchmarks.e2e_up`): the current
# directory is then on sys.path, so the test harness imports without a path edit.
from tests.e2e import harness
from tests.e2e.deployments import CONTOSO_CONFIG, configure
from tests.e2e.stacks import Stack
from tests.fakes.tenant import LogEntry, Tenant

IDEAL_WRITES = 3  # app -> service principal -> assignments
_GUID = re.compile(r"[0-9a-fA-F-]{36}|[A-Za-z0-9_-]{40,}")


def kind(entry: LogEntry) -> str:
    """`POST applications`, `PATCH applications/{id}`: the call without ids or query."""
    path = entry.path.split("?", 1)[0].split("/", 2)[2]
    return f"{entry.method} {_GUID.sub('{id}', path)}"


def critical_chain(entries: list[LogEntry]) -> list[LogEntry]:
    """The most calls of `entries` that ran strictly one after another (earliest end first:
    the longest chain of non-overlapping intervals)."""
    chain: list[LogEntry] = []
    end = float("-inf")
    for entry in sorted(entries, key=lambda e: e.ended):
        if entry.started >= end:
            chain.append(entry)
            end = entry.ended
    return chain


def polling(entries: list[LogEntry]) -> dict[str, int]:
    """GETs of one object repeated after it was written: the provider's consistency polls."""
    counts: Counter[str] = Counter()
    written: set[str] = set()
    for entry in sorted(entries, key=lambda e: e.started):
        path = entry.path.split("?", 1)[0]
        if entry.write:
            written.add(path)
            written.add(path.rsplit("/", 1)[0] if entry.method == "POST" else path)
        elif entry.method == "GET" and any(path.startswith(w) for w in written):
            counts[kind(entry)] += 1
    return dict(counts)


def measure(latency_ms: float, tmp: Path) -> dict[str, Any]:
    home = harness.e2e_home()
    venv = harness.program_venv(home)
    backend = tmp / "state"
    backend.mkdir()
    env = harness.plugin_home(
        home, tmp / "pulumi-home", harness.toolchain_environment(home, venv, backend)
    )
    with Tenant(tmp) as tenant:
        runner = harness.Runner(
            {**env, **harness.tenant_environment(tenant)},
            harness.copy_project(tmp / "project", venv),
        )
        stack = Stack("bench", runner, tmp)
        configure(stack, CONTOSO_CONFIG)
        tenant.latency = latency_ms / 1000
        first = len(tenant.log)
        started = time.monotonic()
        stack.up(policy=False)
        up_seconds = time.monotonic() - started
        up_log = [e for e in tenant.log[first:] if e.kind == "graph"]
        first = len(tenant.log)
        started = time.monotonic()
        stack.preview("--expect-no-changes", policy=False)
        preview_seconds = time.monotonic() - started
        preview_log = [e for e in tenant.log[first:] if e.kind == "graph"]
    writes = [e for e in up_log if e.write]
    chain = critical_chain(writes)
    return {
        "latencyMs": latency_ms,
        "upSeconds": round(up_seconds, 1),
        "noOpPreviewSeconds": round(preview_seconds, 1),
        "upGraphSpanSeconds": round(
            max(e.ended for e in up_log) - min(e.started for e in up_log), 1
        ),
        "upGraphCalls": len(up_log),
        "upGraphWrites": len(writes),
        "writesByKind": dict(Counter(kind(e) for e in writes)),
        "sequentialWrites": [kind(e) for e in chain],
        "idealSequentialWrites": IDEAL_WRITES,
        "sequentialCalls": len(critical_chain(up_log)),
        "pollingGets": polling(up_log),
        "previewGraphCalls": len(preview_log),
        "previewGraphWrites": sum(e.write for e in preview_log),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="exo-cba-e2e-bench-") as tmp:
        result = measure(args.latency_ms, Path(tmp))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
