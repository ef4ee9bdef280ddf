"""A stack deployed again and again, with state and outputs kept as the engine keeps them.

Each `up` runs the real program on the mock engine at a given moment:
- the program's clock is EXO_CBA_NOW; the providers stamp what they create a few
  minutes later (conftest.PROVIDER_LAG), so the two clocks never agree;
- resources declared again with the same inputs keep what they were created with;
- a successful run deletes what it no longer declares and replaces the outputs;
- a failed run deletes nothing; its outputs replace old ones only when every export
  resolved, since the SDK registers the stack's outputs in one call; otherwise the
  engine keeps the previous outputs (tests/e2e/test_04_failed_rotation.py, on the
  real CLI).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from exoctl.engine import ProgramRun, reveal
from tests.conftest import PROVIDER_LAG, EntraMocks, rfc3339, run_stack

CREDENTIAL_TYPE = "azuread:index/applicationCertificate:ApplicationCertificate"


class Deployment:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, config: dict[str, str]) -> None:
        self.monkeypatch = monkeypatch
        self.config = config
        self.mocks = EntraMocks()
        self.outputs: dict[str, Any] = {}

    def up(self, now: dt.datetime, failing: set[str] | frozenset[str] = frozenset()) -> ProgramRun:
        self.monkeypatch.setenv("EXO_CBA_NOW", rfc3339(now))
        self.mocks.start_run(now + PROVIDER_LAG)
        self.mocks.failing = set(failing)
        self.mocks.previous_outputs = dict(self.outputs)
        run = run_stack(self.config, mocks=self.mocks, tolerate_failure=True)
        kept = reveal(run.outputs)
        if run.error is None:
            self.mocks.forget_unregistered()
            self.outputs = kept
        else:
            self.outputs = {**self.outputs, **kept}
        return run

    def registered_certificates(self) -> dict[str, dict[str, Any]]:
        """Key credentials Entra holds now, by resource name: their inputs."""
        return self.held(CREDENTIAL_TYPE)

    def held(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """Resources of one type the providers hold now, by resource name: their inputs."""
        return {
            name: inputs
            for (type_, name), (_, inputs, _) in self.mocks.state.items()
            if type_ == resource_type
        }
