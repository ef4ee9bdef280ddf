"""The Pulumi Automation API, created lazily and injectable.

`PulumiCommand()` runs `pulumi version` when it is built, so nothing here touches
the CLI until a command needs it; tests replace `make_pulumi_command` with a
fake that speaks the CLI's real output formats.
"""

from __future__ import annotations

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

    command = make_pulumi_command()
    try:
        workspace = auto.LocalWorkspace(work_dir=str(project_dir), pulumi_command=command)
        return auto.Stack.select(stack, workspace)
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
