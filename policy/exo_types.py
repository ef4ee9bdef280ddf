"""The resource type tokens the policies look at, and how a policy reads its config.

The role-group provider's types are those of components/exchange_rbac_provider.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exo_facts import EXCHANGE_ROLE_GROUP_MEMBER_TYPE, EXCHANGE_ROLE_GROUP_TYPE
from pulumi_policy import ReportViolation, ResourceValidationArgs

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
EXCHANGE_ROLE_GROUP = EXCHANGE_ROLE_GROUP_TYPE
EXCHANGE_ROLE_GROUP_MEMBER = EXCHANGE_ROLE_GROUP_MEMBER_TYPE

Validate = Callable[[ResourceValidationArgs, ReportViolation], None]


def config(args: ResourceValidationArgs, key: str, default: Any) -> Any:
    value = args.get_config().get(key)
    return default if value is None else value
