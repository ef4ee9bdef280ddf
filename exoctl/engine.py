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

# The CLI version the offline engine claims; the program requires a minimum.
OFFLINE_CLI_VERSION = "3.272.0"


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
    dependencies: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool = False


@dataclass
class ProgramRun:
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    """Stack outputs with UNKNOWN sentinels and secret envelopes intact. After a
    failed run: all of them if every export resolved, else none (the SDK registers
    the stack's outputs in one call, and the engine keeps the previous ones)."""
    warnings: list[str]
    error: BaseException | None = None
    """Why the run failed (only with tolerate_failure)."""
    component_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """What each component registered with register_outputs, by URN."""
    notes: list[str] = field(default_factory=list)
    """What the program logged as info (pulumi.log.info): facts, not warnings."""

    def component_output(self, type_: str, key: str) -> Any:
        """One registered output of the single component of `type_`, or None."""
        for resource in self.by_type(type_):
            return self.component_outputs.get(resource.urn, {}).get(key)
        return None

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
        self.component_outputs: dict[str, dict[str, Any]] = {}

    def RegisterResourceOutputs(self, request: Any) -> Any:
        self.component_outputs[request.urn] = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.recorded.append(
                RecordedResource(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    custom=request.custom,
                    protect=request.protect if request.HasField("protect") else False,
                    inputs=json_format.MessageToDict(request.object),
                    dependencies=list(request.dependencies),
                    replace_on_changes=list(request.replaceOnChanges),
                    delete_before_replace=request.deleteBeforeReplace,
                )
            )
        return response


class VersionedMockEngine(pulumi_mocks.MockEngine):
    """The SDK's MockEngine, plus the RequirePulumiVersion RPC a real CLI answers.

    Only `>=X.Y.Z` ranges, the one form the program uses; the refusal reads like
    the engine's own (pkg/resource/deploy/source_eval.go).
    """

    def __init__(self, logger: logging.Logger, cli_version: str) -> None:
        super().__init__(logger)
        self.cli_version = cli_version

    def RequirePulumiVersion(self, request: Any) -> None:
        wanted = request.pulumi_version_range
        if not wanted.startswith(">="):
            raise ValueError(f"the mock engine only understands >= ranges, not {wanted!r}")
        have = tuple(int(part) for part in self.cli_version.split("."))
        need = tuple(int(part) for part in wanted[2:].split("."))
        if have < need:
            raise RuntimeError(
                f"Pulumi CLI version {self.cli_version} does not satisfy the version range "
                f"{wanted!r} requested by the program"
            )


class _WarningCollector(logging.Handler):
    """Warnings and errors the program logs; info messages apart, as notes."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.messages: list[str] = []
        self.notes: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        kept = self.messages if record.levelno >= logging.WARNING else self.notes
        kept.append(record.getMessage())


_default_unraisablehook = sys.unraisablehook


class _ToleratedFailures(logging.Filter):
    """Drop asyncio's "Future exception was never retrieved" for a tolerated failure.

    A resource that fails leaves its error on every Output derived from it; a
    failed run tolerated on purpose (tolerate_failure) never awaits them all, and
    asyncio reports each when it is collected. Other errors still pass.
    """

    def __init__(self) -> None:
        super().__init__()
        self.messages: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if not text.startswith("Future exception was never retrieved"):
            return True
        return not any(message in text for message in self.messages)


_tolerated = _ToleratedFailures()
logging.getLogger("asyncio").addFilter(_tolerated)


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
    cli_version: str = OFFLINE_CLI_VERSION,
    tolerate_failure: bool = False,
) -> ProgramRun:
    """Evaluate `program_dir/__main__.py` once on the mock engine.

    Exceptions the program raises (ConfigError, RunError) propagate unchanged,
    unless `tolerate_failure`: then a failed run returns what a failed `pulumi up`
    registers, with the error: every output when all resolved, else none.
    """
    sys.unraisablehook = _quiet_loop_teardown
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config))
    monitor = RecordingMonitor(mocks)
    logger = logging.getLogger(f"exo-cba.engine.{id(monitor)}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
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
    settings.SETTINGS.engine = VersionedMockEngine(logger, cli_version)
    root = settings.get_root_resource()

    @pulumi.runtime.test
    def evaluate() -> pulumi.Output[Any]:
        # As Pulumi's own exec script runs it: run_path on the program's folder, which
        # runpy puts first on sys.path for the run (and takes off after), so a
        # `--project-dir` program imports modules of its own beside __main__.py. Modules
        # exoctl has imported already (components.settings) stay exoctl's.
        runpy.run_path(str(program_dir), run_name="__main__")
        # Resolves once every export has resolved (or is known to be unknown).
        return pulumi.Output.all(*root.outputs.values())

    error: BaseException | None = None
    try:
        evaluate()
    except Exception as failure:
        if not tolerate_failure:
            raise
        error = failure
        _tolerated.messages.add(str(failure))

    async def serialize_outputs() -> dict[str, Any]:
        # The SDK registers the stack's outputs in one call (runtime/resource.py,
        # register_resource_outputs): when an export waits on what failed, the call is
        # never made and the engine keeps the last finished update's outputs, every one
        # of them (seen with the real CLI, tests/e2e/test_04_failed_rotation.py).
        try:
            serialized = await rpc.serialize_properties(dict(root.outputs), {})
        except Exception:
            if error is None:
                raise
            return {}
        return json_format.MessageToDict(serialized)

    outputs = _sync_await(serialize_outputs())
    return ProgramRun(
        resources=list(monitor.recorded),
        outputs=outputs,
        warnings=collector.messages,
        error=error,
        component_outputs=dict(monitor.component_outputs),
        notes=collector.notes,
    )
