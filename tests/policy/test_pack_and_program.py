"""The pack against this project's program: its own resources pass, the managed
identities' grants are checked like the app's, and the pack's type tokens are the
program's and the providers'."""

from __future__ import annotations

import json

import exo_policies as p
import pytest
from policy_support import NAME, VAULT_ID, violations

from exoctl.engine import reveal
from tests.conftest import MOCK_CLOCK, rfc3339, run_stack
from tests.fakes.identities import ROLE, with_identities


@pytest.mark.parametrize("environment", ["global", "usgovernmentl4", "usgovernmentl5", "china"])
def test_this_stacks_own_resources_pass_every_policy(monkeypatch, environment) -> None:
    monkeypatch.setenv("EXO_CBA_NOW", rfc3339(MOCK_CLOCK))
    run = run_stack(
        {
            "azuread:environment": environment,
            "organization": {
                "global": "contoso.onmicrosoft.com",
                "china": "c.partner.onmschina.cn",
            }.get(environment, "contoso.onmicrosoft.us"),
            "roles": json.dumps(["Exchange Administrator", "Compliance Administrator"]),
            "keyVault.id": VAULT_ID,
            "keyVault.readers": json.dumps(["5d6e7f80-91a2-4b3c-8d4e-5f6071829304"]),
            "keyVault.certificate": "true",
        }
    )
    checked = 0
    for resource in run.resources:
        props = reveal(resource.inputs)
        for policy in p.POLICIES:
            found = violations(policy.validate, resource.type, props)
            assert found == [], f"{policy.name} on {resource.name}: {found}"
            checked += 1
    assert checked == len(p.POLICIES) * len(run.resources) and len(run.resources) >= 10
    # The certificate's readers are checked too: one secret each, read only.
    assert len([r for r in run.resources if r.type == p.AZURE_ROLE_ASSIGNMENT]) == 2


def test_the_programs_role_group_resources_use_the_policy_types() -> None:
    run = run_stack(
        {
            "exchangeRoleGroups.name": "g",
            "exchangeRoleGroups.roles": '["Mail Recipients"]',
            "exchangeRoleGroups.existing": '["Organization Management"]',
            "exchangeRoleGroups.allowOrganizationManagement": "true",
        }
    )
    members = run.by_type(p.EXCHANGE_ROLE_GROUP_MEMBER)
    assert sorted(m.inputs["group"] for m in members) == ["Organization Management", "g"]
    (group,) = run.by_type(p.EXCHANGE_ROLE_GROUP)
    assert violations(p.validate_role_group_write_scope, group.type, group.inputs)
    org = next(m for m in members if m.inputs["group"] == "Organization Management")
    assert violations(p.validate_no_organization_management, org.type, org.inputs)


def test_managed_identity_grants_are_checked_like_the_apps(monkeypatch) -> None:
    monkeypatch.setenv("EXO_CBA_NOW", rfc3339(MOCK_CLOCK))
    run, _ = with_identities(
        roles=json.dumps(["Global Administrator"]), allowGlobalAdministrator="true"
    )
    flagged = [
        message
        for resource in run.by_type(ROLE)
        if resource.name.startswith("exo-mi-")
        for message in violations(p.validate_exchange_roles_only, ROLE, reveal(resource.inputs))
    ]
    assert len(flagged) == 2
    assert all(m.startswith(f"{NAME}: Global Administrator gives this principal") for m in flagged)


def test_the_app_registration_tokens_are_the_providers() -> None:
    import pulumi_azuread

    assert pulumi_azuread.Application.pulumi_type == p.APPLICATION
    assert pulumi_azuread.ApplicationRegistration.pulumi_type == p.APPLICATION_REGISTRATION
