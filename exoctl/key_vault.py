"""Read the Key Vault hand-off the way a host's script does (components/key_vault.py).

azure-keyvault-secrets lists the secret's versions and reads each enabled, unexpired
one; each value is base64 of a certificate PEM and its key PEM. Of the certificates
valid now, the newest that has been valid for SETTLE_MINUTES is chosen, else the
newest: the rule of the `keyVault.connectScript` output (exocba/connect.py).
A throttled read is retried by azure-core within exoctl/retry.py's bounds.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from exocba.certs import certificate_thumbprint
from exocba.connect import SETTLE_MINUTES
from exocba.naming import TAG_THUMBPRINT
from exoctl import retry
from exoctl.errors import first_line, network_reason


class HandOffError(Exception):
    """The hand-off cannot be read; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class Published:
    version: str
    certificate: x509.Certificate
    cert_pem: bytes
    key_pem: bytes
    thumbprint: str
    tagged_thumbprint: str | None
    usable: int
    """How many versions hold a certificate valid now."""
    skipped: tuple[str, ...] = ()
    """Versions that were enabled and unexpired but held no certificate and key."""


def split_secret_id(secret_id: str) -> tuple[str, str]:
    """(vault URL, secret name) of `https://<vault>.<suffix>/secrets/<name>[/<version>]`."""
    parsed = urlparse(secret_id)
    parts = [p for p in parsed.path.split("/") if p]
    if parsed.scheme != "https" or len(parts) not in (2, 3) or parts[0] != "secrets":
        raise HandOffError(
            f"{secret_id!r} is not a Key Vault secret id "
            "(https://<vault>.vault.azure.net/secrets/<name>, the stack output keyVault.secretId)"
        )
    return f"https://{parsed.netloc}", parts[1]


def decode(value: str) -> tuple[x509.Certificate, bytes, bytes]:
    """(certificate, certificate PEM, key PEM) of a hand-off value; ValueError if not one."""
    try:
        pem = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the value is not base64") from None
    start = pem.find(b"-----BEGIN", 1)
    if not pem.startswith(b"-----BEGIN CERTIFICATE-----") or start < 0:
        raise ValueError("the value is not a certificate PEM followed by a key PEM")
    certificate = x509.load_pem_x509_certificate(pem[:start])
    key = serialization.load_pem_private_key(pem[start:], password=None)
    if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
        raise ValueError("the key does not belong to the certificate")
    return certificate, pem[:start], pem[start:]


def read_hand_off(secret_id: str, credential: Any, now: dt.datetime) -> Published:
    from azure.core.exceptions import (
        AzureError,
        ClientAuthenticationError,
        HttpResponseError,
        ResourceNotFoundError,
        ServiceRequestError,
    )
    from azure.keyvault.secrets import SecretClient

    vault_url, name = split_secret_id(secret_id)
    client = SecretClient(vault_url, credential, retry_policy=retry.azure_policy())
    found: list[tuple[x509.Certificate, bytes, bytes, str, str | None]] = []
    skipped: list[str] = []
    try:
        for properties in client.list_properties_of_secret_versions(name):
            if not properties.enabled or (properties.expires_on and properties.expires_on <= now):
                continue
            secret = client.get_secret(name, properties.version)
            try:
                certificate, cert_pem, key_pem = decode(secret.value or "")
            except ValueError as error:
                skipped.append(f"{properties.version}: {error}")
                continue
            tagged = (secret.properties.tags or {}).get(TAG_THUMBPRINT)
            found.append((certificate, cert_pem, key_pem, str(properties.version), tagged))
    except ResourceNotFoundError:
        raise HandOffError(
            f"secret {name} is not in {vault_url} (SecretNotFound): run `pulumi up` with "
            "exo-cba:keyVault.id set, or check the secret id"
        ) from None
    except ClientAuthenticationError as error:
        raise HandOffError(f"cannot sign in to Key Vault: {first_line(error)}") from None
    except ServiceRequestError as error:
        raise HandOffError(f"network: cannot reach {vault_url}: {network_reason(error)}") from None
    except HttpResponseError as error:
        if error.status_code == 403:
            raise HandOffError(
                f"this identity may not read {name} in {vault_url} (403 Forbidden): it needs "
                "Key Vault Secrets User on the secret (exo-cba:keyVault.readers), and the vault "
                "must use Azure RBAC; a new assignment takes a few minutes"
            ) from None
        raise HandOffError(
            f"Key Vault answered {error.status_code}{retry.given_up(error.status_code)}: "
            f"{first_line(error)}"
        ) from None
    except AzureError as error:  # e.g. a read that timed out
        raise HandOffError(f"cannot read {name} from {vault_url}: {first_line(error)}") from None
    valid = sorted(
        (f for f in found if f[0].not_valid_before_utc <= now < f[0].not_valid_after_utc),
        key=lambda f: f[0].not_valid_before_utc,
        reverse=True,
    )
    if not valid:
        raise HandOffError(
            f"secret {name} in {vault_url} has no enabled version holding a certificate valid "
            f"now ({len(found)} certificate(s), {len(skipped)} unreadable version(s)): run "
            "`pulumi up`"
        )
    settled = [
        f for f in valid if f[0].not_valid_before_utc <= now - dt.timedelta(minutes=SETTLE_MINUTES)
    ]
    certificate, cert_pem, key_pem, version, tagged = (settled or valid)[0]
    return Published(
        version=version,
        certificate=certificate,
        cert_pem=cert_pem,
        key_pem=key_pem,
        thumbprint=certificate_thumbprint(certificate),
        tagged_thumbprint=tagged,
        usable=len(valid),
        skipped=tuple(skipped),
    )
