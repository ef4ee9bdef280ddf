"""Live drift checks of many stacks through the Automation API, fast.

Per stack, three read-only CLI calls run at once: `pulumi refresh --preview-only`
(drift), `pulumi preview` (pending and rotation) and `pulumi stack output --json`
(the certificate's end date). Neither preview writes state or takes the update
lock, so they need not wait for each other. One PulumiCommand (one `pulumi
version`) and one workspace serve every stack, and no `pulumi stack select` runs:
every call names its stack with `--stack`, so threads never race on the
workspace's selected stack.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from exoctl.drift.classify import StackResult, result_from_recordings
from exoctl.drift.formats import Recording, from_engine_events
from exoctl.errors import ExoctlError


def certificate_warning(outputs: dict[str, Any], warn_days: int, now: dt.datetime) -> str | None:
    not_after = outputs.get("certificateNotAfter")
    if not isinstance(not_after, str):
        return None
    try:
        end = dt.datetime.fromisoformat(not_after.replace("Z", "+00:00"))
    except ValueError:
        return f"certificateNotAfter {not_after!r} is not a timestamp"
    left = end - now
    if left < dt.timedelta(days=warn_days):
        return (
            f"the active certificate expires {end:%Y-%m-%d} ({left.days} days left, "
            f"warning below {warn_days}): run `pulumi up` so the rotation can proceed"
        )
    return None


def _engine_run(label: str, run: Callable[..., Any]) -> tuple[Recording, str | None]:
    from pulumi import automation as auto

    from exoctl import automation

    events: list[Any] = []
    failure = None
    try:
        run(on_event=events.append)
    except auto.errors.StackNotFoundError:
        failure = "the stack does not exist in this backend"
    except auto.errors.CommandError as error:
        failure = str(automation.pulumi_failure(error, f"pulumi {label}"))
    except RuntimeError as error:  # the SDK's "summary event never found"
        failure = f"pulumi {label}: {error}"
    return from_engine_events(events), failure


def check_stack(project_dir: Path, stack: str, warn_days: int, now: dt.datetime) -> StackResult:
    from exoctl import automation

    try:
        handle = automation.stack_handle(project_dir, stack)
    except ExoctlError as error:
        return StackResult(stack, errors=[str(error)])
    with ThreadPoolExecutor(max_workers=3) as pool:
        refresh = pool.submit(_engine_run, "refresh --preview-only", handle.preview_refresh)
        preview = pool.submit(_engine_run, "preview", handle.preview)
        outputs = pool.submit(automation.plain_stack_outputs, project_dir, stack)
        runs = [refresh.result(), preview.result()]
    result = result_from_recordings(stack, *(recording for recording, _ in runs))
    failures = [failure for _, failure in runs if failure]
    result.errors += list(dict.fromkeys(failures))
    if not failures:
        try:
            warning = certificate_warning(outputs.result(), warn_days, now)
        except ExoctlError as error:
            result.errors.append(str(error))
        else:
            if warning:
                result.warnings.append(warning)
    return result


class Progress:
    """A live bar on a terminal; plain lines elsewhere. Writes to stderr.

    Each plain line is written whole, in one call, under the lock, so lines from
    different threads never run into each other.
    """

    def __init__(self, total: int, stream: Any = None) -> None:
        self.total = total
        self.done = 0
        self.stream = stream or sys.stderr
        self.lock = threading.Lock()
        self.rich = None
        if self.stream.isatty():
            from rich.console import Console
            from rich.progress import Progress as RichProgress

            # stderr, so a terminal run with --json still prints only JSON on stdout
            self.rich = RichProgress(console=Console(file=self.stream), transient=True)
            self.task = self.rich.add_task("checking stacks", total=total)
            self.rich.start()

    def _line(self, text: str) -> None:
        with self.lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def started(self, stack: str) -> None:
        if self.rich is None:
            self._line(f"drift: checking {stack}")

    def finished(self, result: StackResult) -> None:
        with self.lock:
            self.done += 1
            done = self.done
        if self.rich is not None:
            self.rich.update(self.task, advance=1, description=f"{result.stack}: {result.status}")
        else:
            self._line(f"drift: {result.stack}: {result.status} ({done}/{self.total})")

    def close(self) -> None:
        if self.rich is not None:
            self.rich.stop()


def check_stacks(
    project_dir: Path, stacks: Sequence[str], parallel: int, warn_days: int, now: dt.datetime
) -> list[StackResult]:
    progress = Progress(len(stacks))

    def one(stack: str) -> StackResult:
        progress.started(stack)
        result = check_stack(project_dir, stack, warn_days, now)
        progress.finished(result)
        return result

    try:
        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            return list(pool.map(one, stacks))
    finally:
        progress.close()
