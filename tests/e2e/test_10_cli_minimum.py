"""Scenario 10: a CLI below the minimum is refused, by the CLI and by the program.

bin-old/pulumi is the same CLI source linked as 3.216.0. With Pulumi.yaml's
requiredPulumiVersion the CLI itself refuses before running anything. A real CLI that
old predates that key (pulumi/pulumi#21627) and ignores it; with the key removed, the
program's own check (RequirePulumiVersion, answered by the engine from its linked
version) refuses with its one line. The built CLI reports its real version.
"""

from __future__ import annotations

import pytest

from components.stack_state import MINIMUM_PULUMI_VERSION
from tests.e2e.deployments import configure
from tests.fakes import tenant_seed as seed

pytestmark = pytest.mark.e2e
CONFIG = (("azuread:tenantId", seed.TENANT_ID, False),)
PROGRAM_LINE = f"exo-cba needs the Pulumi CLI {MINIMUM_PULUMI_VERSION} or newer"


def test_the_built_cli_prints_its_real_version(e2e) -> None:
    version = e2e.project("main").pulumi("version").stdout.strip()
    assert version.startswith("v3.") and int(version.split(".")[1]) >= 217


def test_an_old_cli_is_refused_by_requiredpulumiversion(e2e) -> None:
    e2e.project("old-cli", old=True)
    stack = e2e.stack("old-cli", "old")
    assert stack.runner.pulumi("version").stdout.strip() == "v3.216.0"
    configure(stack, CONFIG)
    run = stack.preview(policy=False, check=False)
    assert run.code != 0
    assert f'does not satisfy the version range ">={MINIMUM_PULUMI_VERSION}"' in run.result.text
    assert PROGRAM_LINE not in run.result.text  # the CLI stopped before the program ran


def test_an_old_cli_without_the_key_is_refused_with_the_programs_one_line(e2e) -> None:
    e2e.project("old-cli-no-key", required_version=False, old=True)
    stack = e2e.stack("old-cli-no-key", "old-no-key")
    configure(stack, CONFIG)
    run = stack.preview(policy=False, check=False)
    assert run.code != 0
    text = run.result.text
    errors = run.diagnostics("error")
    # The program's one line (no traceback), then the engine's note that it exited.
    assert len(errors) == 2, errors
    assert errors[0].startswith(PROGRAM_LINE) and errors[0].count("\n") == 1
    assert "3.216.0" in errors[0]
    assert errors[1].startswith("an unhandled error occurred: program exited")
    assert "Traceback" not in text
