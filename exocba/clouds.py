"""The Microsoft clouds a stack can live in: one table the program and exoctl both read.

A stack's cloud is the azuread provider's own setting, `azuread:environment` (or
ARM_ENVIRONMENT, as the provider reads it), so one key points the provider and
everything derived here at the same cloud. Every value cites where Microsoft
documents it; docs/clouds.md repeats the table (tests keep the two in step).

Sources:
- [EXO] office-docs-powershell exchange/exchange-ps/ExchangePowerShell/Connect-ExchangeOnline.md
  (-ExchangeEnvironmentName, -ConnectionUri, -AzureADAuthorizationEndpointUri)
- [IPPS] same repository, Connect-IPPSSession.md and docs-conceptual/connect-to-scc-powershell.md
  (-ConnectionUri, -AzureADAuthorizationEndpointUri)
- [APPONLY] same repository, docs-conceptual/app-only-auth-powershell-v2.md (initial
  .onmicrosoft.com domain for -Organization; the GCC High/DoD Security & Compliance
  permission)
- [GRAPH] Microsoft Graph "National cloud deployments" (learn.microsoft.com/graph/deployments):
  Microsoft Entra ID and Microsoft Graph root endpoints
- [AZUREAD] pulumi-azuread provider config `environment`: global (public),
  usgovernmentl4 (usgovernment), usgovernmentl5 (dod), china
- [DOMAINS] Entra initial domains: contoso.onmicrosoft.com; .onmicrosoft.us in the US
  government clouds; .partner.onmschina.cn in the cloud operated by 21Vianet
- [AZ] Azure CLI cloud names (`az cloud list`; azure/login's `environment` input):
  AzureCloud, AzureUSGovernment (GCC High and DoD), AzureChinaCloud
- [EXORBAC] Exchange role groups for an app's service principal (New-ServicePrincipal,
  Add-RoleGroupMember): Microsoft's app-only article documents them without naming a
  cloud; Microsoft365DSC, Microsoft's own tooling for them, lists its EXOServicePrincipal
  and EXORoleGroup resources as supported in Global and USGov only (their settings.json,
  supportedEnvironments). No source covers Microsoft 365 operated by 21Vianet.
- [FIC] Microsoft Entra workload identity federation, audience of a federated identity
  credential per cloud (learn.microsoft.com/entra/workload-id/
  workload-identity-federation-config-app-trust-managed-identity): api://AzureADTokenExchange,
  api://AzureADTokenExchangeUSGov, api://AzureADTokenExchangeChina
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from exocba.wellknown import (
    SECURITY_COMPLIANCE_APP_ID,
    SECURITY_COMPLIANCE_GOV_ROLE_ID,
)


@dataclass(frozen=True)
class Cloud:
    name: str
    """What the stack output `cloud` and `exoctl --cloud` say."""
    title: str
    azuread_environments: tuple[str, ...]
    """Values of azuread:environment meaning this cloud; the first is canonical [AZUREAD]."""
    authority: str
    """Microsoft Entra ID sign-in host [GRAPH]."""
    graph_url: str
    """Microsoft Graph root [GRAPH]."""
    exchange_url: str
    """Exchange Online: the token resource (`{url}/.default`) and the admin REST host,
    the host of -ConnectionUri [EXO]."""
    organization_suffix: str
    """The initial domain -Organization takes ends in this [APPONLY, DOMAINS]."""
    exchange_environment_name: str | None
    """-ExchangeEnvironmentName; None where the default (O365Default) applies [EXO]."""
    ipps_connection_uri: str | None
    """Connect-IPPSSession -ConnectionUri; None where the default applies [IPPS]."""
    ipps_authorization_endpoint: str | None
    """Connect-IPPSSession -AzureADAuthorizationEndpointUri; None for the default [IPPS]."""
    federation_audience: str = "api://AzureADTokenExchange"
    """The audience a federated credential accepts by default [FIC]."""
    azure_cli_cloud: str = "AzureCloud"
    """The Azure CLI's name for the cloud [AZ]."""
    azurerm_environment: str = "public"
    """pulumi-azure's name for the cloud, for the Key Vault hand-off [AZURERM]."""
    key_vault_suffix: str = "vault.azure.net"
    """DNS suffix of vaults; also the data-plane token audience [KV]."""
    security_compliance_permission: tuple[str, str] | None = None
    """(resource app id, app role id) Security & Compliance app-only access needs in
    addition to Exchange.ManageAsApp, where Microsoft documents one [APPONLY]."""
    exchange_role_groups: bool = True
    """Whether Exchange role groups can hold the app's service principal here [EXORBAC]."""


PUBLIC = Cloud(
    name="public",
    title="Microsoft 365 (commercial) and GCC",
    azuread_environments=("global", "public"),
    authority="https://login.microsoftonline.com",
    graph_url="https://graph.microsoft.com",
    exchange_url="https://outlook.office365.com",
    organization_suffix=".onmicrosoft.com",
    exchange_environment_name=None,
    ipps_connection_uri=None,
    ipps_authorization_endpoint=None,
)
GCC_HIGH = Cloud(
    name="gcc-high",
    title="Microsoft 365 GCC High",
    azuread_environments=("usgovernmentl4", "usgovernment"),
    authority="https://login.microsoftonline.us",
    graph_url="https://graph.microsoft.us",
    exchange_url="https://outlook.office365.us",
    organization_suffix=".onmicrosoft.us",
    exchange_environment_name="O365USGovGCCHigh",
    ipps_connection_uri="https://ps.compliance.protection.office365.us/powershell-liveid/",
    ipps_authorization_endpoint="https://login.microsoftonline.us/organizations",
    federation_audience="api://AzureADTokenExchangeUSGov",
    azure_cli_cloud="AzureUSGovernment",
    azurerm_environment="usgovernment",
    key_vault_suffix="vault.usgovcloudapi.net",
    security_compliance_permission=(
        SECURITY_COMPLIANCE_APP_ID,
        SECURITY_COMPLIANCE_GOV_ROLE_ID,
    ),
)
DOD = Cloud(
    name="dod",
    title="Microsoft 365 DoD",
    azuread_environments=("usgovernmentl5", "dod"),
    authority="https://login.microsoftonline.us",
    graph_url="https://dod-graph.microsoft.us",
    exchange_url="https://webmail.apps.mil",
    organization_suffix=".onmicrosoft.us",
    exchange_environment_name="O365USGovDoD",
    # The cmdlet reference and the Security & Compliance connection article both give
    # the l5 host; the app-only article alone names compliance.dod.microsoft.com.
    ipps_connection_uri="https://l5.ps.compliance.protection.office365.us/powershell-liveid/",
    ipps_authorization_endpoint="https://login.microsoftonline.us/organizations",
    federation_audience="api://AzureADTokenExchangeUSGov",
    azure_cli_cloud="AzureUSGovernment",
    azurerm_environment="usgovernment",
    key_vault_suffix="vault.usgovcloudapi.net",
    security_compliance_permission=(
        SECURITY_COMPLIANCE_APP_ID,
        SECURITY_COMPLIANCE_GOV_ROLE_ID,
    ),
)
CHINA = Cloud(
    name="china",
    title="Microsoft 365 operated by 21Vianet",
    azuread_environments=("china",),
    authority="https://login.chinacloudapi.cn",
    graph_url="https://microsoftgraph.chinacloudapi.cn",
    exchange_url="https://partner.outlook.cn",
    organization_suffix=".partner.onmschina.cn",
    exchange_environment_name="O365China",
    ipps_connection_uri="https://ps.compliance.protection.partner.outlook.cn/powershell-liveid",
    ipps_authorization_endpoint="https://login.chinacloudapi.cn/organizations",
    federation_audience="api://AzureADTokenExchangeChina",
    azure_cli_cloud="AzureChinaCloud",
    azurerm_environment="china",
    key_vault_suffix="vault.azure.cn",
    exchange_role_groups=False,
)

CLOUDS: tuple[Cloud, ...] = (PUBLIC, GCC_HIGH, DOD, CHINA)
CLOUDS_BY_NAME = {cloud.name: cloud for cloud in CLOUDS}
_BY_ENVIRONMENT = {env: cloud for cloud in CLOUDS for env in cloud.azuread_environments}

ENVIRONMENT_KEY = "azuread:environment"
ENVIRONMENT_VARIABLE = "ARM_ENVIRONMENT"


def environment_values() -> str:
    return "; ".join(
        f"{' or '.join(cloud.azuread_environments)} ({cloud.title})" for cloud in CLOUDS
    )


def cloud_for_environment(value: str | None) -> Cloud | None:
    """The cloud an azuread environment value names; unset means public; None if unknown."""
    if value is None or not value.strip():
        return PUBLIC
    return _BY_ENVIRONMENT.get(value.strip().lower())


def resolve_environment(
    config: Mapping[str, str | None], environ: Mapping[str, str]
) -> tuple[str | None, str]:
    """(value, where it came from) as the provider resolves it: config, then ARM_ENVIRONMENT."""
    value = config.get(ENVIRONMENT_KEY)
    if value is not None and value.strip():
        return value, ENVIRONMENT_KEY
    variable = environ.get(ENVIRONMENT_VARIABLE, "")
    if variable.strip():
        return variable, ENVIRONMENT_VARIABLE
    return None, ENVIRONMENT_KEY


def cloud_named(name: str) -> Cloud:
    """For `--cloud NAME`; raises KeyError listing the names."""
    try:
        return CLOUDS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a cloud; allowed: {', '.join(CLOUDS_BY_NAME)}") from None
