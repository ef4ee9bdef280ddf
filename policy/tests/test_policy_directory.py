"""Policies on directory roles and tenancy."""

from __future__ import annotations

import exo_policies as p
import pytest
from exo_facts import FIRST_PARTY_APP_IDS
from policy_support import violations


@pytest.mark.parametrize(
    ("role_id", "config", "fragment"),
    [
        ("29232cdf-9323-42fd-ade2-1d097af3e4de", {}, None),
        ("F2EF992C-3AFB-46B9-B7CF-A126EE74C451", {}, None),
        ("62e90394-69f5-4237-9190-012177145e10", {}, "Global Administrator gives"),
        ("62e90394-69f5-4237-9190-012177145e10", {"allowGlobalAdministrator": True}, None),
        ("9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", {}, "not one Exchange Online app-only"),
    ],
)
def test_directory_roles(role_id: str, config: dict, fragment: str | None) -> None:
    found = violations(
        p.validate_exchange_roles_only,
        p.DIRECTORY_ROLE_ASSIGNMENT,
        {"roleId": role_id, "principalObjectId": "x"},
        config,
    )
    assert found == [] if fragment is None else fragment in found[0]


def test_pim_eligibility_and_role_members_are_covered() -> None:
    assert violations(
        p.validate_exchange_roles_only,
        p.DIRECTORY_ROLE_ELIGIBILITY,
        {"roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10"},
    )
    assert (
        "template id"
        in violations(
            p.validate_exchange_roles_only, p.DIRECTORY_ROLE_MEMBER, {"roleObjectId": "x"}
        )[0]
    )


@pytest.mark.parametrize(
    ("audience", "bad"),
    [
        ("AzureADMyOrg", False),
        (None, False),
        ("AzureADMultipleOrgs", True),
        ("AzureADandPersonalMicrosoftAccount", True),
    ],
)
@pytest.mark.parametrize("resource_type", ["Application", "ApplicationRegistration"])
def test_single_tenant(audience: str | None, bad: bool, resource_type: str) -> None:
    # azuread offers two resources that create an app registration; both are checked.
    token = {"Application": p.APPLICATION, "ApplicationRegistration": p.APPLICATION_REGISTRATION}
    props = {"displayName": "a", **({"signInAudience": audience} if audience else {})}
    found = violations(p.validate_single_tenant, token[resource_type], props)
    assert bool(found) is bad
    if bad:
        assert "Set signInAudience to AzureADMyOrg" in found[0]


@pytest.mark.parametrize("client_id", sorted(FIRST_PARTY_APP_IDS))
def test_first_party_service_principals_are_never_resources(client_id: str) -> None:
    (message,) = violations(
        p.validate_no_first_party_service_principals,
        p.SERVICE_PRINCIPAL,
        {"clientId": client_id, "useExisting": True},
    )
    assert "get_service_principal" in message
