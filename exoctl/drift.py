"""`exoctl drift`: tell drift, pending changes and a due rotation apart.

Two engine runs answer two questions (see README, "Drift"):
- `pulumi refresh --preview-only` compares the tenant with state: a changed or
  deleted resource there is *drift* (someone used the portal);
- `pulumi preview` compares state with the program: a change there is *pending*,
  or a *rotation* when it creates or retires a certificate generation
  (`exo:index:AppCertificate`), which the calendar asks for.

Recorded runs are read from engine event logs (JSON lines) or from the JSON
digest `--json` prints; live runs come through the Automation API.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exoctl.errors import EXIT_USAGE, ExoctlError
from exoctl.report import worst

GENERATION_TYPE = "exo:index:AppCertificate"
EVENT_KEYS = (
    "preludeEvent",
    "resourcePreEvent",
    "resOutputsEvent",
    "resOpFailedEvent",
    "diagnosticEvent",
    "policyEvent",
    "summaryEvent",
    "cancelEvent",
    "stdoutEvent",
    "progressEvent",
    "startDebuggingEvent",
)
REPLACEMENT_OPS = {"replace", "create-replacement", "delete-replaced"}
NO_CHANGE_OPS = {"same", "read", "refresh", "discard", "discard-replaced"}
KIND_TO_STATUS = {"drift": "drift", "pending": "pending", "rotation": "rotation_due"}


# ------------------------------------------------------------------ URNs


def urn_parts(urn: str) -> tuple[list[str], str]:
    """(type chain, name) of `urn:pulumi:<stack>::<project>::<a$b$type>::<name>`."""
    pieces = urn.split("::")
    if len(pieces) < 4:
        return [], urn
    return pieces[2].split("$"), "::".join(pieces[3:])


def urn_stack(urn: str) -> str:
    head = urn.split("::", 1)[0]
    return head.removeprefix("urn:pulumi:") if head.startswith("urn:pulumi:") else "-"


# ------------------------------------------------------------------ recordings


@dataclass
class Step:
    urn: str
    ops: set[str]
    refresh: bool
    properties: list[str] = field(default_factory=list)


@dataclass
class Recording:
    """What one engine run said, reduced to what classification needs."""

    steps: dict[tuple[str, bool], Step] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def stacks(self) -> list[str]:
        return sorted({urn_stack(urn) for urn, _ in self.steps}) or ["-"]

    def add(self, urn: str, op: str, refresh: bool, properties: Iterable[str]) -> None:
        step = self.steps.setdefault((urn, refresh), Step(urn, set(), refresh))
        step.ops.add(op)
        for prop in properties:
            if prop not in step.properties:
                step.properties.append(prop)


def _properties(metadata: dict[str, Any]) -> list[str]:
    detailed = metadata.get("detailedDiff") or {}
    if detailed:
        return sorted(detailed)
    return sorted(metadata.get("diffs") or metadata.get("diffReasons") or [])


def from_events(events: Iterable[dict[str, Any]]) -> Recording:
    """Engine events in the `--event-log` shape (one JSON object per event)."""
    recording = Recording()
    refreshing: set[str] = set()
    failed = False
    for event in events:
        if "resourcePreEvent" in event:
            metadata = event["resourcePreEvent"].get("metadata") or {}
            urn, op = metadata.get("urn", ""), metadata.get("op", "")
            if op == "refresh":
                refreshing.add(urn)  # its outcome comes with the outputs event
            else:
                recording.add(urn, op, False, _properties(metadata))
        elif "resOutputsEvent" in event:
            metadata = event["resOutputsEvent"].get("metadata") or {}
            urn, op = metadata.get("urn", ""), metadata.get("op", "")
            if urn in refreshing:
                refreshing.discard(urn)
                recording.add(urn, op, True, _properties(metadata))
            else:
                recording.add(urn, op, False, _properties(metadata))
        elif "resOpFailedEvent" in event:
            metadata = event["resOpFailedEvent"].get("metadata") or {}
            recording.errors.append(f"{metadata.get('urn', 'a resource')}: the operation failed")
        elif "diagnosticEvent" in event:
            diagnostic = event["diagnosticEvent"]
            if diagnostic.get("severity") == "error":
                recording.errors.append(_clean(diagnostic.get("message", "")))
        elif "summaryEvent" in event and event["summaryEvent"].get("result") == "failed":
            failed = True
    if failed and not recording.errors:
        recording.errors.append("the engine reported the run as failed")
    return recording


def _clean(message: str) -> str:
    text = " ".join(message.split())
    return text or "the engine reported an error"


def from_engine_events(events: Iterable[Any]) -> Recording:
    """Automation API EngineEvent objects, mapped back to the log's shape."""

    def metadata(meta: Any) -> dict[str, Any]:
        return {
            "op": getattr(meta.op, "value", meta.op),
            "urn": meta.urn,
            "diffs": list(meta.diffs or []),
            "detailedDiff": {key: {} for key in meta.detailed_diff or {}},
        }

    def as_dict(event: Any) -> dict[str, Any]:
        if event.resource_pre_event:
            return {"resourcePreEvent": {"metadata": metadata(event.resource_pre_event.metadata)}}
        if event.res_outputs_event:
            return {"resOutputsEvent": {"metadata": metadata(event.res_outputs_event.metadata)}}
        if event.res_op_failed_event:
            failed = metadata(event.res_op_failed_event.metadata)
            return {"resOpFailedEvent": {"metadata": failed}}
        if event.diagnostic_event:
            diagnostic = event.diagnostic_event
            return {
                "diagnosticEvent": {"severity": diagnostic.severity, "message": diagnostic.message}
            }
        return {}

    return from_events(as_dict(event) for event in events)


def from_digest(document: dict[str, Any], refresh: bool | None) -> Recording:
    """The digest `pulumi preview --json` / `pulumi refresh --preview-only --json` prints."""
    steps = document.get("steps") or []
    if refresh is None:
        # Unchanged resources keep op "refresh" in a refresh digest.
        refresh = any(step.get("op") == "refresh" for step in steps)
    recording = Recording()
    for step in steps:
        recording.add(step.get("urn", ""), step.get("op", ""), refresh, _properties(step))
    for diagnostic in document.get("diagnostics") or []:
        if diagnostic.get("severity") == "error":
            recording.errors.append(_clean(diagnostic.get("message", "")))
    return recording


def load_recording(path: Path, kind: str | None) -> Recording:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise ExoctlError(f"cannot read --from {path}: {reason}", EXIT_USAGE) from None
    refresh = None if kind is None else kind == "refresh"
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        first = json.loads(lines[0]) if lines else None
    except json.JSONDecodeError:
        first = None
    if isinstance(first, dict) and any(key in first for key in EVENT_KEYS):
        events = []
        for number, line in enumerate(lines, start=1):
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                raise ExoctlError(
                    f"--from {path}: line {number} of the event log is not JSON", EXIT_USAGE
                ) from None
        if refresh is not None:
            # Forced kind: treat every step of the log as that kind.
            recording = from_events(events)
            for step in recording.steps.values():
                step.refresh = refresh
            return recording
        return from_events(events)
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    if isinstance(document, dict) and ("steps" in document or "changeSummary" in document):
        return from_digest(document, refresh)
    raise ExoctlError(
        f"--from {path} is neither an engine event log (JSON lines) nor a preview digest "
        "(`pulumi preview --json`)",
        EXIT_USAGE,
    )


# ------------------------------------------------------------------ classification


def _final_op(ops: set[str]) -> str | None:
    changed = ops - NO_CHANGE_OPS
    if not changed:
        return None
    if changed & REPLACEMENT_OPS:
        return "replace"
    for op in ("create", "delete", "update", "import"):
        if op in changed:
            return op
    return sorted(changed)[0]


def classify(recording: Recording, stack: str | None = None) -> list[dict[str, Any]]:
    changes = []
    for step in recording.steps.values():
        op = _final_op(step.ops)
        if op is None:
            continue
        chain, name = urn_parts(step.urn)
        if step.refresh:
            kind = "drift"
        elif op in ("create", "delete") and GENERATION_TYPE in chain:
            kind = "rotation"
        else:
            kind = "pending"
        changes.append(
            {
                "stack": stack or urn_stack(step.urn),
                "urn": step.urn,
                "type": chain[-1] if chain else "",
                "name": name,
                "op": op,
                "kind": kind,
                "properties": step.properties,
            }
        )
    order = {"drift": 0, "pending": 1, "rotation": 2}
    return sorted(changes, key=lambda c: (c["stack"], order[c["kind"]], c["urn"]))


@dataclass
class StackResult:
    stack: str
    changes: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return worst(KIND_TO_STATUS[c["kind"]] for c in self.changes)

    def summary(self) -> dict[str, Any]:
        counts = {kind: sum(c["kind"] == kind for c in self.changes) for kind in KIND_TO_STATUS}
        return {
            "stack": self.stack,
            "status": self.status,
            **counts,
            "warnings": self.warnings,
            "errors": self.errors,
        }


def result_from_recordings(stack: str, *recordings: Recording) -> StackResult:
    result = StackResult(stack)
    for recording in recordings:
        result.changes += classify(recording, stack)
        result.errors += recording.errors
    return result


# ------------------------------------------------------------------ live


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


def check_stack(project_dir: Path, stack: str, warn_days: int, now: dt.datetime) -> StackResult:
    from pulumi import automation as auto

    from exoctl import automation

    try:
        selected = automation.select_stack(project_dir, stack)
    except ExoctlError as error:
        return StackResult(stack, errors=[str(error)])
    recordings: list[Recording] = []
    failures: list[str] = []
    for label, run in (
        ("refresh --preview-only", selected.preview_refresh),
        ("preview", selected.preview),
    ):
        events: list[Any] = []
        try:
            run(on_event=events.append)
        except auto.errors.CommandError as error:
            failures.append(str(automation.pulumi_failure(error, f"pulumi {label}")))
        except RuntimeError as error:  # the SDK's "summary event never found"
            failures.append(f"pulumi {label}: {error}")
        recordings.append(from_engine_events(events))
    result = result_from_recordings(stack, *recordings)
    result.errors += failures
    if not failures:
        try:
            outputs = {key: value.value for key, value in selected.outputs().items()}
        except auto.errors.CommandError as error:
            result.errors.append(str(automation.pulumi_failure(error, "pulumi stack output")))
        else:
            warning = certificate_warning(outputs, warn_days, now)
            if warning:
                result.warnings.append(warning)
    return result


class Progress:
    """A live spinner on a terminal; plain lines elsewhere. Writes to stderr."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.lock = threading.Lock()
        self.rich = None
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress as RichProgress

            # stderr, so a terminal run with --json still prints only JSON on stdout
            self.rich = RichProgress(console=Console(file=sys.stderr), transient=True)
            self.task = self.rich.add_task("checking stacks", total=total)
            self.rich.start()

    def started(self, stack: str) -> None:
        if self.rich is None:
            print(f"drift: checking {stack}", file=sys.stderr, flush=True)

    def finished(self, result: StackResult) -> None:
        with self.lock:
            self.done += 1
            if self.rich is not None:
                self.rich.update(
                    self.task, advance=1, description=f"{result.stack}: {result.status}"
                )
            else:
                print(
                    f"drift: {result.stack}: {result.status} ({self.done}/{self.total})",
                    file=sys.stderr,
                    flush=True,
                )

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


# ------------------------------------------------------------------ the report


def document(results: Sequence[StackResult]) -> dict[str, Any]:
    return {
        "status": worst(result.status for result in results),
        "changes": [change for result in results for change in result.changes],
        "stacks": [result.summary() for result in results],
        "warnings": [f"{r.stack}: {w}" for r in results for w in r.warnings],
        "errors": [f"{r.stack}: {e}" for r in results for e in r.errors],
    }
