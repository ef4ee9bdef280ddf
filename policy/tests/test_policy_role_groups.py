"""Policies on Exchange role groups."""

from __future__ import annotations

import json
import re

import exo_policies as p
import pytest
from policy_support import violations

from exoctl.adoption.exchange import carry_role_groups
from exoctl.adoption.model import Adoption


@pytest.mark.parametrize(
    ("group", "config", "refused"),
    [
        ("Organization Management", {}, True),
        ("organization management", {}, True),
        ("Organization Management", {"allowOrganizationManagement": True}, False),
        ("View-Only Organization Management", {}, False),
    ],
)
def test_organization_management_membership_is_refused_unless_allowed(group, config, refused):
    found = violations(
        p.validate_no_organization_management,
        p.EXCHANGE_ROLE_GROUP_MEMBER,
        {"group": group, "memberObjectId": "x"},
        config,
    )
    assert bool(found) == refused
    if refused:
        assert "allowOrganizationManagement" in found[0]


def test_a_role_group_without_write_scope_warns() -> None:
    (message,) = violations(
        p.validate_role_group_write_scope, p.EXCHANGE_ROLE_GROUP, {"name": "g", "writeScope": ""}
    )
    assert "every recipient" in message and "scopeFilter" in message
    scoped = {"name": "g", "writeScope": "g write scope"}
    assert violations(p.validate_role_group_write_scope, p.EXCHANGE_ROLE_GROUP, scoped) == []


def test_the_policy_config_adopt_names_lets_its_membership_pass() -> None:
    """adopt carries Organization Management with the stack's allowance; the pack has its
    own, and the one adopt's finding gives must be one the pack reads."""
    plan = Adoption("contoso", {}, {}, [])
    carry_role_groups(plan, ["Organization Management"])
    assert plan.config["exo-cba:exchangeRoleGroups.allowOrganizationManagement"] is True
    (finding,) = [f for f in plan.findings if "Organization Management" in f]
    assert "--policy-pack-config" in finding
    (given,) = [json.loads(m) for m in re.findall(r"`(\{.*?\})`", finding)]
    ((name, settings),) = given.items()
    (policy,) = [policy for policy in p.POLICIES if policy.name == name]
    assert set(settings) <= set(policy.config_schema.properties)
    member = {"group": "Organization Management", "memberObjectId": "x"}
    assert violations(policy.validate, p.EXCHANGE_ROLE_GROUP_MEMBER, member) != []
    assert violations(policy.validate, p.EXCHANGE_ROLE_GROUP_MEMBER, member, settings) == []
