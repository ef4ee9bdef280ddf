"""What the `exoctl audit` tests share: the tenant as the stack declares it, in the Graph
stand-in, the stack's outputs and the command run against them."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from azure.core.credentials import AccessToken

from exocba import signin
from exoctl import automation, cli
from tests.conftest import PROJECT_ROOT, TENANT_ID
from tests.fakes import graph as g
from tests.fakes.graph import TOKEN, Directory, FakeGraph
from tests.fakes.pulumi_cli import FakePulumiCommand, stack_output_replies, stack_select_reply

APP_ID = "5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
APP_OBJECT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SP = "6d2f3e4a-5b6c-4d7e-9f8a-0b1c2d3e4f5a"
EXCHANGE_SP = "9d3e55ba-79e0-4b7c-af50-dc460b81dca1"
COMPLIANCE_SP = "3b6a3f5e-2c8e-4f0b-9a53-7d6e1f2c4b88"
GRAPH_SP = "1c48f923-4fbb-4d37-b772-4d5dc2c6b4ac"
OWNER = "5a2f0c13-7a3e-4b51-9d6b-0c1f6b1f3e21"
THUMBPRINT = "0AA94D59A4A9111E6A639A240C82D7F7AB3FDA46"
PREVIOUS = "7C2B9E51A3D04F6E8B1A2C3D4E5F60718293A4B5"
EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"
COMPLIANCE_ADMIN = "17315797-102d-40b4-93e0-432062caca18"
EXCHANGE = "00000002-0000-0ff1-ce00-000000000000"
COMPLIANCE = "00000007-0000-0ff1-ce00-000000000000"
MANAGE_AS_APP = "dc50a0fb-09a3-484d-be87-e023b12c6440"
COMPLIANCE_ROLE = "455e5cd2-84e8-4751-8344-5672145dfa17"


def b64_thumbprint(thumbprint: str) -> str:
    """What Graph stores by default: the thumbprint's bytes, base64."""
    return base64.b64encode(bytes.fromhex(thumbprint)).decode()


def manage_as_app(kind: str = "Role") -> dict:
    return {"resourceAppId": EXCHANGE, "resourceAccess": [{"id": MANAGE_AS_APP, "type": kind}]}


def adopting_project(tmp_path: Path, name: str, owner: str, adopted: str) -> Path:
    """A project whose stack file declares `owner` and adopts one hand-made certificate,
    written as a person might (`adopted` is quoted as given)."""
    project = tmp_path / name
    project.mkdir()
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "Pulumi.contoso.yaml").write_text(
        f"config:\n  azuread:tenantId: {TENANT_ID}\n  exo-cba:owners:\n    - {owner}\n"
        f"  exo-cba:adoptedCertificates:\n    - {adopted}\n"
    )
    return project


def with_hand_made_key(directory: Directory, thumbprint: str) -> Directory:
    """The app as the portal left it: one more certificate, uploaded by hand."""
    directory.applications[APP_ID]["keyCredentials"].append(
        g.key_credential(
            b64_thumbprint(thumbprint), "exo-handmade", endDateTime="2027-01-10T08:00:00Z"
        )
    )
    return directory


def clean_directory() -> Directory:
    return Directory(
        applications={
            APP_ID: g.application(
                APP_OBJECT,
                APP_ID,
                keyCredentials=[
                    g.key_credential(b64_thumbprint(THUMBPRINT), "exo"),
                    # The generation rotation keeps registered on purpose.
                    g.key_credential(b64_thumbprint(PREVIOUS), "exo-previous"),
                ],
                requiredResourceAccess=[manage_as_app()],
            )
        },
        service_principals={
            APP_ID: g.service_principal(SP, APP_ID),
            EXCHANGE: g.service_principal(EXCHANGE_SP, EXCHANGE),
            COMPLIANCE: g.service_principal(COMPLIANCE_SP, COMPLIANCE),
        },
        app_role_assignments={
            SP: [
                g.app_role_assignment(SP, EXCHANGE_SP, MANAGE_AS_APP, "Office 365 Exchange Online")
            ]
        },
        role_assignments=[g.role_assignment(SP, EXCHANGE_ADMIN)],
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


OUTPUTS = {
    "appId": APP_ID,
    "tenantId": TENANT_ID,
    "certificates": [
        {"thumbprint": PREVIOUS, "active": False},
        {"thumbprint": THUMBPRINT, "active": True},
    ],
    "roles": [{"name": "Exchange Administrator", "templateId": EXCHANGE_ADMIN}],
}


def use_outputs(monkeypatch, outputs: dict) -> FakePulumiCommand:
    fake = FakePulumiCommand([stack_select_reply(), *stack_output_replies(outputs, set())])
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: fake)
    return fake


@pytest.fixture
def stack_cli(monkeypatch) -> FakePulumiCommand:
    return use_outputs(monkeypatch, OUTPUTS)


def run_audit(
    capsys, monkeypatch, project, directory, credential=None, *extra, graph_setup=None
) -> tuple[int, str]:
    credential = credential or Credential()
    monkeypatch.setattr(signin, "make_credential", lambda: credential)
    with FakeGraph(directory, project) as graph:
        if graph_setup:
            graph_setup(graph)
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


def run_audit_json(capsys, monkeypatch, project, directory, credential=None, *extra, **kw):
    code, out = run_audit(
        capsys, monkeypatch, project, directory, credential, "--json", *extra, **kw
    )
    return code, json.loads(out)


def categories(report: dict) -> list[tuple[str, str]]:
    return sorted((f["category"], f["object"]) for f in report["findings"])
