"""Against a real tenant: up -> verify -> preview with no changes -> destroy.

Opt-in. Needs the Pulumi CLI logged in to a backend, an Azure sign-in the azuread
provider can use (e.g. `az login --tenant …`, or ARM_USE_OIDC in a pipeline) with
the deployer permissions in the README, and:

    EXO_CBA_LIVE=1
    EXO_CBA_LIVE_STACK=<stack name to create, e.g. live-ci>
    EXO_CBA_LIVE_TENANT_ID=<tenant guid>

Without them every test here is skipped, and the reason is printed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.fakes.live import (
    assert_no_op_preview,
    missing,
    stack_certificate,
    verify_until_replicated,
)

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def live_stack():
    reason = missing()
    if reason:
        pytest.skip(reason)
    from pulumi import automation as auto

    stack = auto.create_or_select_stack(
        stack_name=os.environ["EXO_CBA_LIVE_STACK"], work_dir=str(PROJECT_ROOT)
    )
    stack.set_all_config(
        {
            "azuread:tenantId": auto.ConfigValue(os.environ["EXO_CBA_LIVE_TENANT_ID"]),
            "exo-cba:displayName": auto.ConfigValue(f"exo-cba live test {secrets.token_hex(3)}"),
            "exo-cba:protect": auto.ConfigValue("false"),
            "exo-cba:certificate.validityDays": auto.ConfigValue("30"),
            "exo-cba:certificate.rotationDays": auto.ConfigValue("10"),
        }
    )
    try:
        yield stack
    finally:
        stack.destroy(on_output=print)
        stack.workspace.remove_stack(stack.name)


def test_up_verify_preview_destroy(live_stack, tmp_path: Path, monkeypatch) -> None:
    result = live_stack.up(on_output=print)
    assert result.summary.result == "succeeded"
    outputs = {key: value.value for key, value in live_stack.outputs().items()}

    verify_until_replicated(outputs, stack_certificate(outputs, tmp_path))
    assert_no_op_preview(live_stack)
