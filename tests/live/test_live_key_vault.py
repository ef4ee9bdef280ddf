"""Against a real tenant and vault: up with the Key Vault hand-off -> verify as a host
-> preview with no changes -> destroy.

Opt-in, like tests/live/test_live.py (same variables), plus:

    EXO_CBA_LIVE_KEY_VAULT_ID=<resource id of a vault using Azure RBAC>

The deployer's Azure sign-in needs Key Vault Secrets Officer on that vault; it reads
the secret back as the host would (Officer includes reading). pulumi-azure must be
installed (requirements-keyvault.txt). Without all of it, the test is skipped with
the reason.
"""

from __future__ import annotations

import os
import secrets

import pytest

from tests.conftest import PROJECT_ROOT
from tests.fakes.live import assert_no_op_preview, missing, verify_until_replicated

pytestmark = pytest.mark.live

VAULT_VARIABLE = "EXO_CBA_LIVE_KEY_VAULT_ID"


@pytest.fixture(scope="module")
def live_stack_with_vault():
    reason = missing() or (
        None
        if os.environ.get(VAULT_VARIABLE)
        else f"the Key Vault live test needs {VAULT_VARIABLE}"
    )
    if reason:
        pytest.skip(reason)
    from pulumi import automation as auto

    stack = auto.create_or_select_stack(
        stack_name=f"{os.environ['EXO_CBA_LIVE_STACK']}-kv", work_dir=str(PROJECT_ROOT)
    )
    stack.set_all_config(
        {
            "azuread:tenantId": auto.ConfigValue(os.environ["EXO_CBA_LIVE_TENANT_ID"]),
            "exo-cba:displayName": auto.ConfigValue(f"exo-cba live kv {secrets.token_hex(3)}"),
            "exo-cba:protect": auto.ConfigValue("false"),
            "exo-cba:certificate.validityDays": auto.ConfigValue("30"),
            "exo-cba:keyVault.id": auto.ConfigValue(os.environ[VAULT_VARIABLE]),
        }
    )
    try:
        yield stack
    finally:
        stack.destroy(on_output=print)
        stack.workspace.remove_stack(stack.name)


def test_up_publish_verify_as_host_preview_destroy(live_stack_with_vault) -> None:
    from exocba import signin
    from exoctl.verify import KeyVaultHandOff

    result = live_stack_with_vault.up(on_output=print)
    assert result.summary.result == "succeeded"
    outputs = {key: value.value for key, value in live_stack_with_vault.outputs().items()}
    source = KeyVaultHandOff(
        outputs["keyVault"]["secretId"],
        signin.make_credential(),
        expected_thumbprint=outputs["certificateThumbprint"],
    )
    verify_until_replicated(outputs, source)
    assert_no_op_preview(live_stack_with_vault)
