"""`exoctl audit` and the app's other identities: federated credentials and managed identities."""

from __future__ import annotations

from exoctl.errors import EXIT_DRIFT
from tests.fakes import graph as g
from tests.fakes.audit import (
    APP_OBJECT,
    EXCHANGE_ADMIN,
    EXCHANGE_SP,
    GRAPH_SP,
    MANAGE_AS_APP,
    OUTPUTS,
    categories,
    clean_directory,
    project,
    run_audit_json,
    use_outputs,
)

MI = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
FIC_EXAMPLE = g.documented("application-list-federatedidentitycredentials")["value"][0]

__all__ = ["project"]  # the fixtures, used by name


def test_declared_federated_credentials_are_expected_and_others_found(
    project, capsys, monkeypatch
) -> None:
    declared = {
        "name": "contoso-exo-environment-prod-1a2b3c4d",
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": "repo:contoso/exo:environment:prod",
        "audiences": ["api://AzureADTokenExchange"],
    }
    use_outputs(monkeypatch, {**OUTPUTS, "federatedCredentials": [declared]})
    directory = clean_directory()
    directory.federated_credentials[APP_OBJECT] = [
        g.federated_credential(declared["name"], declared["issuer"], declared["subject"]),
        g.federated_credential(FIC_EXAMPLE["name"], FIC_EXAMPLE["issuer"], FIC_EXAMPLE["subject"]),
    ]
    _, report = run_audit_json(capsys, monkeypatch, project, directory)
    (finding,) = report["findings"]
    assert finding["category"] == "federated_credential"
    assert f"issuer {FIC_EXAMPLE['issuer']}, subject {FIC_EXAMPLE['subject']}" in finding["detail"]


def test_a_managed_identitys_declared_grants_are_expected_and_extras_found(
    project, capsys, monkeypatch
) -> None:
    use_outputs(
        monkeypatch,
        {**OUTPUTS, "managedIdentities": [{"objectId": MI, "kind": "system-assigned"}]},
    )
    directory = clean_directory()
    directory.app_role_assignments[MI] = [
        g.app_role_assignment(MI, EXCHANGE_SP, MANAGE_AS_APP, "Office 365 Exchange Online"),
        g.app_role_assignment(
            MI, GRAPH_SP, "df021288-bdef-4463-88db-98f22de89214", "Microsoft Graph"
        ),
    ]
    directory.role_assignments += [
        g.role_assignment(MI, EXCHANGE_ADMIN),
        g.role_assignment(MI, "62e90394-69f5-4237-9190-012177145e10"),
    ]
    code, report = run_audit_json(capsys, monkeypatch, project, directory)
    assert code == EXIT_DRIFT
    assert categories(report) == [
        ("extra_app_role_assignment", "managedIdentity"),
        ("extra_directory_role", "managedIdentity"),
    ]
    assert all(f["id"] == MI for f in report["findings"])
