"""What the Key Vault hand-off sends, checked against pulumi-azure's published metadata.

tests/fixtures/pulumi-azure/ holds the bridge's renames for these resources: a Pulumi
property either appears there with its azurerm name, or keeps its azurerm name (one
lowercase word). The certificate's blocks are nested types with renames of their own,
checked the same way at every level. Provider config keys added after that metadata
was written are checked against the provider SDK, which Pulumi generates from the
same schema.
"""

from __future__ import annotations

import inspect
import json
import re

import pulumi_azure

from exoctl.engine import reveal
from tests.conftest import PROJECT_ROOT, run_stack

METADATA = json.loads(
    (PROJECT_ROOT / "tests/fixtures/pulumi-azure/bridge-metadata-excerpt.json").read_text()
)
VAULT_ID = (
    "/subscriptions/0f1e2d3c-4b5a-4968-8776-655443322110/resourceGroups/rg/providers/"
    "Microsoft.KeyVault/vaults/kv-exo"
)
CERTIFICATE = "azure:keyvault/certificate:Certificate"
AZURERM = {
    "azure:keyvault/secret:Secret": "azurerm_key_vault_secret",
    CERTIFICATE: "azurerm_key_vault_certificate",
    "azure:authorization/assignment:Assignment": "azurerm_role_assignment",
}
# (type, property) -> the nested type its value has, as pulumi-azure names them.
_POLICY = "azure:keyvault/CertificateCertificatePolicy:CertificateCertificatePolicy"
_ACTION = (
    "azure:keyvault/CertificateCertificatePolicyLifetimeAction:"
    "CertificateCertificatePolicyLifetimeAction"
)
NESTED = {
    (CERTIFICATE, "certificate"): "azure:keyvault/CertificateCertificate:CertificateCertificate",
    (CERTIFICATE, "certificatePolicy"): _POLICY,
    (_POLICY, "issuerParameters"): "CertificateCertificatePolicyIssuerParameters",
    (_POLICY, "keyProperties"): "CertificateCertificatePolicyKeyProperties",
    (_POLICY, "lifetimeActions"): _ACTION,
    (_POLICY, "secretProperties"): "CertificateCertificatePolicySecretProperties",
    (_ACTION, "action"): "CertificateCertificatePolicyLifetimeActionAction",
    (_ACTION, "trigger"): "CertificateCertificatePolicyLifetimeActionTrigger",
}
NESTED = {
    key: token if ":" in token else f"azure:keyvault/{token}:{token}"
    for key, token in NESTED.items()
}
MAPS = {"tags"}  # string maps, not nested types


def known(token: str, name: str) -> bool:
    renamed = METADATA["renamedProperties"].get(token, {})
    return name in renamed or re.fullmatch(r"[a-z]+", name) is not None


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def run():
    return run_stack(
        {
            "keyVault.id": VAULT_ID,
            "keyVault.readers": '["5d6e7f80-91a2-4b3c-8d4e-5f6071829304"]',
            "keyVault.certificate": "true",
        }
    )


def unknown_inputs(token: str, inputs: dict, walked: set, path: str = "") -> list[str]:
    """Every input, at any depth, the provider's metadata does not name; `walked` collects
    the nested blocks visited."""
    found = []
    for name, value in inputs.items():
        where = f"{path}{name}"
        if not known(token, name):
            found.append(where)
        items = value if isinstance(value, list) else [value]
        if name in MAPS or not any(isinstance(item, dict) for item in items):
            continue
        # A nested block: its type must be known, or its properties go unchecked.
        nested = NESTED.get((token, name))
        if nested is None:
            found.append(f"{where} (a nested type this test does not know)")
            continue
        walked.add((token, name))
        for item in items:
            found += unknown_inputs(nested, item, walked, f"{where}.")
    return found


def test_every_resource_and_input_is_one_the_provider_publishes() -> None:
    declared = [r for r in run().resources if r.type in AZURERM]
    assert {r.type for r in declared} == set(AZURERM)
    walked: set[tuple[str, str]] = set()
    for resource in declared:
        assert METADATA["resources"][resource.type] == AZURERM[resource.type]
        unknown = unknown_inputs(resource.type, reveal(resource.inputs), walked)
        assert unknown == [], f"{resource.type}: {unknown}"
    # Every nested block this test knows was declared and checked.
    assert walked == set(NESTED)


def test_the_certificates_nested_types_are_the_providers() -> None:
    # Each nested type is one pulumi-azure generates: its Python SDK has the Args class.
    for token in set(NESTED.values()):
        assert hasattr(pulumi_azure.keyvault, token.rsplit(":", 1)[1] + "Args"), token


def test_every_provider_setting_is_one_the_provider_publishes() -> None:
    (provider,) = [r for r in run().resources if r.type == "pulumi:providers:azure"]
    sdk = set(inspect.signature(pulumi_azure.ProviderArgs.__init__).parameters)
    config = METADATA["renamedConfigProperties"]
    for name in provider.inputs:
        if name in ("version", "pluginDownloadURL"):  # the engine's, not the provider's
            continue
        assert name in config or re.fullmatch(r"[a-z]+", name) or snake(name) in sdk, name
    features = json.loads(provider.inputs["features"])
    assert set(features) <= set(
        METADATA["renamedProperties"]["azure:index/ProviderFeatures:ProviderFeatures"]
    )
    vault = METADATA["renamedProperties"][
        "azure:index/ProviderFeaturesKeyVault:ProviderFeaturesKeyVault"
    ]
    assert set(features["keyVault"]) <= set(vault)
