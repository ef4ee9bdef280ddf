"""The Pulumi Automation API, created lazily, once, and injectable.

`PulumiCommand()` runs `pulumi version` when it is built, so nothing here touches
the CLI until a command needs it, and then builds one command for the whole
process; tests replace `make_pulumi_command` with a fake that speaks the CLI's
real output formats.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from exoctl.errors import EXIT_USAGE, ExoctlError

if TYPE_CHECKING:
    from pulumi import automation as auto


def _real_pulumi_command() -> auto.PulumiCommand:
    from pulumi import automation as auto

    try:
        return auto.PulumiCommand()
    except FileNotFoundError:
        raise ExoctlError(
            "the Pulumi CLI is not installed or not on PATH (needed for --stack; "
            "see README, 'Deploy to a real tenant')",
            EXIT_USAGE,
        ) from None


make_pulumi_command: Callable[[], auto.PulumiCommand] = _real_pulumi_command

_lock = threading.Lock()
_built: dict[str, Any] = {}


def pulumi_command() -> auto.PulumiCommand:
    """One command per process (per factory, so tests that swap the factory get theirs)."""
    with _lock:
        if _built.get("factory") is not make_pulumi_command:
            _built.clear()
            _built["command"] = make_pulumi_command()
            _built["factory"] = make_pulumi_command
        return _built["command"]


def workspace(project_dir: Path) -> auto.LocalWorkspace:
    """One workspace per project directory, shared by every stack checked."""
    from pulumi import automation as auto

    command = pulumi_command()
    with _lock:
        key = ("workspace", str(project_dir), id(command))
        if key not in _built:
            _built[key] = auto.LocalWorkspace(work_dir=str(project_dir), pulumi_command=command)
        return _built[key]


def first_line(text: str) -> str:
    """The CLI's own `error: …` text; CommandError's message wraps it in code/stdout/stderr."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        position = line.lower().find("error:")
        if position >= 0 and line[position + len("error:") :].strip():
            return line[position + len("error:") :].strip()
    wrapper = ("code:", "stdout:", "stderr:")
    meaningful = [line for line in lines if not line.startswith(wrapper)]
    return (meaningful or lines or ["no output"])[0]


def pulumi_failure(error: Exception, doing: str) -> ExoctlError:
    """One line from a CLI failure: the CLI's own `error:` line when it printed one."""
    return ExoctlError(f"{doing} failed: {first_line(str(error))}", EXIT_USAGE)


def select_stack(project_dir: Path, stack: str) -> auto.Stack:
    from pulumi import automation as auto

    try:
        return auto.Stack.select(stack, workspace(project_dir))
    except auto.errors.StackNotFoundError:
        raise ExoctlError(f"stack {stack!r} does not exist in this backend", EXIT_USAGE) from None
    except auto.errors.CommandError as error:
        raise pulumi_failure(error, f"selecting stack {stack!r}") from None


def stack_outputs(project_dir: Path, stack: str) -> dict[str, Any]:
    """Plain values of the stack's outputs, secrets included (they stay in memory)."""
    from pulumi import automation as auto

    selected = select_stack(project_dir, stack)
    try:
        outputs = selected.outputs()
    except auto.errors.CommandError as error:
        raise pulumi_failure(error, f"reading outputs of stack {stack!r}") from None
    return {key: value.value for key, value in outputs.items()}


def stack_handle(project_dir: Path, stack: str) -> auto.Stack:
    """A Stack that runs `pulumi stack select` never: every call passes `--stack`.

    `Stack.select` would write the workspace's selected stack, which threads
    checking many stacks at once would race on. A stack that does not exist is
    reported by the first command run against it.
    """
    from pulumi import automation as auto
    from pulumi.automation._stack import StackInitMode

    class _Named(auto.Stack):
        def __init__(self, name: str, ws: auto.Workspace) -> None:
            self.name = name
            self.workspace = ws
            self._mode = StackInitMode.SELECT

    try:
        return _Named(stack, workspace(project_dir))
    except auto.errors.CommandError as error:
        raise pulumi_failure(error, f"opening stack {stack!r}") from None


def plain_stack_outputs(project_dir: Path, stack: str) -> dict[str, Any]:
    """`pulumi stack output --json`, one call: secrets stay "[secret]" and unread."""
    from pulumi import automation as auto

    ws = workspace(project_dir)
    try:
        result = ws.pulumi_command.run(
            ["stack", "output", "--json", "--stack", stack], ws.work_dir, dict(ws.env_vars)
        )
    except auto.errors.CommandError as error:
        raise pulumi_failure(error, f"reading outputs of stack {stack!r}") from None
    try:
        document = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        raise ExoctlError(f"pulumi stack output of {stack!r} printed no JSON", EXIT_USAGE) from None
    return document if isinstance(document, dict) else {}
