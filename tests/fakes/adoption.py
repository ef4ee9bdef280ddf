"""What the `exoctl adopt` tests share: a hand-made app in the Graph stand-in, the
project adopt writes into, and the command run against them."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from azure.core.credentials import AccessToken
from cryptography import x509

from exocba import signin
from exocba.certs import certificate_thumbprint
from exoctl import cli, engine
from exoctl.errors import EXIT_OK, EXIT_USAGE
from exoctl.stackfiles import load_stack_config
from tests.conftest import EntraMocks, rsa_key, self_signed_pem
from tests.fakes import graph as g
from tests.fakes.graph import TOKEN, Directory, FakeGraph
from tests.fakes.project import project_copy

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
    # A folder of its own: the stand-ins write their CA bundles in the one above.
    root = tmp_path / "project"
    root.mkdir()
    return project_copy(root)


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


def refused(capsys, monkeypatch, project, directory, *extra, setup=None) -> str:
    code, out, err = adopt(capsys, monkeypatch, project, directory, *extra, setup=setup)
    assert (code, out) == (EXIT_USAGE, "")
    assert err.count("\n") == 1 and err.startswith("exoctl: error: adopt: ")
    assert not (project / "Pulumi.contoso.yaml").exists()
    assert not (project / "import-contoso.json").exists()
    return err
