"""The key vault step: the certificate a host picks from the Key Vault hand-off secret,
then the token step with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exoctl.verification.result import Verification
from exoctl.verification.token import token_with_certificate


@dataclass
class KeyVaultHandOff:
    """Sign in as a host running the `keyVault.connectScript` output does: the
    certificate and key it picks from the hand-off secret's versions."""

    secret_id: str
    credential: Any
    """The Azure identity that reads the secret (azure-identity)."""
    now: Any = None
    """When to pick as of (datetime); None: the current time."""
    expected_thumbprint: str | None = None
    """The stack's active certificate, when known, to say if the host lags behind."""


def token_with_hand_off(
    result: Verification,
    app_id: str,
    tenant_id: str,
    source: KeyVaultHandOff,
    authority: str,
    scope: str,
) -> str | None:
    import datetime as dt

    from exocba.connect import SETTLE_MINUTES
    from exoctl.key_vault import HandOffError, read_hand_off

    now = source.now or dt.datetime.now(dt.UTC)
    try:
        published = read_hand_off(source.secret_id, source.credential, now)
    except HandOffError as error:
        result.add("key vault", "fail", str(error))
        result.add("token", "skipped", "no certificate from Key Vault")
        result.add("exchange", "skipped", "no token")
        return None
    detail = (
        f"version {published.version} of {source.secret_id}: certificate {published.thumbprint} "
        f"({published.usable} usable version(s))"
    )
    status = "pass"
    notes = []
    if published.tagged_thumbprint and published.tagged_thumbprint != published.thumbprint:
        status = "warn"
        notes.append(
            f"its tag says {published.tagged_thumbprint}: the value was changed outside the stack"
        )
    if source.expected_thumbprint and source.expected_thumbprint != published.thumbprint:
        status = "warn"
        notes.append(
            f"the stack's active certificate is {source.expected_thumbprint}: hosts pick it "
            f"once `pulumi up` has published it and it has been valid for {SETTLE_MINUTES} "
            "minutes"
        )
    if published.skipped:
        status = "warn"
        notes.append(f"unreadable version(s): {'; '.join(published.skipped)}")
    result.add("key vault", status, "; ".join([detail, *notes]))
    credential = {
        "private_key": published.key_pem.decode(),
        "thumbprint": published.thumbprint,
    }
    return token_with_certificate(
        result, app_id, tenant_id, credential, published.thumbprint, authority, scope
    )
