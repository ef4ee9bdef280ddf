"""The pack as a whole: its policies and levels, the pack directory the CLI loads."""

from __future__ import annotations

import json

import exo_policies as p
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
