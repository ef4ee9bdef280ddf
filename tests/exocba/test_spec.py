"""The key table is the one declaration of each key: Pulumi.yaml's `config:` block and
the README's config table (keys, types, defaults) agree with it, and the reader takes
its defaults from it."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from exocba.settings import spec
from exocba.settings.load import load_settings
from exocba.settings.reader import RANKS, REPORT_ORDER
from tests.conftest import PROJECT_ROOT, TENANT_CONFIG

SCHEMA = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())["config"]
PULUMI_YAML = (PROJECT_ROOT / "Pulumi.yaml").read_text()


def _as_yaml(default: spec.Default) -> object:
    return list(default) if isinstance(default, tuple) else default


def test_pulumi_yaml_declares_exactly_the_flat_keys_of_the_table() -> None:
    assert list(SCHEMA) and set(SCHEMA) == set(spec.DECLARED_KEYS)


@pytest.mark.parametrize("name", spec.DECLARED_KEYS)
def test_each_declared_key_has_the_tables_type_default_and_description(name: str) -> None:
    key = spec.BY_NAME[name]
    declared = SCHEMA[name]
    assert declared["type"] == key.type
    assert declared["default"] == _as_yaml(key.default)
    assert " ".join(declared["description"].split()) == key.description
    if key.type == "array":
        assert declared["items"] == {"type": "string"}


# The comment lines under the `config:` block: `#   certificate.keySize  integer  2048  …`.
_COMMENTED = dict(
    (m["name"], (m["type"], m["default"]))
    for m in re.finditer(
        r"^#\s+(?P<name>\w+\.\w+)\s+(?P<type>\w+)\s+(?P<default>\S+)", PULUMI_YAML, re.M
    )
)


@pytest.mark.parametrize("name", [k.name for k in spec.KEYS if k.parent is not None])
def test_each_object_field_is_listed_in_pulumi_yaml_with_the_tables_type_and_default(
    name: str,
) -> None:
    key = spec.BY_NAME[name]
    assert name in _COMMENTED, f"Pulumi.yaml's comment does not list {name}"
    listed_type, listed_default = _COMMENTED[name]
    assert listed_type == key.type
    if key.default is None:
        assert listed_default in ("unset", "derived")
    else:
        assert yaml.safe_load(listed_default) == _as_yaml(key.default)


def test_pulumi_yaml_lists_no_object_field_the_table_lacks() -> None:
    assert set(_COMMENTED) == {k.name for k in spec.KEYS if k.parent is not None}


def _readme_config_rows() -> dict[str, tuple[str, str]]:
    """Each key of the README's config table with its type and default cells; a row of
    `a.x`, `.y` holds a.x and a.y, its type and default cells one item per key."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("\n## Config\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for key_cell, type_cell, default_cell in re.findall(
        r"^\| (`[^|]+`) \| ([^|]+) \| ([^|]+) \|", section, re.M
    ):
        names: list[str] = []
        for cell in re.findall(r"`([^`]+)`", key_cell):
            names.append(names[0].split(".", 1)[0] + cell if cell.startswith(".") else cell)
        types, defaults = [type_cell], [default_cell]
        if len(names) > 1:
            types, defaults = type_cell.split(", "), default_cell.split(", ")
        assert len(types) == len(defaults) == len(names), key_cell
        rows.update(zip(names, zip(types, defaults, strict=True), strict=True))
    return rows


def _readme_default(cell: str) -> spec.Default:
    """A cell that starts with a literal (`365`, `[]`, `""` = …) is that default; prose
    (unset, min(90, …)) or another key (`azuread:tenantId`) is None: derived or unset."""
    literal = re.match(r"`([^`]*)`", cell)
    if literal is None or literal[1] in (*spec.KNOWN_KEYS, "azuread:tenantId"):
        return None
    try:
        value = json.loads(literal[1])
    except json.JSONDecodeError:
        return literal[1]
    return tuple(value) if isinstance(value, list) else value


def test_the_readme_config_table_lists_every_key_of_the_table() -> None:
    listed = set(_readme_config_rows())
    assert "exchangeRoleGroups.scopeFilter" in listed and "azuread:tenantId" in listed
    assert set(spec.KNOWN_KEYS) <= listed, sorted(set(spec.KNOWN_KEYS) - listed)
    assert listed - set(spec.KNOWN_KEYS) == {"azuread:tenantId"}


@pytest.mark.parametrize("key", spec.KEYS, ids=lambda key: key.name)
def test_the_readme_config_table_gives_each_key_the_tables_type_and_default(
    key: spec.KeySpec,
) -> None:
    type_cell, default_cell = _readme_config_rows()[key.name]
    # "string (GUID)", "array of strings": the first word is the type.
    assert type_cell.split()[0] == key.type, type_cell
    assert _readme_default(default_cell) == key.default, default_cell


def test_unset_keys_take_the_tables_defaults() -> None:
    settings = load_settings({}, provider=TENANT_CONFIG)
    assert settings.display_name == spec.default("displayName")
    assert tuple(r.name for r in settings.roles) == spec.default("roles")
    assert settings.protect is spec.default("protect") is True
    assert settings.validity_days == spec.default("certificate.validityDays")
    assert settings.key_size == spec.default("certificate.keySize")


def test_the_pulumi_yaml_defaults_as_the_engine_passes_them_read_as_unset() -> None:
    as_passed = {
        name: json.dumps(d["default"]) if isinstance(d["default"], list | bool) else d["default"]
        for name, d in SCHEMA.items()
    }
    assert load_settings(as_passed, provider=TENANT_CONFIG) == load_settings(
        {}, provider=TENANT_CONFIG
    )


def test_no_two_report_sites_share_a_rank() -> None:
    # Sorting sites of one rank would leave their order to the dicts' order.
    assert len(set(RANKS.values())) == len(RANKS) > len(spec.KEYS) // 2


def test_a_key_without_a_rank_is_reported_at_its_groups_site() -> None:
    unranked = {k.parent for k in spec.KEYS if k.report is None}
    assert unranked == {"keyVault"} and unranked <= set(REPORT_ORDER)
