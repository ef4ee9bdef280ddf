"""Read this stack's own previous outputs: the rotation ledger's memory.

Uses the engine's builtin invoke `pulumi:pulumi:readStackOutputs` (the one the
Node.js SDK's StackReference uses), which answers synchronously before any
resource is declared. A stack never deployed has no outputs; any failure of
the read itself stops the run, because guessing "no ledger" would retire every
certificate the stack holds.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.rotation import Ledger

READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs"


def own_stack_name() -> str:
    """Fully qualified when the engine tells the organization (DIY backends say
    "organization"); otherwise the bare name the backend resolves in this project."""
    organization = pulumi.get_organization()
    if not organization:
        return pulumi.get_stack()
    return f"{organization}/{pulumi.get_project()}/{pulumi.get_stack()}"


def previous_outputs() -> dict[str, Any]:
    try:
        result = pulumi.runtime.invoke(READ_STACK_OUTPUTS, {"name": own_stack_name()})
    except Exception as error:
        raise pulumi.RunError(f"cannot read this stack's previous outputs: {error}") from None
    return dict((result.value or {}).get("outputs") or {})


def previous_ledger() -> Ledger | None:
    """The rotation ledger the last successful run exported, if any."""
    try:
        return Ledger.from_output(previous_outputs().get("rotationLedger"))
    except ValueError as error:
        raise pulumi.RunError(
            f"{error}; fix or remove the stack output before running again"
        ) from None
