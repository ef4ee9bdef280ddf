"""Policies on the Key Vault hand-off."""

from __future__ import annotations

import exo_policies as p
import pytest
from policy_support import VAULT_ID, violations

SECRETS_USER = (
    "/subscriptions/0f1e2d3c-4b5a-4968-8776-655443322110/providers/"
    "Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"
)


@pytest.mark.parametrize(
    ("props", "fragments"),
    [
        ({"scope": f"{VAULT_ID}/secrets/exo-cba-prod", "roleDefinitionId": SECRETS_USER}, []),
        (
            {
                "scope": f"{VAULT_ID}/secrets/exo-cba-prod",
                "roleDefinitionName": "Key Vault Secrets User",
            },
            [],
        ),
        ({"scope": VAULT_ID, "roleDefinitionId": SECRETS_USER}, ["is wider than one secret"]),
        (
            {
                "scope": "/subscriptions/0f1e2d3c-4b5a-4968-8776-655443322110",
                "roleDefinitionName": "Reader",
            },
            ["is wider than one secret", "is not Key Vault Secrets User"],
        ),
        (
            {
                "scope": f"{VAULT_ID}/secrets/exo-cba-prod",
                "roleDefinitionName": "Key Vault Secrets Officer",
            },
            ["is not Key Vault Secrets User"],
        ),
    ],
)
def test_key_vault_readers_get_one_secret_and_read_only(props: dict, fragments: list) -> None:
    found = violations(p.validate_key_vault_readers, p.AZURE_ROLE_ASSIGNMENT, props)
    assert len(found) == len(fragments)
    for message, fragment in zip(found, fragments, strict=True):
        assert fragment in message


def test_a_key_vault_secret_without_expiry_is_refused() -> None:
    (message,) = violations(p.validate_key_vault_readers, p.KEY_VAULT_SECRET, {"name": "x"})
    assert "no expiration date" in message
    assert (
        violations(
            p.validate_key_vault_readers,
            p.KEY_VAULT_SECRET,
            {"expirationDate": "2027-12-01T00:00:00Z"},
        )
        == []
    )
