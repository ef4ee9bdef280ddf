"""Read this stack's own previous outputs: the rotation ledger's memory.

Uses the engine's builtin invoke `pulumi:pulumi:readStackOutputs` (the one the
Node.js SDK's StackReference uses), which answers synchronously before any
resource is declared. It returns the outputs of the last *finished* update
(pkg/resource/deploy/builtins.go). The Python SDK registers the stack's outputs
in one call, made only when every export has resolved; the exported ledger
resolves only once its generations exist (CertificateCredentials), so a failed
rotation registers nothing and the engine keeps the previous outputs, the ledger
with them (tests/e2e/test_04_failed_rotation.py, with the real CLI).

A stack never deployed, or destroyed, has no outputs and starts at generation
one. Any failure of the read itself, and a ledger that is secret or malformed,
stops the run: guessing "no ledger" would retire every certificate the stack holds.
"""

from __future__ import annotations

from typing import Any

import pulumi

from exocba.naming import LEDGER_OUTPUT
from exocba.rotation import Ledger

READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs"

# Rotation needs a CLI that keeps stack outputs when an update fails: since 3.112.0
# only the outputs a failed run did produce replace old ones, the rest stay
# (pulumi/pulumi#14621, fixed March 2024); older engines drop every output of a
# failed update, so the next run would find no ledger and restart rotation.
# The SDK's version check (RequirePulumiVersion, pulumi/pulumi#21429) is answered
# only from 3.217.0 on (the first SDK release with require_pulumi_version), and a
# CLI that cannot answer cannot prove it is 3.112 or newer: 3.217.0 is the minimum.
MINIMUM_PULUMI_VERSION = "3.217.0"


def _unit_test_mocks() -> bool:
    """Pulumi's documented unit-test mocks (`set_mocks`): no CLI runs the program, and
    the SDK's MockEngine has no RequirePulumiVersion to ask (pulumi/pulumi#21337). An
    engine that answers it, mock or real, is asked."""
    from pulumi.runtime import mocks, settings

    engine = settings.get_engine()
    return isinstance(engine, mocks.MockEngine) and not hasattr(engine, "RequirePulumiVersion")


def require_engine() -> None:
    """Refuse, with one clear line, an engine too old to keep the ledger safe."""
    if _unit_test_mocks():
        return
    try:
        pulumi.require_pulumi_version(f">={MINIMUM_PULUMI_VERSION}")
    except Exception as error:
        raise pulumi.RunError(
            f"exo-cba needs the Pulumi CLI {MINIMUM_PULUMI_VERSION} or newer, which keeps "
            f"stack outputs until an update finishes (rotation depends on it): {error}; "
            "upgrade the CLI (https://www.pulumi.com/docs/iac/download-install/)"
        ) from None


def own_stack_names() -> list[str]:
    """The names to read this stack by, most specific first.

    The engine tells the organization on every backend; the DIY backend's legacy
    layout (no project folders) refuses `organization/project/stack`, so the bare
    name is the fallback.
    """
    stack = pulumi.get_stack()
    organization = pulumi.get_organization()
    if not organization:
        return [stack]
    return [f"{organization}/{pulumi.get_project()}/{stack}", stack]


def _read(name: str) -> dict[str, Any]:
    result = pulumi.runtime.invoke(READ_STACK_OUTPUTS, {"name": name})
    return dict(result.value or {})


def previous_outputs_result() -> dict[str, Any]:
    """The invoke's answer: {"name", "outputs", "secretOutputNames"}."""
    failures: list[str] = []
    for name in own_stack_names():
        try:
            return _read(name)
        except Exception as error:
            failures.append(f"as {name!r}: {error}")
    raise pulumi.RunError(f"cannot read this stack's previous outputs ({'; '.join(failures)})")


def _is_secret(value: object) -> bool:
    """A secret envelope as the engine's wire format carries it (pulumi.runtime.rpc)."""
    from pulumi.runtime import rpc

    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def previous_ledger() -> Ledger | None:
    """The rotation ledger the last finished run exported, if any."""
    result = previous_outputs_result()
    value = (result.get("outputs") or {}).get(LEDGER_OUTPUT)
    if LEDGER_OUTPUT in (result.get("secretOutputNames") or []) or _is_secret(value):
        raise pulumi.RunError(
            f"the previous {LEDGER_OUTPUT} output is a secret, which this program never "
            "exports, so it cannot be trusted as rotation state; compare it (`pulumi stack "
            f"output {LEDGER_OUTPUT} --show-secrets`) with the exo-cert-YYYYMMDD resources "
            "(`pulumi stack --show-urns`), then write it back as a plain value (`pulumi stack "
            "export`, edit, `pulumi stack import`) before running again"
        )
    try:
        return Ledger.from_output(value)
    except ValueError as error:
        raise pulumi.RunError(
            f"{error}; compare it with the exo-cert-YYYYMMDD resources (`pulumi stack "
            "--show-urns`) and fix the stack output (`pulumi stack export`, edit, `pulumi "
            "stack import`) before running again"
        ) from None
