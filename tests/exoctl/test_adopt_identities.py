"""`exoctl adopt --managed-identity`: an identity granted Exchange access by hand is imported
at the program's URNs, not granted twice."""

from __future__ import annotations

import json

from exoctl import engine
from exoctl.stackfiles import load_stack_config
from tests.conftest import EntraMocks
from tests.fakes import graph as g
from tests.fakes.adoption import (
    EXCHANGE_ADMIN,
    EXCHANGE_SP,
    MANAGE_AS_APP,
    TENANT,
    adopt_json,
    hand_made,
    project,
    refused,
)
from tests.fakes.graph import Directory
from tests.fakes.import_file import import_urns

__all__ = ["project"]  # the fixture, used by name


MI = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
MI_CLIENT = "a1b2c3d4-0000-4000-8000-000000000001"


def with_identity(granted_role: bool = True) -> Directory:
    """A runbook's identity granted Exchange.ManageAsApp by the Graph script in Microsoft's
    managed-identity article, and Exchange Administrator in the portal."""
    directory = hand_made()
    directory.service_principals[MI_CLIENT] = g.service_principal(
        MI, MI_CLIENT, TENANT, servicePrincipalType="ManagedIdentity", displayName="runbooks"
    )
    directory.app_role_assignments[MI] = [
        {
            **g.app_role_assignment(MI, EXCHANGE_SP, MANAGE_AS_APP, "Office 365 Exchange Online"),
            "id": "mi-consent-1",
        }
    ]
    if granted_role:
        directory.role_assignments.append(
            {**g.role_assignment(MI, EXCHANGE_ADMIN), "id": "mi-ea-1"}
        )
    return directory


def test_a_managed_identity_granted_by_hand_is_imported_not_duplicated(
    capsys, monkeypatch, project
) -> None:
    document = adopt_json(capsys, monkeypatch, project, with_identity(), "--managed-identity", MI)
    assert document["config"]["exo-cba:managedIdentities"] == [MI]
    entries = {e["name"]: e for e in document["import"]["resources"]}
    component = f"exo-mi-{MI}"
    assert entries[component] == {
        "type": "exo:index:ManagedIdentityAccess",
        "name": component,
        "component": True,
    }
    assert entries[f"{component}-exchange-consent"]["id"] == (
        f"/servicePrincipals/{EXCHANGE_SP}/appRoleAssignedTo/mi-consent-1"
    )
    assert entries[f"{component}-role-exchange-administrator"]["id"] == (
        "/roleManagement/directory/roleAssignments/mi-ea-1"
    )
    # Global Reader is a stack role the identity does not hold yet: assigned, not imported.
    assert f"{component}-role-global-reader" not in entries
    assert any("will be assigned Global Reader" in line for line in document["firstPreview"])
    # Every entry lands where the program registers it, identity lookup answered as Entra would.
    urns = import_urns(document["import"], "contoso", "exo-cba")
    config = load_stack_config(project, "contoso")
    mocks = EntraMocks(
        initial_domain="contoso.onmicrosoft.com",
        principals={MI: (MI_CLIENT, "ManagedIdentity", "runbooks")},
    )
    run = engine.run_program(config, mocks, stack="contoso", program_dir=project)
    by_urn = {r.urn: r for r in run.resources}

    def chain(resource) -> str:
        parent = by_urn.get(resource.parent)
        return f"{chain(parent)}${resource.type}" if parent else resource.type

    registered = {f"urn:pulumi:contoso::exo-cba::{chain(r)}::{r.name}" for r in run.resources}
    assert set(urns.values()) <= registered


def test_an_object_that_is_not_a_managed_identity_is_refused(capsys, monkeypatch, project) -> None:
    directory = with_identity()
    directory.service_principals[MI_CLIENT]["servicePrincipalType"] = "Application"
    err = refused(capsys, monkeypatch, project, directory, "--managed-identity", MI)
    assert "is of type Application, not a managed identity" in err


def test_an_identitys_other_exchange_role_is_not_imported_as_manage_as_app(
    capsys, monkeypatch, project
) -> None:
    # Consented EWS's full_access_as_app on Exchange, never Exchange.ManageAsApp: the
    # stack must grant ManageAsApp itself, and leave the other role alone.
    full_access_as_app = "dc890d15-9560-4a4c-9b7f-a736ec74ec40"
    directory = with_identity()
    directory.app_role_assignments[MI] = [
        {
            **g.app_role_assignment(
                MI, EXCHANGE_SP, full_access_as_app, "Office 365 Exchange Online"
            ),
            "id": "mi-ews-1",
        }
    ]
    document = adopt_json(capsys, monkeypatch, project, directory, "--managed-identity", MI)
    component = f"exo-mi-{MI}"
    names = {e["name"] for e in document["import"]["resources"]}
    assert f"{component}-exchange-consent" not in names
    assert "mi-ews-1" not in json.dumps(document["import"])
    assert (
        "managed identity runbooks will be granted Exchange.ManageAsApp"
        in (document["firstPreview"])
    )
    assert (
        f"managed identity runbooks holds app role {full_access_as_app} on Office 365 Exchange "
        "Online: it is not imported; `exoctl audit` reports it"
    ) in document["unmanaged"]
