"""Policies on Exchange role groups."""

from __future__ import annotations

import exo_policies as p
import pytest
from policy_support import violations


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
