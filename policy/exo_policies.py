"""CrossGuard policies for stacks that hold Exchange Online app-only credentials.

Kept apart from the pack's __main__.py: constructing a PolicyPack starts a gRPC
server and blocks, so tests import this module and call the validate functions. Each
family of policies has its module (exo_credentials, exo_directory, exo_permissions,
exo_federation, exo_key_vault, exo_role_groups); the type tokens are in exo_types.

Every message says what to do instead. All policies but one are MANDATORY: the app
holds Exchange rights through client-credential sign-ins that MFA and Conditional
Access do not cover. A role group without a write scope is only ADVISORY: it may be
what the scripts need, but it should be a choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exo_credentials import (
    DEFAULT_MAX_VALIDITY_DAYS,
    MIN_RSA_BITS,
    validate_certificate_lifetime,
    validate_no_client_secrets,
    validate_rsa_keys,
)
from exo_directory import (
    validate_exchange_roles_only,
    validate_no_first_party_service_principals,
    validate_single_tenant,
)
from exo_federation import validate_federation_subjects
from exo_key_vault import validate_key_vault_readers
from exo_permissions import validate_exchange_permission_only
from exo_role_groups import validate_no_organization_management, validate_role_group_write_scope
from exo_types import (
    APP_ROLE_ASSIGNMENT,
    APPLICATION,
    APPLICATION_API_ACCESS,
    APPLICATION_CERTIFICATE,
    APPLICATION_PASSWORD,
    APPLICATION_REGISTRATION,
    AZURE_ROLE_ASSIGNMENT,
    DIRECTORY_ROLE_ASSIGNMENT,
    DIRECTORY_ROLE_ELIGIBILITY,
    DIRECTORY_ROLE_MEMBER,
    EXCHANGE_ROLE_GROUP,
    EXCHANGE_ROLE_GROUP_MEMBER,
    FEDERATED_CREDENTIAL,
    KEY_VAULT_SECRET,
    SERVICE_PRINCIPAL,
    SERVICE_PRINCIPAL_GRANT,
    SERVICE_PRINCIPAL_PASSWORD,
    TLS_PRIVATE_KEY,
    TLS_SELF_SIGNED_CERT,
    Validate,
)
from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ResourceValidationPolicy

__all__ = [
    "APPLICATION",
    "APPLICATION_API_ACCESS",
    "APPLICATION_CERTIFICATE",
    "APPLICATION_PASSWORD",
    "APPLICATION_REGISTRATION",
    "APP_ROLE_ASSIGNMENT",
    "AZURE_ROLE_ASSIGNMENT",
    "DEFAULT_MAX_VALIDITY_DAYS",
    "DIRECTORY_ROLE_ASSIGNMENT",
    "DIRECTORY_ROLE_ELIGIBILITY",
    "DIRECTORY_ROLE_MEMBER",
    "EXCHANGE_ROLE_GROUP",
    "EXCHANGE_ROLE_GROUP_MEMBER",
    "FEDERATED_CREDENTIAL",
    "KEY_VAULT_SECRET",
    "MIN_RSA_BITS",
    "POLICIES",
    "SERVICE_PRINCIPAL",
    "SERVICE_PRINCIPAL_GRANT",
    "SERVICE_PRINCIPAL_PASSWORD",
    "TLS_PRIVATE_KEY",
    "TLS_SELF_SIGNED_CERT",
    "validate_certificate_lifetime",
    "validate_exchange_permission_only",
    "validate_exchange_roles_only",
    "validate_federation_subjects",
    "validate_key_vault_readers",
    "validate_no_client_secrets",
    "validate_no_first_party_service_principals",
    "validate_no_organization_management",
    "validate_role_group_write_scope",
    "validate_rsa_keys",
    "validate_single_tenant",
]


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
