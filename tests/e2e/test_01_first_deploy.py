"""Scenario 1: first deploy with the real CLI, providers and policy pack.

`pulumi stack init`, config in both forms, `preview --policy-pack policy` with no
violation (the pack loaded and every policy passed), `up --policy-pack policy`, and
then: the tenant holds exactly the app, the service principal, the consent, the two
role assignments and the one certificate; `pulumi stack output` names them; the
connect lines name the certificate Entra holds; `exoctl audit` (its own Graph
sign-in, the read-only pipeline's) finds nothing added outside the stack.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from exocba.certs import common_name, thumbprint
from exocba.wellknown import EXCHANGE_MANAGE_AS_APP_ROLE_ID, ROLES_BY_NAME
from tests.e2e.deployments import DISPLAY_NAME, ROLES, deployed, made_by
from tests.e2e.stacks import POLICY_PACK_NAME, name_of
from tests.fakes import tenant_seed as seed

pytestmark = pytest.mark.e2e


def test_config_in_both_forms_lands_in_the_stack_file(e2e) -> None:
    stack = deployed(e2e)
    import yaml

    document = yaml.safe_load((stack.runner.cwd / f"Pulumi.{stack.name}.yaml").read_text())
    config = document["config"]
    assert config["exo-cba:certificate.keySize"] in (2048, "2048")  # the flat key
    assert set(config["exo-cba:certificate"]) == {"validityDays", "rotationDays"}  # --path
    assert config["exo-cba:roles"] == list(ROLES)
    assert config["exo-cba:owners"] == [seed.DEPLOY_SP_ID]


# Policies that read a value only the update knows (the service principal's client id,
# the certificate) cannot run in a first preview; the pack reports each, advisory.
NOT_RUN_IN_FIRST_PREVIEW = {
    ("no-first-party-service-principals", "exo-sp"),
    ("rsa-keys-2048", "CREDENTIAL"),
    ("certificate-lifetime", "CREDENTIAL"),
}


def _credential_name(run) -> str:
    (urn,) = [u for u in run.steps() if u.endswith("-credential")]
    return name_of(urn)


def test_preview_runs_the_pack_and_finds_no_violation(e2e) -> None:
    preview = deployed(e2e).deployment["preview"]
    (loaded,) = {e["policyPackName"] for e in preview.of("policyAnalyzeSummaryEvent")}
    assert loaded == POLICY_PACK_NAME
    assert preview.violations() == []
    failed = {
        (policy, name_of(e["resourceUrn"]))
        for e in preview.of("policyAnalyzeSummaryEvent")
        for policy in e.get("failed") or []
    }
    assert failed == preview.not_run()  # counted failed because they could not run
    passed = {p for e in preview.of("policyAnalyzeSummaryEvent") for p in e.get("passed") or []}
    assert {
        "exchange-app-only-roles",
        "single-tenant-apps",
        "exchange-manage-as-app-only",
    } <= passed
    credential = _credential_name(preview)
    assert preview.not_run() == {
        (policy, credential if name == "CREDENTIAL" else name)
        for policy, name in NOT_RUN_IN_FIRST_PREVIEW
    }
    assert preview.summary()["resourceChanges"]["create"] > 0


def test_up_runs_every_policy_the_preview_could_not(e2e) -> None:
    up = deployed(e2e).deployment["up"]
    assert up.of("policyEvent") == []
    ran = {
        (policy, name_of(e["resourceUrn"]))
        for e in up.of("policyAnalyzeSummaryEvent")
        for policy in e.get("passed") or []
    }
    credential = _credential_name(up)
    for policy, name in NOT_RUN_IN_FIRST_PREVIEW:
        assert (policy, credential if name == "CREDENTIAL" else name) in ran


def test_up_creates_exactly_the_stacks_objects_in_the_tenant(e2e) -> None:
    record = deployed(e2e).deployment
    assert record["up"].summary()["result"] == "succeeded"
    made = made_by(record["before"], record["after"])
    ((app_id, app),) = made["applications"].items()
    ((sp_app_id, sp),) = made["service_principals"].items()
    assert sp_app_id == app_id
    assert app["displayName"] == DISPLAY_NAME
    assert app["signInAudience"] == "AzureADMyOrg"
    assert record["after"]["owners"][app["id"]] == [seed.DEPLOY_SP_ID]
    assert record["after"]["owners"][sp["id"]] == [seed.DEPLOY_SP_ID]
    (consent,) = made["app_role_assignments"]
    assert (consent["principalId"], consent["resourceId"], consent["appRoleId"]) == (
        sp["id"],
        seed.EXCHANGE_SP_ID,
        EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    )
    assert sorted(
        (a["principalId"], a["roleDefinitionId"], a["directoryScopeId"])
        for a in made["role_assignments"]
    ) == sorted((sp["id"], ROLES_BY_NAME[r.casefold()].template_id, "/") for r in ROLES)
    (credential,) = app["keyCredentials"]
    assert credential["type"] == "AsymmetricX509Cert"
    # Nothing Microsoft owns was touched.
    for first_party in (seed.EXCHANGE_SP_ID, seed.GRAPH_SP_ID):
        assert [
            s for s in record["after"]["service_principals"].values() if s["id"] == first_party
        ] == [s for s in record["before"]["service_principals"].values() if s["id"] == first_party]


def test_stack_outputs_match_the_tenant(e2e) -> None:
    record = deployed(e2e).deployment
    outputs = record["outputs"]
    made = made_by(record["before"], record["after"])
    ((app_id, app),) = made["applications"].items()
    (sp,) = made["service_principals"].values()
    assert outputs["appId"] == app_id
    assert outputs["servicePrincipalObjectId"] == sp["id"]
    assert outputs["tenantId"] == seed.TENANT_ID
    assert outputs["organization"] == seed.INITIAL_DOMAIN
    assert outputs["roles"] == [
        {"name": r, "templateId": ROLES_BY_NAME[r.casefold()].template_id} for r in ROLES
    ]
    assert outputs["privateKeyPem"] == "[secret]"
    (credential,) = app["keyCredentials"]
    der = base64.b64decode(credential["key"])
    registered = hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()
    assert outputs["certificateThumbprint"] == registered == thumbprint(outputs["certificatePem"])
    assert outputs["certificateNotAfter"] == credential["endDateTime"]
    assert outputs["rotationLedger"]["generations"] == [outputs["rotationLedger"]["active"]]
    assert [c["thumbprint"] for c in outputs["certificates"]] == [registered]


def test_connect_lines_name_the_registered_certificate(e2e) -> None:
    outputs = deployed(e2e).deployment["outputs"]
    thumb, app_id = outputs["certificateThumbprint"], outputs["appId"]
    assert outputs["connectCommand"] == (
        f"Connect-ExchangeOnline -AppId {app_id} -CertificateThumbprint {thumb} "
        f"-Organization {seed.INITIAL_DOMAIN}"
    )
    assert f"-CertificateThumbprint {thumb}" in outputs["connectIppsCommand"]
    name = common_name(outputs["certificatePem"])
    assert f"-eq '{name}'" in outputs["connectCommandStore"]
    assert f"-AppId {app_id}" in outputs["connectCommandFolder"]


def test_audit_reads_what_the_provider_wrote_and_finds_nothing(e2e) -> None:
    stack = deployed(e2e)
    result = stack.exoctl(
        "audit",
        "--stack",
        stack.name,
        "--graph-url",
        e2e.tenant.base_url,
        "--json",
        env=e2e.reader_env(),
    )
    document = json.loads(result.stdout)
    assert document["status"] == "clean", document
    assert document["errors"] == []
