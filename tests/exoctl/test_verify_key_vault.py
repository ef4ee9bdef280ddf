"""`exoctl verify --key-vault`: signing in as a host reading the Key Vault hand-off."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from exoctl import cli
from exoctl.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED
from tests.conftest import INITIAL_DOMAIN, TENANT_ID, rsa_key
from tests.fakes.verification import (
    APP_ID,
    EXCHANGE_ADMIN,
    deployed,
    explicit_args,
    hand_off,
    register,
    statuses,
)


@pytest.fixture
def host(vault, monkeypatch):
    """The host's Azure identity: may read the secret."""
    from exocba import signin
    from tests.fakes.key_vault import FixedToken

    identity = FixedToken()
    vault.readers.add(identity.token)
    monkeypatch.setattr(signin, "make_credential", lambda: identity)
    return identity


def key_vault_args(cloud, vault, *extra: str) -> list[str]:
    source = ("--key-vault", vault.secret_id("exo-cba-prod"))
    return [*explicit_args(cloud.base_url, *source), "--role", EXCHANGE_ADMIN, "--json", *extra]


def test_a_host_reading_the_hand_off_signs_in_and_reaches_exchange(
    cloud, vault, host, capsys
) -> None:
    now = dt.datetime.now(dt.UTC)
    certificate = hand_off(vault, rsa_key(2048, "kv"), now - dt.timedelta(days=1))
    register(cloud, certificate)
    code = cli.main(key_vault_args(cloud, vault))
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK, document
    assert statuses(document) == {
        "key vault": "pass",
        "token": "pass",
        "claims": "pass",
        "exchange": "pass",
    }
    from exocba.certs import certificate_thumbprint

    assert certificate_thumbprint(certificate) in document["steps"][1]["detail"]


def test_a_published_certificate_entra_does_not_hold_fails_at_the_token(
    cloud, vault, host, capsys
) -> None:
    now = dt.datetime.now(dt.UTC)
    registered = hand_off(vault, rsa_key(2048, "kv-a"), now - dt.timedelta(days=2))
    hand_off(vault, rsa_key(2048, "kv-b"), now - dt.timedelta(hours=1))  # never registered
    register(cloud, registered)
    code = cli.main(key_vault_args(cloud, vault))
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_VERIFY_FAILED
    assert statuses(document)["token"] == "fail"
    assert "AADSTS700027" in document["steps"][1]["detail"]


def test_a_value_replaced_by_hand_is_a_warning_naming_the_tag(cloud, vault, host, capsys) -> None:
    now = dt.datetime.now(dt.UTC)
    tags = {"exo-cba-thumbprint": "A" * 40}
    certificate = hand_off(vault, rsa_key(2048, "kv"), now - dt.timedelta(days=1), tags)
    register(cloud, certificate)
    code = cli.main(key_vault_args(cloud, vault))
    document = json.loads(capsys.readouterr().out)
    # The certificate still works, so verify passes; the step says what is off.
    assert code == EXIT_OK, document
    assert statuses(document)["key vault"] == "warn"
    assert f"its tag says {'A' * 40}" in document["steps"][0]["detail"]


def test_a_host_that_may_not_read_is_told_which_role(cloud, vault, capsys, monkeypatch) -> None:
    from exocba import signin
    from tests.fakes.key_vault import FixedToken

    monkeypatch.setattr(signin, "make_credential", lambda: FixedToken("not-a-reader"))
    hand_off(vault, rsa_key(2048, "kv"), dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    code = cli.main(key_vault_args(cloud, vault))
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_VERIFY_FAILED
    assert statuses(document) == {"key vault": "fail", "token": "skipped", "exchange": "skipped"}
    assert "Key Vault Secrets User" in document["steps"][0]["detail"]
    assert not [r for r in cloud.requests if "/oauth2/" in r.path]


def test_verify_stack_reads_the_secret_id_and_compares_thumbprints(
    cloud, vault, host, capsys, monkeypatch
) -> None:
    now = dt.datetime.now(dt.UTC)
    certificate = hand_off(vault, rsa_key(2048, "kv"), now - dt.timedelta(days=1))
    register(cloud, certificate)
    deployed(
        monkeypatch,
        certificateThumbprint="0" * 40,
        keyVault={"secretId": vault.secret_id("exo-cba-prod")},
    )
    args = ["verify", "--stack", "prod", "--key-vault", "--authority", cloud.base_url]
    code = cli.main([*args, "--exchange-url", cloud.base_url, "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK, document
    assert statuses(document)["key vault"] == "warn"
    assert f"the stack's active certificate is {'0' * 40}" in document["steps"][0]["detail"]


def test_key_vault_without_a_secret_id_or_stack_output_is_one_line(capsys, monkeypatch) -> None:
    from exocba import signin

    monkeypatch.setattr(signin, "make_credential", lambda: None)
    args = ["verify", "--app-id", APP_ID, "--tenant-id", TENANT_ID]
    assert cli.main([*args, "--organization", INITIAL_DOMAIN, "--key-vault"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--key-vault needs the secret id" in err and err.count("\n") == 1
    bad = ["--organization", INITIAL_DOMAIN, "--key-vault", "kv-exo-prod"]
    assert cli.main([*args, *bad]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--key-vault: 'kv-exo-prod' is not a Key Vault secret id" in err
    assert err.count("\n") == 1
