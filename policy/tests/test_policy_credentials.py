"""Policies on how the app signs in: no client secrets, RSA 2048, certificate lifetime."""

from __future__ import annotations

import exo_policies as p
import pytest
from certificates import self_signed_pem
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from policy_support import violations


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        (p.APPLICATION_PASSWORD, {"applicationId": "/applications/x"}),
        (p.SERVICE_PRINCIPAL_PASSWORD, {"servicePrincipalId": "/servicePrincipals/x"}),
        (p.APPLICATION, {"displayName": "a", "password": {"displayName": "from an example"}}),
    ],
)
def test_client_secrets_are_refused(resource_type: str, props: dict) -> None:
    (message,) = violations(p.validate_no_client_secrets, resource_type, props)
    assert "certificate" in message and "ApplicationCertificate" in message


def test_certificates_are_not_secrets() -> None:
    assert violations(p.validate_no_client_secrets, p.APPLICATION, {"displayName": "a"}) == []
    assert violations(p.validate_no_client_secrets, p.APPLICATION_CERTIFICATE, {"value": "x"}) == []


@pytest.mark.parametrize(
    ("props", "fragment"),
    [
        ({"algorithm": "RSA", "rsaBits": 2048}, None),
        ({"algorithm": "RSA"}, None),
        ({"algorithm": "RSA", "rsaBits": 1024}, "1024-bit RSA is too weak"),
        ({"algorithm": "ECDSA", "ecdsaCurve": "P256"}, "ECDSA keys cannot sign in"),
        ({"algorithm": "ED25519"}, "ED25519 keys cannot sign in"),
    ],
)
def test_private_keys(props: dict, fragment: str | None) -> None:
    found = violations(p.validate_rsa_keys, p.TLS_PRIVATE_KEY, props)
    assert found == [] if fragment is None else fragment in found[0]


def test_uploaded_certificates_must_be_rsa_2048() -> None:
    good = self_signed_pem(rsa.generate_private_key(65537, 2048))
    weak = self_signed_pem(rsa.generate_private_key(65537, 1024))
    elliptic = self_signed_pem(ec.generate_private_key(ec.SECP256R1()))
    check = lambda pem: violations(p.validate_rsa_keys, p.APPLICATION_CERTIFICATE, {"value": pem})  # noqa: E731
    assert check(good) == []
    assert "1024-bit key" in check(weak)[0]
    assert "not RSA" in check(elliptic)[0]
    assert check("04da6b54-80e4-46f7-96ec-b56ff0331ba9") == []  # unknown in preview


def test_certificate_lifetime_default_two_years_and_configurable() -> None:
    ten_years = {"validityPeriodHours": 3650 * 24}
    assert (
        "3650 days"
        in violations(p.validate_certificate_lifetime, p.TLS_SELF_SIGNED_CERT, ten_years)[0]
    )
    assert (
        violations(
            p.validate_certificate_lifetime,
            p.TLS_SELF_SIGNED_CERT,
            {"validityPeriodHours": 730 * 24},
        )
        == []
    )
    assert violations(
        p.validate_certificate_lifetime,
        p.TLS_SELF_SIGNED_CERT,
        {"validityPeriodHours": 365 * 24},
        {"maxValidityDays": 180},
    )
    credential = {"startDate": "2026-01-01T00:00:00Z", "endDate": "2031-01-01T00:00:00Z"}
    assert violations(p.validate_certificate_lifetime, p.APPLICATION_CERTIFICATE, credential)
