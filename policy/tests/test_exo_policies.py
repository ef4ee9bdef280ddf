"""The pack as a whole: its policies and levels, this stack's own resources, the pack
directory the CLI loads, the program's type tokens."""

from __future__ import annotations

import json

import exo_policies as p
import pytest
from policy_support import VAULT_ID, violations
from pulumi_policy import (
    EnforcementLevel,
)


def test_every_policy_is_mandatory_but_the_write_scope_warning_and_named() -> None:
    assert len(p.POLICIES) == 11
    levels = {policy.name: policy.enforcement_level for policy in p.POLICIES}
    advisory = {name for name, level in levels.items() if level == EnforcementLevel.ADVISORY}
    assert advisory == {"exchange-role-group-write-scope"}
    assert set(levels.values()) == {EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY}
    assert len(levels) == 11


@pytest.mark.parametrize("environment", ["global", "usgovernmentl4", "usgovernmentl5", "china"])
def test_this_stacks_own_resources_pass_every_policy(monkeypatch, environment) -> None:
    from tests.conftest import MOCK_CLOCK, rfc3339, run_stack

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
    from exoctl.engine import reveal

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


def test_a_pack_directory_the_cli_can_load() -> None:
    from pathlib import Path

    import yaml

    pack = Path(p.__file__).parent
    settings = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())
    assert settings["runtime"]["name"] == "python"
    main = (pack / "__main__.py").read_text()
    assert "PolicyPack(" in main and "from exo_policies import POLICIES" in main
    example = json.loads((pack / "policy-config.example.json").read_text())
    names = {policy.name for policy in p.POLICIES}
    assert set(example) <= names
    # Each setting is one its policy declares, so the CLI takes the file as it is.
    schemas = {policy.name: policy.config_schema for policy in p.POLICIES}
    for name, settings in example.items():
        assert schemas[name] is not None, name
        assert set(settings) <= set(schemas[name].properties), name
    assert example["exchange-no-organization-management"] == {"allowOrganizationManagement": False}


def test_the_programs_role_group_resources_use_the_policy_types() -> None:
    from tests.conftest import run_stack

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
