"""`exoctl audit` against a local Microsoft Graph stand-in, credentials injected."""

from __future__ import annotations

import base64
import copy
import json
import shutil
from pathlib import Path

import pytest
from azure.core.credentials import AccessToken

from exoctl import audit, automation, cli
from exoctl.errors import EXIT_DRIFT, EXIT_OK, EXIT_USAGE
from tests.conftest import PROJECT_ROOT, TENANT_ID
from tests.fakes.graph import TOKEN, Directory, FakeGraph
from tests.fakes.pulumi_cli import FakePulumiCommand, stack_output_replies, stack_select_reply

APP_ID = "5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
APP_OBJECT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SP = "6d2f3e4a-5b6c-4d7e-9f8a-0b1c2d3e4f5a"
EXCHANGE_SP = "9d3e55ba-79e0-4b7c-af50-dc460b81dca1"
GRAPH_SP = "1c48f923-4fbb-4d37-b772-4d5dc2c6b4ac"
OWNER = "5a2f0c13-7a3e-4b51-9d6b-0c1f6b1f3e21"
THUMBPRINT = "0AA94D59A4A9111E6A639A240C82D7F7AB3FDA46"
EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"
MANAGE_AS_APP = "dc50a0fb-09a3-484d-be87-e023b12c6440"


def key_credential(thumbprint: str, name: str) -> dict:
    return {
        "keyId": f"key-{name}",
        "displayName": f"CN={name}",
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
        "customKeyIdentifier": base64.b64encode(bytes.fromhex(thumbprint)).decode(),
        "endDateTime": "2027-11-22T09:30:00Z",
    }


CLEAN = Directory(
    applications={
        APP_ID: {
            "id": APP_OBJECT,
            "appId": APP_ID,
            "passwordCredentials": [],
            "keyCredentials": [key_credential(THUMBPRINT, "exo")],
            "requiredResourceAccess": [
                {
                    "resourceAppId": "00000002-0000-0ff1-ce00-000000000000",
                    "resourceAccess": [{"id": MANAGE_AS_APP, "type": "Role"}],
                }
            ],
        }
    },
    service_principals={
        APP_ID: {"id": SP, "passwordCredentials": [], "keyCredentials": []},
        "00000002-0000-0ff1-ce00-000000000000": {"id": EXCHANGE_SP},
    },
    app_role_assignments={SP: [{"resourceId": EXCHANGE_SP, "appRoleId": MANAGE_AS_APP}]},
    role_assignments=[
        {"principalId": SP, "roleDefinitionId": EXCHANGE_ADMIN, "directoryScopeId": "/"}
    ],
    owners={APP_OBJECT: [OWNER], SP: [OWNER]},
)


class Credential:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.scopes: list[tuple] = []

    def get_token(self, *scopes: str, tenant_id: str | None = None) -> AccessToken:
        self.scopes.append((scopes, tenant_id))
        if self.fail:
            raise RuntimeError("DefaultAzureCredential failed to retrieve a token\nmore")
        return AccessToken(TOKEN, 4102444800)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.contoso.yaml").write_text(
        f"config:\n  azuread:tenantId: {TENANT_ID}\n  exo-cba:owners:\n    - {OWNER}\n"
    )
    return tmp_path


@pytest.fixture
def stack_cli(monkeypatch) -> FakePulumiCommand:
    outputs = {
        "appId": APP_ID,
        "tenantId": TENANT_ID,
        "certificates": [{"thumbprint": THUMBPRINT, "active": True}],
        "roles": [{"name": "Exchange Administrator", "templateId": EXCHANGE_ADMIN}],
    }
    fake = FakePulumiCommand([stack_select_reply(), *stack_output_replies(outputs, set())])
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: fake)
    return fake


def run_audit(
    capsys, monkeypatch, project, directory, credential=None, *extra, status=None
) -> tuple[int, str]:
    credential = credential or Credential()
    monkeypatch.setattr(audit, "make_credential", lambda: credential)
    with FakeGraph(directory, project) as graph:
        graph.status_override = status
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(graph.ca_bundle))
        code = cli.main(
            [
                "--project-dir",
                str(project),
                "audit",
                "--stack",
                "contoso",
                "--graph-url",
                graph.base_url,
                *extra,
            ]
        )
    return code, capsys.readouterr().out


def run_audit_json(capsys, monkeypatch, project, directory, credential=None, *extra):
    code, out = run_audit(capsys, monkeypatch, project, directory, credential, "--json", *extra)
    return code, json.loads(out)


def test_a_tenant_as_declared_is_clean(project, stack_cli, capsys, monkeypatch) -> None:
    credential = Credential()
    code, report = run_audit_json(capsys, monkeypatch, project, copy.deepcopy(CLEAN), credential)
    assert (code, report["status"], report["findings"]) == (EXIT_OK, "clean", [])
    ((scopes, tenant),) = credential.scopes
    assert scopes[0].endswith("/.default") and tenant == TENANT_ID


def test_everything_added_outside_the_stack_is_found(
    project, stack_cli, capsys, monkeypatch
) -> None:
    dirty = copy.deepcopy(CLEAN)
    app = dirty.applications[APP_ID]
    app["passwordCredentials"].append(
        {
            "keyId": "p1",
            "displayName": "copied from an example",
            "endDateTime": "2027-01-01T00:00:00Z",
        }
    )
    app["keyCredentials"].append(
        key_credential("1111111111111111111111111111111111111111", "portal")
    )
    app["requiredResourceAccess"].append(
        {
            "resourceAppId": "00000003-0000-0000-c000-000000000000",
            "resourceAccess": [{"id": "810c84a8-4a9e-49e6-bf7d-12d183f40d01", "type": "Role"}],
        }
    )
    dirty.service_principals[APP_ID]["passwordCredentials"].append(
        {"keyId": "p2", "endDateTime": "2027-01-01"}
    )
    dirty.app_role_assignments[SP] += [
        {
            "resourceId": GRAPH_SP,
            "appRoleId": "810c84a8-4a9e-49e6-bf7d-12d183f40d01",
            "resourceDisplayName": "Microsoft Graph",
        },
        {"resourceId": EXCHANGE_SP, "appRoleId": "dc890d15-9560-4a4c-9b7f-a736ec74ec40"},
    ]
    dirty.role_assignments.append(
        {
            "principalId": SP,
            "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
            "directoryScopeId": "/",
        }
    )
    dirty.role_assignments.append(
        {
            "principalId": "someone-else",
            "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
            "directoryScopeId": "/",
        }
    )
    dirty.eligibility_schedules.append(
        {"principalId": SP, "roleDefinitionId": "194ae4cb-b126-40b2-bd5b-6091b380977d"}
    )
    dirty.owners[APP_OBJECT].append("7f7f7f7f-7f7f-4f7f-8f7f-7f7f7f7f7f7f")

    code, report = run_audit_json(capsys, monkeypatch, project, dirty)
    assert (code, report["status"]) == (EXIT_DRIFT, "findings")
    found = [(f["category"], f["object"]) for f in report["findings"]]
    assert sorted(found) == sorted(
        [
            ("password_credential", "application"),
            ("password_credential", "servicePrincipal"),
            ("unmanaged_certificate", "application"),
            ("extra_permission", "application"),
            ("extra_app_role_assignment", "servicePrincipal"),
            ("extra_app_role_assignment", "servicePrincipal"),
            ("extra_directory_role", "servicePrincipal"),
            ("eligible_directory_role", "servicePrincipal"),
            ("extra_owner", "application"),
        ]
    )
    details = " ".join(f["detail"] for f in report["findings"])
    assert "1111111111111111111111111111111111111111" in details
    assert "Global Administrator (62e90394-69f5-4237-9190-012177145e10)" in details
    assert "PIM-eligible for Security Administrator" in details
    assert all(f["fix"] for f in report["findings"])


def test_graph_refusal_is_an_error_status(project, stack_cli, capsys, monkeypatch) -> None:
    code, out = run_audit(capsys, monkeypatch, project, copy.deepcopy(CLEAN), status=403)
    assert code == EXIT_USAGE
    assert "HTTP 403" in out and "Application.Read.All" in out and "status: error" in out


def test_no_azure_sign_in_is_an_error_status(project, stack_cli, capsys, monkeypatch) -> None:
    code, report = run_audit_json(
        capsys, monkeypatch, project, copy.deepcopy(CLEAN), Credential(fail=True)
    )
    assert code == EXIT_USAGE and report["status"] == "error"
    assert report["errors"] == [
        "no Azure sign-in for Microsoft Graph: DefaultAzureCredential failed to retrieve a token"
    ]


def test_markdown_summary(project, stack_cli, capsys, monkeypatch, tmp_path) -> None:
    dirty = copy.deepcopy(CLEAN)
    dirty.owners[SP].append("7f7f7f7f-7f7f-4f7f-8f7f-7f7f7f7f7f7f")
    summary = tmp_path / "summary.md"
    run_audit_json(capsys, monkeypatch, project, dirty, None, "--markdown", str(summary))
    text = summary.read_text()
    assert "### exo-cba audit of contoso: `findings`" in text
    assert "| extra_owner | servicePrincipal |" in text
