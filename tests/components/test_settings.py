"""Config validation: defaults, every refusal naming its key, and Pulumi.yaml in step."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from components import settings as settings_module
from components.settings import ConfigError, load_settings
from exocba.settings import spec as key_table
from exocba.wellknown import EXCHANGE_APP_ONLY_ROLES
from tests.conftest import PROJECT_ROOT, TENANT_CONFIG


def load(raw: dict[str, str], **kwargs):
    """load_settings for a stack that names its tenant, unless `provider` says otherwise."""
    kwargs.setdefault("provider", TENANT_CONFIG)
    return load_settings(raw, **kwargs)


def refused(raw: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(raw)
    return caught.value.problems


def test_defaults_are_least_privilege() -> None:
    settings = load({})
    assert [r.name for r in settings.roles] == ["Exchange Administrator"]
    assert settings.roles[0].template_id == "29232cdf-9323-42fd-ade2-1d097af3e4de"
    assert settings.allow_global_administrator is False
    assert settings.display_name == "Exchange Online automation"
    assert settings.subject == "Exchange Online automation"
    assert (settings.validity_days, settings.key_size) == (365, 2048)
    assert settings.organization is None
    assert settings.owners == ()


def test_roles_by_name_case_insensitive_or_template_id() -> None:
    settings = load(
        {"roles": json.dumps(["global reader", "31392FFB-586C-42D1-9346-E59415A2CC4E"])}
    )
    assert [(r.name, r.template_id) for r in settings.roles] == [
        ("Global Reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451"),
        ("Exchange Recipient Administrator", "31392ffb-586c-42d1-9346-e59415a2cc4e"),
    ]


def test_unknown_role_lists_every_valid_role() -> None:
    (problem,) = refused({"roles": json.dumps(["Exchange Admin"])})
    assert problem.startswith("exo-cba:roles: 'Exchange Admin' is not a role")
    for role in EXCHANGE_APP_ONLY_ROLES:
        assert role.name in problem and role.template_id in problem


def test_global_administrator_needs_explicit_allowance() -> None:
    (problem,) = refused({"roles": json.dumps(["Global Administrator"])})
    assert problem.startswith("exo-cba:roles: Global Administrator is refused")
    assert "exo-cba:allowGlobalAdministrator" in problem
    allowed = load({"roles": '["Global Administrator"]', "allowGlobalAdministrator": "true"})
    assert allowed.roles[0].template_id == "62e90394-69f5-4237-9190-012177145e10"


def test_empty_roles_is_allowed_with_a_warning() -> None:
    settings = load({"roles": "[]"})
    assert settings.roles == ()
    assert any("exo-cba:roles is empty" in w for w in settings.warnings)


@pytest.mark.parametrize(
    ("raw", "key", "fragment"),
    [
        ({"roles": "Exchange Administrator"}, "roles", "is not a JSON array"),
        ({"roles": "[1, 2]"}, "roles", "is not an array of strings"),
        ({"roles": '["Global Reader", "global reader"]'}, "roles", "listed twice"),
        ({"allowGlobalAdministrator": "yes"}, "allowGlobalAdministrator", "not a boolean"),
        ({"organization": "contoso.com"}, "organization", "not the tenant's initial"),
        ({"organization": "https://contoso.onmicrosoft.com"}, "organization", "not the tenant"),
        ({"owners": '["not-a-guid"]'}, "owners", "is not an object id"),
        ({"certificate.validityDays": "0"}, "certificate.validityDays", "out of range"),
        ({"certificate.validityDays": "3651"}, "certificate.validityDays", "out of range"),
        ({"certificate.validityDays": "1y"}, "certificate.validityDays", "not a whole number"),
        ({"certificate.keySize": "1024"}, "certificate.keySize", "1024 bits is not offered"),
        ({"certificate.subject": "x" * 65}, "certificate.subject", "65 characters"),
        ({"displayName": "   "}, "displayName", "is empty"),
        ({"displayname": "typo"}, "displayname", "is not a key this program reads"),
    ],
)
def test_each_bad_value_is_refused_naming_its_key(raw: dict, key: str, fragment: str) -> None:
    problems = refused(raw)
    assert len(problems) == 1
    assert problems[0].startswith(f"exo-cba:{key}: ")
    assert fragment in problems[0]
    assert "allowed: " in problems[0]


def test_every_problem_is_reported_at_once() -> None:
    problems = refused({"certificate.keySize": "1000", "owners": '["x"]', "roles": '["nope"]'})
    assert [p.split(":")[1] for p in problems] == ["roles", "owners", "certificate.keySize"]


def test_problems_of_keys_read_together_come_in_reading_order_with_the_rest() -> None:
    """The cross-field pass runs after the per-key pass, yet its problems are reported
    where the key they concern is read, beside the list entry they are about."""
    problems = refused(
        {
            "certificate": json.dumps({"validtyDays": 30, "validityDays": 730}),
            "certificate.validityDays": "365",
            "roles": '["Global Administrator", "nope"]',
            "managedIdentities": '["11111111-1111-1111-1111-111111111111"]',
            "userAssignedIdentities": '["11111111-1111-1111-1111-111111111111", "x"]',
            "certificate.rotationDays": "200",
            "certificate.keySize": "1000",
        }
    )
    expected = [
        ("certificate.validtyDays", "is not a key this program reads"),
        ("certificate.validityDays", "is set twice"),
        ("roles", "Global Administrator is refused"),
        ("roles", "'nope' is not a role"),
        ("userAssignedIdentities", "'x' is not an object id"),
        ("userAssignedIdentities", "11111111-1111-1111-1111-111111111111 is listed in both"),
        ("certificate.rotationDays", "200 days is out of range"),
        ("certificate.keySize", "1000 bits is not offered"),
    ]
    assert len(problems) == len(expected), problems
    for problem, (key, start) in zip(problems, expected, strict=True):
        assert problem.startswith(f"exo-cba:{key}: {start}"), problems


def test_organization_and_owners_are_normalised() -> None:
    settings = load(
        {
            "organization": "Contoso.OnMicrosoft.com",
            "owners": '["5A2F0C13-7A3E-4B51-9D6B-0C1F6B1F3E21"]',
        }
    )
    assert settings.organization == "contoso.onmicrosoft.com"
    assert settings.owners == ("5a2f0c13-7a3e-4b51-9d6b-0c1f6b1f3e21",)


def test_empty_optional_strings_mean_unset() -> None:
    # Pulumi.yaml declares "" as the default of optional keys.
    settings = load({"organization": "", "certificate.subject": "", "displayName": "A"})
    assert settings.organization is None
    assert settings.subject == "A"


def test_pulumi_yaml_declares_every_key_with_the_programs_defaults() -> None:
    schema = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())["config"]
    # The certificate keys are read as flat keys *and* as an object; a project
    # schema can declare neither an object nor a key without a default that is
    # not mandatory, and a declared default would hide whether the user set
    # rotationDays. So they (and keyVault, read the same way) are documented in
    # Pulumi.yaml's comments only.
    # The key table (exocba/settings/spec.py) is the declaration; tests/exocba/test_spec.py
    # compares each key's type, default and description.
    objects = tuple(f"{parent}." for parent in key_table.OBJECT_KEYS)
    flat = {k for k in key_table.KNOWN_KEYS if not k.startswith(objects)}
    assert set(schema) == flat
    text = (PROJECT_ROOT / "Pulumi.yaml").read_text()
    for parent, fields in key_table.OBJECT_FIELDS.items():
        for field_name in fields:
            assert f"#   {parent}.{field_name} " in text, field_name
    for key, spec in schema.items():
        assert {"type", "description", "default"} <= set(spec), key
    from_schema = {
        key: json.dumps(spec["default"])
        if isinstance(spec["default"], (list, bool))
        else str(spec["default"])
        for key, spec in schema.items()
    }
    # Applying the schema defaults must give exactly the in-code defaults.
    assert load(from_schema) == load({})
    assert schema["roles"]["type"] == "array"
    assert schema["allowGlobalAdministrator"]["type"] == "boolean"
    # Only the types Pulumi's project schema knows (sdk/go/common/workspace/project.json).
    assert {spec["type"] for spec in schema.values()} <= {"string", "integer", "boolean", "array"}


def test_rotation_defaults_to_quarterly_within_a_year() -> None:
    settings = load({})
    assert (settings.rotation_days, settings.validity_days) == (90, 365)


def test_setting_only_a_short_validity_is_not_an_error() -> None:
    """A user who never set rotationDays must not be told it is out of range."""
    settings = load({"certificate.validityDays": "90"})
    assert (settings.validity_days, settings.rotation_days) == (90, 30)


@pytest.mark.parametrize(
    ("validity", "rotation", "accepted"),
    [
        ("365", "121", True),
        ("365", "122", False),
        ("90", "30", True),
        ("90", "45", False),
        ("3", "1", True),
        ("30", "0", False),
    ],
)
def test_rotation_must_fit_three_times_into_validity(validity, rotation, accepted) -> None:
    raw = {"certificate.validityDays": validity, "certificate.rotationDays": rotation}
    if accepted:
        assert load(raw).rotation_days == int(rotation)
        return
    (problem,) = refused(raw)
    assert problem.startswith(f"exo-cba:certificate.rotationDays: {rotation} days is out of range")
    assert f"allowed: 1 to {max(1, int(validity) // 3)} days" in problem


def test_validity_too_short_to_rotate_names_validity_days() -> None:
    (problem,) = refused({"certificate.validityDays": "2", "certificate.rotationDays": "1"})
    assert problem.startswith("exo-cba:certificate.validityDays: 2 days leaves no room")


# ---------------------------------------------------------------- config as users write it


def test_the_object_form_of_pulumi_config_set_path_is_read() -> None:
    """`pulumi config set --path exo-cba:certificate.validityDays 730` writes an object."""
    settings = load(
        {"certificate": json.dumps({"validityDays": 730, "keySize": 3072, "subject": "exo"})}
    )
    assert (settings.validity_days, settings.key_size, settings.subject) == (730, 3072, "exo")
    # Values `--path` stored as strings read the same.
    assert load({"certificate": '{"validityDays": "730"}'}).validity_days == 730


def test_flat_and_object_forms_combine_when_they_set_different_fields() -> None:
    settings = load(
        {"certificate.keySize": "4096", "certificate": json.dumps({"validityDays": 90})}
    )
    assert (settings.key_size, settings.validity_days) == (4096, 90)


def test_one_setting_set_both_ways_is_refused_naming_both() -> None:
    (problem,) = refused(
        {"certificate.validityDays": "365", "certificate": json.dumps({"validityDays": 730})}
    )
    assert problem.startswith("exo-cba:certificate.validityDays: is set twice")
    assert "flat key exo-cba:certificate.validityDays" in problem
    assert "inside the object exo-cba:certificate" in problem
    assert "allowed: one of the two" in problem


@pytest.mark.parametrize(
    ("value", "key", "fragment"),
    [
        ('{"validitydays": 30}', "certificate.validitydays", "is not a key this program reads"),
        ('"730"', "certificate", "is not an object"),
        ("[1]", "certificate", "is not an object"),
    ],
)
def test_a_bad_certificate_object_is_refused_naming_the_key(value, key, fragment) -> None:
    (problem,) = refused({"certificate": value})
    assert problem.startswith(f"exo-cba:{key}: ")
    assert fragment in problem
    assert "pulumi config set --path exo-cba:certificate.validityDays" in problem


@pytest.mark.parametrize(
    ("validity", "derived"), [("365", 90), ("270", 90), ("90", 30), ("30", 10), ("3", 1)]
)
def test_an_unset_rotation_period_is_derived_from_validity(validity, derived) -> None:
    assert load({"certificate.validityDays": validity}).rotation_days == derived
    as_object = json.dumps({"validityDays": int(validity)})
    assert load({"certificate": as_object}).rotation_days == derived


def test_an_explicit_rotation_period_is_still_checked() -> None:
    (problem,) = refused({"certificate": json.dumps({"validityDays": 90, "rotationDays": 90})})
    assert problem.startswith("exo-cba:certificate.rotationDays: 90 days is out of range")


@pytest.mark.parametrize("bad", ["contoso", "72f988bf-86f1-41af-91ab", "{tenant}"])
def test_the_tenant_id_must_be_a_guid(bad: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({}, provider={"azuread:tenantId": bad})
    (problem,) = caught.value.problems
    assert problem.startswith(f"azuread:tenantId: {bad!r} is not a tenant id (GUID)")
    assert "allowed: " in problem


def test_the_tenant_id_is_normalised() -> None:
    upper = "72F988BF-86F1-41AF-91AB-2D7CD011DB47"
    settings = load_settings({}, provider={"azuread:tenantId": upper})
    assert settings.tenant_id == upper.lower()


# ---------------------------------------------------------------- validityDays' bounds


@pytest.mark.parametrize("days", ["3", "3650"])
def test_validity_days_at_either_documented_bound_is_accepted(days: str) -> None:
    assert load({"certificate.validityDays": days}).validity_days == int(days)


@pytest.mark.parametrize("days", ["0", "2", "3651", "1y"])
def test_every_validity_refusal_states_the_same_bounds(days: str) -> None:
    (problem,) = refused({"certificate.validityDays": days})
    assert problem.startswith("exo-cba:certificate.validityDays: ")
    assert "allowed: a whole number of days from 3 to 3650 " in problem


def test_the_readme_and_pulumi_yaml_state_the_bounds_the_program_enforces() -> None:
    low, high = settings_module.OVERLAP_FACTOR, settings_module.MAX_VALIDITY_DAYS
    readme = (PROJECT_ROOT / "README.md").read_text()
    row = next(
        line for line in readme.splitlines() if line.startswith("| `certificate.validityDays`")
    )
    assert f"| {low}\N{EN DASH}{high};" in row
    schema = (PROJECT_ROOT / "Pulumi.yaml").read_text()
    assert re.search(
        rf"#\s+certificate\.validityDays\s+integer\s+365\s+.*\b{low}-{high} days", schema
    )
