"""The whole program: outputs pipelines depend on, determinism, refusal before declaring."""

from __future__ import annotations

import json

import pytest
from cryptography import x509

from components.settings import ConfigError
from exocba.certs import thumbprint
from exoctl.engine import is_secret, reveal
from tests.conftest import (
    INITIAL_DOMAIN,
    TENANT_ID,
    EntraMocks,
    run_stack,
    stable_guid,
)

APP_ID = stable_guid("client", "exo-app")


def test_outputs_have_the_names_and_values_pipelines_use() -> None:
    run = run_stack({"roles": '["Exchange Administrator", "Global Reader"]'})
    outputs = run.outputs
    assert outputs["appId"] == APP_ID
    assert outputs["tenantId"] == TENANT_ID
    assert outputs["organization"] == INITIAL_DOMAIN
    assert outputs["servicePrincipalObjectId"] == stable_guid("servicePrincipal", "exo-sp")
    assert outputs["roles"] == [
        {"name": "Exchange Administrator", "templateId": "29232cdf-9323-42fd-ade2-1d097af3e4de"},
        {"name": "Global Reader", "templateId": "f2ef992c-3afb-46b9-b7cf-a126ee74c451"},
    ]
    pem = outputs["certificatePem"]
    assert outputs["certificateThumbprint"] == thumbprint(pem)
    not_after = x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc
    assert outputs["certificateNotAfter"] == not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert outputs["connectCommand"] == (
        f"Connect-ExchangeOnline -AppId {APP_ID} "
        f"-CertificateThumbprint {thumbprint(pem)} -Organization {INITIAL_DOMAIN}"
    )
    assert "-CertificateFilePath" in outputs["connectCommandPfx"]
    assert f"-AppId {APP_ID}" in outputs["connectCommandPfx"]
    assert f"-Organization {INITIAL_DOMAIN}" in outputs["connectCommandPfx"]
    assert is_secret(outputs["privateKeyPem"])
    # pulumi-tls's private_key_pem: PKCS#1 for an RSA key.
    assert "BEGIN RSA PRIVATE KEY" in reveal(outputs["privateKeyPem"])


def test_organization_from_config_skips_the_directory_lookup() -> None:
    mocks = EntraMocks()
    run = run_stack({"organization": "fabrikam.onmicrosoft.com"}, mocks=mocks)
    assert run.outputs["organization"] == "fabrikam.onmicrosoft.com"
    assert "fabrikam.onmicrosoft.com" in run.outputs["connectCommand"]
    assert not [c for c in mocks.calls if c[0] == "azuread:index/getDomains:getDomains"]


def test_two_runs_declare_identical_inputs_and_outputs() -> None:
    first, second = run_stack(), run_stack()
    as_set = lambda run: sorted(  # noqa: E731
        (r.type, r.name, json.dumps(reveal(r.inputs), sort_keys=True)) for r in run.resources
    )
    assert as_set(first) == as_set(second)
    assert reveal(first.outputs) == reveal(second.outputs)
    assert len(first.resources) == 10


def test_bad_config_is_refused_before_any_resource_is_declared() -> None:
    mocks = EntraMocks()
    with pytest.raises(ConfigError) as caught:
        run_stack({"roles": '["Domain Admins"]', "certificate.keySize": "1024"}, mocks=mocks)
    assert [p.split(":")[1] for p in caught.value.problems] == ["roles", "certificate.keySize"]
    assert mocks.created == []
    assert mocks.calls == []


def test_empty_roles_warns_and_declares_no_role_assignment() -> None:
    run = run_stack({"roles": "[]"})
    assert run.by_type("azuread:index/directoryRoleAssignment:DirectoryRoleAssignment") == []
    assert any("exo-cba:roles is empty" in w for w in run.warnings)


def test_app_and_service_principal_are_protected_by_default() -> None:
    run = run_stack()
    protected = sorted(r.name for r in run.resources if r.protect)
    assert protected == ["exo-app", "exo-sp"]


def test_protect_false_leaves_destroy_unguarded() -> None:
    run = run_stack({"protect": "false"})
    assert [r.name for r in run.resources if r.protect] == []


def test_destroy_cannot_touch_microsofts_service_principals() -> None:
    """Everything destroy would delete is a resource; none of them is first-party."""
    from exocba.wellknown import FIRST_PARTY_APP_IDS
    from tests.conftest import TENANT_SERVICE_PRINCIPALS

    run = run_stack({"roles": '["Exchange Administrator", "Global Reader"]'})
    first_party_object_ids = {object_id for object_id, _ in TENANT_SERVICE_PRINCIPALS.values()}
    for resource in run.resources:
        inputs = reveal(resource.inputs)
        assert inputs.get("clientId") not in FIRST_PARTY_APP_IDS, resource.name
        assert "useExisting" not in inputs, resource.name
        # A first-party object id may only be referenced (consent's resource), never managed.
        for key, value in inputs.items():
            if isinstance(value, str) and value in first_party_object_ids:
                assert (resource.type, key) == (
                    "azuread:index/appRoleAssignment:AppRoleAssignment",
                    "resourceObjectId",
                )
    lookups = [a for t, a in run.mocks.calls if t.endswith("getServicePrincipal")]
    assert lookups == [{"clientId": "00000002-0000-0ff1-ce00-000000000000"}]


def test_a_misspelt_key_in_the_namespace_is_refused_by_the_program() -> None:
    """Through the program's own config read, not only load_settings."""
    mocks = EntraMocks()
    with pytest.raises(ConfigError) as caught:
        run_stack({"certificate.validitydays": "30"}, mocks=mocks)
    (problem,) = caught.value.problems
    assert problem.startswith("exo-cba:certificate.validitydays: is not a key this program reads")
    assert mocks.created == []


def test_an_unreadable_previous_ledger_stops_the_run_before_any_certificate() -> None:
    from pulumi import RunError

    mocks = EntraMocks(previous_outputs_failure="backend unavailable")
    with pytest.raises(RunError, match="cannot read this stack's previous outputs"):
        run_stack(mocks=mocks)
    assert mocks.created == []


def test_the_certificate_object_written_by_config_set_path_drives_the_program() -> None:
    """What `pulumi config set --path exo-cba:certificate.validityDays 90` leaves."""
    run = run_stack({"certificate": json.dumps({"validityDays": 90, "keySize": 3072})})
    cert = reveal(run.one("tls:index/selfSignedCert:SelfSignedCert").inputs)
    assert cert["validityPeriodHours"] == 90 * 24
    assert reveal(run.one("tls:index/privateKey:PrivateKey").inputs)["rsaBits"] == 3072
    # rotationDays was never set: derived from validityDays, not refused.
    assert run.outputs["rotationLedger"]["rotationDays"] == 30


def test_a_tenant_id_that_is_not_a_guid_is_refused_before_anything() -> None:
    mocks = EntraMocks()
    with pytest.raises(ConfigError) as caught:
        run_stack({"azuread:tenantId": "contoso.onmicrosoft.com"}, mocks=mocks)
    (problem,) = caught.value.problems
    assert problem.startswith("azuread:tenantId: 'contoso.onmicrosoft.com' is not a tenant id")
    assert mocks.created == []


def test_the_readme_outputs_table_lists_exactly_what_the_program_exports() -> None:
    """README, "Outputs": one row per export (a row may name several), nothing more."""
    import re

    from tests.conftest import PROJECT_ROOT

    vault = (
        "/subscriptions/0f1e2d3c-4b5a-4968-8776-655443322110/resourceGroups/rg/providers/"
        "Microsoft.KeyVault/vaults/kv-exo"
    )
    # Every optional export switched on: the generated mode's key and ledger, Key Vault,
    # Exchange role groups.
    role_groups = {"exchangeRoleGroups.existing": '["View-Only Organization Management"]'}
    exported = set(run_stack({"keyVault.id": vault, **role_groups}).outputs)
    text = (PROJECT_ROOT / "README.md").read_text()
    table = text.split("\n## Outputs\n", 1)[1].split("\n## ", 1)[0]
    documented = {
        name
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Za-z]+)`", row.split("|")[1])
    }
    assert documented == exported
