"""What one engine run said: engine event logs and preview digests, read as Pulumi writes them.

Formats (pulumi/pulumi):
- the event log `--event-log FILE` writes and the Automation API reads: one
  `apitype.EngineEvent` JSON object per line (sdk/go/common/apitype/events.go),
  or a JSON batch `{"events": [...]}` as the service receives them;
- the same events as Pulumi Cloud exports them (its REST API's engine events, a
  Deployments drift run's events), per line or as a `{"events": [...]}` page: each
  carries a `type` naming its payload and a `timestamp`, and no `sequence` (the REST
  API's EngineEvent schema: "event[event.type] is never undefined/null");
- the digest `pulumi preview --json` / `pulumi refresh --preview-only --json`
  prints (`display.PreviewDigest`, pkg/display/json.go, built by
  ShowPreviewDigest in pkg/backend/display/json.go).

The format is told from the whole file, never from its first line: a run with
`--policy-pack` starts with `policyLoadEvent` before the prelude.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exoctl.errors import EXIT_USAGE, ExoctlError

# Every event an EngineEvent can carry (sdk/go/common/apitype/events.go).
ENGINE_EVENT_KEYS = frozenset(
    {
        "cancelEvent",
        "stdoutEvent",
        "diagnosticEvent",
        "preludeEvent",
        "summaryEvent",
        "resourcePreEvent",
        "resOutputsEvent",
        "resOpFailedEvent",
        "policyEvent",
        "policyRemediationEvent",
        "policyLoadEvent",
        "policyAnalyzeSummaryEvent",
        "policyRemediateSummaryEvent",
        "policyAnalyzeStackSummaryEvent",
        "startDebuggingEvent",
        "progressEvent",
        "errorEvent",
    }
)
# The CLI writes sequence and timestamp; Pulumi Cloud timestamp and type.
_ENVELOPE_KEYS = {"sequence", "timestamp", "type"}
DIGEST_KEYS = frozenset(
    {"config", "steps", "diagnostics", "duration", "changeSummary", "maybeCorrupt"}
)
# Ops that change nothing (pkg/resource/deploy/step.go); a refresh step's outcome
# arrives as the op of its outputs event.
NO_CHANGE_OPS = frozenset({"same", "read", "refresh", "discard", "discard-replaced"})
# apitype.OperationResult.
SUCCEEDED = "succeeded"

# The engine's colour directives, e.g. <{%reset%}> and <{%fg 1%}> (sdk/go/common/diag/colors).
_COLOUR = re.compile(r"<\{%[^%]*%\}>")


def urn_parts(urn: str) -> tuple[list[str], str]:
    """(type chain, name) of `urn:pulumi:<stack>::<project>::<a$b$type>::<name>`."""
    pieces = urn.split("::")
    if len(pieces) < 4:
        return [], urn
    return pieces[2].split("$"), "::".join(pieces[3:])


def urn_stack(urn: str) -> str:
    """The stack a URN names, or "-" for anything that is not a Pulumi URN."""
    head = urn.split("::", 1)[0]
    return head.removeprefix("urn:pulumi:") if head.startswith("urn:pulumi:") else "-"


def clean(message: object) -> str:
    """One line of plain text: colour tags gone, whitespace folded."""
    text = " ".join(_COLOUR.sub("", str(message or "")).split())
    return text or "the engine reported an error"


@dataclass
class Step:
    urn: str
    ops: set[str]
    refresh: bool
    properties: list[str] = field(default_factory=list)


@dataclass
class Unitemized:
    """Changes a digest's changeSummary counts but no step shows (legacy diff)."""

    op: str
    count: int
    refresh: bool


@dataclass
class Recording:
    """What one engine run said, reduced to what classification needs."""

    steps: dict[tuple[str, bool], Step] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    applied: bool = False
    """The run was `pulumi up` (or a refresh that wrote state), not a preview."""
    unitemized: list[Unitemized] = field(default_factory=list)
    urns: list[str] = field(default_factory=list)
    """Every URN the run mentioned, steps or not (policy events name theirs)."""

    def stacks(self) -> list[str]:
        return sorted({urn_stack(urn) for urn in [*self.urns, *(u for u, _ in self.steps)]}) or [
            "-"
        ]

    def add(self, urn: str, op: str, refresh: bool, properties: Iterable[str]) -> None:
        step = self.steps.setdefault((urn, refresh), Step(urn, set(), refresh))
        step.ops.add(op)
        for prop in properties:
            if prop not in step.properties:
                step.properties.append(prop)

    def diagnostic(self, diagnostic: dict[str, Any]) -> None:
        """An engine diagnostic (event or digest entry): errors fail, warnings are noted."""
        prefix = f"{diagnostic['urn']}: " if diagnostic.get("urn") else ""
        if diagnostic.get("severity") == "error":
            self.errors.append(prefix + clean(diagnostic.get("message")))
        elif diagnostic.get("severity") == "warning":
            self.warnings.append(prefix + clean(diagnostic.get("message")))

    def mention(self, urn: str) -> None:
        if urn and urn not in self.urns:
            self.urns.append(urn)


def _properties(metadata: dict[str, Any]) -> list[str]:
    detailed = metadata.get("detailedDiff") or {}
    if detailed:
        return sorted(detailed)
    return sorted(metadata.get("diffs") or metadata.get("diffReasons") or [])


def _policy_subject(event: dict[str, Any]) -> str:
    pack = event.get("policyPackName") or "?"
    version = event.get("policyPackVersion")
    return f"policy pack {pack}{f' {version}' if version else ''}: {event.get('policyName', '?')}"


def from_events(events: Iterable[dict[str, Any]]) -> Recording:
    """Engine events in the `--event-log` shape (one JSON object per event).

    Steps are tracked per event: after a failed replace, state holds pending-delete
    copies of a URN and a refresh emits a pre/outputs pair for each copy.
    """
    recording = Recording()
    refreshing: Counter[str] = Counter()
    for event in events:
        if "resourcePreEvent" in event:
            metadata = event["resourcePreEvent"].get("metadata") or {}
            urn, op = metadata.get("urn", ""), metadata.get("op", "")
            recording.mention(urn)
            if op == "refresh":
                refreshing[urn] += 1  # its outcome comes with an outputs event
            else:
                recording.add(urn, op, False, _properties(metadata))
        elif "resOutputsEvent" in event:
            metadata = event["resOutputsEvent"].get("metadata") or {}
            urn, op = metadata.get("urn", ""), metadata.get("op", "")
            refresh = refreshing[urn] > 0
            if refresh:
                refreshing[urn] -= 1
            recording.add(urn, op, refresh, _properties(metadata))
        elif "resOpFailedEvent" in event:
            metadata = event["resOpFailedEvent"].get("metadata") or {}
            recording.mention(metadata.get("urn", ""))
            recording.errors.append(
                f"{metadata.get('urn') or 'a resource'}: the {metadata.get('op') or ''} step "
                "failed".replace("the  step", "the step")
            )
        elif "diagnosticEvent" in event:
            recording.diagnostic(event["diagnosticEvent"])
        elif "policyEvent" in event:
            policy = event["policyEvent"]
            recording.mention(policy.get("resourceUrn", ""))
            level = policy.get("enforcementLevel", "")
            line = (
                f"{_policy_subject(policy)} ({level}) on {policy.get('resourceUrn') or 'the stack'}"
                f": {clean(policy.get('message'))}"
            )
            if level == "mandatory":
                recording.errors.append(line)
            elif level != "disabled":
                recording.warnings.append(line)
        elif "policyRemediationEvent" in event:
            remedy = event["policyRemediationEvent"]
            recording.mention(remedy.get("resourceUrn", ""))
            recording.warnings.append(
                f"{_policy_subject(remedy)} (remediate) changed the inputs of "
                f"{remedy.get('resourceUrn') or 'a resource'}"
            )
        elif "errorEvent" in event:
            recording.errors.append(clean(event["errorEvent"].get("error")))
        elif "summaryEvent" in event:
            _summary(recording, event["summaryEvent"])
    return recording


def _summary(recording: Recording, summary: dict[str, Any]) -> None:
    result = summary.get("result", SUCCEEDED)
    # A failed run's own errors say why; a run that failed silently, or was
    # cancelled, says so here.
    if result != SUCCEEDED and (result != "failed" or not recording.errors):
        recording.errors.append(f"the engine reported the run as {result}")
    if summary.get("maybeCorrupt"):
        recording.errors.append(
            "the engine reported that state may be corrupt (maybeCorrupt): a resource "
            "operation stopped midway; run `pulumi refresh` and check the stack"
        )
    if summary.get("isPreview") is False:
        recording.applied = True


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def from_engine_events(events: Iterable[Any]) -> Recording:
    """Automation API EngineEvent objects, read back into the log's shape.

    The SDK's event classes (pulumi.automation.events) mirror apitype's JSON field
    for field, snake_case for camelCase, so each event converts back by its own
    attributes; what the SDK drops (errorEvent, a summary's isPreview and result)
    stays absent, as from_events expects of an older log.
    """
    from enum import Enum

    from pulumi.automation.events import BaseEvent

    def as_json(value: Any) -> Any:
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, BaseEvent):
            return {
                _camel(key): as_json(item) for key, item in vars(value).items() if item is not None
            }
        if isinstance(value, dict):
            return {key: as_json(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [as_json(item) for item in value]
        return value

    return from_events(as_json(event) for event in events)


def from_digest(document: dict[str, Any], refresh: bool | None) -> Recording:
    """The digest `pulumi preview --json` / `pulumi refresh --preview-only --json` prints."""
    steps = document.get("steps") or []
    if refresh is None:
        # ShowPreviewDigest keeps a refreshed resource's step at op "refresh" unless it
        # changed with a detailed diff: unchanged resources stay "refresh".
        refresh = any(step.get("op") == "refresh" for step in steps)
    recording = Recording()
    itemized: Counter[str] = Counter()
    for step in steps:
        op = step.get("op", "")
        recording.add(step.get("urn", ""), op, refresh, _properties(step))
        itemized[op] += 1
    for diagnostic in document.get("diagnostics") or []:
        recording.diagnostic(diagnostic)
    if document.get("maybeCorrupt"):
        recording.errors.append(
            "the digest reports that state may be corrupt (maybeCorrupt): run `pulumi "
            "refresh` and check the stack"
        )
    # A legacy-diff update leaves its step at "refresh", yet changeSummary counts it:
    # a digest whose summary counts a change is never in sync.
    for op, count in sorted((document.get("changeSummary") or {}).items()):
        if op in NO_CHANGE_OPS or not isinstance(count, int):
            continue
        missing = count - itemized[op]
        if missing > 0:
            recording.unitemized.append(Unitemized(op, missing, refresh))
    return recording


def _engine_event(event: object) -> dict[str, Any] | str:
    """The event in the CLI's shape (`{<payload key>: {...}}`), or why it is not one."""
    if not isinstance(event, dict):
        return f"is not an engine event ({type(event).__name__})"
    if not (set(event) - _ENVELOPE_KEYS) <= ENGINE_EVENT_KEYS:
        return f"is not an engine event ({', '.join(sorted(event))})"
    if "type" not in event:
        return event
    kind = event["type"]
    if kind not in ENGINE_EVENT_KEYS:
        return f"has type {kind!r}, which is no engine event type"
    if not isinstance(event.get(kind), dict):
        return f"has type {kind} but no {kind} object"
    return {kind: event[kind]}


def _events_from_text(text: str) -> list[dict[str, Any]] | None:
    """Every event if the text is an event log (JSON lines or a batch), else None."""
    stripped = text.strip()
    if stripped.startswith("{") and '"events"' in stripped[:200]:
        try:
            batch = json.loads(stripped)
        except json.JSONDecodeError:
            batch = None
        if isinstance(batch, dict) and isinstance(batch.get("events"), list):
            read = []
            for number, item in enumerate(batch["events"], start=1):
                event = _engine_event(item)
                if isinstance(event, str):
                    raise ExoctlError(f"event {number} of the batch {event}", EXIT_USAGE)
                read.append(event)
            return read
    events: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            if events:
                raise ExoctlError(
                    f"line {number} of the event log is not JSON", EXIT_USAGE
                ) from None
            return None
        event = _engine_event(event)
        if isinstance(event, str):
            if events:
                raise ExoctlError(f"line {number} of the event log {event}", EXIT_USAGE)
            return None
        events.append(event)
    return events if any(set(e) & ENGINE_EVENT_KEYS for e in events) else None


def load_recording(path: Path, kind: str | None) -> Recording:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not UTF-8 text"
        raise ExoctlError(f"cannot read --from {path}: {reason}", EXIT_USAGE) from None
    refresh = None if kind is None else kind == "refresh"
    events = _events_from_text(text)
    if events is not None:
        recording = from_events(events)
        if refresh is not None:
            # Forced kind: every step of the log is that kind.
            for step in recording.steps.values():
                step.refresh = refresh
        return recording
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        document = None
    if isinstance(document, dict) and set(document) & DIGEST_KEYS:
        return from_digest(document, refresh)
    raise ExoctlError(
        f"--from {path} is neither an engine event log (`--event-log`, or Pulumi Cloud's "
        "engine events export: JSON lines or an events page) nor a digest "
        "(`pulumi preview --json`)",
        EXIT_USAGE,
    )
