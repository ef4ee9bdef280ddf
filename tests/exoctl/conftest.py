"""Fixtures the exoctl tests share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from tests.conftest import rsa_key, self_signed_pem
from tests.fakes.verification import PASSWORD


@pytest.fixture
def pfx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, x509.Certificate]:
    key = rsa_key(2048, "verify")
    pem = self_signed_pem(
        "", "exo-cba verify", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), 24 * 90, key=key
    )
    certificate = x509.load_pem_x509_certificate(pem.encode())
    path = tmp_path / "exo.pfx"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"exo", key, certificate, None, serialization.BestAvailableEncryption(PASSWORD.encode())
        )
    )
    monkeypatch.setenv("PFX_PASSWORD", PASSWORD)
    return path, certificate
