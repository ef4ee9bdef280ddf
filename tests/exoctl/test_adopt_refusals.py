"""`exoctl adopt` refusals: one line naming what stops it, and nothing written."""

from __future__ import annotations

from exoctl import cli
from exoctl.errors import EXIT_USAGE
from tests.fakes.adoption import APP_ID, adopt, hand_made, project, refused
from tests.fakes.graph import FakeGraph

__all__ = ["project"]  # the fixture, used by name


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
