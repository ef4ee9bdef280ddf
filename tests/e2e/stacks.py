"""A stack driven through the real CLI, and the deployments the scenarios share.

Scenarios run alone or together: each asks for the state it needs (`deployed()`),
and the first deployment of the shared stack happens once per session, recorded so
that the first-deploy scenario can assert on what it saw. Time for the program is
EXO_CBA_NOW, moved forward only (`advance`), never the wall clock: the provider's
certificates carry real dates, the rotation window follows EXO_CBA_NOW.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exocba.rotation import window_start
from tests.e2e.harness import Result, Runner, events_of, read_events

POLICY_PACK = "policy"
POLICY_PACK_NAME = "exo-cba-guardrails"
DEBUG_COMMANDS = "PULUMI_DEBUG_COMMANDS"
CANNOT_RUN = "can't run policy"
_sequence = itertools.count(1)


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def first_moment(rotation_days: int) -> dt.datetime:
    """Half a day into the current rotation window: an hour later is the same window."""
    start = window_start(dt.datetime.now(dt.UTC), rotation_days)
    return dt.datetime(start.year, start.month, start.day, 12, tzinfo=dt.UTC)


@dataclass
class Run:
    result: Result
    events: list[dict[str, Any]]

    @property
    def code(self) -> int:
        return self.result.code

    def of(self, kind: str) -> list[dict[str, Any]]:
        return events_of(self.events, kind)

    def steps(self) -> dict[str, str]:
        """URN -> op of every resource step (a replacement's ops joined by +)."""
        ops: dict[str, list[str]] = {}
        for event in self.of("resourcePreEvent"):
            metadata = event["metadata"]
            ops.setdefault(metadata["urn"], []).append(metadata["op"])
        return {urn: "+".join(dict.fromkeys(found)) for urn, found in ops.items()}

    def changes(self) -> dict[str, str]:
        return {
            urn: op for urn, op in self.steps().items() if op not in ("same", "read", "refresh")
        }

    def summary(self) -> dict[str, Any]:
        (summary,) = self.of("summaryEvent")
        return summary

    def violations(self) -> list[dict[str, Any]]:
        """Policy events that report a violation (not a policy that could not run)."""
        return [e for e in self.of("policyEvent") if not e["message"].startswith(CANNOT_RUN)]

    def not_run(self) -> set[tuple[str, str]]:
        """(policy, resource name) of policies the pack could not run: in a preview, a
        policy that reads a value only the update will know is reported, advisory,
        "can't run policy ... during preview" (pulumi-policy), and runs at `up`."""
        return {
            (e["policyName"], name_of(e["resourceUrn"]))
            for e in self.of("policyEvent")
            if e["message"].startswith(CANNOT_RUN)
        }

    def diagnostics(self, severity: str = "error") -> list[str]:
        return [d["message"] for d in self.of("diagnosticEvent") if d.get("severity") == severity]


@dataclass
class Stack:
    name: str
    runner: Runner
    logs: Path
    rotation_days: int = 30
    now: dt.datetime = field(default_factory=lambda: first_moment(30))
    initialized: bool = False
    deployment: dict[str, Any] | None = None
    """What the first deployment recorded (the first-deploy scenario asserts on it)."""

    def env(self, now: dt.datetime | None = None) -> dict[str, str]:
        return {"EXO_CBA_NOW": rfc3339(now or self.now)}

    def pulumi(
        self, *args: str, now: dt.datetime | None = None, debug: bool = False, **kwargs: Any
    ) -> Result:
        env = {**self.env(now), **({DEBUG_COMMANDS: "true"} if debug else {})}
        return self.runner.pulumi(*args, "--stack", self.name, env=env, **kwargs)

    def exoctl(self, *args: str, now: dt.datetime | None = None, **kwargs: Any) -> Result:
        env = {**self.env(now), **kwargs.pop("env", {})}
        return self.runner.exoctl(*args, env=env, **kwargs)

    def engine(self, command: str, *args: str, check: bool = True, **kwargs: Any) -> Run:
        """`pulumi <command>` with an event log, read back.

        `--event-log` is a debug flag: the CLI registers it only with
        PULUMI_DEBUG_COMMANDS=true (operations/preview.go), as the Automation API sets."""
        log = self.logs / f"{next(_sequence):03d}-{self.name}-{command.replace(' ', '-')}.jsonl"
        result = self.pulumi(
            *command.split(), "--event-log", str(log), *args, check=check, debug=True, **kwargs
        )
        return Run(result, read_events(log) if log.exists() else [])

    def preview(self, *args: str, policy: bool = True, **kwargs: Any) -> Run:
        pack = ("--policy-pack", POLICY_PACK) if policy else ()
        return self.engine("preview", *pack, *args, **kwargs)

    def up(self, *args: str, policy: bool = True, skip_preview: bool = True, **kwargs: Any) -> Run:
        """`pulumi up --yes`; --skip-preview by default, the way pipelines that ran a
        preview before run it (and twice as fast)."""
        pack = ("--policy-pack", POLICY_PACK) if policy else ()
        skip = ("--skip-preview",) if skip_preview else ()
        return self.engine("up", "--yes", *skip, *pack, *args, **kwargs)

    def init(self) -> None:
        if not self.initialized:
            self.runner.pulumi("stack", "init", self.name)
            self.initialized = True

    def config(self, key: str, value: str, path: bool = False, secret: bool = False) -> None:
        flags = [*(["--path"] if path else []), *(["--secret"] if secret else [])]
        self.pulumi("config", "set", *flags, key, value)

    def outputs(self, secrets: bool = False) -> dict[str, Any]:
        flags = ["--show-secrets"] if secrets else []
        return self.pulumi("stack", "output", "--json", *flags).json()

    def resources(self) -> list[dict[str, Any]]:
        state = self.pulumi("stack", "export").json()
        return list(state["deployment"].get("resources") or [])

    def advance(self, days: int) -> dt.datetime:
        self.now = self.now + dt.timedelta(days=days)
        return self.now

    def next_window(self) -> dt.datetime:
        """The first moment of the next rotation window, half a day in."""
        start = window_start(self.now, self.rotation_days) + dt.timedelta(days=self.rotation_days)
        self.now = dt.datetime(start.year, start.month, start.day, 12, tzinfo=dt.UTC)
        return self.now


def urns_of(run: Run, type_: str) -> list[str]:
    return [urn for urn in run.steps() if urn.split("::")[2].split("$")[-1] == type_]


def name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]
