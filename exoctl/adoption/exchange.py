"""Hand-made Exchange role group memberships, carried into the stack config."""

from __future__ import annotations

import json

from exoctl.adoption.model import Adoption

# The policy pack does not read the stack's config: its policy
# exchange-no-organization-management (policy/exo_policies.py) has its own
# allowOrganizationManagement, given to preview and up with --policy-pack-config.
ORGANIZATION_MANAGEMENT_POLICY_CONFIG = json.dumps(
    {"exchange-no-organization-management": {"allowOrganizationManagement": True}}
)


def carry_role_groups(plan: Adoption, groups: list[str] | None) -> None:
    """Hand-made Exchange role group memberships into exchangeRoleGroups.existing.

    Dynamic-provider resources cannot be `pulumi import`ed (components/
    exchange_rbac_provider.py); the first `pulumi up` finds the service principal and the
    memberships, records them as adopted, and never removes them."""
    from exocba.exchange_rbac import (
        CENTRALLY_MANAGED_GROUPS,
        CENTRALLY_MANAGED_PREFIXES,
        ORGANIZATION_MANAGEMENT,
    )

    if groups is None:
        plan.unmanaged.append(
            "Exchange does not know the app (no Exchange service principal): no role group "
            "membership to carry"
        )
        return
    carried = [
        g
        for g in groups
        if g not in CENTRALLY_MANAGED_GROUPS and not g.startswith(CENTRALLY_MANAGED_PREFIXES)
    ]
    if not carried:
        return
    plan.config["exo-cba:exchangeRoleGroups.existing"] = carried
    if ORGANIZATION_MANAGEMENT in carried:
        plan.config["exo-cba:exchangeRoleGroups.allowOrganizationManagement"] = True
        plan.findings.append(
            "the app is a member of Organization Management, which gives it almost every "
            "Exchange task: carried so nothing breaks "
            "(exo-cba:exchangeRoleGroups.allowOrganizationManagement true); the policy pack "
            "refuses it on its own config, so give `pulumi preview` and `pulumi up` "
            "--policy-pack-config FILE, FILE holding "
            f"`{ORGANIZATION_MANAGEMENT_POLICY_CONFIG}` (the form of "
            "policy/policy-config.example.json); replace it with a role group of the roles "
            "the scripts need (exchangeRoleGroups.name and .roles)"
        )
    plan.first_preview.append(
        "the app's Exchange service principal and its membership of "
        f"{', '.join(carried)} are adopted by the first `pulumi up` (not imported: dynamic "
        "resources cannot be); the stack records them as adopted and never removes them"
    )
