"""Tell drift, pending changes and a due rotation apart, per stack.

- a refresh step that changed or deleted a resource is *drift* (the tenant differs
  from state: someone used the portal);
- a program step that creates or retires a certificate generation
  (`exo:index:AppCertificate`) is a *rotation*, which the calendar asks for;
- the update of the Key Vault hand-off's secret (or certificate) in the same run as a
  rotation is part of that rotation (each generation is a new version of each);
- any other program step is *pending* (code or config not deployed yet);
- a program step in a log of `pulumi up` (not a preview) was *applied*.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from exocba import naming
from exoctl.drift.formats import NO_CHANGE_OPS, Recording, urn_parts, urn_stack
from exoctl.report import worst

GENERATION_TYPE = naming.APP_CERTIFICATE
HAND_OFF_TYPE = naming.KEY_VAULT_HAND_OFF
REPLACEMENT_OPS = frozenset({"replace", "create-replacement", "delete-replaced"})
KIND_TO_STATUS = {
    "drift": "drift",
    "pending": "pending",
    "rotation": "rotation_due",
    "applied": "in_sync",
}
_KIND_ORDER = {"drift": 0, "pending": 1, "rotation": 2, "applied": 3}
UNITEMIZED_NAME = "(counted by the digest's changeSummary, not itemized)"


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


def _kind(refresh: bool, op: str, chain: list[str], applied: bool) -> str:
    if refresh:
        return "drift"
    if applied:
        return "applied"
    if op in ("create", "delete") and GENERATION_TYPE in chain:
        return "rotation"
    return "pending"


@dataclass(frozen=True)
class Change:
    """One classified change: what `--json` writes per change, in that order."""

    stack: str
    urn: str
    type: str
    name: str
    op: str
    kind: str
    properties: tuple[str, ...] = ()

    @property
    def chain(self) -> list[str]:
        """The URN's type chain: the resource's own type and its parents'."""
        return urn_parts(self.urn)[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "op": self.op,
            "kind": self.kind,
            "properties": list(self.properties),
        }


def _part_of_rotation(change: Change) -> Change:
    """The hand-off's new secret version in a rotating run belongs to the rotation."""
    if change.kind == "pending" and change.op == "update" and HAND_OFF_TYPE in change.chain:
        return replace(change, kind="rotation")
    return change


def classify(recording: Recording, stack: str | None = None) -> list[Change]:
    changes = []
    for step in recording.steps.values():
        op = _final_op(step.ops)
        if op is None:
            continue
        chain, name = urn_parts(step.urn)
        changes.append(
            Change(
                stack=stack or urn_stack(step.urn),
                urn=step.urn,
                type=chain[-1] if chain else "",
                name=name,
                op=op,
                kind=_kind(step.refresh, op, chain, recording.applied),
                properties=tuple(step.properties),
            )
        )
    if any(change.kind == "rotation" for change in changes):
        changes = [_part_of_rotation(change) for change in changes]
    for missing in recording.unitemized:
        changes.append(
            Change(
                stack=stack or (recording.stacks()[0]),
                urn="",
                type="",
                name=f"{missing.count} x {UNITEMIZED_NAME}",
                op=missing.op,
                kind=_kind(missing.refresh, missing.op, [], recording.applied),
            )
        )
    return sorted(changes, key=lambda c: (c.stack, _KIND_ORDER[c.kind], c.urn))


@dataclass
class StackResult:
    stack: str
    changes: list[Change] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return worst(KIND_TO_STATUS[c.kind] for c in self.changes)

    def summary(self) -> dict[str, Any]:
        counts = {kind: sum(c.kind == kind for c in self.changes) for kind in KIND_TO_STATUS}
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
        result.warnings += recording.warnings
    return result


def results_from_recording(recording: Recording, stack: str | None = None) -> list[StackResult]:
    """A recorded run, one result per stack it names (or the one `stack` says it was run
    for); run-wide errors and warnings go to the first."""
    if stack is not None:
        results = [StackResult(stack, classify(recording, stack))]
    else:
        changes = classify(recording)
        results = [StackResult(s, [c for c in changes if c.stack == s]) for s in recording.stacks()]
    results[0].errors += recording.errors
    results[0].warnings += recording.warnings
    return results


def document(results: Sequence[StackResult]) -> dict[str, Any]:
    return {
        "status": worst(result.status for result in results),
        "changes": [change.to_json() for result in results for change in result.changes],
        "stacks": [result.summary() for result in results],
        "warnings": [f"{r.stack}: {w}" for r in results for w in r.warnings],
        "errors": [f"{r.stack}: {e}" for r in results for e in r.errors],
    }
