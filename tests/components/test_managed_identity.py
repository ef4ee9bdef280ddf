"""Managed identities: looked up, never declared; the same two grants as the app."""

from __future__ import annotations

import json

import pytest

from components.settings import ConfigError, load_settings
from exocba import naming
from exoctl.engine import reveal
from tests.conftest import (
    EXCHANGE_SP_OBJECT_ID,
    INITIAL_DOMAIN,
    TENANT_CONFIG,
    run_stack,
)
from tests.fakes.identities import (
    CONSENT,
    MANAGE_AS_APP,
    ROLE,
    SYSTEM,
    TEMPLATES,
    USER,
    USER_CLIENT,
    tenant,
    with_identities,
)


def test_each_identity_gets_exchange_manage_as_app_and_the_stacks_roles() -> None:
    run, _ = with_identities()
    for identity in (SYSTEM, USER):
        component = f"exo-mi-{identity}"
        consents = [
            reveal(r.inputs)
            for r in run.by_type(CONSENT)
            if r.name == f"{component}-exchange-consent"
        ]
        assert consents == [
            {
                "appRoleId": MANAGE_AS_APP,
                "principalObjectId": identity,
                "resourceObjectId": EXCHANGE_SP_OBJECT_ID,
            }
        ]
        roles = [
            reveal(r.inputs) for r in run.by_type(ROLE) if r.name.startswith(f"{component}-role-")
        ]
        assert {r["roleId"] for r in roles} == TEMPLATES
        assert {(r["principalObjectId"], r["directoryScopeId"]) for r in roles} == {(identity, "/")}
        parents = {r.parent for r in run.resources if r.name.startswith(component + "-")}
        (parent,) = parents
        assert parent.endswith(f"{naming.MANAGED_IDENTITY_ACCESS}::{component}")


def test_an_identity_is_never_declared_as_a_resource() -> None:
    run, mocks = with_identities()
    declared = [r.name for r in run.by_type("azuread:index/servicePrincipal:ServicePrincipal")]
    assert declared == ["exo-sp"]
    looked_up = [
        a["objectId"]
        for t, a in mocks.calls
        if t.endswith("getServicePrincipal") and "objectId" in a
    ]
    assert sorted(looked_up) == sorted([SYSTEM, USER])


def test_connect_lines_for_system_and_user_assigned_identities() -> None:
    run, _ = with_identities()
    by_kind = {i["kind"]: i for i in run.outputs["managedIdentities"]}
    assert by_kind["system-assigned"]["connectCommand"] == (
        f"Connect-ExchangeOnline -ManagedIdentity -Organization {INITIAL_DOMAIN}"
    )
    assert by_kind["user-assigned"]["connectCommand"] == (
        f"Connect-ExchangeOnline -ManagedIdentity -Organization {INITIAL_DOMAIN} "
        f"-ManagedIdentityAccountId {USER_CLIENT}"
    )
    gov, _ = with_identities(
        **{"azuread:environment": "usgovernmentl4", "organization": "contoso.onmicrosoft.us"}
    )
    for identity in gov.outputs["managedIdentities"]:
        assert identity["connectCommand"].endswith(" -ExchangeEnvironmentName O365USGovGCCHigh")


def test_without_identities_nothing_is_declared_or_looked_up() -> None:
    mocks = tenant()
    run = run_stack(mocks=mocks)
    assert run.outputs["managedIdentities"] == []
    assert not [r for r in run.resources if r.name.startswith("exo-mi-")]


@pytest.mark.parametrize(
    ("raw", "key", "fragment"),
    [
        ({"managedIdentities": '["runbook"]'}, "managedIdentities", "is not an object id"),
        (
            {"userAssignedIdentities": f'["{USER}", "{USER}"]'},
            "userAssignedIdentities",
            "listed twice",
        ),
        (
            {"managedIdentities": f'["{USER}"]', "userAssignedIdentities": f'["{USER}"]'},
            "userAssignedIdentities",
            "listed in both",
        ),
    ],
)
def test_bad_identity_lists_are_refused_naming_the_key(raw, key, fragment) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(raw, provider=TENANT_CONFIG)
    (problem,) = caught.value.problems
    assert problem.startswith(f"exo-cba:{key}: ") and fragment in problem and "allowed: " in problem


@pytest.mark.parametrize(
    ("object_id", "fragment"),
    [
        ("0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9", "is a service principal of type Application"),
        ("99999999-9999-4999-8999-999999999999", "cannot be read from the directory"),
    ],
)
def test_what_is_not_a_managed_identity_is_refused_before_any_grant(object_id, fragment) -> None:
    mocks = tenant()
    with pytest.raises(ConfigError) as caught:
        run_stack({"managedIdentities": json.dumps([object_id])}, mocks=mocks)
    (problem,) = caught.value.problems
    assert problem.startswith(f"exo-cba:managedIdentities: {object_id}")
    assert fragment in problem
    assert mocks.created == []
