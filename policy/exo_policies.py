"""CrossGuard policies for stacks that hold Exchange Online app-only credentials.

Kept apart from the pack's __main__.py: constructing a PolicyPack starts a gRPC
server and blocks, so tests import this module and call the validate functions.

Every message says what to do instead. All policies but one are MANDATORY: the app
holds Exchange rights through client-credential sign-ins that MFA and Conditional
Access do not cover. A role group without a write scope is only ADVISORY: it may be
what the scripts need, but it should be a choice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

# `pulumi policy publish` ships policy/ alone: the ids come from a copy generated from
# exocba (policy/_generate.py), which a test keeps equal to it.
from exo_facts import (
    EXCHANGE_APP_ONLY_ROLE_NAMES,
    EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID,
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_ONLINE_APP_ID,
    FIRST_PARTY_APP_IDS,
    GITHUB_ACTIONS_ISSUER,
    GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
    KEY_VAULT_SECRETS_USER_ROLE_ID,
    MICROSOFT_GRAPH_APP_ID,
    ORGANIZATION_MANAGEMENT,
    SECURITY_COMPLIANCE_APP_ID,
    SECURITY_COMPLIANCE_GOV_ROLE_ID,
    SIGN_IN_AUDIENCE_SINGLE_TENANT,
)
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

AZUREAD = "azuread:index/"
APPLICATION = f"{AZUREAD}application:Application"
APPLICATION_REGISTRATION = f"{AZUREAD}applicationRegistration:ApplicationRegistration"
APPLICATION_API_ACCESS = f"{AZUREAD}applicationApiAccess:ApplicationApiAccess"
APPLICATION_PASSWORD = f"{AZUREAD}applicationPassword:ApplicationPassword"
APPLICATION_CERTIFICATE = f"{AZUREAD}applicationCertificate:ApplicationCertificate"
SERVICE_PRINCIPAL = f"{AZUREAD}servicePrincipal:ServicePrincipal"
SERVICE_PRINCIPAL_PASSWORD = f"{AZUREAD}servicePrincipalPassword:ServicePrincipalPassword"
SERVICE_PRINCIPAL_GRANT = (
    f"{AZUREAD}servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant"
)
APP_ROLE_ASSIGNMENT = f"{AZUREAD}appRoleAssignment:AppRoleAssignment"
DIRECTORY_ROLE_ASSIGNMENT = f"{AZUREAD}directoryRoleAssignment:DirectoryRoleAssignment"
DIRECTORY_ROLE_MEMBER = f"{AZUREAD}directoryRoleMember:DirectoryRoleMember"
DIRECTORY_ROLE_ELIGIBILITY = (
    f"{AZUREAD}directoryRoleEligibilityScheduleRequest:DirectoryRoleEligibilityScheduleRequest"
)
FEDERATED_CREDENTIAL = (
    f"{AZUREAD}applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
)
TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
AZURE_ROLE_ASSIGNMENT = "azure:authorization/assignment:Assignment"
KEY_VAULT_SECRET = "azure:keyvault/secret:Secret"  # noqa: S105 - a type token
TLS_SELF_SIGNED_CERT = "tls:index/selfSignedCert:SelfSignedCert"
# The role-group provider's types (components/exchange_rbac_provider.py).
EXCHANGE_ROLE_GROUP = "pulumi-python:dynamic/exchange:RoleGroup"
EXCHANGE_ROLE_GROUP_MEMBER = "pulumi-python:dynamic/exchange:RoleGroupMember"

MIN_RSA_BITS = 2048
DEFAULT_MAX_VALIDITY_DAYS = 730

_HONOURED_ROLES = dict(EXCHANGE_APP_ONLY_ROLE_NAMES)
_PERMISSION_NAMES = {
    EXCHANGE_MANAGE_AS_APP_ROLE_ID: "Exchange.ManageAsApp",
    EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID: "full_access_as_app",
}

Validate = Callable[[ResourceValidationArgs, ReportViolation], None]


def _config(args: ResourceValidationArgs, key: str, default: Any) -> Any:
    value = args.get_config().get(key)
    return default if value is None else value


# ------------------------------------------------------------------ no secrets


def validate_no_client_secrets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type in (APPLICATION_PASSWORD, SERVICE_PRINCIPAL_PASSWORD):
        report(
            f"{args.name}: client secrets are not allowed on this app. Sign in with a "
            "certificate (azuread.ApplicationCertificate) and remove the password resource."
        )
    elif args.resource_type == APPLICATION and args.props.get("password"):
        report(
            f"{args.name}: the application declares a password block. Remove it and use a "
            "certificate (azuread.ApplicationCertificate) instead."
        )


# ------------------------------------------------------------------ directory roles


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
    elif role_id == GLOBAL_ADMINISTRATOR_TEMPLATE_ID and not _config(
        args, "allowGlobalAdministrator", False
    ):
        report(
            f"{args.name}: Global Administrator gives this principal the whole tenant. Use "
            "Exchange Administrator, or set allowGlobalAdministrator in the policy config."
        )


# ------------------------------------------------------------------ keys and certificates


def _pem_certificate(value: Any) -> Any:
    if not isinstance(value, str) or "BEGIN CERTIFICATE" not in value:
        return None
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(value.encode())
    except ValueError:
        return None


def validate_rsa_keys(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == TLS_PRIVATE_KEY:
        algorithm = args.props.get("algorithm")
        if algorithm != "RSA":
            report(
                f"{args.name}: {algorithm} keys cannot sign in to Exchange Online app-only. "
                f"Use algorithm RSA with rsaBits of at least {MIN_RSA_BITS}."
            )
            return
        bits = int(args.props.get("rsaBits") or MIN_RSA_BITS)  # the provider defaults to 2048
        if bits < MIN_RSA_BITS:
            report(f"{args.name}: {bits}-bit RSA is too weak. Use rsaBits {MIN_RSA_BITS} or more.")
    elif args.resource_type == APPLICATION_CERTIFICATE:
        from cryptography.hazmat.primitives.asymmetric import rsa

        certificate = _pem_certificate(args.props.get("value"))
        if certificate is None:
            return  # unknown until apply, or DER/base64: checked where the key is made
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            report(f"{args.name}: the certificate's key is not RSA; register an RSA certificate.")
        elif key.key_size < MIN_RSA_BITS:
            report(
                f"{args.name}: the certificate has a {key.key_size}-bit key; register one "
                f"of at least {MIN_RSA_BITS} bits."
            )


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def validate_certificate_lifetime(args: ResourceValidationArgs, report: ReportViolation) -> None:
    max_days = int(_config(args, "maxValidityDays", DEFAULT_MAX_VALIDITY_DAYS))
    advice = f"Use at most {max_days} days and let the stack rotate (certificate.rotationDays)."
    if args.resource_type == TLS_SELF_SIGNED_CERT:
        hours = args.props.get("validityPeriodHours")
        if isinstance(hours, (int, float)) and hours > max_days * 24:
            report(f"{args.name}: the certificate is valid for {int(hours) // 24} days. {advice}")
    elif args.resource_type == APPLICATION_CERTIFICATE:
        start = _parse_time(args.props.get("startDate"))
        end = _parse_time(args.props.get("endDate"))
        certificate = _pem_certificate(args.props.get("value"))
        if certificate is not None:
            start = start or certificate.not_valid_before_utc
            end = end or certificate.not_valid_after_utc
        if start and end and (end - start).days > max_days:
            report(f"{args.name}: the credential is valid for {(end - start).days} days. {advice}")


# ------------------------------------------------------------------ tenancy


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


# ------------------------------------------------------------------ API permissions


def _permission_problem(
    args: ResourceValidationArgs, resource_app_id: str, role_id: str, kind: str
) -> str | None:
    allow_graph = _config(args, "allowMicrosoftGraph", False)
    allow_full_access = _config(args, "allowFullAccessAsApp", False)
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
        if role_id == EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID and not _config(
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
        ) and not _config(args, "allowMicrosoftGraph", False):
            report(
                f"{args.name}: app role {role_id} is not Exchange.ManageAsApp. Consent only "
                "to Exchange.ManageAsApp on Office 365 Exchange Online."
            )
    elif args.resource_type == SERVICE_PRINCIPAL_GRANT:
        report(
            f"{args.name}: delegated permission grants are not needed for app-only access; "
            "remove it."
        )


# ------------------------------------------------------------------ federation


def validate_federation_subjects(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != FEDERATED_CREDENTIAL:
        return
    issuer = str(args.props.get("issuer", ""))
    subject = str(args.props.get("subject", ""))
    if not issuer.startswith("https://"):
        report(f"{args.name}: issuer {issuer!r} is not an https URL. Trust only an OIDC issuer.")
    if "*" in subject:
        report(
            f"{args.name}: subject {subject!r} has a '*', which Entra matches literally. Name "
            "the exact subject (an environment, a branch or a tag)."
        )
    if (
        issuer == GITHUB_ACTIONS_ISSUER
        and subject.endswith(":pull_request")
        and not _config(args, "allowPullRequests", False)
    ):
        report(
            f"{args.name}: subject {subject} lets any pull request's workflow act as this "
            "tenant's Exchange administrator. Trust an environment with required reviewers "
            "(repo:OWNER/REPO:environment:NAME), or set allowPullRequests in the policy config."
        )


# ------------------------------------------------------------------ key vault


_SECRET_SCOPE = re.compile(
    r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.KeyVault/vaults/[^/]+"
    r"/secrets/[^/]+",
    re.IGNORECASE,
)


def validate_key_vault_readers(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == AZURE_ROLE_ASSIGNMENT:
        scope = str(args.props.get("scope", ""))
        role = str(args.props.get("roleDefinitionId") or args.props.get("roleDefinitionName", ""))
        if not _SECRET_SCOPE.fullmatch(scope):
            report(
                f"{args.name}: scope {scope!r} is wider than one secret; a host that reads "
                "the certificate would read everything under it. Scope the assignment to "
                "{vault id}/secrets/{name}."
            )
        if not (
            role.lower().endswith(KEY_VAULT_SECRETS_USER_ROLE_ID)
            or role == "Key Vault Secrets User"
        ):
            report(
                f"{args.name}: role {role!r} is not Key Vault Secrets User "
                f"({KEY_VAULT_SECRETS_USER_ROLE_ID}). Readers of the certificate need "
                "nothing more."
            )
    elif args.resource_type == KEY_VAULT_SECRET and not args.props.get("expirationDate"):
        report(
            f"{args.name}: the secret has no expiration date. Set it to the certificate's "
            "NotAfter, so a copy of the key cannot outlive the certificate unnoticed."
        )


# ------------------------------------------------------------------ exchange role groups


def validate_no_organization_management(
    args: ResourceValidationArgs, report: ReportViolation
) -> None:
    if args.resource_type != EXCHANGE_ROLE_GROUP_MEMBER:
        return
    group = str(args.props.get("group") or "")
    if group.casefold() == ORGANIZATION_MANAGEMENT.casefold() and not _config(
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


# ------------------------------------------------------------------ the policies


def _policy(
    name: str,
    description: str,
    validate: Validate,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        config_schema=PolicyConfigSchema(properties=dict(config)) if config else None,
    )


POLICIES: list[ResourceValidationPolicy] = [
    _policy(
        "no-client-secrets",
        "No client secrets on the app or its service principal; certificates only.",
        validate_no_client_secrets,
    ),
    _policy(
        "exchange-app-only-roles",
        "Directory roles only from those Exchange Online app-only access honours; "
        "Global Administrator only when allowed.",
        validate_exchange_roles_only,
        {"allowGlobalAdministrator": {"type": "boolean", "default": False}},
    ),
    _policy(
        "rsa-keys-2048",
        "RSA keys of at least 2048 bits; ECDSA cannot sign in to Exchange app-only.",
        validate_rsa_keys,
    ),
    _policy(
        "certificate-lifetime",
        "Certificates and key credentials valid for at most maxValidityDays (default 730).",
        validate_certificate_lifetime,
        {
            "maxValidityDays": {
                "type": "integer",
                "default": DEFAULT_MAX_VALIDITY_DAYS,
                "minimum": 1,
            }
        },
    ),
    _policy(
        "single-tenant-apps",
        "Apps are single tenant (signInAudience AzureADMyOrg).",
        validate_single_tenant,
    ),
    _policy(
        "no-first-party-service-principals",
        "Microsoft's own service principals (Exchange Online, Graph, ...) are never resources.",
        validate_no_first_party_service_principals,
    ),
    _policy(
        "exchange-manage-as-app-only",
        "API permissions limited to Exchange.ManageAsApp on Office 365 Exchange Online "
        "(and, in GCC High and DoD, the documented Security & Compliance role).",
        validate_exchange_permission_only,
        {
            "allowMicrosoftGraph": {"type": "boolean", "default": False},
            "allowFullAccessAsApp": {"type": "boolean", "default": False},
        },
    ),
    _policy(
        "federation-subjects",
        "Federated credentials trust exact subjects of https issuers; no GitHub pull_request "
        "subject unless allowed.",
        validate_federation_subjects,
        {"allowPullRequests": {"type": "boolean", "default": False}},
    ),
    _policy(
        "key-vault-readers",
        "Key Vault hand-off: readers get Key Vault Secrets User on the one secret, and the "
        "secret expires with its certificate.",
        validate_key_vault_readers,
    ),
    _policy(
        "exchange-no-organization-management",
        "The app is not put into Exchange's Organization Management role group unless allowed.",
        validate_no_organization_management,
        {"allowOrganizationManagement": {"type": "boolean", "default": False}},
    ),
    _policy(
        "exchange-role-group-write-scope",
        "A role group the stack owns has a recipient write scope (advisory: a warning).",
        validate_role_group_write_scope,
        level=EnforcementLevel.ADVISORY,
    ),
]
