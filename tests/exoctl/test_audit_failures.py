"""`exoctl audit` when Graph refuses or pages: one refused read keeps every other finding."""

from __future__ import annotations

import pytest

from exoctl.errors import EXIT_DRIFT, EXIT_USAGE
from tests.conftest import TENANT_ID
from tests.fakes.audit import (
    APP_OBJECT,
    SP,
    Credential,
    categories,
    clean_directory,
    project,
    run_audit,
    run_audit_json,
    stack_cli,
)
from tests.fakes.graph import FakeGraph

__all__ = ["project", "stack_cli"]  # the fixtures, used by name


def test_one_refused_read_keeps_every_other_finding(
    project, stack_cli, capsys, monkeypatch
) -> None:
    directory = clean_directory()
    directory.owners[SP].append("7f7f7f7f-7f7f-4f7f-8f7f-7f7f7f7f7f7f")

    def licence_and_permission(graph: FakeGraph) -> None:
        graph.failures["roleManagement/directory/roleEligibilitySchedules"] = (
            400,
            "BadRequest",
            "The tenant needs an AAD Premium 2 license.",
        )
        graph.failures[r"applications/[^/]+/federatedIdentityCredentials"] = (
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )

    code, report = run_audit_json(
        capsys, monkeypatch, project, directory, graph_setup=licence_and_permission
    )
    assert (code, report["status"]) == (EXIT_USAGE, "error")
    assert categories(report) == [("extra_owner", "servicePrincipal")]
    errors = sorted(report["errors"])
    assert errors[0].startswith("PIM-eligible roles: Graph failed GET ")
    assert "HTTP 400 BadRequest: The tenant needs an AAD Premium 2 license." in errors[0]
    assert errors[1].startswith("federated credentials: Graph refused GET applications/")
    assert "Authorization_RequestDenied: Insufficient privileges" in errors[1]
    assert errors[1].endswith("needs Application.Read.All")


def test_graph_refusing_the_app_itself_is_an_error_status(
    project, stack_cli, capsys, monkeypatch
) -> None:
    code, out = run_audit(
        capsys,
        monkeypatch,
        project,
        clean_directory(),
        graph_setup=lambda graph: setattr(graph, "status_override", 403),
    )
    assert code == EXIT_USAGE
    assert "HTTP 403 Authorization_RequestDenied" in out and "Application.Read.All" in out
    assert "status: error" in out


def test_no_azure_sign_in_is_an_error_status(project, stack_cli, capsys, monkeypatch) -> None:
    code, report = run_audit_json(
        capsys, monkeypatch, project, clean_directory(), Credential(fail=True)
    )
    assert code == EXIT_USAGE and report["status"] == "error"
    (error,) = report["errors"]
    assert error.startswith(
        "no Azure sign-in for Microsoft Graph: DefaultAzureCredential failed to retrieve a "
        "token; sign in with `az login --tenant <tenant>`"
    )


@pytest.mark.parametrize("form", ["absolute", "root-relative", "relative"])
def test_next_links_are_followed_whatever_their_form(
    project, stack_cli, capsys, monkeypatch, form
) -> None:
    directory = clean_directory()
    extra = [f"7f7f7f7f-7f7f-4f7f-8f7f-7f7f7f7f7f7{n}" for n in range(3)]
    directory.owners[APP_OBJECT] += extra
    code, report = run_audit_json(
        capsys,
        monkeypatch,
        project,
        directory,
        graph_setup=lambda gr: setattr(gr, "link_form", form),
    )
    assert code == EXIT_DRIFT
    assert sorted(f["detail"].split()[1] for f in report["findings"]) == extra


def test_a_next_link_to_another_host_is_refused() -> None:
    from exoctl.graph import Graph, GraphError

    graph = Graph("https://graph.microsoft.com", TENANT_ID, Credential())
    with pytest.raises(GraphError, match="another host"):
        graph._url("https://evil.example/v1.0/applications?$skiptoken=1")
