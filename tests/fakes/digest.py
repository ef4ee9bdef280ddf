"""`pulumi preview --json` digests made from recorded engine events, the way the CLI makes them.

A line-by-line port of `ShowPreviewDigest` (pulumi/pulumi pkg/backend/display/json.go,
commit 1b5949891b3cefcb9974752b24a5ecef0acc86c8, Apache-2.0) with `shouldShow` and
`isRootStack` (pkg/backend/display/display.go), applied to events in the `--event-log`
shape. pulumi/pulumi keeps no recorded digest files, so the digest tests run this port
on the recorded event streams in tests/fixtures/pulumi-events/.

Kept from the Go code, on purpose: a refreshed resource's step is replaced by its
outputs step only for a delete, or an update *with* a detailed diff; a legacy-diff
update stays op "refresh" while the summary counts it.
"""

from __future__ import annotations

import re
from typing import Any

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
_REPLACEMENT_STEPS = {"create-replacement", "delete-replaced", "replace", "discard-replaced"}
_COLOUR = re.compile(r"<\{%[^%]*%\}>")


def _never_colour(text: str) -> str:
    return _COLOUR.sub("", text)


def _is_root_stack(metadata: dict[str, Any]) -> bool:
    urn = metadata.get("urn", "")
    return bool(urn) and urn.split("::")[2].split("$")[-1] == ROOT_STACK_TYPE


def _should_show(metadata: dict[str, Any], show_sames: bool) -> bool:
    if metadata.get("op") == "same":
        old, new = metadata.get("old") or {}, metadata.get("new") or {}
        if old.get("protect") != new.get("protect"):
            return True
        return show_sames
    # JSON display without ShowReplacementSteps hides non-logical replacement steps.
    return not (not metadata.get("logical") and metadata.get("op") in _REPLACEMENT_STEPS)


def _step(metadata: dict[str, Any]) -> dict[str, Any]:
    detailed = metadata.get("detailedDiff")
    step: dict[str, Any] = {
        "op": metadata.get("op"),
        "urn": metadata.get("urn"),
        "detailedDiff": None
        if detailed is None
        else {
            path: {"kind": diff.get("diffKind"), "inputDiff": bool(diff.get("inputDiff"))}
            for path, diff in detailed.items()
        },
    }
    if metadata.get("provider"):
        step["provider"] = metadata["provider"]
    if metadata.get("diffs"):
        step["diffReasons"] = metadata["diffs"]
    if metadata.get("keys"):
        step["replaceReasons"] = metadata["keys"]
    if metadata.get("old"):
        step["oldState"] = metadata["old"]
    if metadata.get("new"):
        step["newState"] = metadata["new"]
    return step


def preview_digest(events: list[dict[str, Any]], show_sames: bool = False) -> dict[str, Any]:
    digest: dict[str, Any] = {}
    seen: dict[str, dict[str, Any]] = {}
    steps: list[dict[str, Any]] = []
    diagnostics: list[dict[str, Any]] = []
    for event in events:
        if "cancelEvent" in event:
            break
        if "preludeEvent" in event:
            digest["config"] = event["preludeEvent"].get("config") or {}
        elif "diagnosticEvent" in event:
            payload = event["diagnosticEvent"]
            if not payload.get("ephemeral") and payload.get("severity") != "debug":
                entry = {
                    "message": _never_colour(
                        payload.get("prefix", "") + payload.get("message", "")
                    ),
                    "severity": payload.get("severity"),
                }
                if payload.get("urn"):
                    entry["urn"] = payload["urn"]
                diagnostics.append(entry)
        elif "stdoutEvent" in event:
            message = _never_colour(event["stdoutEvent"].get("message", ""))
            diagnostics.append({"message": message, "severity": "info"})
        elif "resourcePreEvent" in event:
            metadata = event["resourcePreEvent"]["metadata"]
            if _should_show(metadata, show_sames) or _is_root_stack(metadata):
                seen[metadata["urn"]] = metadata
                steps.append(_step(metadata))
        elif "resOutputsEvent" in event:
            metadata = event["resOutputsEvent"]["metadata"]
            if _should_show(metadata, show_sames) or _is_root_stack(metadata):
                pre = seen.get(metadata["urn"])
                refresh = pre is not None and pre.get("op") == "refresh"
                op = metadata.get("op")
                if refresh and (
                    (op == "update" and metadata.get("detailedDiff") is not None) or op == "delete"
                ):
                    replacement = _step(metadata)
                    steps[:] = [replacement if s["urn"] == metadata["urn"] else s for s in steps]
        elif "summaryEvent" in event:
            summary = event["summaryEvent"]
            digest["duration"] = int(summary.get("durationSeconds", 0)) * 1_000_000_000
            digest["changeSummary"] = summary.get("resourceChanges") or {}
            if summary.get("maybeCorrupt"):
                digest["maybeCorrupt"] = True
        # Policy, progress, debugging and error events are not part of the digest.
    if steps:
        digest["steps"] = steps
    if diagnostics:
        digest["diagnostics"] = diagnostics
    return digest
