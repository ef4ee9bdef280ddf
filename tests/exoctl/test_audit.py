"""`exoctl audit` against a local Microsoft Graph stand-in serving Graph's documented shapes."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from azure.core.credentials import AccessToken
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from exocba import signin
from exocba.certs import certificate_thumbprint
from exoctl import automation, cli
from exoctl.audit import thumbprint_of
from exoctl.errors import EXIT_DRIFT, EXIT_OK, EXIT_USAGE
from tests.conftest import PROJECT_ROOT, TENANT_ID, rsa_key, self_signed_pem
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


# ------------------------------------------------------------------ thumbprints


def certificate_der(name: str) -> tuple[bytes, str]:
    pem = self_signed_pem(
        "", name, dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 24, key=rsa_key(2048, name)
    )
    certificate = x509.load_pem_x509_certificate(pem.encode())
    return certificate.public_bytes(serialization.Encoding.DER), certificate_thumbprint(certificate)


def test_custom_key_identifiers_in_base64_or_hex_and_the_certificate_fallback() -> None:
    der, expected = certificate_der("fallback")
    assert thumbprint_of({"customKeyIdentifier": b64_thumbprint(expected)}) == expected
    assert thumbprint_of({"customKeyIdentifier": expected.lower()}) == expected
    # A tool's own identifier (not 20 bytes): the certificate in `key` decides.
    own = base64.b64encode(b"exo-cba generation 2026-09-04").decode()
    assert thumbprint_of({"customKeyIdentifier": own, "key": base64.b64encode(der).decode()}) == (
        expected
    )
    assert thumbprint_of({"customKeyIdentifier": own, "key": None}) == ""


def test_a_certificate_with_its_own_identifier_is_matched_by_its_key(
    project, capsys, monkeypatch
) -> None:
    der, thumbprint = certificate_der("own-identifier")
    use_outputs(monkeypatch, {**OUTPUTS, "certificates": [{"thumbprint": thumbprint}]})
    directory = clean_directory()
    directory.applications[APP_ID]["keyCredentials"] = [
        g.key_credential(
            base64.b64encode(b"not a thumbprint").decode(),
            "own",
            key=base64.b64encode(der).decode(),
        )
    ]
    _, report = run_audit_json(capsys, monkeypatch, project, directory)
    assert report["findings"] == []


def test_a_certificate_whose_thumbprint_cannot_be_told_is_still_reported(
    project, stack_cli, capsys, monkeypatch
) -> None:
    # Its own identifier (not a thumbprint) and no certificate in `key`: nothing shows it
    # is one the stack registered, so it is someone else's.
    directory = clean_directory()
    unknown = g.key_credential(base64.b64encode(b"deploy tool v2").decode(), "tool")
    directory.applications[APP_ID]["keyCredentials"].append(unknown)
    assert thumbprint_of(unknown) == ""
    code, report = run_audit_json(capsys, monkeypatch, project, directory)
    assert (code, report["status"]) == (EXIT_DRIFT, "findings")
    (finding,) = report["findings"]
    assert (finding["category"], finding["object"]) == ("unmanaged_certificate", "application")
    assert f"certificate {unknown['keyId']} (CN=tool," in finding["detail"]


# ------------------------------------------------------------------ failures keep the rest


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


# ------------------------------------------------------------------ clouds


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


def test_markdown_summary(project, stack_cli, capsys, monkeypatch, tmp_path) -> None:
    dirty = clean_directory()
    dirty.owners[SP].append("7f7f7f7f-7f7f-4f7f-8f7f-7f7f7f7f7f7f")
    summary = tmp_path / "summary.md"
    run_audit_json(capsys, monkeypatch, project, dirty, None, "--markdown", str(summary))
    text = summary.read_text()
    assert "### exo-cba audit of contoso: `findings`" in text
    assert "| extra_owner | servicePrincipal |" in text


def test_a_certificate_adoption_found_is_a_low_severity_leftover(
    capsys, monkeypatch, tmp_path
) -> None:
    hand_made = "3C5D7E9F1A2B3C4D5E6F708192A3B4C5D6E7F809"
    project = tmp_path / "adopted"
    project.mkdir()
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "Pulumi.contoso.yaml").write_text(
        f"config:\n  azuread:tenantId: {TENANT_ID}\n  exo-cba:owners:\n    - {OWNER}\n"
        f"  exo-cba:adoptedCertificates:\n    - {hand_made.lower()}\n"
    )
    use_outputs(monkeypatch, OUTPUTS)
    directory = clean_directory()
    directory.applications[APP_ID]["keyCredentials"].append(
        g.key_credential(
            b64_thumbprint(hand_made), "exo-handmade", endDateTime="2027-01-10T08:00:00Z"
        )
    )
    code, report = run_audit_json(capsys, monkeypatch, project, directory)
    assert (code, report["status"]) == (EXIT_OK, "clean")
    (finding,) = report["findings"]
    assert (finding["category"], finding["severity"]) == ("adopted_certificate", "low")
    assert f"certificate {hand_made} (CN=exo-handmade, ends 2027-01-10)" in finding["detail"]
    assert "exo-cba:adoptedCertificates" in finding["fix"]
    # The same certificate, not recorded by adoption, is an unexplained addition.
    use_outputs(monkeypatch, OUTPUTS)
    (project / "Pulumi.contoso.yaml").write_text(
        f"config:\n  azuread:tenantId: {TENANT_ID}\n  exo-cba:owners:\n    - {OWNER}\n"
    )
    code, report = run_audit_json(capsys, monkeypatch, project, directory)
    assert (code, report["findings"][0]["category"]) == (EXIT_DRIFT, "unmanaged_certificate")


# ------------------------------------------------------------------ identities and federation

MI = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
FIC_EXAMPLE = g.documented("application-list-federatedidentitycredentials")["value"][0]


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


# ------------------------------------------------------------------ the config audit reads


def test_owners_and_adoptions_are_read_by_the_programs_rules(capsys, monkeypatch, tmp_path) -> None:
    """exo-cba:owners and exo-cba:adoptedCertificates as load_settings reads them: an
    upper-case owner id and a colon-separated thumbprint match what Graph reports."""
    hand_made = "3C5D7E9F1A2B3C4D5E6F708192A3B4C5D6E7F809"
    colons = ":".join(hand_made[i : i + 2] for i in range(0, 40, 2)).lower()
    project = tmp_path / "spelt"
    project.mkdir()
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    (project / "Pulumi.contoso.yaml").write_text(
        f"config:\n  azuread:tenantId: {TENANT_ID}\n  exo-cba:owners:\n    - {OWNER.upper()}\n"
        f"  exo-cba:adoptedCertificates:\n    - '{colons}'\n"
    )
    use_outputs(monkeypatch, OUTPUTS)
    directory = clean_directory()
    directory.applications[APP_ID]["keyCredentials"].append(
        g.key_credential(
            b64_thumbprint(hand_made), "exo-handmade", endDateTime="2027-01-10T08:00:00Z"
        )
    )
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
