"""The thumbprint is what Windows and openssl call the certificate."""

from __future__ import annotations

import datetime as dt
import subprocess

from exocba.certs import not_after, rfc3339, thumbprint
from tests.conftest import rsa_key_pem, self_signed_pem


def test_thumbprint_matches_openssl_sha1_fingerprint(tmp_path) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    pem = self_signed_pem(rsa_key_pem(2048), "exo-cba test", start, 24)
    path = tmp_path / "cert.pem"
    path.write_text(pem)
    printed = subprocess.run(
        ["openssl", "x509", "-in", str(path), "-noout", "-fingerprint", "-sha1"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    expected = printed.strip().split("=", 1)[1].replace(":", "")
    assert thumbprint(pem) == expected
    assert thumbprint(pem) == thumbprint(pem.encode())
    assert len(expected) == 40 and expected == expected.upper()


def test_not_after_and_rfc3339() -> None:
    start = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    pem = self_signed_pem(rsa_key_pem(2048), "exo-cba test", start, 48)
    assert not_after(pem) == start + dt.timedelta(hours=48)
    assert rfc3339(not_after(pem)) == "2026-03-06T05:06:07Z"
