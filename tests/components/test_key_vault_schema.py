"""What the Key Vault hand-off sends, checked against pulumi-azure's published metadata.

tests/fixtures/pulumi-azure/ holds the bridge's renames for these resources: a Pulumi
property either appears there with its azurerm name, or keeps its azurerm name (one
lowercase word). Provider config keys added after that metadata was written are
checked against the provider SDK, which Pulumi generates from the same schema.
"""

from __future__ import annotations

import inspect
import json
import re

import pulumi_azure

from tests.conftest import PROJECT_ROOT, run_stack

METADATA = json.loads(
    (PROJECT_ROOT / "tests/fixtures/pulumi-azure/bridge-metadata-excerpt.json").read_text()
)
VAULT_ID = (
    "/subscriptions/0f1e2d3c-4b5a-4968-8776-655443322110/resourceGroups/rg/providers/"
    "Microsoft.KeyVault/vaults/kv-exo"
)
AZURERM = {
    "azure:keyvault/secret:Secret": "azurerm_key_vault_secret",
    "azure:authorization/assignment:Assignment": "azurerm_role_assignment",
}


def known(token: str, name: str) -> bool:
    renamed = METADATA["renamedProperties"].get(token, {})
    return name in renamed or re.fullmatch(r"[a-z]+", name) is not None


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def run():
    return run_stack(
        {"keyVault.id": VAULT_ID, "keyVault.readers": '["5d6e7f80-91a2-4b3c-8d4e-5f6071829304"]'}
    )


def test_every_resource_and_input_is_one_the_provider_publishes() -> None:
    declared = [r for r in run().resources if r.type in AZURERM]
    assert {r.type for r in declared} == set(AZURERM)
    for resource in declared:
        assert METADATA["resources"][resource.type] == AZURERM[resource.type]
        unknown = [name for name in resource.inputs if not known(resource.type, name)]
        assert unknown == [], f"{resource.type}: {unknown}"


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
