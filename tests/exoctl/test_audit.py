"""`exoctl audit` against a local Microsoft Graph stand-in serving Graph's documented
payloads: what is found, how it is reported, and the config audit reads."""

from __future__ import annotations

import json
import shutil

from exoctl import cli
from exoctl.errors import EXIT_DRIFT, EXIT_OK, EXIT_USAGE
from tests.conftest import PROJECT_ROOT, TENANT_ID
from tests.fakes import graph as g
from tests.fakes.audit import (
    APP_ID,
    APP_OBJECT,
    EXCHANGE_ADMIN,
    EXCHANGE_SP,
    GRAPH_SP,
    OUTPUTS,
    OWNER,
    PREVIOUS,
    SP,
    THUMBPRINT,
    Credential,
    adopting_project,
    b64_thumbprint,
    categories,
    clean_directory,
    manage_as_app,
    project,
    run_audit_json,
    stack_cli,
    use_outputs,
    with_hand_made_key,
)

__all__ = ["project", "stack_cli"]  # the fixtures, used by name


def test_a_tenant_as_declared_is_clean(project, stack_cli, capsys, monkeypatch) -> None:
    credential = Credential()
    code, report = run_audit_json(capsys, monkeypatch, project, clean_directory(), credential)
    assert (code, report["status"], report["findings"], report["errors"]) == (
        EXIT_OK,
        "clean",
        [],
        [],
    )
    ((scopes, tenant),) = credential.scopes
    assert scopes[0].endswith("/.default") and tenant == TENANT_ID


def test_everything_added_outside_the_stack_is_found(
    project, stack_cli, capsys, monkeypatch
) -> None:
    dirty = clean_directory()
    app = dirty.applications[APP_ID]
    app["passwordCredentials"].append(
        {
            "keyId": "p1",
            "displayName": "copied from an example",
            "endDateTime": "2027-01-01T00:00:00Z",
        }
    )
    app["keyCredentials"].append(
        g.key_credential(b64_thumbprint("1111111111111111111111111111111111111111"), "portal")
    )
    # Graph User.Read-style delegated scopes, as Microsoft's $select example shows them.
    app["requiredResourceAccess"] += g.documented("application-get-select")[
        "requiredResourceAccess"
    ]
    sp = dirty.service_principals[APP_ID]
    sp["passwordCredentials"].append({"keyId": "p2", "endDateTime": "2027-01-01"})
    sp["keyCredentials"].append(g.key_credential(b64_thumbprint(THUMBPRINT), "on-the-sp"))
    dirty.app_role_assignments[SP] += [
        g.app_role_assignment(
            SP, GRAPH_SP, "810c84a8-4a9e-49e6-bf7d-12d183f40d01", "Microsoft Graph"
        ),
        g.app_role_assignment(SP, EXCHANGE_SP, "dc890d15-9560-4a4c-9b7f-a736ec74ec40", "Exchange"),
    ]
    dirty.role_assignments += [
        g.role_assignment(SP, "62e90394-69f5-4237-9190-012177145e10"),
        g.role_assignment(SP, EXCHANGE_ADMIN, scope="/administrativeUnits/5d107bba-d8e2-4e13"),
        g.role_assignment("someone-else", "62e90394-69f5-4237-9190-012177145e10"),
    ]
    dirty.eligibility_schedules.append(
        g.role_eligibility(SP, "194ae4cb-b126-40b2-bd5b-6091b380977d")
    )
    dirty.owners[APP_OBJECT].append("7f7f7f7f-7f7f-4f7f-8f7f-7f7f7f7f7f7f")
    example = g.documented("application-list-federatedidentitycredentials")["value"][0]
    dirty.federated_credentials[APP_OBJECT] = [
        g.federated_credential(example["name"], example["issuer"], example["subject"])
    ]
    dirty.delegated_grants[SP] = [g.delegated_grant(SP, GRAPH_SP, "User.Read Mail.Send")]

    code, report = run_audit_json(capsys, monkeypatch, project, dirty)
    assert (code, report["status"], report["errors"]) == (EXIT_DRIFT, "findings", [])
    assert categories(report) == sorted(
        [
            ("password_credential", "application"),
            ("password_credential", "servicePrincipal"),
            ("unmanaged_certificate", "application"),
            ("unmanaged_certificate", "servicePrincipal"),
            *[("extra_permission", "application")] * 4,
            ("extra_app_role_assignment", "servicePrincipal"),
            ("extra_app_role_assignment", "servicePrincipal"),
            ("extra_directory_role", "servicePrincipal"),
            ("extra_directory_role", "servicePrincipal"),
            ("eligible_directory_role", "servicePrincipal"),
            ("extra_owner", "application"),
            ("federated_credential", "application"),
            ("delegated_grant", "servicePrincipal"),
        ]
    )
    details = " | ".join(f["detail"] for f in report["findings"])
    assert "1111111111111111111111111111111111111111" in details
    assert "Global Administrator (62e90394-69f5-4237-9190-012177145e10) tenant-wide" in details
    unit = "/administrativeUnits/5d107bba-d8e2-4e13"
    assert f"Exchange Administrator ({EXCHANGE_ADMIN}) at scope {unit}" in details
    assert "PIM-eligible for Security Administrator" in details
    assert f"issuer {example['issuer']}, subject {example['subject']}" in details
    assert "delegated grant of 'User.Read Mail.Send'" in details
    assert all(f["fix"] for f in report["findings"])


def test_manage_as_app_requested_as_a_delegated_scope_is_a_finding(
    project, stack_cli, capsys, monkeypatch
) -> None:
    directory = clean_directory()
    directory.applications[APP_ID]["requiredResourceAccess"] = [manage_as_app("Scope")]
    _, report = run_audit_json(capsys, monkeypatch, project, directory)
    (finding,) = report["findings"]
    assert finding["category"] == "extra_permission"
    assert "requested as a delegated permission (Scope)" in finding["detail"]


def test_a_generation_the_rotation_retired_from_the_outputs_is_unmanaged(
    project, capsys, monkeypatch
) -> None:
    outputs = {**OUTPUTS, "certificates": [{"thumbprint": THUMBPRINT, "active": True}]}
    use_outputs(monkeypatch, outputs)
    _, report = run_audit_json(capsys, monkeypatch, project, clean_directory())
    (finding,) = report["findings"]
    assert PREVIOUS in finding["detail"]


def test_markdown_summary(project, stack_cli, capsys, monkeypatch, tmp_path) -> None:
    dirty = clean_directory()
    dirty.owners[SP].append("7f7f7f7f-7f7f-4f7f-8f7f-7f7f7f7f7f7f")
    summary = tmp_path / "summary.md"
    run_audit_json(capsys, monkeypatch, project, dirty, None, "--markdown", str(summary))
    text = summary.read_text()
    assert "### exo-cba audit of contoso: `findings`" in text
    assert "| extra_owner | servicePrincipal |" in text


def test_owners_and_adoptions_are_read_by_the_programs_rules(capsys, monkeypatch, tmp_path) -> None:
    """exo-cba:owners and exo-cba:adoptedCertificates as load_settings reads them: an
    upper-case owner id and a colon-separated thumbprint match what Graph reports."""
    hand_made = "3C5D7E9F1A2B3C4D5E6F708192A3B4C5D6E7F809"
    colons = ":".join(hand_made[i : i + 2] for i in range(0, 40, 2)).lower()
    project = adopting_project(tmp_path, "spelt", OWNER.upper(), f"'{colons}'")
    use_outputs(monkeypatch, OUTPUTS)
    directory = with_hand_made_key(clean_directory(), hand_made)
    code, report = run_audit_json(capsys, monkeypatch, project, directory)
    assert (code, report["status"]) == (EXIT_OK, "clean")
    assert [f["category"] for f in report["findings"]] == ["adopted_certificate"]


def test_a_bad_owner_or_thumbprint_is_a_config_error_naming_each(
    capsys, monkeypatch, tmp_path
) -> None:
    project = tmp_path / "bad"
    project.mkdir()
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "Pulumi.contoso.yaml").write_text(
        f"config:\n  azuread:tenantId: {TENANT_ID}\n  exo-cba:owners:\n    - alice\n"
        "  exo-cba:adoptedCertificates: nope\n"
    )
    use_outputs(monkeypatch, OUTPUTS)
    code = cli.main(["--project-dir", str(project), "audit", "--stack", "contoso", "--json"])
    captured = capsys.readouterr()
    assert code == EXIT_USAGE
    assert captured.err.splitlines() == [
        "exoctl: config error: exo-cba:owners: 'alice' is not an object id (GUID); allowed: "
        "an array of object ids (GUIDs), each once",
        "exoctl: config error: exo-cba:adoptedCertificates: 'nope' is not a JSON array of "
        "strings; allowed: an array of certificate thumbprints (40 hex digits, SHA-1), each once",
    ]
    failure = json.loads(captured.out)
    assert len(failure["errors"]) == 2 and failure["errors"][0].startswith("exo-cba:owners: ")
