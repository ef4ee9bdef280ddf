"""`exoctl adopt` against the Graph stand-in: hand-made apps, a PnP-registered app, refusals.

The import file is checked with a port of Pulumi's own import-file parser, and the
URN of every entry is compared with the URN the program registers, on the mock
engine, with the stack file adopt wrote.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from azure.core.credentials import AccessToken
from cryptography import x509

from exocba import signin
from exocba.certs import certificate_thumbprint
from exoctl import cli, engine
from exoctl.errors import EXIT_OK, EXIT_USAGE, ExoctlError
from exoctl.stackfiles import load_stack_config
from tests.conftest import PROJECT_ROOT, TENANT_ID, EntraMocks, rsa_key, self_signed_pem
from tests.fakes import graph as g
from tests.fakes.graph import TOKEN, Directory, FakeGraph
from tests.fakes.import_file import ImportFileError, import_urns

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
APP_ID = "8c2b5a9e-3d41-4f5e-9a6b-1c2d3e4f5a6b"
APP_OBJECT = "1e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b"
SP = "2f3e4d5c-6b7a-4899-8a1b-2c3d4e5f6a7b"
EXCHANGE = "00000002-0000-0ff1-ce00-000000000000"
EXCHANGE_SP = "9d3e55ba-79e0-4b7c-af50-dc460b81dca1"
GRAPH = "00000003-0000-0000-c000-000000000000"
GRAPH_SP = "1c48f923-4fbb-4d37-b772-4d5dc2c6b4ac"
SHAREPOINT = "00000003-0000-0ff1-ce00-000000000000"
MANAGE_AS_APP = "dc50a0fb-09a3-484d-be87-e023b12c6440"
USER_READ = "e1fe6dd8-ba31-4d61-89e7-88639da4683d"
EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"
GLOBAL_READER = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"
OWNER = "5a2f0c13-7a3e-4b51-9d6b-0c1f6b1f3e21"
CONSENT_ID = "UxOIjjUXr0WvIe4TRFgqTY4z9Wu5KxpBtlEpoTGjw-A"


def certificate(name: str, start: str) -> x509.Certificate:
    """A certificate as New-SelfSignedCertificate makes one: RSA 2048, a year."""
    begins = dt.datetime.fromisoformat(start).replace(tzinfo=dt.UTC)
    pem = self_signed_pem("", name, begins, 24 * 365, key=rsa_key(2048, name))
    return x509.load_pem_x509_certificate(pem.encode())


OLD = certificate("exo-automation", "2026-01-10T08:00:00")
NEW = certificate("exo-automation-2", "2026-06-01T08:00:00")


def credential_for(cert: x509.Certificate, name: str) -> dict:
    thumbprint = certificate_thumbprint(cert)
    return g.key_credential(
        base64.b64encode(bytes.fromhex(thumbprint)).decode(),
        name,
        endDateTime=cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def hand_made() -> Directory:
    """The portal walkthrough: User.Read left on, a secret, two certificates, two roles."""
    return Directory(
        applications={
            APP_ID: g.application(
                APP_OBJECT,
                APP_ID,
                displayName="EXO automation",
                notes=None,
                keyCredentials=[credential_for(NEW, "exo-2"), credential_for(OLD, "exo")],
                passwordCredentials=[
                    {"keyId": "p1", "displayName": "test", "endDateTime": "2027-03-01T00:00:00Z"}
                ],
                requiredResourceAccess=[
                    {
                        "resourceAppId": GRAPH,
                        "resourceAccess": [{"id": USER_READ, "type": "Scope"}],
                    },
                    {
                        "resourceAppId": EXCHANGE,
                        "resourceAccess": [{"id": MANAGE_AS_APP, "type": "Role"}],
                    },
                ],
            )
        },
        service_principals={
            APP_ID: g.service_principal(SP, APP_ID, TENANT),
            EXCHANGE: g.service_principal(EXCHANGE_SP, EXCHANGE, TENANT),
        },
        app_role_assignments={
            SP: [
                {
                    **g.app_role_assignment(
                        SP, EXCHANGE_SP, MANAGE_AS_APP, "Office 365 Exchange Online"
                    ),
                    "id": CONSENT_ID,
                }
            ]
        },
        role_assignments=[
            {**g.role_assignment(SP, GLOBAL_READER), "id": "gr-assignment-1"},
            {**g.role_assignment(SP, EXCHANGE_ADMIN), "id": "ea-assignment-1"},
        ],
        owners={APP_OBJECT: [OWNER], SP: []},
        domains=[g.domain("contoso.com", False), g.domain("contoso.onmicrosoft.com", True)],
    )


class Credential:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def get_token(self, *scopes: str, tenant_id: str | None = None) -> AccessToken:
        self.calls.append((scopes, tenant_id))
        return AccessToken(TOKEN, 4102444800)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    for package in ("components", "exocba"):
        shutil.copytree(PROJECT_ROOT / package, root / package)
    return root


def adopt(capsys, monkeypatch, project: Path, directory: Directory, *extra: str, setup=None):
    credential = Credential()
    monkeypatch.setattr(signin, "make_credential", lambda: credential)
    with FakeGraph(directory, project.parent) as fake:
        if setup:
            setup(fake)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
        code = cli.main(
            [
                *("--project-dir", str(project), "adopt", "--stack", "contoso"),
                *("--app-id", APP_ID, "--graph-url", fake.base_url, *extra),
            ]
        )
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def adopt_json(capsys, monkeypatch, project, directory, *extra, setup=None) -> dict:
    code, out, err = adopt(capsys, monkeypatch, project, directory, "--json", *extra, setup=setup)
    assert code == EXIT_OK, err
    return json.loads(out)


def registered_urns(project: Path, stack: str, directory: Directory) -> dict[str, str]:
    """URN -> type of what the program registers with the written stack file.

    URNs are rebuilt from each registration's parent chain (the mock engine's own URN
    builder keeps only the last parent type), without the root stack, as real ones are.
    """
    config = load_stack_config(project, stack)
    mocks = EntraMocks(initial_domain="contoso.onmicrosoft.com")
    run = engine.run_program(config, mocks, stack=stack, program_dir=project)
    by_urn = {r.urn: r for r in run.resources}

    def chain(resource) -> str:
        parent = by_urn.get(resource.parent)
        return f"{chain(parent)}${resource.type}" if parent else resource.type

    return {f"urn:pulumi:{stack}::exo-cba::{chain(r)}::{r.name}": r.type for r in run.resources}


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


# ------------------------------------------------------------------ refusals


def refused(capsys, monkeypatch, project, directory, *extra, setup=None) -> str:
    code, out, err = adopt(capsys, monkeypatch, project, directory, *extra, setup=setup)
    assert (code, out) == (EXIT_USAGE, "")
    assert err.count("\n") == 1 and err.startswith("exoctl: error: adopt: ")
    assert not (project / "Pulumi.contoso.yaml").exists()
    assert not (project / "import-contoso.json").exists()
    return err


def test_an_app_that_does_not_exist(capsys, monkeypatch, project) -> None:
    directory = hand_made()
    directory.applications.clear()
    assert f"no application with appId {APP_ID}" in refused(capsys, monkeypatch, project, directory)


def test_a_multi_tenant_app(capsys, monkeypatch, project) -> None:
    directory = hand_made()
    directory.applications[APP_ID]["signInAudience"] = "AzureADMultipleOrgs"
    err = refused(capsys, monkeypatch, project, directory)
    assert "is multi-tenant (signInAudience AzureADMultipleOrgs)" in err


def test_an_app_without_a_service_principal(capsys, monkeypatch, project) -> None:
    directory = hand_made()
    del directory.service_principals[APP_ID]
    assert "has no service principal" in refused(capsys, monkeypatch, project, directory)


def test_an_app_id_that_is_not_a_guid(capsys, monkeypatch, project) -> None:
    code = cli.main(
        ["--project-dir", str(project), "adopt", "--stack", "contoso", "--app-id", "EXO automation"]
    )
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert err == "exoctl: error: adopt: --app-id 'EXO automation' is not a GUID\n"
    assert not (project / "Pulumi.contoso.yaml").exists()


def test_graph_refusing_a_read_names_the_permission(capsys, monkeypatch, project) -> None:
    def deny_roles(fake: FakeGraph) -> None:
        fake.failures["roleManagement/directory/roleAssignments"] = (
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )

    err = refused(capsys, monkeypatch, project, hand_made(), setup=deny_roles)
    assert "HTTP 403 Authorization_RequestDenied" in err
    assert err.rstrip().endswith("needs RoleManagement.Read.Directory")


def test_an_existing_stack_file_is_kept_without_force(capsys, monkeypatch, project) -> None:
    (project / "Pulumi.contoso.yaml").write_text("config: {}\n")
    code, _, err = adopt(capsys, monkeypatch, project, hand_made())
    assert code == EXIT_USAGE and "Pulumi.contoso.yaml exists; pass --force" in err
    assert (project / "Pulumi.contoso.yaml").read_text() == "config: {}\n"
    assert not (project / "import-contoso.json").exists()


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


# ------------------------------------------------------------------ managed identities

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
