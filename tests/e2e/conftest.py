"""Session fixtures of the e2e tier: the tenant stand-in, the toolchain, shared stacks.

Run with `.venv/bin/python -m pytest tests/e2e -m e2e` (docs/real-engine.md). The
fast tier deselects the `e2e` marker (pyproject addopts); a missing toolchain fails
every scenario with what to build, it never skips.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import harness
from tests.e2e.stacks import Stack
from tests.fakes import tenant_seed as seed
from tests.fakes.oidc import FakeOidcIssuer
from tests.fakes.tenant import Tenant

READER_SUBJECT = "repo:contoso/exo-cba:ref:refs/heads/main"
TIMINGS_VARIABLE = "EXO_CBA_E2E_TIMINGS"
KEEP_VARIABLE = "EXO_CBA_E2E_KEEP"


@dataclass
class E2E:
    tmp: Path
    home: Path
    venv: Path
    tenant: Tenant
    issuer: FakeOidcIssuer
    env: dict[str, str]
    old_env: dict[str, str]
    timings: list[harness.Timing] = field(default_factory=list)
    runners: dict[str, harness.Runner] = field(default_factory=dict)
    stacks: dict[str, Stack] = field(default_factory=dict)

    def project(
        self,
        name: str,
        required_version: bool = True,
        old: bool = False,
        env: dict[str, str] | None = None,
    ) -> harness.Runner:
        """A copy of the project with its own stack files (one per scenario family);
        `env` is added to every command run in it (the first call decides)."""
        if name not in self.runners:
            directory = harness.copy_project(
                self.tmp / "projects" / name, self.venv, required_version
            )
            self.runners[name] = harness.Runner(
                {**(self.old_env if old else self.env), **(env or {})}, directory, self.timings
            )
        return self.runners[name]

    def stack(self, project: str, name: str) -> Stack:
        key = f"{project}/{name}"
        if key not in self.stacks:
            logs = self.tmp / "events"
            logs.mkdir(exist_ok=True)
            self.stacks[key] = Stack(name, self.project(project), logs)
        return self.stacks[key]

    def reader_env(self) -> dict[str, str]:
        """exoctl's Graph sign-in as the README's read-only pipeline: a GitHub OIDC token
        exchanged by azure-identity's workload identity credential (DefaultAzureCredential)."""
        token = self.tmp / "federated-token"
        token.write_text(self.issuer.token(READER_SUBJECT, seed.FEDERATION_AUDIENCE, 900))
        return {
            "AZURE_CLIENT_ID": seed.READ_APP_ID,
            "AZURE_TENANT_ID": self.tenant.tenant_id,
            "AZURE_FEDERATED_TOKEN_FILE": str(token),
            "AZURE_AUTHORITY_HOST": self.tenant.base_url,
        }


@pytest.fixture(scope="session")
def e2e(request: pytest.FixtureRequest) -> Iterator[E2E]:
    # Not pytest's tmp_path: other pytest runs on the machine rotate those away. Kept
    # when a scenario failed or EXO_CBA_E2E_KEEP is set (event logs, the CLI's state).
    tmp = Path(tempfile.mkdtemp(prefix="exo-cba-e2e-"))
    home = harness.e2e_home()
    try:
        venv = harness.program_venv(home)
        backend = tmp / "state"
        backend.mkdir()
        plugins = tmp / "pulumi-home"
        env = harness.plugin_home(home, plugins, harness.toolchain_environment(home, venv, backend))
        old_env = {
            **harness.toolchain_environment(home, venv, backend, old=True),
            "PULUMI_HOME": str(plugins),
        }
    except harness.ToolchainMissing as missing:
        pytest.fail(f"e2e toolchain: {missing}", pytrace=False)
    started = time.monotonic()
    with Tenant(tmp) as tenant, FakeOidcIssuer(tmp) as issuer:
        tenant.issuer_ca = str(issuer.ca_bundle)
        tenant.add_pipeline_reader(issuer.issuer, READER_SUBJECT)
        extra = harness.tenant_environment(tenant)
        session = E2E(tmp, home, venv, tenant, issuer, {**env, **extra}, {**old_env, **extra})
        yield session
    _write_timings(session, time.monotonic() - started)
    if request.session.testsfailed or os.environ.get(KEEP_VARIABLE):
        print(f"\ne2e: kept {tmp} (event logs, state, timings.json)")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    assert not tenant.graph.unhandled, (
        f"Graph calls the stand-in does not serve: {tenant.graph.unhandled}"
    )


def _write_timings(session: E2E, total: float) -> None:
    document: dict[str, Any] = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sessionSeconds": round(total, 1),
        "commands": [t.__dict__ for t in session.timings],
    }
    default = Path(tempfile.gettempdir()) / "exo-cba-e2e-timings.json"
    target = Path(os.environ.get(TIMINGS_VARIABLE) or default)
    target.write_text(json.dumps(document, indent=2))


@pytest.fixture(scope="session")
def tenant(e2e: E2E) -> Tenant:
    return e2e.tenant
