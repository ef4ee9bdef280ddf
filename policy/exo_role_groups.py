"""Exchange role groups: the app stays out of Organization Management unless allowed; a
role group without a write scope is an advisory warning."""

from __future__ import annotations

from exo_facts import ORGANIZATION_MANAGEMENT
from exo_types import EXCHANGE_ROLE_GROUP, EXCHANGE_ROLE_GROUP_MEMBER, config
from pulumi_policy import ReportViolation, ResourceValidationArgs


def validate_no_organization_management(
    args: ResourceValidationArgs, report: ReportViolation
) -> None:
    if args.resource_type != EXCHANGE_ROLE_GROUP_MEMBER:
        return
    group = str(args.props.get("group") or "")
    if group.casefold() == ORGANIZATION_MANAGEMENT.casefold() and not config(
        args, "allowOrganizationManagement", False
    ):
        report(
            f"{args.name}: membership of Organization Management gives the app almost every "
            "Exchange task. Put it in a role group with only the roles its scripts need, or set "
            "allowOrganizationManagement in the policy config."
        )


def validate_role_group_write_scope(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == EXCHANGE_ROLE_GROUP and not args.props.get("writeScope"):
        report(
            f"{args.name}: the role group has no write scope, so its roles reach every "
            "recipient. Set exo-cba:exchangeRoleGroups.scopeFilter to bound them."
        )
