"""How scripts connect: the Connect-ExchangeOnline lines built from stack outputs."""

from __future__ import annotations

# Where `exoctl export-pfx` writes by default and what the Linux line refers to.
DEFAULT_PFX_NAME = "exo-cba.pfx"


def connect_command(app_id: str, thumbprint: str, organization: str) -> str:
    """Windows: the certificate is imported into the store and found by thumbprint."""
    return (
        f"Connect-ExchangeOnline -AppId {app_id} -CertificateThumbprint {thumbprint} "
        f"-Organization {organization}"
    )


def connect_command_pfx(app_id: str, organization: str, pfx_path: str = DEFAULT_PFX_NAME) -> str:
    """PowerShell 7 on Linux/macOS (or Windows without the store): a PFX file."""
    return (
        f"Connect-ExchangeOnline -AppId {app_id} -CertificateFilePath ./{pfx_path} "
        f"-CertificatePassword (Read-Host -AsSecureString) -Organization {organization}"
    )
