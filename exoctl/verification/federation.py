"""The token step for a pipeline: another issuer's OIDC token as the client assertion,
and which of its claims matched no federated credential."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exoctl.errors import network_reason
from exoctl.verification.result import Verification
from exoctl.verification.token import AADSTS_HELP, decode_claims, token_failed


@dataclass
class Federated:
    """Sign in as a pipeline does: another issuer's OIDC token as the client assertion,
    read fresh from a file or variable each time, as azure-identity's
    WorkloadIdentityCredential reads AZURE_FEDERATED_TOKEN_FILE."""

    read_assertion: Any  # Callable[[], str]
    declared: list[dict[str, Any]] = field(default_factory=list)
    """The stack's federatedCredentials output, to say which claim matched none."""


def token_with_federation(
    result: Verification,
    app_id: str,
    tenant_id: str,
    source: Federated,
    authority: str,
    scope: str,
) -> str | None:
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
    from azure.identity import ClientAssertionCredential

    try:
        assertion = source.read_assertion()
    except OSError as error:
        token_failed(result, f"cannot read the federated token: {error.strerror or error}")
        return None
    credential = ClientAssertionCredential(
        tenant_id, app_id, source.read_assertion, authority=authority
    )
    try:
        token = credential.get_token(scope).token
    except ClientAuthenticationError as error:
        token_failed(result, federation_message(str(error), assertion, source.declared))
        return None
    except ServiceRequestError as error:
        token_failed(result, f"network: cannot reach {authority}: {network_reason(error)}")
        return None
    claims = decode_claims(assertion)
    result.add(
        "token",
        "pass",
        f"app-only token for {scope} issued for the federated token of {claims.get('iss')} "
        f"(subject {claims.get('sub')})",
    )
    return token


FEDERATION_CODES = {
    "AADSTS700211": "issuer",
    "AADSTS700212": "audience",
    "AADSTS700213": "subject",
}


def federation_message(text: str, assertion: str, declared: list[dict[str, Any]]) -> str:
    """Which of issuer, audience or subject matched no federated credential."""
    claims = decode_claims(assertion)
    audience = claims.get("aud")
    presented = {
        "issuer": str(claims.get("iss")),
        "subject": str(claims.get("sub")),
        "audience": ", ".join(audience) if isinstance(audience, list) else str(audience),
    }
    for code, part in FEDERATION_CODES.items():
        if code in text:
            known = sorted(
                {
                    str(value)
                    for credential in declared
                    for value in (
                        credential.get("audiences", [])
                        if part == "audience"
                        else [credential.get(part)]
                    )
                }
            )
            wanted = f"; the stack declares {', '.join(known)}" if known else ""
            return (
                f"the federated token's {part} {presented[part]!r} matches no federated "
                f"credential on the app ({code}){wanted}: fix the pipeline's token or "
                "exo-cba:federatedCredentials"
            )
    for code, help_text in AADSTS_HELP.items():
        if code in text:
            return help_text
    first = " ".join(text.split())[:300]
    return f"Entra ID refused the federated token: {first}"
