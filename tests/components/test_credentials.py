"""CertificateCredentials in the program: generations from the ledger, and bring-your-own."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pulumi import RunError

from components.settings import ConfigError
from exocba import naming
from exocba.certs import thumbprint
from exocba.rotation import window_start
from exoctl.engine import reveal
from tests.conftest import MOCK_CLOCK, EntraMocks, rsa_key_pem, run_stack, self_signed_pem

CREDENTIAL = "azuread:index/applicationCertificate:ApplicationCertificate"
GENERATION = naming.APP_CERTIFICATE
UPLOADED = naming.UPLOADED_CERTIFICATE
R = 90
THIS_WINDOW = window_start(MOCK_CLOCK, R)


def ledger(*generations: dt.date) -> dict:
    return {
        "rotationDays": R,
        "generations": [g.isoformat() for g in generations],
        "active": max(generations).isoformat(),
    }


def without_subjects(output: dict) -> dict:
    return {k: v for k, v in output.items() if k != "subjects"}


# The subject every generation of the `dev` stack in the mocks' tenant shares.
STACK_CN = "exo-cba dev 72f988bf"


def windows_back(count: int) -> dt.date:
    return THIS_WINDOW - dt.timedelta(days=R * count)


def test_first_deployment_declares_one_generation_named_by_its_day_and_anchored_there() -> None:
    run = run_stack()
    (generation,) = run.by_type(GENERATION)
    first = MOCK_CLOCK.date()
    assert generation.name == f"exo-cert-{first:%Y%m%d}"
    # Windows count from the stack's first generation: recorded for later runs.
    assert without_subjects(run.outputs["rotationLedger"]) == {
        **ledger(first),
        "anchor": first.isoformat(),
    }
    assert run.outputs["rotationLedger"]["subjects"] == {first.isoformat(): STACK_CN}
    (only,) = run.outputs["certificates"]
    assert only["active"] is True
    assert only["thumbprint"] == run.outputs["certificateThumbprint"]
    # The read of the previous ledger asked for this very stack.
    reads = [a for t, a in run.mocks.calls if t == "pulumi:pulumi:readStackOutputs"]
    assert reads == [{"name": "organization/exo-cba/dev"}]


def test_crossing_a_boundary_adds_the_new_generation_and_retires_the_oldest() -> None:
    mocks = EntraMocks(
        previous_outputs={
            "rotationLedger": ledger(windows_back(3), windows_back(2), windows_back(1))
        }
    )
    run = run_stack(mocks=mocks)
    names = sorted(r.name for r in run.by_type(GENERATION))
    assert names == [
        f"exo-cert-{g:%Y%m%d}" for g in (windows_back(2), windows_back(1), THIS_WINDOW)
    ]
    assert len(run.by_type(CREDENTIAL)) == 3
    certificates = run.outputs["certificates"]
    assert [c["active"] for c in certificates] == [False, False, True]
    active_pem = run.outputs["certificatePem"]
    assert certificates[-1]["thumbprint"] == thumbprint(active_pem)
    assert run.outputs["rotationLedger"]["active"] == THIS_WINDOW.isoformat()
    # The exported key is the active generation's (the credential whose value is active_pem).
    active_credential = [
        r for r in run.by_type(CREDENTIAL) if reveal(r.inputs)["value"] == active_pem
    ]
    assert active_credential[0].parent.endswith(f"exo-cert-{THIS_WINDOW:%Y%m%d}")


def test_a_run_inside_the_same_window_declares_exactly_the_ledger() -> None:
    previous = ledger(windows_back(2), windows_back(1), THIS_WINDOW)
    run = run_stack(mocks=EntraMocks(previous_outputs={"rotationLedger": previous}))
    assert without_subjects(run.outputs["rotationLedger"]) == previous
    assert len(run.by_type(GENERATION)) == 3


def test_a_malformed_ledger_stops_the_run_instead_of_retiring_everything() -> None:
    mocks = EntraMocks(previous_outputs={"rotationLedger": {"generations": "oops"}})
    with pytest.raises(RunError, match="rotationLedger is malformed"):
        run_stack(mocks=mocks)
    assert not [c for c in mocks.created if c[0] == CREDENTIAL]


# ---------------------------------------------------------------- bring your own


def byo_pem(cn: str, start: dt.datetime, days: int, key=None) -> str:
    return self_signed_pem(rsa_key_pem(2048), cn, start, days * 24, key=key)


def test_bring_your_own_uploads_exactly_those_and_generates_nothing(tmp_path: Path) -> None:
    older = byo_pem("old", MOCK_CLOCK - dt.timedelta(days=300), 400)
    newer = byo_pem("new", MOCK_CLOCK - dt.timedelta(days=10), 400)
    future = byo_pem("future", MOCK_CLOCK + dt.timedelta(days=10), 400)
    (tmp_path / "newer.pem").write_text(newer)
    run = run_stack(
        {"certificate.publicCertificates": json.dumps([older, "newer.pem", future])},
        program_dir=_project_copy(tmp_path),
    )
    assert run.by_type("tls:index/privateKey:PrivateKey") == []
    assert run.by_type("tls:index/selfSignedCert:SelfSignedCert") == []
    assert "privateKeyPem" not in run.outputs and "rotationLedger" not in run.outputs
    credentials = {
        reveal(r.inputs)["value"].strip(): reveal(r.inputs) for r in run.by_type(CREDENTIAL)
    }
    assert set(credentials) == {older.strip(), newer.strip(), future.strip()}
    for pem, inputs in credentials.items():
        from cryptography import x509

        cert = x509.load_pem_x509_certificate(pem.encode())
        assert inputs["endDate"] == cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert inputs["startDate"] == cert.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert inputs["type"] == "AsymmetricX509Cert"
    # Newest *valid* is active: the future one is registered but not active yet.
    assert run.outputs["certificateThumbprint"] == thumbprint(newer)
    assert [c["active"] for c in run.outputs["certificates"]] == [False, True, False]
    assert {r.name for r in run.by_type(UPLOADED)} == {
        f"exo-cert-{thumbprint(p)[:12].lower()}" for p in (older, newer, future)
    }


def _project_copy(tmp_path: Path) -> Path:
    """The program resolves certificate paths relative to its own directory."""
    import shutil

    from tests.conftest import PROJECT_ROOT

    shutil.copy(PROJECT_ROOT / "__main__.py", tmp_path / "__main__.py")
    for package in ("components", "exocba"):
        shutil.copytree(PROJECT_ROOT / package, tmp_path / package)
    return tmp_path


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: byo_pem("gone", MOCK_CLOCK - dt.timedelta(days=400), 30), "expired on"),
        (
            lambda: byo_pem("ec", MOCK_CLOCK, 30, key=ec.generate_private_key(ec.SECP256R1())),
            "needs RSA",
        ),
        (
            lambda: byo_pem("small", MOCK_CLOCK, 30, key=rsa.generate_private_key(65537, 1024)),
            "1024-bit RSA key",
        ),
        (lambda: "-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n", "not a PEM"),
        (lambda: rsa_key_pem(2048), "contains a private key"),
        (lambda: "certs/missing.pem", "cannot be read as a file"),
    ],
)
def test_bad_brought_certificates_are_refused_naming_the_key(make, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        run_stack({"certificate.publicCertificates": json.dumps([make()])})
    (problem,) = caught.value.problems
    assert problem.startswith("exo-cba:certificate.publicCertificates: entry 1 (")
    assert fragment in problem


def test_the_same_certificate_twice_is_refused() -> None:
    pem = byo_pem("dup", MOCK_CLOCK - dt.timedelta(days=1), 30)
    with pytest.raises(ConfigError, match="entry 2 \\(inline PEM\\) repeats thumbprint"):
        run_stack({"certificate.publicCertificates": json.dumps([pem, pem])})


def test_brought_certificates_none_of_which_is_valid_yet_are_refused_naming_the_key() -> None:
    """Nothing could be active: a ConfigError naming the key, not a bare ValueError."""
    soon = byo_pem("soon", MOCK_CLOCK + dt.timedelta(days=2), 400)
    later = byo_pem("later", MOCK_CLOCK + dt.timedelta(days=20), 400)
    mocks = EntraMocks()
    with pytest.raises(ConfigError) as caught:
        run_stack({"certificate.publicCertificates": json.dumps([soon, later])}, mocks=mocks)
    (problem,) = caught.value.problems
    assert problem.startswith(
        "exo-cba:certificate.publicCertificates: none of the certificates is valid yet"
    )
    assert mocks.created == []


# ---------------------------------------------------------------- one subject per stack

CERT = "tls:index/selfSignedCert:SelfSignedCert"


def subjects_by_generation(run) -> dict[str, str]:
    return {
        r.name.removesuffix("-cert").removeprefix("exo-cert-"): reveal(r.inputs)["subject"][
            "commonName"
        ]
        for r in run.by_type(CERT)
    }


def test_generations_share_one_subject_unique_to_the_stack_and_tenant() -> None:
    previous = {**ledger(windows_back(1)), "subjects": {windows_back(1).isoformat(): STACK_CN}}
    run = run_stack(mocks=EntraMocks(previous_outputs={"rotationLedger": previous}))
    assert set(subjects_by_generation(run).values()) == {STACK_CN}
    other = run_stack(stack="fabrikam")
    assert set(subjects_by_generation(other).values()) == {"exo-cba fabrikam 72f988bf"}


def test_a_generation_made_before_subjects_were_recorded_keeps_its_subject() -> None:
    """Changing the subject scheme must not replace the certificate scripts use."""
    old = ledger(windows_back(1))  # written before ledgers recorded subjects
    run = run_stack(
        {"displayName": "EXO automation (prod)"},
        mocks=EntraMocks(previous_outputs={"rotationLedger": old}),
    )
    assert subjects_by_generation(run) == {
        f"{windows_back(1):%Y%m%d}": "EXO automation (prod)",
        f"{THIS_WINDOW:%Y%m%d}": STACK_CN,
    }
    assert run.outputs["rotationLedger"]["subjects"] == {
        windows_back(1).isoformat(): "EXO automation (prod)",
        THIS_WINDOW.isoformat(): STACK_CN,
    }


def test_an_explicit_subject_is_used_for_new_generations() -> None:
    run = run_stack({"certificate.subject": "contoso-exo"})
    assert set(subjects_by_generation(run).values()) == {"contoso-exo"}
