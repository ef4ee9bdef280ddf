"""The pack against `exoctl adopt`: the policy config its finding gives is one the pack
reads."""

from __future__ import annotations

import json
import re

import exo_policies as p
from policy_support import violations

from exoctl.adoption.exchange import carry_role_groups
from exoctl.adoption.model import Adoption


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
