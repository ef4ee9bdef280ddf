"""Against a real tenant: the app authorized by one custom Exchange role group only.

Opt-in, on top of tests/live/test_live.py's variables:

    EXO_CBA_LIVE_EXCHANGE=1

because the deployer then also needs Exchange's Role Management (Organization
Management, or the Exchange Administrator directory role) and its own
Exchange.ManageAsApp when it signs in app-only (docs/exchange-role-groups.md). The
stack declares one role (Mail Recipients) on a write scope matching no recipient,
drops the directory roles, and is destroyed at the end. verify is retried while the
new rights reach Exchange (Microsoft gives 30 minutes to 2 hours).
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
EXCHANGE_VARIABLE = "EXO_CBA_LIVE_EXCHANGE"


@pytest.fixture(scope="module")
def narrow_stack():
    reason = missing() or (
        None
        if os.environ.get(EXCHANGE_VARIABLE)
        else f"the live role-group test also needs {EXCHANGE_VARIABLE}=1 and a deployer with "
        "Exchange's Role Management (see tests/live/test_live_role_groups.py)"
    )
    if reason:
        pytest.skip(reason)
    from pulumi import automation as auto

    suffix = secrets.token_hex(3)
    stack = auto.create_or_select_stack(
        stack_name=f"{os.environ['EXO_CBA_LIVE_STACK']}-rbac", work_dir=str(PROJECT_ROOT)
    )
    stack.set_all_config(
        {
            "azuread:tenantId": auto.ConfigValue(os.environ["EXO_CBA_LIVE_TENANT_ID"]),
            "exo-cba:displayName": auto.ConfigValue(f"exo-cba live role groups {suffix}"),
            "exo-cba:protect": auto.ConfigValue("false"),
            "exo-cba:exchangeRoleGroups.name": auto.ConfigValue(f"exo-cba live {suffix}"),
            "exo-cba:exchangeRoleGroups.roles": auto.ConfigValue('["Mail Recipients"]'),
            "exo-cba:exchangeRoleGroups.scopeFilter": auto.ConfigValue(
                f"CustomAttribute15 -eq 'exo-cba-live-{suffix}'"
            ),
            "exo-cba:exchangeRoleGroups.dropDirectoryRoles": auto.ConfigValue("true"),
            "exo-cba:exchangeRoleGroups.propagationSeconds": auto.ConfigValue("1800"),
        }
    )
    try:
        yield stack
    finally:
        stack.destroy(on_output=print)
        stack.workspace.remove_stack(stack.name)


def test_one_role_group_allows_its_cmdlet_and_refuses_another(narrow_stack, tmp_path: Path) -> None:
    result = narrow_stack.up(on_output=print)
    assert result.summary.result == "succeeded"
    outputs = {key: value.value for key, value in narrow_stack.outputs().items()}
    assert outputs["roles"] == [] and outputs["exchangeRoleGroups"]["directoryRolesDropped"]

    verify_until_replicated(
        outputs,
        stack_certificate(outputs, tmp_path),
        cmdlet="Get-Mailbox",
        refused_cmdlet="Get-TransportRule",
    )
    assert_no_op_preview(narrow_stack)
