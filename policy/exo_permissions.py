"""API permissions: Exchange.ManageAsApp on Office 365 Exchange Online as an application
permission, and (GCC High, DoD) the documented Security & Compliance role; nothing else
unless the policy config allows it."""

from __future__ import annotations

from exo_facts import (
    EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID,
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_ONLINE_APP_ID,
    MICROSOFT_GRAPH_APP_ID,
    SECURITY_COMPLIANCE_APP_ID,
    SECURITY_COMPLIANCE_GOV_ROLE_ID,
)
from exo_types import (
    APP_ROLE_ASSIGNMENT,
    APPLICATION,
    APPLICATION_API_ACCESS,
    SERVICE_PRINCIPAL_GRANT,
    config,
)
from pulumi_policy import ReportViolation, ResourceValidationArgs

_PERMISSION_NAMES = {
    EXCHANGE_MANAGE_AS_APP_ROLE_ID: "Exchange.ManageAsApp",
    EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID: "full_access_as_app",
}


def _permission_problem(
    args: ResourceValidationArgs, resource_app_id: str, role_id: str, kind: str
) -> str | None:
    allow_graph = config(args, "allowMicrosoftGraph", False)
    allow_full_access = config(args, "allowFullAccessAsApp", False)
    if resource_app_id == EXCHANGE_ONLINE_APP_ID:
        if role_id == EXCHANGE_MANAGE_AS_APP_ROLE_ID and kind == "Role":
            return None
        if role_id == EXCHANGE_MANAGE_AS_APP_ROLE_ID:
            return (
                f"Exchange.ManageAsApp is requested as a delegated permission ({kind}), which "
                "no unattended script can use and admin consent does not turn into app-only "
                "access; request it as an application permission: type Role (roleIds on "
                "ApplicationApiAccess)"
            )
        if role_id == EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID and allow_full_access:
            return None
        name = _PERMISSION_NAMES.get(role_id, role_id)
        return (
            f"{name} ({kind}) on Office 365 Exchange Online is more than this app needs; "
            "request only Exchange.ManageAsApp (or set allowFullAccessAsApp in the policy "
            "config for full_access_as_app)"
        )
    if resource_app_id == SECURITY_COMPLIANCE_APP_ID:
        # GCC High / DoD: Security & Compliance app-only access (docs/clouds.md).
        if role_id == SECURITY_COMPLIANCE_GOV_ROLE_ID and kind == "Role":
            return None
        return (
            f"{role_id} ({kind}) on the Security & Compliance resource is not the "
            f"permission Microsoft documents; request only {SECURITY_COMPLIANCE_GOV_ROLE_ID} "
            "as type Role (GCC High and DoD)"
        )
    if resource_app_id == MICROSOFT_GRAPH_APP_ID:
        if allow_graph:
            return None
        return (
            "Microsoft Graph permissions are not needed for Exchange Online PowerShell; remove "
            "them (or set allowMicrosoftGraph in the policy config)"
        )
    return (
        f"permissions on {resource_app_id} are not needed; request only Exchange.ManageAsApp "
        "on Office 365 Exchange Online"
    )


def validate_exchange_permission_only(
    args: ResourceValidationArgs, report: ReportViolation
) -> None:
    if args.resource_type in (APPLICATION, APPLICATION_API_ACCESS):
        if args.resource_type == APPLICATION:
            blocks = args.props.get("requiredResourceAccesses") or []
        else:
            blocks = [
                {
                    "resourceAppId": args.props.get("apiClientId"),
                    "resourceAccesses": [
                        {"id": role, "type": "Role"} for role in args.props.get("roleIds") or []
                    ]
                    + [
                        {"id": scope, "type": "Scope"} for scope in args.props.get("scopeIds") or []
                    ],
                }
            ]
        for block in blocks:
            resource_app_id = str(block.get("resourceAppId", "")).lower()
            for access in block.get("resourceAccesses") or []:
                problem = _permission_problem(
                    args, resource_app_id, str(access.get("id", "")).lower(), access.get("type")
                )
                if problem:
                    report(f"{args.name}: {problem}.")
    elif args.resource_type == APP_ROLE_ASSIGNMENT:
        role_id = str(args.props.get("appRoleId", "")).lower()
        if role_id == EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID and not config(
            args, "allowFullAccessAsApp", False
        ):
            report(
                f"{args.name}: consent to full_access_as_app gives every mailbox. Assign only "
                "Exchange.ManageAsApp (or set allowFullAccessAsApp in the policy config)."
            )
        elif role_id not in (
            EXCHANGE_MANAGE_AS_APP_ROLE_ID,
            EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID,
            SECURITY_COMPLIANCE_GOV_ROLE_ID,
        ) and not config(args, "allowMicrosoftGraph", False):
            report(
                f"{args.name}: app role {role_id} is not Exchange.ManageAsApp. Consent only "
                "to Exchange.ManageAsApp on Office 365 Exchange Online."
            )
    elif args.resource_type == SERVICE_PRINCIPAL_GRANT:
        report(
            f"{args.name}: delegated permission grants are not needed for app-only access; "
            "remove it."
        )
