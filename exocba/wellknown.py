"""Identifiers Microsoft publishes; the program and the policy pack share them.

Sources are cited per constant. Template ids of built-in roles are the same in
every tenant; object ids of service principals are not, and are looked up.
"""

from __future__ import annotations

from dataclasses import dataclass

# Office 365 Exchange Online, the resource app of Exchange.ManageAsApp.
# Source: Microsoft Learn, "App-only authentication for unattended scripts in
# Exchange Online PowerShell" (office-docs-powershell app-only-auth-powershell-v2.md).
EXCHANGE_ONLINE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"

# App role Exchange.ManageAsApp (type Role) on Office 365 Exchange Online. Same source.
EXCHANGE_MANAGE_AS_APP_ROLE_ID = "dc50a0fb-09a3-484d-be87-e023b12c6440"
EXCHANGE_MANAGE_AS_APP_ROLE_NAME = "Exchange.ManageAsApp"

# full_access_as_app (EWS full mailbox access): a look-alike that must never be
# requested. Source: app roles of the Exchange Online service principal.
EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID = "dc890d15-9560-4a4c-9b7f-a736ec74ec40"

# Microsoft Graph. Source: Microsoft Learn, "Verify first-party Microsoft
# applications in sign-in reports".
MICROSOFT_GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"

# Security & Compliance PowerShell in GCC High / DoD uses its own resource and app
# role ("Microsoft 365 GCC High or DoD environments ... use the following values for
# the requiredResourceAccess entry"). Source: the Microsoft Learn page cited for
# EXCHANGE_ONLINE_APP_ID.
SECURITY_COMPLIANCE_APP_ID = "00000007-0000-0ff1-ce00-000000000000"
SECURITY_COMPLIANCE_GOV_ROLE_ID = "455e5cd2-84e8-4751-8344-5672145dfa17"

# First-party apps whose service principals must never be declared as resources:
# a provider resource for them deletes Microsoft's service principal on destroy
# (pulumi-azuread #2045).
FIRST_PARTY_APP_IDS = frozenset(
    {EXCHANGE_ONLINE_APP_ID, MICROSOFT_GRAPH_APP_ID, SECURITY_COMPLIANCE_APP_ID}
)

# Present in `wids` of every service principal token whatever its roles.
# Source: observed in Entra-issued app tokens (exo-facts.md); never assert exact lists.
DEFAULT_SP_WID = "0997a1d0-0d1d-4acb-b408-d5ca73121e90"

# Scope and audience of Exchange Online PowerShell tokens.
EXCHANGE_SCOPE = "https://outlook.office365.com/.default"

# AzureADMyOrg: single tenant. Source: Microsoft Graph application resource type.
SIGN_IN_AUDIENCE_SINGLE_TENANT = "AzureADMyOrg"


@dataclass(frozen=True)
class DirectoryRole:
    """A built-in Entra role that Exchange Online app-only access honours."""

    name: str
    template_id: str
    exchange_online: bool
    security_compliance: bool


# Template ids from Entra's "Microsoft Entra built-in roles" reference; the
# Exchange Online / Security & Compliance columns from Microsoft's app-only
# authentication article. Only these roles are honoured by app-only access.
EXCHANGE_APP_ONLY_ROLES: tuple[DirectoryRole, ...] = (
    DirectoryRole("Exchange Administrator", "29232cdf-9323-42fd-ade2-1d097af3e4de", True, False),
    DirectoryRole(
        "Exchange Recipient Administrator", "31392ffb-586c-42d1-9346-e59415a2cc4e", True, False
    ),
    DirectoryRole("Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451", True, True),
    DirectoryRole("Security Reader", "5d6b6bb7-de71-4623-b4af-96380a352509", True, True),
    DirectoryRole("Security Administrator", "194ae4cb-b126-40b2-bd5b-6091b380977d", True, True),
    DirectoryRole("Compliance Administrator", "17315797-102d-40b4-93e0-432062caca18", True, True),
    DirectoryRole("Helpdesk Administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8", True, False),
    DirectoryRole("Global Administrator", "62e90394-69f5-4237-9190-012177145e10", True, True),
)

GLOBAL_ADMINISTRATOR_TEMPLATE_ID = "62e90394-69f5-4237-9190-012177145e10"

ROLES_BY_TEMPLATE_ID = {role.template_id: role for role in EXCHANGE_APP_ONLY_ROLES}
ROLES_BY_NAME = {role.name.casefold(): role for role in EXCHANGE_APP_ONLY_ROLES}


# GitHub Actions' OIDC issuer; the `sub` claim forms repo:OWNER/REPO:environment:NAME,
# :ref:refs/heads/BRANCH, :ref:refs/tags/TAG and :pull_request. Source: GitHub Docs,
# "About security hardening with OpenID Connect" (example subject claims).
GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"

# Entra accepts at most 20 federated identity credentials per application. Source:
# Microsoft Graph, "Create federatedIdentityCredential" ("Maximum of 20 objects can
# be added to an application").
MAX_FEDERATED_CREDENTIALS = 20
# A federated identity credential names exactly one audience. Source: Microsoft Graph,
# federatedIdentityCredential resource type, audiences ("This field can only accept a
# single value"); for managed identities ARM refuses more with
# InvalidFederatedIdentityCredentialsAudienceLength (Azure/azure-cli#31598).
AUDIENCES_PER_FEDERATED_CREDENTIAL = 1

# servicePrincipalType of a managed identity's service principal. Source: Microsoft
# Graph servicePrincipal resource type, servicePrincipalType.
MANAGED_IDENTITY_TYPE = "ManagedIdentity"

# Azure built-in role "Key Vault Secrets User": read secret contents, nothing else.
# Source: Microsoft Learn, "Azure built-in roles" (Security section).
KEY_VAULT_SECRETS_USER_ROLE_ID = "4633458b-17de-408a-b874-0445c86b69e6"

# The Exchange Online role group that holds every management role. Source: Microsoft
# Learn, "Permissions in Exchange Online" (MicrosoftDocs/OfficeDocs-Exchange,
# Exchange/ExchangeOnline/permissions-exo/permissions-exo.md at
# bc3e21e14d5d86d35264ad4361a700befb585e9b), built-in role groups table.
ORGANIZATION_MANAGEMENT = "Organization Management"
