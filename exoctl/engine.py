"""Run the Pulumi program on the SDK's mock engine and record what it registers.

Used by `exoctl plan` (offline review) and by the tests. The monitor records the
registration requests as the real engine would receive them: inputs with
unknowns and secrets still marked, parents, and resource options.
"""

from __future__ import annotations

import logging
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.sync_await import _sync_await

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROJECT_NAME = "exo-cba"

# The engine's wire markers (sdk/python/lib/pulumi/runtime/rpc.py).
UNKNOWN = rpc.UNKNOWN
SECRET_SIG_KEY = rpc._special_sig_key
SECRET_SIG = rpc._special_secret_sig

COMPUTED = "<computed>"
SECRET = "[secret]"  # noqa: S105 - the placeholder shown instead of a secret


@dataclass
class RecordedResource:
    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    protect: bool
    inputs: dict[str, Any]
    """Inputs as sent to the engine: UNKNOWN sentinels and secret envelopes intact."""
    replacement_trigger: Any = None
    dependencies: list[str] = field(default_factory=list)


@dataclass
class ProgramRun:
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    """Stack outputs with UNKNOWN sentinels and secret envelopes intact."""
    warnings: list[str]

    def by_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> RecordedResource:
        matches = self.by_type(type_)
        if len(matches) != 1:
            raise AssertionError(f"expected one {type_}, found {len(matches)}")
        return matches[0]


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps the full registration requests."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            trigger = None
            if request.HasField("replacement_trigger"):
                trigger = json_format.MessageToDict(request.replacement_trigger)
            self.recorded.append(
                RecordedResource(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    custom=request.custom,
                    protect=request.protect if request.HasField("protect") else False,
                    inputs=json_format.MessageToDict(request.object),
                    replacement_trigger=trigger,
                    dependencies=list(request.dependencies),
                )
            )
        return response


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


_default_unraisablehook = sys.unraisablehook


def _quiet_loop_teardown(unraisable: Any) -> None:
    """Drop one known teardown error, pass on everything else.

    The mock monitor creates an event loop in each worker thread it answers on
    (pulumi.runtime.mocks._ensure_event_loop) and never closes them; when those
    loops are collected after their threads are gone, asyncio reports
    "Invalid file descriptor: -1". It is noise, not a failure of the program.
    """
    obj = getattr(unraisable.object, "__qualname__", "")
    if obj == "BaseEventLoop.__del__" and isinstance(unraisable.exc_value, ValueError):
        return
    _default_unraisablehook(unraisable)


def _normalize(value: Any) -> Any:
    """protobuf Struct numbers are doubles; show whole numbers as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def reveal(value: Any) -> Any:
    """Strip secret envelopes (for tests that must compare the real value)."""
    if is_secret(value):
        return reveal(value.get("value"))
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return _normalize(value)


def redact(value: Any) -> Any:
    """Render for people: secrets hidden, unknowns marked as computed."""
    if is_secret(value):
        return SECRET
    if value == UNKNOWN:
        return COMPUTED
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return _normalize(value)


def run_program(
    config: dict[str, str],
    mocks: pulumi.runtime.Mocks,
    *,
    stack: str = "dev",
    preview: bool = False,
    program_dir: Path = PROJECT_ROOT,
    organization: str = "organization",
) -> ProgramRun:
    """Evaluate `program_dir/__main__.py` once on the mock engine.

    Exceptions the program raises (ConfigError, RunError) propagate unchanged.
    """
    sys.unraisablehook = _quiet_loop_teardown
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config))
    monitor = RecordingMonitor(mocks)
    logger = logging.getLogger(f"exo-cba.engine.{id(monitor)}")
    logger.propagate = False
    collector = _WarningCollector()
    logger.addHandler(collector)
    pulumi.runtime.set_mocks(
        mocks,
        project=PROJECT_NAME,
        stack=stack,
        preview=preview,
        monitor=monitor,
        logger=logger,
        organization=organization,
    )
    root = settings.get_root_resource()

    @pulumi.runtime.test
    def evaluate() -> pulumi.Output[Any]:
        path = str(program_dir)
        if path not in sys.path:
            sys.path.insert(0, path)
        runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")
        # Resolves once every export has resolved (or is known to be unknown).
        return pulumi.Output.all(*root.outputs.values())

    evaluate()

    async def serialize_outputs() -> dict[str, Any]:
        serialized = await rpc.serialize_properties(dict(root.outputs), {})
        return json_format.MessageToDict(serialized)

    outputs = _sync_await(serialize_outputs())
    return ProgramRun(
        resources=list(monitor.recorded), outputs=outputs, warnings=collector.messages
    )
