"""ExchangeOnlineApp: exact ids and the wiring SP -> consent -> Exchange SP, SP -> role."""

from __future__ import annotations

import json

from exocba import naming
from exocba.wellknown import (
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_ONLINE_APP_ID,
)
from exoctl.engine import reveal
from tests.conftest import EXCHANGE_SP_OBJECT_ID, run_stack, stable_guid

APP = "azuread:index/application:Application"
SP = "azuread:index/servicePrincipal:ServicePrincipal"
CONSENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
ROLE = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment"

SP_OBJECT_ID = stable_guid("servicePrincipal", "exo-sp")


def test_app_requests_exactly_exchange_manage_as_app_and_is_single_tenant() -> None:
    app = run_stack().one(APP)
    assert app.inputs["signInAudience"] == "AzureADMyOrg"
    assert app.inputs["requiredResourceAccesses"] == [
        {
            "resourceAppId": "00000002-0000-0ff1-ce00-000000000000",
            "resourceAccesses": [{"id": "dc50a0fb-09a3-484d-be87-e023b12c6440", "type": "Role"}],
        }
    ]
    # No client secret of any kind.
    assert "password" not in app.inputs


def test_service_principal_is_for_the_app() -> None:
    run = run_stack()
    sp = run.one(SP)
    assert sp.inputs["clientId"] == stable_guid("client", "exo-app")
    # SP waits for the app: the engine sees the dependency.
    assert run.one(APP).urn in sp.dependencies


def test_admin_consent_wires_our_sp_to_the_tenants_exchange_sp() -> None:
    run = run_stack()
    consent = run.one(CONSENT)
    assert consent.inputs == {
        "appRoleId": EXCHANGE_MANAGE_AS_APP_ROLE_ID,
        "principalObjectId": SP_OBJECT_ID,
        "resourceObjectId": EXCHANGE_SP_OBJECT_ID,
    }
    # Exchange's SP was looked up by its well-known app id, never declared.
    assert (
        "azuread:index/getServicePrincipal:getServicePrincipal",
        {"clientId": EXCHANGE_ONLINE_APP_ID},
    ) in run.mocks.calls
    assert run.one(SP).urn in consent.dependencies


def test_one_tenant_wide_role_assignment_per_role_by_template_id() -> None:
    run = run_stack({"roles": json.dumps(["Exchange Recipient Administrator", "Global Reader"])})
    assignments = {r.name: r for r in run.by_type(ROLE)}
    assert set(assignments) == {
        "exo-role-exchange-recipient-administrator",
        "exo-role-global-reader",
    }
    assert {r.inputs["roleId"] for r in assignments.values()} == {
        "31392ffb-586c-42d1-9346-e59415a2cc4e",
        "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    }
    for assignment in assignments.values():
        assert assignment.inputs["principalObjectId"] == SP_OBJECT_ID
        assert assignment.inputs["directoryScopeId"] == "/"
        assert run.one(SP).urn in assignment.dependencies


def test_children_are_parented_to_the_component_with_its_type_token() -> None:
    run = run_stack()
    component = run.one(naming.EXCHANGE_ONLINE_APP)
    for type_ in (APP, SP, CONSENT, ROLE):
        for resource in run.by_type(type_):
            assert resource.parent == component.urn
            assert resource.name.startswith(f"{component.name}-")


def test_owners_go_to_app_and_service_principal() -> None:
    owner = "5a2f0c13-7a3e-4b51-9d6b-0c1f6b1f3e21"
    run = run_stack({"owners": json.dumps([owner])})
    assert reveal(run.one(APP).inputs)["owners"] == [owner]
    assert reveal(run.one(SP).inputs)["owners"] == [owner]


def test_no_first_party_service_principal_is_ever_a_resource() -> None:
    run = run_stack({"roles": '["Exchange Administrator", "Global Reader"]'})
    for sp in run.by_type(SP):
        assert sp.inputs["clientId"] not in {
            EXCHANGE_ONLINE_APP_ID,
            "00000003-0000-0000-c000-000000000000",
        }
        assert "useExisting" not in sp.inputs
