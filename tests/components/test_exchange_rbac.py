"""Exchange role group config: what a stack may ask for, each refusal naming its key."""

from __future__ import annotations

import json

import pytest

from components.settings import ConfigError
from components.settings import load_settings as load_any_settings
from exocba import opath
from tests.conftest import TENANT_CONFIG

CHINA = {"azuread:environment": "china"}
NARROW = {
    "exchangeRoleGroups.name": "exo-cba mail recipients",
    "exchangeRoleGroups.roles": '["Mail Recipients"]',
    "exchangeRoleGroups.scopeFilter": "Department -eq 'Sales'",
    "exchangeRoleGroups.dropDirectoryRoles": "true",
}


def load_settings(raw: dict[str, str], provider: dict | None = None):
    """Every stack names its tenant; these tests are about role groups."""
    return load_any_settings(raw, provider={**TENANT_CONFIG, **(provider or {})})


def refused(raw: dict[str, str], provider: dict | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(raw, provider=provider)
    return caught.value.problems


def test_one_role_on_one_scope_and_no_directory_role() -> None:
    settings = load_settings(NARROW)
    groups = settings.exchange_role_groups
    assert groups is not None and groups.custom is not None
    assert groups.custom.roles == ("Mail Recipients",)
    assert groups.custom.scope_filter == "Department -eq 'Sales'"
    assert groups.custom.scope_name == "exo-cba mail recipients write scope"
    assert groups.groups == ("exo-cba mail recipients",)
    assert settings.roles == ()
    # The default directory role is named as not assigned; no "roles is empty" alarm.
    assert any("Exchange Administrator" in w and "not assigned" in w for w in settings.warnings)
    assert not any("401/403" in w for w in settings.warnings)


def test_the_object_form_is_read_and_role_names_are_canonical() -> None:
    raw = {
        "exchangeRoleGroups": json.dumps(
            {"name": "scripts", "roles": ["mail recipients", "VIEW-ONLY RECIPIENTS"]}
        )
    }
    custom = load_settings(raw).exchange_role_groups.custom
    assert custom.roles == ("Mail Recipients", "View-Only Recipients")


def test_no_role_groups_leaves_settings_as_before() -> None:
    settings = load_settings({})
    assert settings.exchange_role_groups is None
    assert [r.name for r in settings.roles] == ["Exchange Administrator"]


@pytest.mark.parametrize(
    ("raw", "key", "fragment"),
    [
        (
            {"exchangeRoleGroups.name": "g", "exchangeRoleGroups.roles": '["Mail Recipient"]'},
            "roles",
            "did you mean 'Mail Recipients'?",
        ),
        (
            {
                "exchangeRoleGroups.name": "g",
                "exchangeRoleGroups.roles": '["Mail Recipients", "mail recipients"]',
            },
            "roles",
            "listed twice",
        ),
        ({"exchangeRoleGroups.name": "g"}, "roles", "needs at least one role"),
        (
            {"exchangeRoleGroups.roles": '["Mail Recipients"]'},
            "roles",
            "exchangeRoleGroups.name is not",
        ),
        ({"exchangeRoleGroups.scopeFilter": "Department -eq 'x'"}, "scopeFilter", "name is not"),
        (
            {
                "exchangeRoleGroups.name": "Recipient Management",
                "exchangeRoleGroups.roles": '["Mail Recipients"]',
            },
            "name",
            "built-in role group",
        ),
        (
            {
                "exchangeRoleGroups.existing": '["Scripts"]',
                "exchangeRoleGroups.name": "scripts",
                "exchangeRoleGroups.roles": '["Mail Recipients"]',
            },
            "name",
            "listed in exchangeRoleGroups.existing",
        ),
        (
            {"exchangeRoleGroups.name": 'a"b', "exchangeRoleGroups.roles": "[]"},
            "name",
            "not a role group name",
        ),
        (
            {"exchangeRoleGroups.existing": '["Organization Management"]'},
            "existing",
            "allowOrganizationManagement",
        ),
        (
            {"exchangeRoleGroups.existing": '["TenantAdmins_-1181446097"]'},
            "existing",
            "managed centrally",
        ),
        ({"exchangeRoleGroups.existing": '["Security Reader"]'}, "existing", "managed centrally"),
        ({"exchangeRoleGroups.existing": '["Help Desk", "help desk"]'}, "existing", "listed twice"),
        (
            {"exchangeRoleGroups.existing": '["ediscovery manager"]'},
            "existing",
            "eDiscovery Manager is a Security & Compliance role group (Connect-IPPSSession), "
            "not an Exchange Online one: only Exchange Online role groups are managed; did "
            "you mean 'Discovery Management'?",
        ),
        (
            {"exchangeRoleGroups.existing": '["Help Desk", "Compliance Administrator"]'},
            "existing",
            "did you mean 'Compliance Management'?",
        ),
        (
            {
                "exchangeRoleGroups.name": "n" * 53,
                "exchangeRoleGroups.roles": '["Mail Recipients"]',
                "exchangeRoleGroups.scopeFilter": "Department -eq 'x'",
            },
            "name",
            f"the management scope '{'n' * 53} write scope', 65 characters, and Exchange takes "
            f"at most 64 for a scope's name; e.g. '{'n' * 52}'; allowed: at most 52 characters",
        ),
        ({"exchangeRoleGroups.dropDirectoryRoles": "true"}, "dropDirectoryRoles", "no role group"),
        (
            {
                "exchangeRoleGroups.existing": '["Help Desk"]',
                "exchangeRoleGroups.propagationSeconds": "9000",
            },
            "propagationSeconds",
            "out of range",
        ),
        (
            {"exchangeRoleGroups.rols": '["Mail Recipients"]'},
            "exchangeRoleGroups.rols",
            "did you mean exo-cba:exchangeRoleGroups.roles?",
        ),
    ],
)
def test_each_bad_value_is_refused_naming_its_key(raw: dict, key: str, fragment: str) -> None:
    problems = refused(raw)
    name = key if "." in key else f"exchangeRoleGroups.{key}"
    assert any(p.startswith(f"exo-cba:{name}: ") and fragment in p for p in problems), problems


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("   ", "is empty"),
        ("Department -eq 'Sales", "quote open"),
        ("(Department -eq 'Sales'", "parenthesis open"),
        ("Department -eq 'Sales')", "never opened"),
        ("Department = 'Sales'", "compares nothing"),
    ],
)
def test_implausible_filters_are_refused(text: str, fragment: str) -> None:
    problems = refused({**NARROW, "exchangeRoleGroups.scopeFilter": text})
    assert any(
        p.startswith("exo-cba:exchangeRoleGroups.scopeFilter: ") and fragment in p for p in problems
    )


@pytest.mark.parametrize(
    "text",
    [
        "Department -eq 'Sales'",
        "(CustomAttribute1 -like 'scripts*') -and (RecipientTypeDetails -ne 'UserMailbox')",
        'Name -like "O\'Brien*"',
    ],
)
def test_plausible_filters_pass(text: str) -> None:
    assert opath.filter_problem(text) is None


def test_organization_management_needs_its_allowance() -> None:
    raw = {
        "exchangeRoleGroups.existing": '["organization management"]',
        "exchangeRoleGroups.allowOrganizationManagement": "true",
    }
    assert load_settings(raw).exchange_role_groups.existing == ("Organization Management",)


def test_dropping_directory_roles_would_strand_managed_identities() -> None:
    raw = {**NARROW, "managedIdentities": '["0b6a3f5e-2c8e-4f0b-9a53-7d6e1f2c4b88"]'}
    assert any(
        p.startswith("exo-cba:exchangeRoleGroups.dropDirectoryRoles: ") for p in refused(raw)
    )


def test_a_cloud_without_documented_support_is_refused_naming_the_key() -> None:
    problems = refused(NARROW, CHINA)
    assert any(
        p.startswith("exo-cba:exchangeRoleGroups.name: ") and "21Vianet" in p for p in problems
    ), problems
    existing = refused({"exchangeRoleGroups.existing": '["Help Desk"]'}, CHINA)
    assert any(p.startswith("exo-cba:exchangeRoleGroups.existing: ") for p in existing)


def test_gcc_high_follows_the_cloud_table() -> None:
    settings = load_settings(NARROW, provider={"azuread:environment": "usgovernmentl4"})
    assert settings.exchange_role_groups is not None


def test_a_group_without_write_scope_and_kept_directory_roles_warn() -> None:
    raw = {"exchangeRoleGroups.name": "g", "exchangeRoleGroups.roles": '["Mail Recipients"]'}
    warnings = load_settings(raw).warnings
    assert any("no write scope" in w and "every recipient" in w for w in warnings)
    assert any("add up" in w and "dropDirectoryRoles" in w for w in warnings)


def test_groups_in_both_exchange_online_and_security_compliance_are_accepted() -> None:
    raw = {"exchangeRoleGroups.existing": '["Records Management", "Help Desk"]'}
    groups = load_settings(raw).exchange_role_groups
    assert groups.existing == ("Records Management", "Help Desk")


def test_a_scoped_name_up_to_52_characters_and_an_unscoped_one_up_to_64_are_taken() -> None:
    scoped = {**NARROW, "exchangeRoleGroups.name": "n" * 52}
    assert load_settings(scoped).exchange_role_groups.custom.scope_name == "n" * 52 + " write scope"
    unscoped = {
        "exchangeRoleGroups.name": "n" * 64,
        "exchangeRoleGroups.roles": '["Mail Recipients"]',
    }
    assert load_settings(unscoped).exchange_role_groups.custom.name == "n" * 64
    assert any(
        "exchangeRoleGroups.name: " in p
        for p in refused({**unscoped, "exchangeRoleGroups.name": "n" * 65})
    )


def test_a_near_miss_of_a_built_in_group_warns_and_is_kept() -> None:
    raw = {"exchangeRoleGroups.existing": '["Organisation Management", "help desk"]'}
    settings = load_settings(raw)
    assert settings.exchange_role_groups.existing == ("Organisation Management", "Help Desk")
    (warning,) = [w for w in settings.warnings if "not a built-in role group" in w]
    assert warning.startswith(
        "exo-cba:exchangeRoleGroups.existing Organisation Management is not a built-in role "
        "group; did you mean 'Organization Management'?"
    )
    assert "custom role group of that name" in warning


@pytest.mark.parametrize("name", ["Sales Management", "Finance Management", "exo-cba scripts"])
def test_a_custom_group_name_far_from_the_built_in_ones_does_not_warn(name: str) -> None:
    settings = load_settings({"exchangeRoleGroups.existing": json.dumps([name])})
    assert settings.exchange_role_groups.existing == (name,)
    assert not any("built-in role group" in w for w in settings.warnings)
