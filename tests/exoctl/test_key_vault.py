"""Reading the Key Vault hand-off as a host does, against a local Key Vault stand-in."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization

from exocba.certs import thumbprint
from exoctl.key_vault import HandOffError, decode, read_hand_off, split_secret_id
from tests.conftest import rsa_key, self_signed_pem
from tests.fakes.key_vault import FixedToken, SecretVersion

NAME = "exo-cba-prod"
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def generation(not_before: dt.datetime, days: int = 30, label: str = "") -> tuple[str, str]:
    """(hand-off value, thumbprint): base64 of certificate PEM + key PEM, built here."""
    key = rsa_key(2048, label)
    cert_pem = self_signed_pem("", "exo-cba prod 72f988bf", not_before, 24 * days, key=key)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return base64.b64encode((cert_pem + key_pem).encode()).decode(), thumbprint(cert_pem)


def publish(vault, not_before: dt.datetime, **kwargs) -> tuple[SecretVersion, str]:
    value, thumb = generation(not_before, label=str(not_before))
    version = vault.put(
        NAME,
        SecretVersion(
            value,
            created=not_before,
            not_before=not_before,
            expires=not_before + dt.timedelta(days=30),
            tags={"exo-cba-thumbprint": thumb},
            **kwargs,
        ),
    )
    return version, thumb


@pytest.fixture
def reader(vault) -> FixedToken:
    credential = FixedToken()
    vault.readers.add(credential.token)
    return credential


def test_the_newest_settled_generation_is_picked(vault, reader) -> None:
    _, old = publish(vault, NOW - dt.timedelta(days=10))
    _, new = publish(vault, NOW - dt.timedelta(minutes=5))
    published = read_hand_off(vault.secret_id(NAME), reader, NOW)
    # Five minutes old: Entra may not accept it everywhere yet.
    assert (published.thumbprint, published.usable) == (old, 2)
    later = read_hand_off(vault.secret_id(NAME), reader, NOW + dt.timedelta(minutes=11))
    assert later.thumbprint == new
    assert later.tagged_thumbprint == new
    # The client answered Key Vault's challenge with the resource it named.
    assert (f"{vault.resource}/.default",) in reader.scopes


def test_a_first_generation_is_used_before_it_settles(vault, reader) -> None:
    _, only = publish(vault, NOW - dt.timedelta(minutes=2))
    assert read_hand_off(vault.secret_id(NAME), reader, NOW).thumbprint == only


def test_disabled_expired_and_unreadable_versions_are_passed_over(vault, reader) -> None:
    _, good = publish(vault, NOW - dt.timedelta(days=20))
    expired, _ = publish(vault, NOW - dt.timedelta(days=40))
    publish(vault, NOW - dt.timedelta(days=1), enabled=False)
    vault.put(NAME, SecretVersion("bm90IGEgY2VydGlmaWNhdGU=", created=NOW - dt.timedelta(days=2)))
    published = read_hand_off(vault.secret_id(NAME), reader, NOW)
    assert published.thumbprint == good
    assert len(published.skipped) == 1 and "not a certificate PEM" in published.skipped[0]
    # An expired version is not even read.
    assert not any(expired.version in r.path for r in vault.requests)


def test_refusals_say_what_to_do(vault, reader) -> None:
    with pytest.raises(HandOffError, match=r"SecretNotFound.*keyVault\.id"):
        read_hand_off(vault.secret_id(NAME), reader, NOW)
    publish(vault, NOW - dt.timedelta(days=1))
    with pytest.raises(HandOffError, match=r"403 Forbidden.*Key Vault Secrets User"):
        read_hand_off(vault.secret_id(NAME), FixedToken("someone-else"), NOW)
    with pytest.raises(HandOffError, match="no enabled version holding a certificate valid now"):
        read_hand_off(vault.secret_id(NAME), reader, NOW + dt.timedelta(days=60))


def test_values_that_are_not_a_certificate_and_its_key_are_refused() -> None:
    value, _ = generation(NOW)
    _, cert_pem, key_pem = decode(value)
    assert cert_pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    other, _ = generation(NOW, label="other")
    mixed = base64.b64encode(
        base64.b64decode(value).split(b"-----BEGIN PRIVATE")[0]
        + b"-----BEGIN PRIVATE"
        + base64.b64decode(other).split(b"-----BEGIN PRIVATE")[1]
    ).decode()
    with pytest.raises(ValueError, match="does not belong"):
        decode(mixed)
    with pytest.raises(ValueError, match="not base64"):
        decode("-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize(
    "secret_id",
    ["kv-exo-prod", "http://kv.vault.azure.net/secrets/x", "https://kv.vault.azure.net/keys/x"],
)
def test_secret_ids_are_checked(secret_id: str) -> None:
    with pytest.raises(HandOffError, match="is not a Key Vault secret id"):
        split_secret_id(secret_id)
    assert split_secret_id("https://kv.vault.azure.net/secrets/exo-cba-prod/0a1b") == (
        "https://kv.vault.azure.net",
        "exo-cba-prod",
    )


def test_an_unreachable_vault_is_named(reader) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(HandOffError, match=rf"network: cannot reach https://127.0.0.1:{port}: "):
        read_hand_off(f"https://127.0.0.1:{port}/secrets/{NAME}", reader, NOW)
