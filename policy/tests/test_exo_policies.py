"""Each policy against good and bad resources, and this stack's own resources against all."""

from __future__ import annotations

import json

import exo_policies as p
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResourceOptions,
    ResourceValidationArgs,
)

from exocba.wellknown import FIRST_PARTY_APP_IDS

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


def test_every_policy_is_mandatory_but_the_write_scope_warning_and_named() -> None:
    assert len(p.POLICIES) == 11
    levels = {policy.name: policy.enforcement_level for policy in p.POLICIES}
    advisory = {name for name, level in levels.items() if level == EnforcementLevel.ADVISORY}
    assert advisory == {"exchange-role-group-write-scope"}
    assert set(levels.values()) == {EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY}
    assert len(levels) == 11


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        (p.APPLICATION_PASSWORD, {"applicationId": "/applications/x"}),
        (p.SERVICE_PRINCIPAL_PASSWORD, {"servicePrincipalId": "/servicePrincipals/x"}),
        (p.APPLICATION, {"displayName": "a", "password": {"displayName": "from an example"}}),
    ],
)
def test_client_secrets_are_refused(resource_type: str, props: dict) -> None:
    (message,) = violations(p.validate_no_client_secrets, resource_type, props)
    assert "certificate" in message and "ApplicationCertificate" in message


def test_certificates_are_not_secrets() -> None:
    assert violations(p.validate_no_client_secrets, p.APPLICATION, {"displayName": "a"}) == []
    assert violations(p.validate_no_client_secrets, p.APPLICATION_CERTIFICATE, {"value": "x"}) == []


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
    ("props", "fragment"),
    [
        ({"algorithm": "RSA", "rsaBits": 2048}, None),
        ({"algorithm": "RSA"}, None),
        ({"algorithm": "RSA", "rsaBits": 1024}, "1024-bit RSA is too weak"),
        ({"algorithm": "ECDSA", "ecdsaCurve": "P256"}, "ECDSA keys cannot sign in"),
        ({"algorithm": "ED25519"}, "ED25519 keys cannot sign in"),
    ],
)
def test_private_keys(props: dict, fragment: str | None) -> None:
    found = violations(p.validate_rsa_keys, p.TLS_PRIVATE_KEY, props)
    assert found == [] if fragment is None else fragment in found[0]


def _pem(key, days: int = 30) -> str:
    from tests.conftest import MOCK_CLOCK, self_signed_pem

    return self_signed_pem("", "policy", MOCK_CLOCK, days * 24, key=key)


def test_uploaded_certificates_must_be_rsa_2048() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.conftest import rsa_key

    good = _pem(rsa_key(2048, "policy"))
    weak = _pem(rsa.generate_private_key(65537, 1024))
    elliptic = _pem(ec.generate_private_key(ec.SECP256R1()))
    check = lambda pem: violations(p.validate_rsa_keys, p.APPLICATION_CERTIFICATE, {"value": pem})  # noqa: E731
    assert check(good) == []
    assert "1024-bit key" in check(weak)[0]
    assert "not RSA" in check(elliptic)[0]
    assert check("04da6b54-80e4-46f7-96ec-b56ff0331ba9") == []  # unknown in preview


def test_certificate_lifetime_default_two_years_and_configurable() -> None:
    ten_years = {"validityPeriodHours": 3650 * 24}
    assert (
        "3650 days"
        in violations(p.validate_certificate_lifetime, p.TLS_SELF_SIGNED_CERT, ten_years)[0]
    )
    assert (
        violations(
            p.validate_certificate_lifetime,
            p.TLS_SELF_SIGNED_CERT,
            {"validityPeriodHours": 730 * 24},
        )
        == []
    )
    assert violations(
        p.validate_certificate_lifetime,
        p.TLS_SELF_SIGNED_CERT,
        {"validityPeriodHours": 365 * 24},
        {"maxValidityDays": 180},
    )
    credential = {"startDate": "2026-01-01T00:00:00Z", "endDate": "2031-01-01T00:00:00Z"}
    assert violations(p.validate_certificate_lifetime, p.APPLICATION_CERTIFICATE, credential)


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


def test_the_app_registration_tokens_are_the_providers() -> None:
    import pulumi_azuread

    assert pulumi_azuread.Application.pulumi_type == p.APPLICATION
    assert pulumi_azuread.ApplicationRegistration.pulumi_type == p.APPLICATION_REGISTRATION


@pytest.mark.parametrize("client_id", sorted(FIRST_PARTY_APP_IDS))
def test_first_party_service_principals_are_never_resources(client_id: str) -> None:
    (message,) = violations(
        p.validate_no_first_party_service_principals,
        p.SERVICE_PRINCIPAL,
        {"clientId": client_id, "useExisting": True},
    )
    assert "get_service_principal" in message


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


@pytest.mark.parametrize("environment", ["global", "usgovernmentl4", "usgovernmentl5", "china"])
def test_this_stacks_own_resources_pass_every_policy(monkeypatch, environment) -> None:
    from tests.conftest import MOCK_CLOCK, rfc3339, run_stack

    monkeypatch.setenv("EXO_CBA_NOW", rfc3339(MOCK_CLOCK))
    run = run_stack(
        {
            "azuread:environment": environment,
            "organization": {
                "global": "contoso.onmicrosoft.com",
                "china": "c.partner.onmschina.cn",
            }.get(environment, "contoso.onmicrosoft.us"),
            "roles": json.dumps(["Exchange Administrator", "Compliance Administrator"]),
            "keyVault.id": VAULT_ID,
            "keyVault.readers": json.dumps(["5d6e7f80-91a2-4b3c-8d4e-5f6071829304"]),
            "keyVault.certificate": "true",
        }
    )
    from exoctl.engine import reveal

    checked = 0
    for resource in run.resources:
        props = reveal(resource.inputs)
        for policy in p.POLICIES:
            found = violations(policy.validate, resource.type, props)
            assert found == [], f"{policy.name} on {resource.name}: {found}"
            checked += 1
    assert checked == len(p.POLICIES) * len(run.resources) and len(run.resources) >= 10
    # The certificate's readers are checked too: one secret each, read only.
    assert len([r for r in run.resources if r.type == p.AZURE_ROLE_ASSIGNMENT]) == 2


VAULT_ID = (
    "/subscriptions/0f1e2d3c-4b5a-4968-8776-655443322110/resourceGroups/rg/providers/"
    "Microsoft.KeyVault/vaults/kv-exo"
)
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


def test_a_pack_directory_the_cli_can_load() -> None:
    from pathlib import Path

    import yaml

    pack = Path(p.__file__).parent
    settings = yaml.safe_load((pack / "PulumiPolicy.yaml").read_text())
    assert settings["runtime"]["name"] == "python"
    main = (pack / "__main__.py").read_text()
    assert "PolicyPack(" in main and "from exo_policies import POLICIES" in main
    example = json.loads((pack / "policy-config.example.json").read_text())
    names = {policy.name for policy in p.POLICIES}
    assert set(example) <= names


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


GITHUB = "https://token.actions.githubusercontent.com"


@pytest.mark.parametrize(
    ("props", "config", "fragment"),
    [
        ({"issuer": GITHUB, "subject": "repo:c/exo:pull_request"}, {}, "any pull request"),
        (
            {"issuer": GITHUB, "subject": "repo:c/exo:pull_request"},
            {"allowPullRequests": True},
            None,
        ),
        ({"issuer": GITHUB, "subject": "repo:c/exo:ref:refs/heads/*"}, {}, "matches literally"),
        ({"issuer": "http://idp.example", "subject": "x"}, {}, "not an https URL"),
        ({"issuer": GITHUB, "subject": "repo:c/exo:environment:prod"}, {}, None),
    ],
)
def test_federation_subjects(props, config, fragment) -> None:
    found = violations(p.validate_federation_subjects, p.FEDERATED_CREDENTIAL, props, config)
    if fragment is None:
        assert found == []
    else:
        (message,) = found
        assert fragment in message


def test_managed_identity_grants_are_checked_like_the_apps(monkeypatch) -> None:
    from tests.conftest import MOCK_CLOCK, rfc3339
    from tests.fakes.identities import ROLE, with_identities

    monkeypatch.setenv("EXO_CBA_NOW", rfc3339(MOCK_CLOCK))
    run, _ = with_identities(
        roles=json.dumps(["Global Administrator"]), allowGlobalAdministrator="true"
    )
    from exoctl.engine import reveal

    flagged = [
        message
        for resource in run.by_type(ROLE)
        if resource.name.startswith("exo-mi-")
        for message in violations(p.validate_exchange_roles_only, ROLE, reveal(resource.inputs))
    ]
    assert len(flagged) == 2
    assert all(m.startswith(f"{NAME}: Global Administrator gives this principal") for m in flagged)


@pytest.mark.parametrize(
    ("group", "config", "refused"),
    [
        ("Organization Management", {}, True),
        ("organization management", {}, True),
        ("Organization Management", {"allowOrganizationManagement": True}, False),
        ("View-Only Organization Management", {}, False),
    ],
)
def test_organization_management_membership_is_refused_unless_allowed(group, config, refused):
    found = violations(
        p.validate_no_organization_management,
        p.EXCHANGE_ROLE_GROUP_MEMBER,
        {"group": group, "memberObjectId": "x"},
        config,
    )
    assert bool(found) == refused
    if refused:
        assert "allowOrganizationManagement" in found[0]


def test_a_role_group_without_write_scope_warns() -> None:
    (message,) = violations(
        p.validate_role_group_write_scope, p.EXCHANGE_ROLE_GROUP, {"name": "g", "writeScope": ""}
    )
    assert "every recipient" in message and "scopeFilter" in message
    scoped = {"name": "g", "writeScope": "g write scope"}
    assert violations(p.validate_role_group_write_scope, p.EXCHANGE_ROLE_GROUP, scoped) == []


def test_the_programs_role_group_resources_use_the_policy_types() -> None:
    from tests.conftest import run_stack

    run = run_stack(
        {
            "exchangeRoleGroups.name": "g",
            "exchangeRoleGroups.roles": '["Mail Recipients"]',
            "exchangeRoleGroups.existing": '["Organization Management"]',
            "exchangeRoleGroups.allowOrganizationManagement": "true",
        }
    )
    members = run.by_type(p.EXCHANGE_ROLE_GROUP_MEMBER)
    assert sorted(m.inputs["group"] for m in members) == ["Organization Management", "g"]
    (group,) = run.by_type(p.EXCHANGE_ROLE_GROUP)
    assert violations(p.validate_role_group_write_scope, group.type, group.inputs)
    org = next(m for m in members if m.inputs["group"] == "Organization Management")
    assert violations(p.validate_no_organization_management, org.type, org.inputs)
