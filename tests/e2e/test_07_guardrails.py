"""Scenario 7: a stack that breaks a mandatory policy is stopped by the real CLI.

Global Administrator is allowed by the program's own switch
(exo-cba:allowGlobalAdministrator) but not by the pack's default config: the CLI runs
the pack, reports the mandatory violation and stops `preview` and `up`; nothing is
written to the tenant. The same preview without the pack passes, so the stop is the
pack's.
"""

from __future__ import annotations

import pytest

from tests.e2e.deployments import configure
from tests.e2e.stacks import POLICY_PACK_NAME
from tests.fakes import tenant_seed as seed

pytestmark = pytest.mark.e2e
GLOBAL_ADMIN_CONFIG = (
    ("azuread:tenantId", seed.TENANT_ID, False),
    ("exo-cba:displayName", "Exchange Online automation (too broad)", False),
    ("exo-cba:roles[0]", "Global Administrator", True),
    ("exo-cba:allowGlobalAdministrator", "true", False),
    ("exo-cba:owners[0]", seed.DEPLOY_SP_ID, True),
)


@pytest.fixture
def too_broad(e2e):
    stack = e2e.stack("guardrails", "too-broad")
    if not stack.initialized:
        configure(stack, GLOBAL_ADMIN_CONFIG)
    return stack


def test_preview_without_the_pack_passes(too_broad) -> None:
    assert too_broad.preview(policy=False).code == 0


def test_the_pack_stops_preview_and_up_and_nothing_is_written(e2e, too_broad) -> None:
    preview = too_broad.preview(check=False)
    assert preview.code != 0
    (violation,) = preview.violations()
    assert violation["policyPackName"] == POLICY_PACK_NAME
    assert violation["policyName"] == "exchange-app-only-roles"
    assert violation["enforcementLevel"] == "mandatory"
    assert "Global Administrator" in violation["message"]

    before = e2e.tenant.snapshot()
    # `pulumi up` as the README runs it: its preview stops the update before any write.
    # (With --skip-preview the pack runs per resource as it registers, so what comes
    # before the offending one is created: docs/real-engine.md.)
    up = too_broad.up(check=False, skip_preview=False)
    assert up.code != 0
    assert [v["policyName"] for v in up.violations()] == ["exchange-app-only-roles"]
    assert e2e.tenant.snapshot() == before
    assert [r for r in too_broad.resources() if r["type"].startswith("azuread:")] == []
