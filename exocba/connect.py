"""How scripts connect: the Connect-ExchangeOnline and Connect-IPPSSession lines.

Built from stack outputs and the stack's cloud (exocba/clouds.py): outside the
public cloud, Exchange Online needs -ExchangeEnvironmentName and Security &
Compliance needs -ConnectionUri and -AzureADAuthorizationEndpointUri.
"""

from __future__ import annotations

from exocba.clouds import PUBLIC, Cloud

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
    "connectCommandStore",
    "connectCommandFolder",
)

# A host picks the newest certificate that has been valid this long: Entra needs a
# few minutes before a new key credential signs in everywhere; until then the one
# before it, still registered for at least a rotation period, is used.
SETTLE_MINUTES = 15
PFX_FOLDER = "$HOME/.exo-cba"
PFX_PASSWORD_VARIABLE = "EXO_CBA_PFX_PASSWORD"  # noqa: S105 - the variable's name


def _quoted(text: str) -> str:
    """A PowerShell single-quoted string: nothing in it is expanded."""
    return "'" + text.replace("'", "''") + "'"


def _pick(source: list[str], common_name: str) -> list[str]:
    """The stack's certificates the host holds that are valid now, newest first; the
    newest that has settled, else (a first deployment) the newest."""
    return [
        "$now = Get-Date",
        *source,
        f"  Where-Object {{ $_.GetNameInfo('SimpleName', $false) -eq {_quoted(common_name)} -and",
        "    $_.HasPrivateKey -and $_.NotBefore -lt $now -and $_.NotAfter -gt $now } |",
        "  Sort-Object NotBefore -Descending",
        f"$cert = $certs | Where-Object NotBefore -lt $now.AddMinutes(-{SETTLE_MINUTES}) |",
        "  Select-Object -First 1",
        "if (-not $cert) { $cert = $certs | Select-Object -First 1 }",
    ]


def _connect_certificate(app_id: str, organization: str, cloud: Cloud) -> list[str]:
    return [
        f"Connect-ExchangeOnline -Certificate $cert -AppId {app_id} `",
        f"  -Organization {organization}{exchange_environment(cloud)}",
    ]


def connect_from_store(
    app_id: str, organization: str, common_name: str, cloud: Cloud = PUBLIC
) -> str:
    """Windows: whichever generation the store holds, found by the stack's subject.

    -Certificate with an X509Certificate2 (the reference's Example 3) rather than
    -CertificateThumbprint, which is supported only on Windows and finds one
    thumbprint: this line does not change when the certificate rotates.
    """
    return "\n".join(
        [
            *_pick(
                ["$certs = Get-ChildItem Cert:\\CurrentUser\\My, Cert:\\LocalMachine\\My |"],
                common_name,
            ),
            *_connect_certificate(app_id, organization, cloud),
        ]
    )


def connect_from_folder(
    app_id: str, organization: str, common_name: str, cloud: Cloud = PUBLIC
) -> str:
    """PowerShell 7 on Linux or macOS: a folder of the PFX files `exoctl export-pfx`
    wrote, one per generation; the password comes from an environment variable."""
    return "\n".join(
        [
            f"$pfxPassword = ConvertTo-SecureString $env:{PFX_PASSWORD_VARIABLE} "
            "-AsPlainText -Force",
            *_pick(
                [
                    f'$certs = Get-ChildItem "{PFX_FOLDER}/*.pfx" | ForEach-Object {{',
                    "    [Security.Cryptography.X509Certificates.X509Certificate2]::new(",
                    "      $_.FullName, $pfxPassword) } |",
                ],
                common_name,
            ),
            *_connect_certificate(app_id, organization, cloud),
        ]
    )


def connect_from_key_vault(
    app_id: str,
    organization: str,
    common_name: str,
    vault_name: str,
    secret_name: str,
    cloud: Cloud = PUBLIC,
) -> str:
    """PowerShell 7 with Az.KeyVault, on a host whose Azure identity may read the secret
    (components/key_vault.py): every enabled, unexpired version becomes a certificate
    with its key, and the same pick as the store and folder lines chooses among them.

    X509Certificate2.CreateFromPem (.NET 5 and later) is why PowerShell 7 is needed;
    the key lives only in the process, never in a store or a file.
    """
    environment = f" -Environment {cloud.azure_cli_cloud}" if cloud is not PUBLIC else ""
    vault = f"-VaultName {_quoted(vault_name)} -Name {_quoted(secret_name)}"
    return "\n".join(
        [
            f"Connect-AzAccount -Identity{environment} | Out-Null  # or the host's own sign-in",
            *_pick(
                [
                    f"$certs = Get-AzKeyVaultSecret {vault} -IncludeVersions |",
                    "  Where-Object { $_.Enabled -and $_.Expires -gt [DateTime]::UtcNow } |",
                    "  ForEach-Object {",
                    f"    $b64 = Get-AzKeyVaultSecret {vault} -Version $_.Version -AsPlainText",
                    "    $pem = [Text.Encoding]::ASCII.GetString(",
                    "      [Convert]::FromBase64String($b64))",
                    "    [Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem(",
                    "      $pem, $pem) } |",
                ],
                common_name,
            ),
            *_connect_certificate(app_id, organization, cloud),
        ]
    )


# How README and `exoctl export-pfx --help` spell generation_file_name's result.
GENERATION_FILE_PATTERN = "exo-cba-YYYYMMDD-xxxxxxxx.pfx"


def generation_file_name(not_before: str, thumbprint: str) -> str:
    """`exo-cba-<NotBefore date>-<thumbprint start>.pfx`: one file per generation, so a
    host's folder can hold the next certificate before it is needed."""
    return f"exo-cba-{not_before[:10].replace('-', '')}-{thumbprint[:8].lower()}.pfx"


def connect_lines(
    app_id: str,
    thumbprint: str,
    organization: str,
    common_name: str,
    cloud: Cloud = PUBLIC,
) -> dict[str, str]:
    """Every connect line, by output name (CONNECT_OUTPUTS).

    All take the thumbprint, even those that do not print it, so that the stack
    resolves them only once the active certificate is registered.
    """
    return {
        "connectCommand": connect_command(app_id, thumbprint, organization, cloud),
        "connectCommandPfx": connect_command_pfx(app_id, organization, cloud),
        "connectIppsCommand": connect_ipps_command(app_id, thumbprint, organization, cloud),
        "connectIppsCommandPfx": connect_ipps_command_pfx(app_id, organization, cloud),
        "connectCommandStore": connect_from_store(app_id, organization, common_name, cloud),
        "connectCommandFolder": connect_from_folder(app_id, organization, common_name, cloud),
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
