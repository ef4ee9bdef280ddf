"""A real self-signed certificate for the pack's key checks, made here because the
pack's tests run from a copy of policy/ alone, without the project's test helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

# A fixed start, so no certificate depends on when the tests run.
NOT_BEFORE = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)


def self_signed_pem(key: Any, days: int = 30) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policy")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_BEFORE + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()
