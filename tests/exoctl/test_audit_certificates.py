"""`exoctl audit` telling the app's certificates apart: key identifiers, thumbprints, adoptions."""

from __future__ import annotations

import base64
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from exocba.certs import certificate_thumbprint
from exoctl.audit import thumbprint_of
from exoctl.errors import EXIT_DRIFT, EXIT_OK
from tests.conftest import TENANT_ID, rsa_key, self_signed_pem
from tests.fakes import graph as g
from tests.fakes.audit import (
    APP_ID,
    OUTPUTS,
    OWNER,
    adopting_project,
    b64_thumbprint,
    clean_directory,
    project,
    run_audit_json,
    stack_cli,
    use_outputs,
    with_hand_made_key,
)

__all__ = ["project", "stack_cli"]  # the fixtures, used by name


def certificate_der(name: str) -> tuple[bytes, str]:
    pem = self_signed_pem(
        "", name, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 24, key=rsa_key(2048, name)
    )
    certificate = x509.load_pem_x509_certificate(pem.encode())
    return certificate.public_bytes(serialization.Encoding.DER), certificate_thumbprint(certificate)


def test_custom_key_identifiers_in_base64_or_hex_and_the_certificate_fallback() -> None:
    der, expected = certificate_der("fallback")
    assert thumbprint_of({"customKeyIdentifier": b64_thumbprint(expected)}) == expected
    assert thumbprint_of({"customKeyIdentifier": expected.lower()}) == expected
    # A tool's own identifier (not 20 bytes): the certificate in `key` decides.
    own = base64.b64encode(b"exo-cba generation 2026-09-04").decode()
    assert thumbprint_of({"customKeyIdentifier": own, "key": base64.b64encode(der).decode()}) == (
        expected
    )
    assert thumbprint_of({"customKeyIdentifier": own, "key": None}) == ""


def test_a_certificate_with_its_own_identifier_is_matched_by_its_key(
    project, capsys, monkeypatch
) -> None:
    der, thumbprint = certificate_der("own-identifier")
    use_outputs(monkeypatch, {**OUTPUTS, "certificates": [{"thumbprint": thumbprint}]})
    directory = clean_directory()
    directory.applications[APP_ID]["keyCredentials"] = [
        g.key_credential(
            base64.b64encode(b"not a thumbprint").decode(),
            "own",
            key=base64.b64encode(der).decode(),
        )
    ]
    _, report = run_audit_json(capsys, monkeypatch, project, directory)
    assert report["findings"] == []


def test_a_certificate_whose_thumbprint_cannot_be_told_is_still_reported(
    project, stack_cli, capsys, monkeypatch
) -> None:
    # Its own identifier (not a thumbprint) and no certificate in `key`: nothing shows it
    # is one the stack registered, so it is someone else's.
    directory = clean_directory()
    unknown = g.key_credential(base64.b64encode(b"deploy tool v2").decode(), "tool")
    directory.applications[APP_ID]["keyCredentials"].append(unknown)
    assert thumbprint_of(unknown) == ""
    code, report = run_audit_json(capsys, monkeypatch, project, directory)
    assert (code, report["status"]) == (EXIT_DRIFT, "findings")
    (finding,) = report["findings"]
    assert (finding["category"], finding["object"]) == ("unmanaged_certificate", "application")
    assert f"certificate {unknown['keyId']} (CN=tool," in finding["detail"]


def test_a_certificate_adoption_found_is_a_low_severity_leftover(
    capsys, monkeypatch, tmp_path
) -> None:
    hand_made = "3C5D7E9F1A2B3C4D5E6F708192A3B4C5D6E7F809"
    project = adopting_project(tmp_path, "adopted", OWNER, hand_made.lower())
    use_outputs(monkeypatch, OUTPUTS)
    directory = with_hand_made_key(clean_directory(), hand_made)
    code, report = run_audit_json(capsys, monkeypatch, project, directory)
    assert (code, report["status"]) == (EXIT_OK, "clean")
    (finding,) = report["findings"]
    assert (finding["category"], finding["severity"]) == ("adopted_certificate", "low")
    assert f"certificate {hand_made} (CN=exo-handmade, ends 2027-01-10)" in finding["detail"]
    assert "exo-cba:adoptedCertificates" in finding["fix"]
    # The same certificate, not recorded by adoption, is an unexplained addition.
    use_outputs(monkeypatch, OUTPUTS)
    (project / "Pulumi.contoso.yaml").write_text(
        f"config:\n  azuread:tenantId: {TENANT_ID}\n  exo-cba:owners:\n    - {OWNER}\n"
    )
    code, report = run_audit_json(capsys, monkeypatch, project, directory)
    assert (code, report["findings"][0]["category"]) == (EXIT_DRIFT, "unmanaged_certificate")
