"""`exoctl adopt` against the Graph stand-in: hand-made apps, a PnP-registered app.

The import file is checked with a port of Pulumi's own import-file parser, and the
URN of every entry is compared with the URN the program registers, on the mock
engine, with the stack file adopt wrote.
"""

from __future__ import annotations

import json

import pytest

from exocba.certs import certificate_thumbprint
from exoctl.errors import EXIT_OK, ExoctlError
from tests.conftest import PROJECT_ROOT, TENANT_ID
from tests.fakes import graph as g
from tests.fakes.adoption import (
    APP_ID,
    APP_OBJECT,
    CONSENT_ID,
    EXCHANGE,
    EXCHANGE_ADMIN,
    EXCHANGE_SP,
    GLOBAL_ADMIN,
    GRAPH,
    GRAPH_SP,
    MANAGE_AS_APP,
    NEW,
    OLD,
    OWNER,
    SHAREPOINT,
    SP,
    TENANT,
    USER_READ,
    adopt,
    adopt_json,
    credential_for,
    hand_made,
    project,
    registered_urns,
)
from tests.fakes.import_file import ImportFileError, import_urns

__all__ = ["project"]  # the fixture, used by name


# ------------------------------------------------------------------ a hand-made app


def test_a_hand_made_app_is_adopted_at_the_programs_urns(capsys, monkeypatch, project) -> None:
    document = adopt_json(capsys, monkeypatch, project, hand_made())
    written = json.loads((project / "import-contoso.json").read_text())
    assert written == document["import"]
    urns = import_urns(written, "contoso", "exo-cba")
    registered = registered_urns(project, "contoso", hand_made())
    for entry in written["resources"]:
        urn = urns[entry["name"]]
        assert registered.get(urn) == entry["type"], urn
    by_name = {e["name"]: e for e in written["resources"]}
    assert by_name["exo"] == {
        "type": "exo:index:ExchangeOnlineApp",
        "name": "exo",
        "component": True,
    }
    assert by_name["exo-app"]["id"] == f"/applications/{APP_OBJECT}"
    assert by_name["exo-sp"]["id"] == f"/servicePrincipals/{SP}"
    assert by_name["exo-exchange-consent"]["id"] == (
        f"/servicePrincipals/{EXCHANGE_SP}/appRoleAssignedTo/{CONSENT_ID}"
    )
    roles = "/roleManagement/directory/roleAssignments"
    assert by_name["exo-role-exchange-administrator"]["id"] == f"{roles}/ea-assignment-1"
    assert by_name["exo-role-global-reader"]["id"] == f"{roles}/gr-assignment-1"
    assert set(by_name) == {
        "exo",
        "exo-app",
        "exo-sp",
        "exo-exchange-consent",
        "exo-role-exchange-administrator",
        "exo-role-global-reader",
    }


def test_the_stack_file_is_what_the_tenant_has_now(capsys, monkeypatch, project) -> None:
    adopt_json(capsys, monkeypatch, project, hand_made())
    import yaml

    config = yaml.safe_load((project / "Pulumi.contoso.yaml").read_text())["config"]
    assert config == {
        "azuread:tenantId": TENANT,
        "exo-cba:displayName": "EXO automation",
        "exo-cba:roles": ["Exchange Administrator", "Global Reader"],
        "exo-cba:owners": [OWNER],
        "exo-cba:organization": "contoso.onmicrosoft.com",
        "exo-cba:adoptedCertificates": [
            certificate_thumbprint(OLD),
            certificate_thumbprint(NEW),
        ],
        "exo-cba:protect": True,
    }


def test_what_the_first_preview_changes_and_what_stays_outside(
    capsys, monkeypatch, project
) -> None:
    code, out, _ = adopt(capsys, monkeypatch, project, hand_made())
    assert code == EXIT_OK
    assert (
        "pulumi import --file import-contoso.json --generate-code=false --yes --stack contoso"
        in out
    )
    assert f"API permission {USER_READ} (Scope) on {GRAPH} will be removed" in out
    assert "the app's notes will be set to" in out
    assert "the service principal's notes will be set to" in out
    # The first generation is named by the day of the first run (tests pin the clock).
    assert "a first certificate generation (exo-cert-20261122) will be created" in out
    assert "service principal's owners will become the app's owners" in out
    for cert in (OLD, NEW):
        thumbprint = certificate_thumbprint(cert)
        ends = cert.not_valid_after_utc.strftime("%Y-%m-%d")
        assert f"certificate {thumbprint} (CN=" in out and f"ends {ends}) stays registered" in out
    assert "client secret test on the app (expires 2027-03-01) is never imported" in out
    assert "admin consent for Exchange.ManageAsApp will be granted" not in out


def test_a_second_adopt_writes_the_same_files(capsys, monkeypatch, project) -> None:
    adopt_json(capsys, monkeypatch, project, hand_made())
    first = [(project / f).read_bytes() for f in ("Pulumi.contoso.yaml", "import-contoso.json")]
    adopt_json(capsys, monkeypatch, project, hand_made(), "--force")
    second = [(project / f).read_bytes() for f in ("Pulumi.contoso.yaml", "import-contoso.json")]
    assert first == second


def test_global_administrator_and_scoped_roles_are_not_carried(
    capsys, monkeypatch, project
) -> None:
    directory = hand_made()
    directory.role_assignments = [
        {**g.role_assignment(SP, GLOBAL_ADMIN), "id": "ga-1"},
        {**g.role_assignment(SP, EXCHANGE_ADMIN, "/administrativeUnits/au-1"), "id": "ea-au"},
    ]
    document = adopt_json(capsys, monkeypatch, project, directory)
    assert document["config"]["exo-cba:roles"] == []
    assert not [e for e in document["import"]["resources"] if "role" in e["name"]]
    unmanaged = " | ".join(document["unmanaged"])
    assert f"Global Administrator ({GLOBAL_ADMIN}) is not carried" in unmanaged
    assert (
        "Exchange Administrator" in unmanaged and "at scope /administrativeUnits/au-1" in unmanaged
    )
    assert any("no directory role is assigned" in line for line in document["firstPreview"])
    # The program accepts the written stack, as it is.
    registered_urns(project, "contoso", directory)


def test_a_pnp_registered_app(capsys, monkeypatch, project) -> None:
    """Register-PnPAzureADApp's shape: SharePoint and Graph application permissions, a
    certificate, no Exchange permission, consent or role."""
    directory = hand_made()
    app = directory.applications[APP_ID]
    app["displayName"] = "PnP Rocks"
    app["passwordCredentials"] = []
    app["keyCredentials"] = [credential_for(OLD, "pnp.contoso.com")]
    app["requiredResourceAccess"] = [
        {
            "resourceAppId": SHAREPOINT,
            "resourceAccess": [{"id": "678536fe-1083-478a-9c59-b99265e6b0d3", "type": "Role"}],
        },
        {
            "resourceAppId": GRAPH,
            "resourceAccess": [{"id": "62a82d76-70ea-41e2-9197-370581804d09", "type": "Role"}],
        },
    ]
    directory.app_role_assignments[SP] = [
        g.app_role_assignment(
            SP, GRAPH_SP, "62a82d76-70ea-41e2-9197-370581804d09", "Microsoft Graph"
        )
    ]
    directory.role_assignments = []
    document = adopt_json(capsys, monkeypatch, project, directory)
    names = [e["name"] for e in document["import"]["resources"]]
    assert names == ["exo", "exo-app", "exo-sp"]
    preview = " | ".join(document["firstPreview"])
    assert (
        f"on {SHAREPOINT} will be removed" in preview and f"on {GRAPH} will be removed" in preview
    )
    assert f"API permission {MANAGE_AS_APP} (Role) on {EXCHANGE} will be requested" in preview
    assert "admin consent for Exchange.ManageAsApp will be granted" in preview
    assert any("consented app role 62a82d76" in f for f in document["findings"])
    urns = import_urns(document["import"], "contoso", "exo-cba")
    registered = registered_urns(project, "contoso", directory)
    assert all(urn in registered for urn in urns.values())


# ------------------------------------------------------------------ the import file rules


def test_the_import_parser_port_refuses_what_pulumi_refuses() -> None:
    component = {"type": "exo:index:ExchangeOnlineApp", "name": "exo", "component": True}
    child = {"type": "azuread:index/application:Application", "name": "exo-app", "id": "/a/1"}
    with pytest.raises(ImportFileError, match="has no ID"):
        import_urns({"resources": [{**child, "id": ""}]}, "s", "p")
    with pytest.raises(ImportFileError, match="marked as a component"):
        import_urns({"resources": [{**component, "id": "x"}]}, "s", "p")
    with pytest.raises(ImportFileError, match="no entry in 'nameTable'"):
        import_urns({"resources": [{**child, "parent": "nope"}]}, "s", "p")
    urns = import_urns({"resources": [component, {**child, "parent": "exo"}]}, "s", "p")
    assert urns["exo-app"] == (
        "urn:pulumi:s::p::exo:index:ExchangeOnlineApp$azuread:index/application:Application::exo-app"
    )


def test_config_adopt_would_write_is_checked_by_the_programs_rules() -> None:
    """check_config reads the written stack file with load_settings: an owner that is no
    object id stops adopt before anything is written, naming the key."""
    from exoctl.adoption.model import Adoption
    from exoctl.adoption.stack_file import check_config

    config = {"azuread:tenantId": TENANT_ID, "exo-cba:owners": ["alice"]}
    with pytest.raises(ExoctlError) as caught:
        check_config(Adoption("contoso", config, {}, []), PROJECT_ROOT)
    assert str(caught.value) == (
        "adopt wrote config the program refuses: exo-cba:owners: 'alice' is not an object id "
        "(GUID); allowed: an array of object ids (GUIDs), each once"
    )
    config["exo-cba:owners"] = [OWNER]
    check_config(Adoption("contoso", config, {}, []), PROJECT_ROOT)
