"""`exoctl verify`: prove the deployed credential works the way Connect-ExchangeOnline uses it.

1. token: MSAL client credentials with the PFX (or the certificate a host reads from
   the Key Vault hand-off, or a pipeline's federated token), scope {exchange-url}/.default;
2. claims: `roles` holds Exchange.ManageAsApp; `wids` should hold the assigned
   roles (a warning only: an Exchange role group can grant rights instead);
3. exchange: a read-only cmdlet through the admin REST endpoint the
   ExchangeOnlineManagement v3 module calls;
4. narrowing (with a cmdlet to refuse): a read-only cmdlet the app's Exchange role
   groups must not allow is refused, so the app holds no more than they give.

Every failure says what is wrong and what fixes it.
"""

from __future__ import annotations

from exocba.clouds import PUBLIC, Cloud
from exoctl.verification.claims import MANAGE_AS_APP, check_manage_as_app, check_wids
from exoctl.verification.exchange import expect_refusal, invoke
from exoctl.verification.federation import Federated, token_with_federation
from exoctl.verification.hand_off import KeyVaultHandOff, token_with_hand_off
from exoctl.verification.result import Step, Verification
from exoctl.verification.token import (
    TIMEOUT_SECONDS,
    Certificate,
    decode_claims,
    load_pfx_certificate,
    token_with_pfx,
)

__all__ = [
    "MANAGE_AS_APP",
    "TIMEOUT_SECONDS",
    "Certificate",
    "Federated",
    "KeyVaultHandOff",
    "Step",
    "Verification",
    "load_pfx_certificate",
    "verify",
]


def verify(
    app_id: str,
    tenant_id: str,
    organization: str,
    source: Certificate | Federated | KeyVaultHandOff,
    expected_roles: list[str],
    cloud: Cloud = PUBLIC,
    authority: str | None = None,
    exchange_url: str | None = None,
    cmdlet: str = "Get-AcceptedDomain",
    refused_cmdlet: str | None = None,
) -> Verification:
    """`authority` and `exchange_url` override the cloud's sign-in and Exchange hosts;
    the token is always asked for the cloud's Exchange resource, as the module does."""
    import requests

    result = Verification(app_id, tenant_id, organization)
    authority = (authority or cloud.authority).rstrip("/")
    exchange_url = (exchange_url or cloud.exchange_url).rstrip("/")
    scope = f"{cloud.exchange_url}/.default"
    if isinstance(source, Certificate):
        token = token_with_pfx(result, app_id, tenant_id, source, authority, scope)
    elif isinstance(source, KeyVaultHandOff):
        token = token_with_hand_off(result, app_id, tenant_id, source, authority, scope)
    else:
        token = token_with_federation(result, app_id, tenant_id, source, authority, scope)
    if token is None:
        return result

    claims = decode_claims(token)
    if not check_manage_as_app(result, claims):
        return result
    check_wids(result, claims, expected_roles)
    invoke(result, requests, token, exchange_url, organization, cmdlet)
    if refused_cmdlet:
        expect_refusal(result, requests, token, exchange_url, organization, refused_cmdlet)
    return result
