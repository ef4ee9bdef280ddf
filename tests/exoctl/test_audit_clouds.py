"""`exoctl audit` in each cloud: the Graph host and the consents the stack declares there."""

from __future__ import annotations

import copy

from exocba import signin
from exoctl import cli
from exoctl.errors import EXIT_USAGE
from tests.fakes import graph as g
from tests.fakes.audit import (
    APP_ID,
    COMPLIANCE,
    COMPLIANCE_ADMIN,
    COMPLIANCE_ROLE,
    COMPLIANCE_SP,
    EXCHANGE_ADMIN,
    OUTPUTS,
    SP,
    Credential,
    categories,
    clean_directory,
    project,
    run_audit_json,
    use_outputs,
)

__all__ = ["project"]  # the fixtures, used by name


def test_the_stacks_cloud_decides_the_graph_host(project, capsys, monkeypatch) -> None:
    use_outputs(monkeypatch, {**OUTPUTS, "cloud": "gcc-high"})
    credential = Credential(fail=True)  # stops before any request leaves the machine
    monkeypatch.setattr(signin, "make_credential", lambda: credential)
    code = cli.main(["--project-dir", str(project), "audit", "--stack", "contoso", "--json"])
    capsys.readouterr()
    assert code == EXIT_USAGE
    ((scopes, _),) = credential.scopes
    assert scopes == ("https://graph.microsoft.us/.default",)


def test_the_compliance_consent_is_expected_only_where_the_stack_declares_it(
    project, capsys, monkeypatch
) -> None:
    directory = clean_directory()
    directory.applications[APP_ID]["requiredResourceAccess"].append(
        {"resourceAppId": COMPLIANCE, "resourceAccess": [{"id": COMPLIANCE_ROLE, "type": "Role"}]}
    )
    directory.app_role_assignments[SP].append(
        g.app_role_assignment(SP, COMPLIANCE_SP, COMPLIANCE_ROLE, "Security & Compliance")
    )
    roles = [
        {"name": "Exchange Administrator", "templateId": EXCHANGE_ADMIN},
        {"name": "Compliance Administrator", "templateId": COMPLIANCE_ADMIN},
    ]
    use_outputs(monkeypatch, {**OUTPUTS, "cloud": "gcc-high", "roles": roles})
    directory.role_assignments.append(g.role_assignment(SP, COMPLIANCE_ADMIN))
    _, gov = run_audit_json(capsys, monkeypatch, project, copy.deepcopy(directory))
    assert (gov["status"], gov["findings"]) == ("clean", [])
    use_outputs(monkeypatch, {**OUTPUTS, "roles": roles})  # the same tenant, public cloud
    _, public = run_audit_json(capsys, monkeypatch, project, directory)
    assert categories(public) == [
        ("extra_app_role_assignment", "servicePrincipal"),
        ("extra_permission", "application"),
    ]
