"""A fake Pulumi CLI for Automation API code, as Pulumi's own SDK tests do.

`FakePulumiCommand` subclasses `PulumiCommand` without running `pulumi version`.
Each call is answered by the first scripted `Reply` whose `match` words all
appear in the argument list; events are written as JSON lines to the file
after `--event-log`, which is how CLIs up to 3.205 hand events to the SDK.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi.automation import CommandResult, PulumiCommand
from pulumi.automation.errors import create_command_error
from semver import VersionInfo


@dataclass
class Reply:
    match: tuple[str, ...]
    stdout: str = ""
    stderr: str = ""
    code: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    hook: Callable[[list[str]], None] | None = None
    seconds: float = 0.0
    """How long the command takes (an engine run takes seconds)."""


class FakePulumiCommand(PulumiCommand):
    def __init__(self, replies: list[Reply], version: str = "3.205.0") -> None:
        # Deliberately no super().__init__: that runs the real `pulumi version`.
        self.command = "pulumi"
        self.version = VersionInfo.parse(version)
        self.replies = replies
        self.calls: list[list[str]] = []
        self.timings: list[tuple[list[str], float, float]] = []
        """(args, start, end) per call, monotonic clock: to see what overlapped."""
        self._lock = threading.Lock()

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Callable[[str], Any] | None = None,
        on_error: Callable[[str], Any] | None = None,
    ) -> CommandResult:
        started = time.monotonic()
        with self._lock:
            self.calls.append(list(args))
        for reply in self.replies:
            if all(word in args for word in reply.match):
                break
        else:
            raise AssertionError(f"the fake CLI has no reply for: pulumi {' '.join(args)}")
        if reply.hook:
            reply.hook(args)
        if reply.seconds:
            time.sleep(reply.seconds)
        if "--event-log" in args and reply.events:
            path = args[args.index("--event-log") + 1]
            with open(path, "w", encoding="utf-8") as log:
                for sequence, event in enumerate(reply.events):
                    log.write(json.dumps({"sequence": sequence, "timestamp": 1763800000, **event}))
                    log.write("\n")
        if on_output and reply.stdout:
            on_output(reply.stdout)
        result = CommandResult(stdout=reply.stdout, stderr=reply.stderr, code=reply.code)
        with self._lock:
            self.timings.append((list(args), started, time.monotonic()))
        if reply.code != 0:
            raise create_command_error(result)
        return result


def stack_select_reply() -> Reply:
    return Reply(("stack", "select"))


def stack_output_replies(outputs: dict[str, Any], secret_keys: set[str]) -> list[Reply]:
    """`pulumi stack output --json` masks secrets; `--show-secrets` prints them."""
    masked = {k: ("[secret]" if k in secret_keys else v) for k, v in outputs.items()}
    return [
        Reply(("stack", "output", "--show-secrets"), stdout=json.dumps(outputs)),
        Reply(("stack", "output", "--json"), stdout=json.dumps(masked)),
    ]


def stack_replies(
    stack: str,
    refresh_events: list[dict[str, Any]],
    preview_events: list[dict[str, Any]],
    outputs: dict[str, Any],
    secret_keys: set[str] = frozenset(),  # type: ignore[assignment]
    engine_seconds: float = 0.0,
    cli_seconds: float = 0.0,
) -> list[Reply]:
    """What the CLI answers for one stack of a fleet: the two read-only engine runs
    (each taking `engine_seconds`) and its outputs (`cli_seconds`, like any CLI start)."""
    return [
        Reply(("stack", "select", stack), seconds=cli_seconds),
        Reply(
            ("refresh", "--preview-only", "--stack", stack),
            events=refresh_events,
            seconds=engine_seconds,
        ),
        Reply(("preview", "--stack", stack), events=preview_events, seconds=engine_seconds),
        *[
            Reply((*reply.match, "--stack", stack), stdout=reply.stdout, seconds=cli_seconds)
            for reply in stack_output_replies(outputs, set(secret_keys))
        ],
    ]
