"""How fast `exoctl drift --all` checks a fleet: a benchmark, not a test.

A fake Pulumi CLI (tests/fakes/pulumi_cli.py) answers every stack: each engine run
(`refresh --preview-only`, `preview`) takes --engine-seconds, every other CLI call
(`pulumi version`, `stack output`) --cli-seconds, as a CLI's start-up does. The
reference is the plain schedule: ceil(K / P) rounds of two engine runs one after the
other. The target is at most 1.1 of it; running a stack's two previews at once
brings it near 0.5.

    make bench                  # 64 stacks, --parallel 16, 1 s engine runs
    .venv/bin/python -m benchmarks.drift_fleet --stacks 16 --parallel 4
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import shutil
import tempfile
import time
from pathlib import Path

from exoctl import automation, cli
from tests.fakes import events as ev
from tests.fakes.pulumi_cli import FakePulumiCommand, stack_replies

# Run from the project root with `python -m benchmarks.drift_fleet`, which puts the root
# on the path.
ROOT = Path(__file__).resolve().parent.parent

GENERATIONS = ["20260308", "20260606", "20260904"]
OUTPUTS = {"appId": "x", "certificateNotAfter": "2027-09-01T00:00:00Z", "privateKeyPem": "k"}


def run(stacks: int, parallel: int, engine_seconds: float, cli_seconds: float) -> float:
    names = [f"t{n:03d}" for n in range(stacks)]
    with tempfile.TemporaryDirectory(prefix="exo-cba-bench-") as tmp:
        project = Path(tmp)
        for name in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(ROOT / name, project / name)
        replies = []
        for name in names:
            (project / f"Pulumi.{name}.yaml").write_text("config: {}\n")
            replies += stack_replies(
                name,
                ev.refresh_preview(name, GENERATIONS),
                ev.program_preview(name, GENERATIONS),
                OUTPUTS,
                {"privateKeyPem"},
                engine_seconds=engine_seconds,
                cli_seconds=cli_seconds,
            )
        fake = FakePulumiCommand(replies)

        def make() -> FakePulumiCommand:
            time.sleep(cli_seconds)  # `pulumi version`
            return fake

        automation.make_pulumi_command = make
        argv = ["--project-dir", str(project), "drift", "--all", "--parallel", str(parallel)]
        started = time.monotonic()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = cli.main([*argv, "--json"])
        elapsed = time.monotonic() - started
        if code != 0:
            raise SystemExit(f"drift exited {code}; the benchmark fleet should be in sync")
        return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=64)
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("--engine-seconds", type=float, default=1.0)
    parser.add_argument("--cli-seconds", type=float, default=0.1)
    args = parser.parse_args()
    elapsed = run(args.stacks, args.parallel, args.engine_seconds, args.cli_seconds)
    reference = math.ceil(args.stacks / args.parallel) * 2 * args.engine_seconds
    print(
        f"drift --all: {args.stacks} stacks, --parallel {args.parallel}, engine run "
        f"{args.engine_seconds:g} s, other CLI calls {args.cli_seconds:g} s"
    )
    print(f"elapsed {elapsed:.2f} s; reference ceil(K/P) x 2 x engine = {reference:.2f} s")
    print(f"ratio {elapsed / reference:.2f} (target <= 1.10)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
