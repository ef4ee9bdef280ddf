"""Rotation through the whole program, run after run, with state kept between runs.

tests/components/test_rotation.py replays the schedule alone; this replays the
program on the mock engine and checks, at every run, what scripts are handed:
the outputs must belong to the active generation, whose key credential Entra
holds, with the dates the certificate itself carries.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from exocba.certs import thumbprint, whole_seconds
from exocba.rotation import Ledger, window_start
from tests.conftest import INITIAL_DOMAIN, MOCK_CLOCK
from tests.fakes.deployment import Deployment

CONFIG = {"certificate.validityDays": "30", "certificate.rotationDays": "10"}
ROTATION = dt.timedelta(days=10)


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_name(generation: dt.date) -> str:
    return f"exo-cert-{generation:%Y%m%d}-credential"


def check_outputs_follow_the_active_generation(deployment: Deployment, now: dt.datetime) -> None:
    outputs = deployment.outputs
    ledger = Ledger.from_output(outputs["rotationLedger"])
    assert ledger is not None
    registered = deployment.registered_certificates()
    # Every generation in the ledger is registered, and nothing else is.
    assert set(registered) == {credential_name(g) for g in ledger.generations}

    active_pem = registered[credential_name(ledger.active)]["value"]
    active = x509.load_pem_x509_certificate(active_pem.encode())
    assert outputs["certificatePem"] == active_pem
    assert outputs["certificateThumbprint"] == thumbprint(active_pem)
    assert outputs["certificateNotAfter"] == stamp(active.not_valid_after_utc)
    key = serialization.load_pem_private_key(outputs["privateKeyPem"].encode(), password=None)
    assert key.public_key().public_numbers() == active.public_key().public_numbers()
    assert f"-CertificateThumbprint {thumbprint(active_pem)} " in outputs["connectCommand"]
    assert outputs["connectCommandPfx"].endswith(f"-Organization {INITIAL_DOMAIN}")
    # The active certificate has at least a rotation period left (guarantee 1).
    assert active.not_valid_after_utc - now >= ROTATION

    listed = outputs["certificates"]
    assert [c["thumbprint"] for c in listed if c["active"]] == [thumbprint(active_pem)]
    assert {c["thumbprint"] for c in listed} == {
        thumbprint(i["value"]) for i in registered.values()
    }
    for inputs in registered.values():
        # Entra's dates are the certificate's own, read from the PEM: pulumi-tls's
        # times (nanoseconds), which the provider sends as RFC 3339 seconds.
        certificate = x509.load_pem_x509_certificate(inputs["value"].encode())
        assert whole_seconds(inputs["startDate"]) == stamp(certificate.not_valid_before_utc)
        assert whole_seconds(inputs["endDate"]) == stamp(certificate.not_valid_after_utc)


def test_outputs_belong_to_the_active_generation_at_every_run(monkeypatch) -> None:
    deployment = Deployment(monkeypatch, CONFIG)
    schedule = random.Random(20261122)
    now, actives = MOCK_CLOCK, set()
    while now < MOCK_CLOCK + dt.timedelta(days=120):
        run = deployment.up(now)
        assert run.error is None
        check_outputs_follow_the_active_generation(deployment, now)
        actives.add(deployment.outputs["certificateThumbprint"])
        now += dt.timedelta(days=schedule.randint(1, 10), hours=schedule.randint(0, 23))
    # The replay did rotate, many times.
    assert len(actives) >= 10


def test_a_failed_rotation_hands_out_nothing_entra_does_not_hold(monkeypatch) -> None:
    deployment = Deployment(monkeypatch, CONFIG)
    deployment.up(MOCK_CLOCK)
    before = dict(deployment.outputs)
    old_ledger = Ledger.from_output(before["rotationLedger"])

    # The next window: the new generation's key credential is refused.
    later = MOCK_CLOCK + ROTATION
    new_generation = old_ledger.active + ROTATION
    failed = deployment.up(later, failing={credential_name(new_generation)})
    assert failed.error is not None
    assert credential_name(new_generation) not in deployment.registered_certificates()
    # What the engine kept still names the registered certificate, and the
    # ledger still says the old generation is active.
    for key in (
        "certificateThumbprint",
        "certificatePem",
        "privateKeyPem",
        "certificateNotAfter",
        "certificates",
        "connectCommand",
        "rotationLedger",
    ):
        assert deployment.outputs[key] == before[key], key
    # The run registered no outputs at all: the exports waiting on the refused
    # credential never resolve, and the SDK registers the stack's outputs in one call.
    assert failed.outputs == {}

    # The next good run completes the rotation and keeps the old certificate.
    deployment.up(later + dt.timedelta(hours=6))
    ledger = Ledger.from_output(deployment.outputs["rotationLedger"])
    assert ledger.active == new_generation
    assert old_ledger.active in ledger.generations
    check_outputs_follow_the_active_generation(deployment, later + dt.timedelta(hours=6))


@pytest.mark.parametrize("fail_at", [1, 2, 3])
def test_repeated_failures_never_retire_the_certificate_scripts_use(monkeypatch, fail_at) -> None:
    """A credential failing fail_at runs in a row, then success: the active one survives."""
    deployment = Deployment(monkeypatch, CONFIG)
    deployment.up(MOCK_CLOCK)
    in_use = deployment.outputs["certificateThumbprint"]
    now = MOCK_CLOCK
    for _ in range(fail_at):
        now += ROTATION
        window = Ledger.from_output(deployment.outputs["rotationLedger"]).active
        generation = window + ROTATION * ((now - MOCK_CLOCK) // ROTATION)
        deployment.up(now, failing={credential_name(generation)})
        registered = {thumbprint(i["value"]) for i in deployment.registered_certificates().values()}
        assert in_use in registered
        assert deployment.outputs["certificateThumbprint"] == in_use
    deployment.up(now + dt.timedelta(hours=1))
    registered = {thumbprint(i["value"]) for i in deployment.registered_certificates().values()}
    assert in_use in registered
    check_outputs_follow_the_active_generation(deployment, now + dt.timedelta(hours=1))


@pytest.mark.parametrize("day", range(10))
def test_a_first_deploy_on_any_day_of_a_window_hands_out_a_certificate_for_a_full_period(
    monkeypatch, day
) -> None:
    """Windows count from the stack's first generation: whichever day of a 1970-based
    window the stack is first deployed on, its first certificate stays the one scripts
    get for a whole rotation period, and the ledger records the anchor."""
    epoch_window = dt.datetime.combine(
        window_start(MOCK_CLOCK, ROTATION.days), dt.time(9, 30), dt.UTC
    )
    first = epoch_window + dt.timedelta(days=day)
    deployment = Deployment(monkeypatch, CONFIG)
    deployment.up(first)
    handed_out = deployment.outputs["certificateThumbprint"]
    assert Ledger.from_output(deployment.outputs["rotationLedger"]).anchor == first.date()

    last_day = dt.datetime.combine(first.date() + ROTATION, dt.time(), dt.UTC) - dt.timedelta(
        minutes=1
    )
    deployment.up(last_day)
    check_outputs_follow_the_active_generation(deployment, last_day)
    assert deployment.outputs["certificateThumbprint"] == handed_out

    deployment.up(first + ROTATION)
    check_outputs_follow_the_active_generation(deployment, first + ROTATION)
    assert deployment.outputs["certificateThumbprint"] != handed_out
    registered = {thumbprint(i["value"]) for i in deployment.registered_certificates().values()}
    assert handed_out in registered
