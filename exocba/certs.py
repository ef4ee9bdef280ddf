"""Pure certificate helpers: what Windows, Entra ID and openssl agree a certificate is."""

from __future__ import annotations

import datetime as dt
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization


def load_pem_certificate(pem: str | bytes) -> x509.Certificate:
    data = pem.encode() if isinstance(pem, str) else pem
    return x509.load_pem_x509_certificate(data)


def certificate_thumbprint(certificate: x509.Certificate) -> str:
    """Windows thumbprint: uppercase hex SHA-1 over the DER encoding.

    The same value `openssl x509 -fingerprint -sha1` prints, without colons, and the
    one Connect-ExchangeOnline -CertificateThumbprint looks up in the store.
    """
    der = certificate.public_bytes(serialization.Encoding.DER)
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def thumbprint(pem: str | bytes) -> str:
    """The Windows thumbprint of a PEM certificate."""
    return certificate_thumbprint(load_pem_certificate(pem))


def common_name(pem: str | bytes) -> str:
    """The certificate subject's CN (the last one, as Windows' SimpleName reads it)."""
    from cryptography.x509.oid import NameOID

    names = load_pem_certificate(pem).subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[-1].value) if names else ""


def not_after(pem: str | bytes) -> dt.datetime:
    return load_pem_certificate(pem).not_valid_after_utc


def rfc3339(moment: dt.datetime) -> str:
    """The timestamp form Entra ID stores: 2026-01-02T03:04:05Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_seconds(timestamp: str) -> str:
    """An RFC 3339 time as the certificate holds it, to the second.

    pulumi-tls's validity times are Go's time.MarshalText, with nanoseconds
    (2027-01-02T03:04:05.128026341Z); a certificate (x509 UTCTime) and Entra's
    endDateTime keep whole seconds. Truncates, as the certificate does.
    """
    return rfc3339(dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00")))


# X.509 limits a CN to 64 characters (RFC 5280 ub-common-name).
_CN_LIMIT = 64


def stack_common_name(stack: str, tenant_id: str | None) -> str:
    """The subject every generation of one stack shares, unique to the stack and tenant.

    Scripts find the current certificate by this name (connectCommandStore,
    connectCommandFolder) instead of pinning a thumbprint that changes at each rotation.
    """
    suffix = f" {tenant_id[:8]}" if tenant_id else ""
    prefix = "exo-cba "
    return f"{prefix}{stack[: _CN_LIMIT - len(prefix) - len(suffix)]}{suffix}"
