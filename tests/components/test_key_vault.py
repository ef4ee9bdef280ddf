"""Key Vault hand-off: config, what is declared, what the secret holds, across rotations."""

from __future__ import annotations

import base64
import datetime as dt
import json
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from components.key_vault import assignment_name
from components.settings import ConfigError, load_settings
from exocba.certs import thumbprint
from exocba.naming import secret_name
from exocba.wellknown import KEY_VAULT_SECRETS_USER_ROLE_ID
from exoctl.engine import is_secret, reveal
from tests.conftest import (
    MOCK_CLOCK,
    TENANT_CONFIG,
    TENANT_ID,
    EntraMocks,
    rsa_key_pem,
    run_stack,
    self_signed_pem,
)
from tests.fakes.deployment import Deployment

SUBSCRIPTION = "0f1e2d3c-4b5a-4968-8776-655443322110"
VAULT_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-exo/providers/Microsoft.KeyVault/vaults/"
    "kv-exo-prod"
)
READER = "5d6e7f80-91a2-4b3c-8d4e-5f6071829304"
SECRET = "azure:keyvault/secret:Secret"
ASSIGNMENT = "azure:authorization/assignment:Assignment"
PROVIDER = "pulumi:providers:azure"
CONFIG = {"keyVault.id": VAULT_ID, "keyVault.readers": json.dumps([READER])}


def refused(raw: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(raw, provider=TENANT_CONFIG)
    return caught.value.problems


def decoded(value: str) -> tuple[x509.Certificate, object]:
    """The secret value as a host reads it: base64 of certificate PEM + key PEM."""
    pem = base64.b64decode(value)
    certificate = x509.load_pem_x509_certificate(pem)
    key = serialization.load_pem_private_key(pem[pem.index(b"-----BEGIN", 1) :], password=None)
    return certificate, key


# -- config ---------------------------------------------------------------------------


def test_flat_and_object_forms_read_the_same_vault() -> None:
    flat = load_settings(CONFIG, provider=TENANT_CONFIG).key_vault
    nested = load_settings(
        {"keyVault": json.dumps({"id": VAULT_ID, "readers": [READER]})}, provider=TENANT_CONFIG
    ).key_vault
    assert flat == nested
    assert flat is not None
    assert (flat.name, flat.subscription_id) == ("kv-exo-prod", SUBSCRIPTION)
    assert flat.readers == (READER,)
    assert load_settings({}, provider=TENANT_CONFIG).key_vault is None


@pytest.mark.parametrize(
    ("raw", "key", "fragment"),
    [
        ({"keyVault.id": "kv-exo-prod"}, "keyVault.id", "is not a Key Vault resource id"),
        (
            {"keyVault.id": VAULT_ID.replace("Microsoft.KeyVault/vaults", "Microsoft.Storage/x")},
            "keyVault.id",
            "is not a Key Vault resource id",
        ),
        ({"keyVault.readers": json.dumps([READER])}, "keyVault.id", "is unset, but"),
        (
            {"keyVault.id": VAULT_ID, "keyVault.readers": '["kv-reader"]'},
            "keyVault.readers",
            "is not an object id",
        ),
        (
            {"keyVault.id": VAULT_ID, "keyVault.tenantId": "contoso"},
            "keyVault.tenantId",
            "is not a tenant id",
        ),
        ({"keyVault": json.dumps({"vault": VAULT_ID})}, "keyVault.vault", "not a key"),
    ],
)
def test_bad_key_vault_config_names_the_key(raw: dict[str, str], key: str, fragment: str) -> None:
    problems = refused(raw)
    assert any(p.startswith(f"exo-cba:{key}: ") and fragment in p for p in problems), problems


def test_brought_certificates_cannot_be_handed_off() -> None:
    pem = self_signed_pem(rsa_key_pem(2048, "byo"), "byo", MOCK_CLOCK, 24 * 300)
    (problem,) = refused(
        {"keyVault.id": VAULT_ID, "certificate.publicCertificates": json.dumps([pem])}
    )
    assert problem.startswith("exo-cba:keyVault.id: is set with certificate.publicCertificates")


def test_a_missing_pulumi_azure_stops_the_run_before_anything_is_declared(monkeypatch) -> None:
    # What an interpreter without the package sees: the import system finds nothing.
    monkeypatch.setitem(sys.modules, "pulumi_azure", None)
    mocks = EntraMocks()
    with pytest.raises(ConfigError) as caught:
        run_stack(CONFIG, mocks=mocks)
    (problem,) = caught.value.problems
    assert problem.startswith("exo-cba:keyVault.id: is set, but pulumi-azure is not installed")
    assert "requirements-keyvault.txt" in problem
    assert mocks.created == []


def test_secret_names_keep_to_key_vaults_alphabet() -> None:
    assert secret_name("prod") == "exo-cba-prod"
    assert secret_name("contoso.eu_prod") == "exo-cba-contoso-eu-prod"
    assert len(secret_name("x" * 200)) == 127


# -- what the program declares ----------------------------------------------------------


def test_nothing_from_azure_without_a_vault() -> None:
    run = run_stack({})
    assert not [r for r in run.resources if r.type.startswith(("azure:", PROVIDER))]
    assert "keyVault" not in run.outputs


def test_an_explicit_provider_for_the_vaults_subscription_tenant_and_cloud() -> None:
    run = run_stack(CONFIG)
    provider = reveal(run.one(PROVIDER).inputs)
    assert provider["subscriptionId"] == SUBSCRIPTION
    assert provider["tenantId"] == TENANT_ID
    assert provider["environment"] == "public"
    assert provider["resourceProviderRegistrations"] == "none"
    features = json.loads(provider["features"])
    assert features["keyVault"]["purgeSoftDeletedSecretsOnDestroy"] is False
    for resource in run.by_type(SECRET) + run.by_type(ASSIGNMENT):
        assert resource.urn.split("::")[-1] == resource.name
    gov = run_stack(
        {
            **CONFIG,
            "azuread:environment": "usgovernmentl4",
            "organization": "contoso.onmicrosoft.us",
            "keyVault.tenantId": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
        }
    )
    gov_provider = reveal(gov.one(PROVIDER).inputs)
    assert gov_provider["environment"] == "usgovernment"
    assert gov_provider["tenantId"] == "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"


def test_the_secret_holds_the_active_certificate_and_its_key_as_a_secret() -> None:
    run = run_stack(CONFIG)
    secret = run.one(SECRET)
    assert is_secret(secret.inputs["value"])
    inputs = reveal(secret.inputs)
    assert inputs["keyVaultId"] == VAULT_ID
    assert inputs["name"] == "exo-cba-dev"
    assert inputs["contentType"] == "application/x-pem-file"
    certificate, key = decoded(inputs["value"])
    outputs = reveal(run.outputs)
    active_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    assert thumbprint(active_pem) == outputs["certificateThumbprint"]
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()
    assert inputs["tags"] == {
        "exo-cba-thumbprint": outputs["certificateThumbprint"],
        "exo-cba-not-after": outputs["certificateNotAfter"],
        "exo-cba-stack": "dev",
        "exo-cba-encoding": "base64",
    }
    # The secret's validity is the certificate's own.
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    assert inputs["notBeforeDate"] == certificate.not_valid_before_utc.strftime(stamp)
    assert inputs["expirationDate"] == certificate.not_valid_after_utc.strftime(stamp)


def test_readers_may_read_this_secret_only_with_secrets_user() -> None:
    run = run_stack(CONFIG)
    (assignment,) = run.by_type(ASSIGNMENT)
    inputs = reveal(assignment.inputs)
    scope = f"{VAULT_ID}/secrets/exo-cba-dev"
    assert inputs["scope"] == scope
    assert inputs["principalId"] == READER
    assert inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{KEY_VAULT_SECRETS_USER_ROLE_ID}"
    )
    # Deterministic, and distinct per reader and per secret.
    assert inputs["name"] == assignment_name(scope, READER)
    assert assignment_name(scope, READER) != assignment_name(scope + "2", READER)
    assert run.one(SECRET).urn in assignment.dependencies


def test_the_output_tells_hosts_where_to_look_and_holds_no_key() -> None:
    run = run_stack(CONFIG)
    assert not is_secret(run.outputs["keyVault"])
    handed = run.outputs["keyVault"]
    assert handed["vaultId"] == VAULT_ID
    assert handed["secretName"] == "exo-cba-dev"
    assert handed["secretId"] == "https://kv-exo-prod.vault.azure.net/secrets/exo-cba-dev"
    script = handed["connectScript"]
    assert "-VaultName 'kv-exo-prod' -Name 'exo-cba-dev'" in script
    common_name = x509.load_pem_x509_certificate(
        reveal(run.outputs)["certificatePem"].encode()
    ).subject.rfc4514_string()
    assert f"-eq '{common_name.removeprefix('CN=')}'" in script
    assert "PRIVATE KEY" not in json.dumps(handed)


# -- across rotations ---------------------------------------------------------------------


def test_each_rotation_is_a_new_version_of_the_same_secret(monkeypatch) -> None:
    deployment = Deployment(
        monkeypatch,
        {**CONFIG, "certificate.validityDays": "30", "certificate.rotationDays": "10"},
    )
    values, names = [], set()
    now = MOCK_CLOCK
    while now < MOCK_CLOCK + dt.timedelta(days=45):
        assert deployment.up(now).error is None
        (held,) = deployment.held(SECRET).items()
        names.add(held[0])
        certificate, _ = decoded(held[1]["value"])
        active = deployment.outputs["certificateThumbprint"]
        assert thumbprint(certificate.public_bytes(serialization.Encoding.PEM).decode()) == active
        if not values or values[-1] != held[1]["value"]:
            values.append(held[1]["value"])
        now += dt.timedelta(days=3)
    # One resource all along (an update, so Key Vault keeps the old versions), and
    # a new value at every rotation: 45 days at 10-day rotation.
    assert names == {"exo-keyvault-secret"}
    assert len(values) >= 4


def test_nothing_is_published_before_entra_holds_the_certificate(monkeypatch) -> None:
    rehearsal = Deployment(monkeypatch, CONFIG)
    rehearsal.up(MOCK_CLOCK)
    (credential,) = rehearsal.registered_certificates()
    deployment = Deployment(monkeypatch, CONFIG)
    run = deployment.up(MOCK_CLOCK, failing={credential})
    assert run.error is not None
    assert not any(t == SECRET for t, _, _ in deployment.mocks.created)
    assert "keyVault" not in deployment.outputs


def test_a_failed_rotation_leaves_the_published_certificate_alone(monkeypatch) -> None:
    config = {**CONFIG, "certificate.validityDays": "30", "certificate.rotationDays": "10"}
    deployment = Deployment(monkeypatch, config)
    deployment.up(MOCK_CLOCK)
    (before,) = deployment.held(SECRET).values()
    registered = set(deployment.registered_certificates())
    # Ten days on, the new generation's key credential is refused.
    rehearsal = Deployment(monkeypatch, config)
    rehearsal.up(MOCK_CLOCK)
    rehearsal.up(MOCK_CLOCK + dt.timedelta(days=10))
    (new_credential,) = set(rehearsal.registered_certificates()) - registered
    failed = deployment.up(MOCK_CLOCK + dt.timedelta(days=10), failing={new_credential})
    assert failed.error is not None
    (after,) = deployment.held(SECRET).values()
    assert after["value"] == before["value"]
    # The next good run publishes the new generation.
    deployment.up(MOCK_CLOCK + dt.timedelta(days=10, hours=6))
    (done,) = deployment.held(SECRET).values()
    certificate, _ = decoded(done["value"])
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    assert thumbprint(pem) == deployment.outputs["certificateThumbprint"]
    assert done["value"] != before["value"]


def test_mocks_are_entra_mocks() -> None:
    # The mock engine answers Secret like Key Vault: a new value, a new version.
    mocks = EntraMocks()
    first = mocks._Secret("s", {"keyVaultId": VAULT_ID, "name": "n", "value": "a"})[1]
    second = mocks._Secret("s", {"keyVaultId": VAULT_ID, "name": "n", "value": "b"})[1]
    assert first["versionlessId"] == second["versionlessId"]
    assert first["version"] != second["version"]
