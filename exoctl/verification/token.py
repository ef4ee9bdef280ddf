"""The token step with a certificate: MSAL client credentials, as Connect-ExchangeOnline
signs in, and what each AADSTS refusal means."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from exocba import exchange_rest
from exocba.clouds import CLOUDS
from exoctl.errors import EXIT_USAGE, ExoctlError, network_reason
from exoctl.verification.result import Verification

# The module's headers, its endpoint and error shapes: exocba/exchange_rest.py.
TIMEOUT_SECONDS = exchange_rest.TIMEOUT_SECONDS


AADSTS_HELP = {
    "AADSTS700027": (
        "the certificate in the PFX is not registered on the app (AADSTS700027): export the "
        "active certificate (`exoctl export-pfx`) or run `pulumi up` so it is registered"
    ),
    "AADSTS700016": (
        "the app id is not known in this tenant (AADSTS700016): check --app-id/--tenant-id "
        "against the stack outputs appId and tenantId"
    ),
    "AADSTS90002": "the tenant was not found (AADSTS90002): check --tenant-id",
    "AADSTS700024": (
        "the client assertion is outside its valid time (AADSTS700024): check the clock"
    ),
    "AADSTS500011": (
        "the Exchange resource was not found in this tenant's cloud (AADSTS500011): check the "
        "stack's cloud (azuread:environment, or --cloud)"
    ),
}


def load_pfx_certificate(path: Path, password: bytes) -> Any:
    """The PFX's certificate, or None: a wrong password is a verification failure."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExoctlError(f"cannot read --pfx {path}: {error.strerror}", EXIT_USAGE) from None
    try:
        key, certificate, _ = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        return None
    return certificate if key is not None else None


def aadsts_message(result: dict[str, Any]) -> str:
    description = str(result.get("error_description", ""))
    for code, help_text in AADSTS_HELP.items():
        if code in description:
            return help_text
    first = description.splitlines()[0] if description else result.get("error", "unknown error")
    return f"Entra ID refused the token request: {first}"


def decode_claims(token: str) -> dict[str, Any]:
    import jwt

    # The client only reads its own token's claims; Exchange validates the signature.
    return jwt.decode(token, options={"verify_signature": False})


@dataclass
class Certificate:
    """Sign in as Connect-ExchangeOnline -CertificateFilePath does: the PFX."""

    pfx: Path
    password: bytes


def token_with_pfx(
    result: Verification,
    app_id: str,
    tenant_id: str,
    source: Certificate,
    authority: str,
    scope: str,
) -> str | None:
    certificate = load_pfx_certificate(source.pfx, source.password)
    if certificate is None:
        token_failed(
            result,
            f"cannot open {source.pfx}: the PFX password is wrong or the file is not a PFX; "
            "check the variable named by --password-env",
        )
        return None
    from exocba.certs import certificate_thumbprint

    credential = {
        "private_key_pfx_path": str(source.pfx),
        "passphrase": source.password.decode(),
    }
    return token_with_certificate(
        result, app_id, tenant_id, credential, certificate_thumbprint(certificate), authority, scope
    )


def token_with_certificate(
    result: Verification,
    app_id: str,
    tenant_id: str,
    client_credential: dict[str, str],
    thumbprint: str,
    authority: str,
    scope: str,
) -> str | None:
    import msal
    import requests

    known_authorities = {urlparse(c.authority).hostname for c in CLOUDS}
    try:
        app = msal.ConfidentialClientApplication(
            app_id,
            authority=f"{authority}/{tenant_id}",
            client_credential=client_credential,
            # MSAL knows Microsoft's sign-in hosts, the sovereign ones included; any
            # other authority (a stand-in, a proxy) describes itself.
            instance_discovery=urlparse(authority).hostname in known_authorities,
            timeout=TIMEOUT_SECONDS,
        )
        response = app.acquire_token_for_client(scopes=[scope])
    except requests.RequestException as error:
        token_failed(result, f"network: cannot reach {authority}: {network_reason(error)}")
        return None
    except ValueError as error:  # MSAL's own refusal, e.g. an authority it cannot use
        token_failed(result, f"MSAL refused the request: {error}")
        return None
    if "access_token" not in response:
        token_failed(result, aadsts_message(response))
        return None
    result.add(
        "token",
        "pass",
        f"app-only token for {scope} issued for certificate {thumbprint}",
    )
    return response["access_token"]


def token_failed(result: Verification, detail: str) -> Verification:
    result.add("token", "fail", detail)
    result.add("claims", "skipped", "no token")
    result.add("exchange", "skipped", "no token")
    return result
