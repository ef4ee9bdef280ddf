"""What the policy tests share: a resource as the engine hands it to a policy, and the
messages it reports, each naming the resource."""

from __future__ import annotations

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
)

MANAGE_AS_APP = {
    "resourceAppId": "00000002-0000-0ff1-ce00-000000000000",
    "resourceAccesses": [{"id": "dc50a0fb-09a3-484d-be87-e023b12c6440", "type": "Role"}],
}


NAME = "exo-under-test"


def violations(validate, resource_type: str, props: dict, config: dict | None = None) -> list[str]:
    """Messages reported; each must name the resource it is about."""
    found: list[str] = []
    args = ResourceValidationArgs(
        resource_type,
        props,
        f"urn:pulumi:dev::exo-cba::{resource_type}::{NAME}",
        NAME,
        PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), []),
        None,
        config or {},
    )
    validate(args, lambda message, urn=None: found.append(message))
    unnamed = [message for message in found if not message.startswith(f"{NAME}: ")]
    assert unnamed == [], "a violation must name the resource"
    return found


VAULT_ID = (
    "/subscriptions/0f1e2d3c-4b5a-4968-8776-655443322110/resourceGroups/rg/providers/"
    "Microsoft.KeyVault/vaults/kv-exo"
)
