"""How scripts connect: the Connect-ExchangeOnline and Connect-IPPSSession lines.

Built from stack outputs and the stack's cloud (components/clouds.py): outside the
public cloud, Exchange Online needs -ExchangeEnvironmentName and Security &
Compliance needs -ConnectionUri and -AzureADAuthorizationEndpointUri.
"""

from __future__ import annotations

from components.clouds import PUBLIC, Cloud

# Where `exoctl export-pfx` writes by default and what the file lines refer to.
DEFAULT_PFX_NAME = "exo-cba.pfx"
PFX_PASSWORD = "-CertificatePassword (Read-Host -AsSecureString)"  # noqa: S105 - a prompt


def exchange_environment(cloud: Cloud) -> str:
    name = cloud.exchange_environment_name
    return f" -ExchangeEnvironmentName {name}" if name else ""


def ipps_endpoints(cloud: Cloud) -> str:
    parts = []
    if cloud.ipps_connection_uri:
        parts.append(f"-ConnectionUri {cloud.ipps_connection_uri}")
    if cloud.ipps_authorization_endpoint:
        parts.append(f"-AzureADAuthorizationEndpointUri {cloud.ipps_authorization_endpoint}")
    return "".join(f" {part}" for part in parts)


def connect_command(app_id: str, thumbprint: str, organization: str, cloud: Cloud = PUBLIC) -> str:
    """Windows: the certificate is imported into the store and found by thumbprint."""
    return (
        f"Connect-ExchangeOnline -AppId {app_id} -CertificateThumbprint {thumbprint} "
        f"-Organization {organization}{exchange_environment(cloud)}"
    )


def connect_command_pfx(
    app_id: str, organization: str, cloud: Cloud = PUBLIC, pfx_path: str = DEFAULT_PFX_NAME
) -> str:
    """PowerShell 7 on Linux/macOS (or Windows without the store): a PFX file."""
    return (
        f"Connect-ExchangeOnline -AppId {app_id} -CertificateFilePath ./{pfx_path} "
        f"{PFX_PASSWORD} -Organization {organization}{exchange_environment(cloud)}"
    )


def connect_ipps_command(
    app_id: str, thumbprint: str, organization: str, cloud: Cloud = PUBLIC
) -> str:
    """Security & Compliance PowerShell, certificate from the Windows store."""
    return (
        f"Connect-IPPSSession -AppId {app_id} -CertificateThumbprint {thumbprint} "
        f"-Organization {organization}{ipps_endpoints(cloud)}"
    )


def connect_ipps_command_pfx(
    app_id: str, organization: str, cloud: Cloud = PUBLIC, pfx_path: str = DEFAULT_PFX_NAME
) -> str:
    """Security & Compliance PowerShell with the PFX file."""
    return (
        f"Connect-IPPSSession -AppId {app_id} -CertificateFilePath ./{pfx_path} "
        f"{PFX_PASSWORD} -Organization {organization}{ipps_endpoints(cloud)}"
    )


CONNECT_OUTPUTS = (
    "connectCommand",
    "connectCommandPfx",
    "connectIppsCommand",
    "connectIppsCommandPfx",
)


def connect_lines(
    app_id: str, thumbprint: str, organization: str, cloud: Cloud = PUBLIC
) -> dict[str, str]:
    """Every connect line, by output name (CONNECT_OUTPUTS).

    All take the thumbprint, even the PFX lines that do not print it, so that the
    stack resolves them only once the active certificate is registered.
    """
    return {
        "connectCommand": connect_command(app_id, thumbprint, organization, cloud),
        "connectCommandPfx": connect_command_pfx(app_id, organization, cloud),
        "connectIppsCommand": connect_ipps_command(app_id, thumbprint, organization, cloud),
        "connectIppsCommandPfx": connect_ipps_command_pfx(app_id, organization, cloud),
    }


def connect_managed_identity(
    organization: str, cloud: Cloud = PUBLIC, account_id: str | None = None
) -> str:
    """Inside Azure, with the resource's managed identity (module 3.0 or later)."""
    account = f" -ManagedIdentityAccountId {account_id}" if account_id else ""
    return (
        f"Connect-ExchangeOnline -ManagedIdentity -Organization {organization}{account}"
        f"{exchange_environment(cloud)}"
    )


def connect_access_token(
    organization: str,
    cloud: Cloud = PUBLIC,
    token_expression: str = "$token",  # noqa: S107
) -> str:
    """With an app token the pipeline got for Exchange (module 3.1.0 or later)."""
    return (
        f"Connect-ExchangeOnline -AccessToken {token_expression} -Organization {organization}"
        f"{exchange_environment(cloud)}"
    )


def github_workflow_steps(app_id: str, tenant_id: str, organization: str, cloud: Cloud) -> str:
    """The job a GitHub workflow pastes to reach Exchange with no stored secret.

    azure/login signs in as the app with the job's OIDC token (`id-token: write`,
    `allow-no-subscriptions` because the app holds no Azure subscription role); az then
    gets a token for the cloud's Exchange resource, and the module connects with it.
    """
    login = [
        "      - uses: azure/login@v2",
        "        with:",
        f"          client-id: {app_id}",
        f"          tenant-id: {tenant_id}",
        "          allow-no-subscriptions: true",
    ]
    if cloud is not PUBLIC:
        login += [
            f"          environment: {cloud.azure_cli_cloud}",
            f"          audience: {cloud.federation_audience}",
        ]
    return "\n".join(
        [
            "    permissions:",
            "      id-token: write",
            "    steps:",
            *login,
            "      - name: Exchange Online",
            "        shell: pwsh",
            "        run: |",
            f"          $token = az account get-access-token --resource {cloud.exchange_url} "
            "--query accessToken -o tsv",
            f"          {connect_access_token(organization, cloud)}",
        ]
    )
