"""Policies on API permissions and consents, the government cloud's included."""

from __future__ import annotations

import exo_policies as p
import pytest
from policy_support import MANAGE_AS_APP, violations


@pytest.mark.parametrize(
    ("block", "config", "fragment"),
    [
        (MANAGE_AS_APP, {}, None),
        (
            {
                "resourceAppId": "00000002-0000-0ff1-ce00-000000000000",
                "resourceAccesses": [
                    {"id": "dc890d15-9560-4a4c-9b7f-a736ec74ec40", "type": "Role"}
                ],
            },
            {},
            "full_access_as_app",
        ),
        (
            {
                "resourceAppId": "00000003-0000-0000-c000-000000000000",
                "resourceAccesses": [
                    {"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}
                ],
            },
            {},
            "Microsoft Graph",
        ),
        (
            {
                "resourceAppId": "00000003-0000-0000-c000-000000000000",
                "resourceAccesses": [
                    {"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}
                ],
            },
            {"allowMicrosoftGraph": True},
            None,
        ),
    ],
)
def test_api_permissions(block: dict, config: dict, fragment: str | None) -> None:
    found = violations(
        p.validate_exchange_permission_only,
        p.APPLICATION,
        {"requiredResourceAccesses": [block]},
        config,
    )
    assert found == [] if fragment is None else fragment in found[0]


def test_consent_to_full_access_as_app_is_refused() -> None:
    found = violations(
        p.validate_exchange_permission_only,
        p.APP_ROLE_ASSIGNMENT,
        {"appRoleId": "dc890d15-9560-4a4c-9b7f-a736ec74ec40"},
    )
    assert "every mailbox" in found[0]
    assert (
        violations(
            p.validate_exchange_permission_only,
            p.APP_ROLE_ASSIGNMENT,
            {"appRoleId": "dc50a0fb-09a3-484d-be87-e023b12c6440"},
        )
        == []
    )


def test_api_access_resource_is_checked_too() -> None:
    found = violations(
        p.validate_exchange_permission_only,
        p.APPLICATION_API_ACCESS,
        {"apiClientId": "00000003-0000-0000-c000-000000000000", "roleIds": ["x"]},
    )
    (message,) = found
    assert "Microsoft Graph permissions are not needed" in message
    assert "remove them" in message


EXCHANGE = "00000002-0000-0ff1-ce00-000000000000"
MANAGE_AS_APP_ID = "dc50a0fb-09a3-484d-be87-e023b12c6440"


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        (
            p.APPLICATION,
            {
                "requiredResourceAccesses": [
                    {
                        "resourceAppId": EXCHANGE,
                        "resourceAccesses": [{"id": MANAGE_AS_APP_ID, "type": "Scope"}],
                    }
                ]
            },
        ),
        (p.APPLICATION_API_ACCESS, {"apiClientId": EXCHANGE, "scopeIds": [MANAGE_AS_APP_ID]}),
    ],
)
def test_manage_as_app_as_a_delegated_scope_is_a_violation(resource_type, props) -> None:
    (message,) = violations(p.validate_exchange_permission_only, resource_type, props)
    assert "Exchange.ManageAsApp is requested as a delegated permission (Scope)" in message
    assert "type Role" in message


def test_api_access_with_manage_as_app_as_a_role_passes() -> None:
    props = {"apiClientId": EXCHANGE, "roleIds": [MANAGE_AS_APP_ID.upper()]}
    assert violations(p.validate_exchange_permission_only, p.APPLICATION_API_ACCESS, props) == []


def test_api_access_asking_for_full_access_as_app_is_refused_with_the_way_out() -> None:
    props = {"apiClientId": EXCHANGE, "roleIds": ["dc890d15-9560-4a4c-9b7f-a736ec74ec40"]}
    (message,) = violations(p.validate_exchange_permission_only, p.APPLICATION_API_ACCESS, props)
    assert "full_access_as_app (Role) on Office 365 Exchange Online" in message
    assert "request only Exchange.ManageAsApp" in message


def test_the_government_security_and_compliance_permission_is_only_that_one() -> None:
    resource = "00000007-0000-0ff1-ce00-000000000000"
    role = "455e5cd2-84e8-4751-8344-5672145dfa17"

    def block(role_id: str, kind: str) -> dict:
        return {
            "requiredResourceAccesses": [
                {"resourceAppId": resource, "resourceAccesses": [{"id": role_id, "type": kind}]}
            ]
        }

    assert violations(p.validate_exchange_permission_only, p.APPLICATION, block(role, "Role")) == []
    consent = {"appRoleId": role}
    assert violations(p.validate_exchange_permission_only, p.APP_ROLE_ASSIGNMENT, consent) == []
    (message,) = violations(
        p.validate_exchange_permission_only, p.APPLICATION, block(role, "Scope")
    )
    assert "on the Security & Compliance resource is not the permission" in message
    assert "as type Role" in message
