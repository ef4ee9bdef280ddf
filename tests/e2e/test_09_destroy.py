"""Scenario 9: destroy, refused while protected, then exactly what the stack made.

With exo-cba:protect (the default) the real CLI refuses to delete the app and its
service principal. Set false, `up` (which only unprotects), then `destroy` removes the
stack's app, service principal, consent, role assignments and certificates, and
nothing else: Microsoft's service principals and the pipeline's apps stay.
"""

from __future__ import annotations

import pytest

from tests.e2e.deployments import deployed
from tests.fakes import tenant_seed as seed

pytestmark = pytest.mark.e2e


def test_protected_destroy_is_refused_then_unprotected_destroy_removes_only_the_stack(e2e) -> None:
    stack = deployed(e2e)
    outputs = stack.outputs()
    before = e2e.tenant.snapshot()

    refused = stack.pulumi("destroy", "--yes", check=False)
    assert refused.code != 0
    assert "protect" in refused.text
    assert e2e.tenant.snapshot()["applications"].keys() == before["applications"].keys()

    stack.config("exo-cba:protect", "false")
    unprotect = stack.up()
    assert {op for op, n in unprotect.summary()["resourceChanges"].items() if n} <= {
        "same",
        "update",
    }
    # One step at a time: the toolchain's azuread stand-in lacks the provider's lock
    # per application (tf.LockByName around each certificate's GET and PATCH), so
    # certificates deleted side by side would send back each other's removed key
    # (docs/real-engine.md). The real provider serializes them itself.
    stack.pulumi("destroy", "--yes", "--parallel", "1")
    after = e2e.tenant.snapshot()

    app_id, sp_id = outputs["appId"], outputs["servicePrincipalObjectId"]
    assert set(before["applications"]) - set(after["applications"]) == {app_id}
    assert set(before["service_principals"]) - set(after["service_principals"]) == {app_id}
    assert set(after["applications"]) <= set(before["applications"])
    for first_party in (seed.EXCHANGE_SP_ID, seed.GRAPH_SP_ID, seed.DEPLOY_SP_ID):
        assert [s for s in after["service_principals"].values() if s["id"] == first_party]
    assert sp_id not in after["app_role_assignments"]
    assert [a for a in after["role_assignments"] if a["principalId"] == sp_id] == []
    kept = [a for a in before["role_assignments"] if a["principalId"] != sp_id]
    assert after["role_assignments"] == kept
    assert [r for r in stack.resources() if r["type"] != "pulumi:pulumi:Stack"] == []
    stack.pulumi("stack", "rm", "--yes")
    stack.initialized, stack.deployment = False, None
