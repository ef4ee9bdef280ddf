"""Directory roles and tenancy: only the roles Exchange Online app-only access honours,
single-tenant apps, and never Microsoft's own service principals as resources."""

from __future__ import annotations

from exo_facts import (
    EXCHANGE_APP_ONLY_ROLE_NAMES,
    FIRST_PARTY_APP_IDS,
    GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
    SIGN_IN_AUDIENCE_SINGLE_TENANT,
)
from exo_types import (
    APPLICATION,
    APPLICATION_REGISTRATION,
    DIRECTORY_ROLE_ASSIGNMENT,
    DIRECTORY_ROLE_ELIGIBILITY,
    DIRECTORY_ROLE_MEMBER,
    SERVICE_PRINCIPAL,
    config,
)
from pulumi_policy import ReportViolation, ResourceValidationArgs

_HONOURED_ROLES = dict(EXCHANGE_APP_ONLY_ROLE_NAMES)


def validate_exchange_roles_only(args: ResourceValidationArgs, report: ReportViolation) -> None:
    allowed = ", ".join(_HONOURED_ROLES.values())
    if args.resource_type == DIRECTORY_ROLE_MEMBER:
        report(
            f"{args.name}: DirectoryRoleMember targets an activated role's object id. Use "
            "azuread.DirectoryRoleAssignment with the role's template id."
        )
        return
    if args.resource_type == DIRECTORY_ROLE_ASSIGNMENT:
        role_id = str(args.props.get("roleId", "")).lower()
    elif args.resource_type == DIRECTORY_ROLE_ELIGIBILITY:
        role_id = str(args.props.get("roleDefinitionId", "")).lower()
    else:
        return
    if role_id not in _HONOURED_ROLES:
        report(
            f"{args.name}: role {role_id or '(none)'} is not one Exchange Online app-only "
            f"access honours. Use one of: {allowed}."
        )
    elif role_id == GLOBAL_ADMINISTRATOR_TEMPLATE_ID and not config(
        args, "allowGlobalAdministrator", False
    ):
        report(
            f"{args.name}: Global Administrator gives this principal the whole tenant. Use "
            "Exchange Administrator, or set allowGlobalAdministrator in the policy config."
        )


def validate_single_tenant(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (APPLICATION, APPLICATION_REGISTRATION):
        return
    audience = args.props.get("signInAudience") or SIGN_IN_AUDIENCE_SINGLE_TENANT
    if audience != SIGN_IN_AUDIENCE_SINGLE_TENANT:
        report(
            f"{args.name}: signInAudience {audience} lets other tenants sign in to this app. "
            f"Set signInAudience to {SIGN_IN_AUDIENCE_SINGLE_TENANT}."
        )


def validate_no_first_party_service_principals(
    args: ResourceValidationArgs, report: ReportViolation
) -> None:
    if args.resource_type != SERVICE_PRINCIPAL:
        return
    client_id = str(args.props.get("clientId", "")).lower()
    if client_id in FIRST_PARTY_APP_IDS:
        report(
            f"{args.name}: {client_id} is Microsoft's own service principal; as a resource, a "
            "destroy deletes it from the tenant (pulumi-azuread #2045), use_existing or not. "
            "Look it up with azuread.get_service_principal instead."
        )
