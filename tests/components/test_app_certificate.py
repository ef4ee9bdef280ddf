"""AppCertificate: the key credential is the generated certificate, within its validity."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from exocba.certs import rfc3339 as stamp
from exocba.certs import thumbprint, whole_seconds
from exoctl.engine import is_secret, reveal
from tests.conftest import MOCK_CLOCK, run_stack, stable_guid

SIGN_IN_USES = (x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH,)

KEY = "tls:index/privateKey:PrivateKey"
CERT = "tls:index/selfSignedCert:SelfSignedCert"
CREDENTIAL = "azuread:index/applicationCertificate:ApplicationCertificate"


def test_key_and_certificate_follow_config() -> None:
    run = run_stack(
        {
            "certificate.keySize": "3072",
            "certificate.validityDays": "90",
            "certificate.rotationDays": "30",
            "certificate.subject": "exo-automation",
        }
    )
    assert run.one(KEY).inputs == {"algorithm": "RSA", "rsaBits": 3072}
    cert = reveal(run.one(CERT).inputs)
    assert cert["subject"] == {"commonName": "exo-automation"}
    assert cert["validityPeriodHours"] == 90 * 24
    assert "digital_signature" in cert["allowedUses"]


def test_credential_is_the_generated_certificate_within_its_validity() -> None:
    run = run_stack({"certificate.validityDays": "30", "certificate.rotationDays": "10"})
    credential = run.one(CREDENTIAL)
    inputs = reveal(credential.inputs)
    assert inputs["type"] == "AsymmetricX509Cert"
    assert inputs["applicationId"] == f"/applications/{stable_guid('application', 'exo-app')}"
    generated = run.outputs["certificatePem"]
    assert inputs["value"] == generated
    certificate = x509.load_pem_x509_certificate(generated.encode())
    # pulumi-tls's validity times (nanoseconds), which the provider sends to Entra as
    # RFC 3339 seconds: the certificate's own NotBefore and NotAfter.
    cert = run.one(CERT)
    tls = run.mocks.state[(cert.type, cert.name)][2]
    assert (inputs["startDate"], inputs["endDate"]) == (
        tls["validityStartTime"],
        tls["validityEndTime"],
    )
    assert whole_seconds(inputs["endDate"]) == stamp(certificate.not_valid_after_utc)
    assert whole_seconds(inputs["startDate"]) == stamp(certificate.not_valid_before_utc)
    # The lifetime comes from config; the dates from the provider, not the program's clock.
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert lifetime == dt.timedelta(days=30)
    assert certificate.not_valid_before_utc != MOCK_CLOCK
    # The certificate's public key is the generated private key's.
    key = serialization.load_pem_private_key(
        reveal(run.outputs["privateKeyPem"]).encode(), password=None
    )
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()


def test_credential_value_and_private_key_are_secret() -> None:
    run = run_stack()
    assert is_secret(run.one(CREDENTIAL).inputs["value"])
    assert is_secret(run.one(CERT).inputs["privateKeyPem"])
    assert is_secret(run.outputs["privateKeyPem"])
    assert not is_secret(run.outputs["certificatePem"])


def test_thumbprint_output_is_sha1_of_that_certificate() -> None:
    run = run_stack()
    assert run.outputs["certificateThumbprint"] == thumbprint(run.outputs["certificatePem"])


def test_the_certificate_can_sign_a_client_assertion() -> None:
    """Entra's client assertion is an RS256 signature: digital_signature and clientAuth.

    The mock builds the certificate's extensions from allowedUses, as pulumi-tls
    does, so dropping either use from ALLOWED_USES turns this red.
    """
    run = run_stack()
    certificate = x509.load_pem_x509_certificate(run.outputs["certificatePem"].encode())
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert not usage.key_cert_sign
    extended = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(extended) == list(SIGN_IN_USES)
