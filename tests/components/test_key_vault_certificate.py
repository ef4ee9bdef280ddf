"""keyVault.certificate: the active generation as a Key Vault certificate, for the VM extension."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from components.key_vault import assignment_name
from components.settings import ConfigError, load_settings
from exocba.certs import thumbprint
from exocba.naming import certificate_name, secret_name
from exocba.wellknown import KEY_VAULT_SECRETS_USER_ROLE_ID
from exoctl.engine import is_secret, reveal
from tests.conftest import MOCK_CLOCK, TENANT_CONFIG, run_stack
from tests.fakes.deployment import Deployment

SUBSCRIPTION = "0f1e2d3c-4b5a-4968-8776-655443322110"
VAULT_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-exo/providers/Microsoft.KeyVault/vaults/"
    "kv-exo-prod"
)
READER = "5d6e7f80-91a2-4b3c-8d4e-5f6071829304"
CERTIFICATE = "azure:keyvault/certificate:Certificate"
SECRET = "azure:keyvault/secret:Secret"
ASSIGNMENT = "azure:authorization/assignment:Assignment"
PROVIDER = "pulumi:providers:azure"
CONFIG = {
    "keyVault.id": VAULT_ID,
    "keyVault.readers": json.dumps([READER]),
    "keyVault.certificate": "true",
}
ROTATING = {**CONFIG, "certificate.validityDays": "30", "certificate.rotationDays": "10"}


def pem_blocks(contents: str) -> list[str]:
    """Each PEM block of the contents, BEGIN to END line."""
    blocks, current = [], []
    for line in contents.splitlines():
        current.append(line)
        if line.startswith("-----END "):
            blocks.append("\n".join(current) + "\n")
            current = []
    assert not current, "text after the last PEM block"
    return blocks


# -- config ---------------------------------------------------------------------------


def test_flat_and_object_forms_turn_it_on_and_it_is_off_by_default() -> None:
    flat = load_settings(CONFIG, provider=TENANT_CONFIG).key_vault
    nested = load_settings(
        {"keyVault": json.dumps({"id": VAULT_ID, "readers": [READER], "certificate": True})},
        provider=TENANT_CONFIG,
    ).key_vault
    assert flat == nested
    assert flat is not None and flat.certificate is True
    off = load_settings({"keyVault.id": VAULT_ID}, provider=TENANT_CONFIG).key_vault
    assert off is not None and off.certificate is False


@pytest.mark.parametrize(
    ("raw", "key", "fragment"),
    [
        ({**CONFIG, "keyVault.certificate": "yes"}, "keyVault.certificate", "is not a boolean"),
        ({"keyVault.certificate": "true"}, "keyVault.id", "keyVault.certificate is set"),
        (
            {"keyVault": json.dumps({"id": VAULT_ID, "certificate": "on"})},
            "keyVault.certificate",
            "is not a boolean",
        ),
        (
            {**CONFIG, "keyVault": json.dumps({"certificate": True})},
            "keyVault.certificate",
            "is set twice",
        ),
        (
            {"keyVault": json.dumps({"id": VAULT_ID, "certificates": True})},
            "keyVault.certificates",
            "is not a key this program reads",
        ),
    ],
)
def test_bad_certificate_config_names_the_key(raw: dict[str, str], key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(raw, provider=TENANT_CONFIG)
    problems = caught.value.problems
    assert any(p.startswith(f"exo-cba:{key}") and fragment in p for p in problems), problems


def test_the_certificates_name_is_never_the_secrets() -> None:
    # Key Vault keeps a secret named like each certificate: the two names must differ.
    for stack in ("prod", "contoso.eu_prod", "x" * 200, "prod-cert"):
        assert certificate_name(stack) != secret_name(stack)
        assert len(certificate_name(stack)) <= 127
    assert certificate_name("prod") == "exo-cba-prod-cert"


# -- what the program declares ----------------------------------------------------------


def test_no_certificate_unless_asked_and_the_provider_is_unchanged() -> None:
    run = run_stack({"keyVault.id": VAULT_ID})
    assert run.by_type(CERTIFICATE) == []
    assert "certificateName" not in run.outputs["keyVault"]
    features = json.loads(reveal(run.one(PROVIDER).inputs)["features"])
    assert features == {
        "keyVault": {"purgeSoftDeletedSecretsOnDestroy": False, "recoverSoftDeletedSecrets": True}
    }


def test_the_certificate_is_the_active_generation_imported_from_pem() -> None:
    run = run_stack(CONFIG)
    certificate = run.one(CERTIFICATE)
    assert is_secret(certificate.inputs["certificate"]["contents"])
    inputs = reveal(certificate.inputs)
    outputs = reveal(run.outputs)
    assert inputs["keyVaultId"] == VAULT_ID
    assert inputs["name"] == "exo-cba-dev-cert"
    contents = inputs["certificate"]["contents"]
    assert "\r" not in contents and set(inputs["certificate"]) == {"contents"}
    cert_pem, key_pem = pem_blocks(contents)
    assert thumbprint(cert_pem) == outputs["certificateThumbprint"]
    # PKCS#8: Key Vault refuses the PKCS#1 form pulumi-tls's private_key_pem holds.
    assert key_pem.startswith("-----BEGIN PRIVATE KEY-----\n")
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    public = x509.load_pem_x509_certificate(cert_pem.encode()).public_key()
    assert key.public_key().public_numbers() == public.public_numbers()  # type: ignore[union-attr]
    assert inputs["certificatePolicy"] == {
        "issuerParameters": {"name": "Unknown"},
        "keyProperties": {"exportable": True, "keyType": "RSA", "keySize": 2048, "reuseKey": False},
        "lifetimeActions": [
            {"action": {"actionType": "EmailContacts"}, "trigger": {"lifetimePercentage": 80}}
        ],
        "secretProperties": {"contentType": "application/x-pem-file"},
    }
    assert inputs["tags"] == {
        "exo-cba-thumbprint": outputs["certificateThumbprint"],
        "exo-cba-not-after": outputs["certificateNotAfter"],
        "exo-cba-stack": "dev",
    }
    # Deleting never purges (no purge right needed, the certificate stays recoverable),
    # and creating recovers a deleted one of the same name.
    features = json.loads(reveal(run.one(PROVIDER).inputs)["features"])["keyVault"]
    assert features["purgeSoftDeletedCertificatesOnDestroy"] is False
    assert features["recoverSoftDeletedCertificates"] is True


def test_the_key_size_follows_config_by_replacing_the_certificate() -> None:
    run = run_stack({**CONFIG, "certificate.keySize": "3072"})
    certificate = run.one(CERTIFICATE)
    assert reveal(certificate.inputs)["certificatePolicy"]["keyProperties"]["keySize"] == 3072
    _, key_pem = pem_blocks(reveal(certificate.inputs)["certificate"]["contents"])
    key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    assert key.key_size == 3072  # type: ignore[union-attr]
    # A changed policy would make azurerm ask Key Vault to issue a certificate: the key
    # size replaces it instead, deleted first since its name is taken until then.
    assert certificate.replace_on_changes == ["certificatePolicy.keyProperties.keySize"]
    assert certificate.delete_before_replace is True


def test_readers_may_read_the_certificates_secret_only() -> None:
    run = run_stack(CONFIG)
    by_scope = {reveal(a.inputs)["scope"]: a for a in run.by_type(ASSIGNMENT)}
    scope = f"{VAULT_ID}/secrets/exo-cba-dev-cert"
    assert set(by_scope) == {f"{VAULT_ID}/secrets/exo-cba-dev", scope}
    assignment = by_scope[scope]
    inputs = reveal(assignment.inputs)
    assert inputs["principalId"] == READER
    assert inputs["roleDefinitionId"] == (
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/"
        f"{KEY_VAULT_SECRETS_USER_ROLE_ID}"
    )
    assert inputs["name"] == assignment_name(scope, READER)
    assert assignment.name == f"exo-keyvault-certificate-reader-{READER}"
    assert run.one(CERTIFICATE).urn in assignment.dependencies


def test_the_output_names_the_url_the_extension_observes() -> None:
    handed = run_stack(CONFIG).outputs["keyVault"]
    assert not is_secret(handed)
    assert handed["certificateName"] == "exo-cba-dev-cert"
    assert handed["certificateSecretId"] == (
        "https://kv-exo-prod.vault.azure.net/secrets/exo-cba-dev-cert"
    )
    assert "PRIVATE KEY" not in json.dumps(handed)


# -- across rotations ---------------------------------------------------------------------


def test_each_generation_is_one_new_version_of_the_same_certificate(monkeypatch) -> None:
    deployment = Deployment(monkeypatch, ROTATING)
    versions: dict[str, str] = {}
    actives = []
    now = MOCK_CLOCK
    while now < MOCK_CLOCK + dt.timedelta(days=45):
        assert deployment.up(now).error is None
        (held,) = deployment.held(CERTIFICATE).items()
        assert held[0] == "exo-keyvault-certificate"
        active = deployment.outputs["certificateThumbprint"]
        cert_pem, _ = pem_blocks(held[1]["certificate"]["contents"])
        assert thumbprint(cert_pem) == active
        assert held[1]["tags"]["exo-cba-thumbprint"] == active
        _, _, published = deployment.mocks.state[(CERTIFICATE, "exo-keyvault-certificate")]
        versions.setdefault(active, published["version"])
        assert published["version"] == versions[active]
        if not actives or actives[-1] != active:
            actives.append(active)
        now += dt.timedelta(days=3)
    # 45 days at 10-day rotation: a new active generation, and so a new version, each time.
    assert len(actives) >= 4
    assert len(set(versions.values())) == len(actives)


def test_a_run_with_nothing_due_changes_nothing(monkeypatch) -> None:
    deployment = Deployment(monkeypatch, CONFIG)
    deployment.up(MOCK_CLOCK)
    created = len(deployment.mocks.created)
    deployment.up(MOCK_CLOCK + dt.timedelta(hours=1))
    assert deployment.mocks.created[created:] == []


def test_nothing_is_published_before_entra_holds_the_certificate(monkeypatch) -> None:
    rehearsal = Deployment(monkeypatch, CONFIG)
    rehearsal.up(MOCK_CLOCK)
    (credential,) = rehearsal.registered_certificates()
    deployment = Deployment(monkeypatch, CONFIG)
    run = deployment.up(MOCK_CLOCK, failing={credential})
    assert run.error is not None
    assert not any(t in (CERTIFICATE, SECRET) for t, _, _ in deployment.mocks.created)
    assert "keyVault" not in deployment.outputs


def test_a_failed_rotation_leaves_the_published_certificate_alone(monkeypatch) -> None:
    deployment = Deployment(monkeypatch, ROTATING)
    deployment.up(MOCK_CLOCK)
    (before,) = deployment.held(CERTIFICATE).values()
    registered = set(deployment.registered_certificates())
    rehearsal = Deployment(monkeypatch, ROTATING)
    rehearsal.up(MOCK_CLOCK)
    rehearsal.up(MOCK_CLOCK + dt.timedelta(days=10))
    (new_credential,) = set(rehearsal.registered_certificates()) - registered
    failed = deployment.up(MOCK_CLOCK + dt.timedelta(days=10), failing={new_credential})
    assert failed.error is not None
    (after,) = deployment.held(CERTIFICATE).values()
    assert after == before
    deployment.up(MOCK_CLOCK + dt.timedelta(days=10, hours=6))
    (done,) = deployment.held(CERTIFICATE).values()
    cert_pem, _ = pem_blocks(done["certificate"]["contents"])
    assert thumbprint(cert_pem) == deployment.outputs["certificateThumbprint"]
    assert done != before
