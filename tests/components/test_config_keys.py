"""Every key a stack sets is accounted for: the tenant, provider keys, foreign namespaces.

And the suggestions: a misspelt key, namespace or role gets its nearest valid spelling.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from pathlib import Path

import pytest

from components.settings import ConfigError, load_settings
from exocba import config_keys
from exoctl import engine
from tests.conftest import PROJECT_ROOT, TENANT_CONFIG, TENANT_ID, EntraMocks


def problems(raw: dict[str, str] | None = None, **provider: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(raw or {}, provider={**TENANT_CONFIG, **provider})
    return caught.value.problems


def accepted(raw: dict[str, str] | None = None, **provider: str) -> None:
    load_settings(raw or {}, provider={**TENANT_CONFIG, **provider})


# ---------------------------------------------------------------- the tenant


@pytest.mark.parametrize("value", [None, "", "   "])
def test_a_stack_without_a_tenant_is_refused_saying_where_to_find_it(value) -> None:
    provider = {} if value is None else {"azuread:tenantId": value}
    with pytest.raises(ConfigError) as caught:
        load_settings({}, provider=provider)
    (problem,) = caught.value.problems
    assert problem.startswith("azuread:tenantId: is not set; ")
    assert "Microsoft Entra admin center > Overview > Tenant ID" in problem
    assert "az account show --query tenantId" in problem
    assert "allowed: " in problem


def test_the_providers_environment_fallback_does_not_name_the_stacks_tenant(
    monkeypatch,
) -> None:
    """One workstation runs many stacks; ARM_TENANT_ID belongs to none of them. The
    program refuses through the engine, before it declares anything."""
    monkeypatch.setenv("ARM_TENANT_ID", TENANT_ID)
    mocks = EntraMocks()
    with pytest.raises(ConfigError, match=r"^azuread:tenantId: is not set"):
        engine.run_program({"exo-cba:displayName": "EXO"}, mocks)
    assert mocks.created == []


def test_a_mis_cased_tenant_key_is_named_with_the_right_spelling() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({}, provider={"azuread:tenantid": TENANT_ID})
    unknown, missing = caught.value.problems
    assert unknown.startswith("azuread:tenantid: is not a key the azuread provider reads")
    assert "(did you mean azuread:tenantId?)" in unknown
    assert missing.startswith("azuread:tenantId: is not set")


# ---------------------------------------------------------------- provider keys


def installed_config_keys(package: str) -> set[str]:
    """The keys the installed SDK's generated config module reads (config/vars.py)."""
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin is not None, f"{package} is not installed"
    source = Path(spec.origin).parent / "config" / "vars.py"
    keys = {
        node.args[0].value
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr.startswith("get")
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "__config__"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert keys, f"no config keys found in {source}"
    return keys


@pytest.mark.parametrize(
    ("namespace", "package"), [("azuread", "pulumi_azuread"), ("tls", "pulumi_tls")]
)
def test_the_schema_excerpt_matches_the_installed_provider(namespace, package) -> None:
    assert set(config_keys.provider_keys(namespace)) == installed_config_keys(package)


def test_the_schema_excerpts_name_their_source() -> None:
    sources = (PROJECT_ROOT / "exocba" / "schemas" / "SOURCES.md").read_text()
    for namespace in config_keys.PROVIDERS:
        assert f"`{namespace}-config.json`" in sources
    assert re.search(r"pulumi/pulumi-azuread.*b830e0401352bbb2c6466f6315737bf1f3333a65", sources)
    assert "Apache-2.0" in sources


@pytest.mark.parametrize("key", config_keys.provider_keys("azuread"))
def test_every_published_azuread_key_is_accepted(key: str) -> None:
    value = {"environment": "public", "tenantId": TENANT_ID}.get(key, "true")
    accepted(**{f"azuread:{key}": value})


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("azuread:clientID", "azuread:clientId"),
        ("azuread:TENANTID", "azuread:tenantId"),
        ("azuread:useOIDC", "azuread:useOidc"),
        ("azuread:clientSecert", "azuread:clientSecret"),
        ("tls:proxi", "tls:proxy"),
    ],
)
def test_an_unknown_provider_key_is_refused_naming_the_nearest(key, suggestion) -> None:
    (problem,) = problems(**{key: "S3cret!pw"})
    namespace = key.split(":")[0]
    assert problem.startswith(f"{key}: is not a key the {namespace} provider reads")
    assert f"(did you mean {suggestion}?)" in problem
    assert f"allowed: the {namespace} provider's config keys: " in problem
    # A value may be a secret: never shown.
    assert "S3cret" not in problem


def test_provider_keys_pulumi_writes_as_objects_are_accepted() -> None:
    """`pulumi config set --path tls:proxy.url …` writes the object `tls:proxy`."""
    accepted(**{"tls:proxy": json.dumps({"url": "http://proxy:3128"})})


# ---------------------------------------------------------------- namespaces


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("exo-cab:roles", "exo-cba:roles"),
        ("exo_cba:displayName", "exo-cba:displayName"),
        ("exocba:certificate", "exo-cba:certificate"),
        ("azure-ad:tenantId", "azuread:tenantId"),
        ("azureAD:environment", "azuread:environment"),
    ],
)
def test_a_foreign_namespace_is_refused_saying_which_it_resembles(key, suggestion) -> None:
    (problem,) = problems(**{key: '["Global Administrator"]'})
    namespace = key.split(":")[0]
    assert problem.startswith(f"{key}: namespace {namespace!r} is neither this project's")
    assert f"(did you mean {suggestion}?)" in problem
    assert "allowed: exo-cba (this project), azuread, tls (its providers), pulumi" in problem


def test_a_namespace_like_none_is_refused_without_a_guess() -> None:
    (problem,) = problems(**{"aws:region": "us-east-1"})
    assert problem.startswith("aws:region: namespace 'aws' is neither")
    assert "did you mean" not in problem


def test_the_azure_namespace_is_refused_because_nothing_reads_it() -> None:
    """The Key Vault hand-off's azure provider is explicit: stack config never reaches it."""
    (subscription,) = problems(**{"azure:subscriptionId": "x"})
    assert subscription.startswith("azure:subscriptionId: is read by nothing; ")
    assert "exo-cba:keyVault.id" in subscription and "exo-cba:keyVault.tenantId" in subscription
    (tenant,) = problems(**{"azure:tenantId": TENANT_ID})
    assert "(did you mean azuread:tenantId?)" in tenant


def test_pulumis_own_keys_pass() -> None:
    accepted(**{"pulumi:tags": json.dumps({"team": "messaging"}), "pulumi:template": "x"})


def test_every_problem_of_every_namespace_is_reported_in_one_run() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {"displayname": "EXO", "certificate.keySize": "1000"},
            provider={"exo-cab:roles": "[]", "azuread:tenantid": TENANT_ID},
        )
    keys = [problem.split(": ")[0] for problem in caught.value.problems]
    assert keys == [
        "exo-cba:displayname",
        "azuread:tenantid",
        "exo-cab:roles",
        "azuread:tenantId",
        "exo-cba:certificate.keySize",
    ]


def test_the_program_reads_every_namespace_the_engine_hands_it() -> None:
    """Keys outside exo-cba arrive through the engine's config, as `pulumi up` passes them."""
    config = {**TENANT_CONFIG, "exo-cab:roles": '["Global Administrator"]'}
    mocks = EntraMocks()
    with pytest.raises(ConfigError, match=r"exo-cab:roles: namespace 'exo-cab'"):
        engine.run_program(config, mocks)
    assert mocks.created == []


# ---------------------------------------------------------------- did you mean


@pytest.mark.parametrize(
    ("raw", "suggestion"),
    [
        ({"displayname": "x"}, "exo-cba:displayName"),
        ({"role": "[]"}, "exo-cba:roles"),
        ({"certificate.validitydays": "30"}, "exo-cba:certificate.validityDays"),
        ({"keyvault.id": "x"}, "exo-cba:keyVault.id"),
        ({"certificate": '{"rotationdays": 30}'}, "exo-cba:certificate.rotationDays"),
        ({"certificate": '{"keysize": 4096}'}, "exo-cba:certificate.keySize"),
    ],
)
def test_a_misspelt_key_gets_the_nearest_valid_spelling(raw, suggestion) -> None:
    (problem,) = problems(raw)
    assert "is not a key this program reads" in problem
    assert f"(did you mean {suggestion}?)" in problem


@pytest.mark.parametrize(
    ("role", "suggestion"),
    [
        ("Exchange Admin", "Exchange Administrator"),
        ("Global Reeder", "Global Reader"),
        ("Compliance Admin", "Compliance Administrator"),
    ],
)
def test_a_misspelt_role_gets_the_nearest_valid_role(role, suggestion) -> None:
    (problem,) = problems({"roles": json.dumps([role])})
    assert problem.startswith(f"exo-cba:roles: {role!r} is not a role")
    assert f"(did you mean {suggestion!r}?)" in problem


def test_nothing_close_gets_no_guess() -> None:
    (problem,) = problems({"roles": json.dumps(["Mailbox Owner"])})
    assert "did you mean" not in problem
