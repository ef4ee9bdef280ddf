"""One cloud setting per stack: the facts table, the program's outputs and refusals per cloud."""

from __future__ import annotations

import re

import pytest

from components.settings import ConfigError, load_settings
from exocba.clouds import CHINA, CLOUDS, DOD, GCC_HIGH, PUBLIC, Cloud
from exocba.wellknown import SECURITY_COMPLIANCE_APP_ID, SECURITY_COMPLIANCE_GOV_ROLE_ID
from exoctl.engine import reveal
from tests.conftest import (
    PROJECT_ROOT,
    TENANT_CONFIG,
    TENANT_SERVICE_PRINCIPALS,
    EntraMocks,
    run_stack,
)

APP = "azuread:index/application:Application"
CONSENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
COMPLIANCE_ROLES = '["Exchange Administrator", "Compliance Administrator"]'


def stack_in(cloud: Cloud, roles: str = COMPLIANCE_ROLES, **config: str):
    mocks = EntraMocks(initial_domain=f"contoso{cloud.organization_suffix}")
    run = run_stack(
        {"azuread:environment": cloud.azuread_environments[0], "roles": roles, **config},
        mocks=mocks,
    )
    return run, mocks


@pytest.mark.parametrize("cloud", CLOUDS, ids=lambda c: c.name)
def test_each_cloud_gets_its_connect_lines(cloud: Cloud) -> None:
    run, _ = stack_in(cloud)
    outputs = run.outputs
    organization = f"contoso{cloud.organization_suffix}"
    assert outputs["cloud"] == cloud.name
    assert outputs["organization"] == organization
    for key in ("connectCommand", "connectCommandPfx"):
        line = outputs[key]
        assert line.startswith("Connect-ExchangeOnline ")
        assert f"-Organization {organization}" in line
        if cloud is PUBLIC:
            assert "-ExchangeEnvironmentName" not in line
        else:
            assert line.endswith(f" -ExchangeEnvironmentName {cloud.exchange_environment_name}")
    for key in ("connectIppsCommand", "connectIppsCommandPfx"):
        line = outputs[key]
        assert line.startswith("Connect-IPPSSession ")
        assert f"-Organization {organization}" in line
        assert "-ExchangeEnvironmentName" not in line
        if cloud is PUBLIC:
            assert "-ConnectionUri" not in line and "-AzureADAuthorizationEndpointUri" not in line
        else:
            assert f" -ConnectionUri {cloud.ipps_connection_uri}" in line
            assert f" -AzureADAuthorizationEndpointUri {cloud.ipps_authorization_endpoint}" in line
    assert (
        f"-CertificateThumbprint {outputs['certificateThumbprint']} "
        in (outputs["connectIppsCommand"])
    )


@pytest.mark.parametrize(
    ("environment", "cloud"),
    [
        ("global", PUBLIC),
        ("public", PUBLIC),
        ("usgovernmentl4", GCC_HIGH),
        ("usgovernment", GCC_HIGH),
        ("USGovernmentL5", DOD),
        ("dod", DOD),
        ("china", CHINA),
    ],
)
def test_every_value_the_provider_accepts_names_its_cloud(environment, cloud) -> None:
    assert (
        load_settings({}, provider={**TENANT_CONFIG, "azuread:environment": environment}).cloud
        is cloud
    )


def test_unset_environment_is_the_public_cloud_unless_arm_environment_says_otherwise() -> None:
    assert load_settings({}, provider=TENANT_CONFIG).cloud is PUBLIC
    assert load_settings({}, provider={**TENANT_CONFIG, "ARM_ENVIRONMENT": "china"}).cloud is CHINA
    # The stack's own key wins over the variable, as the provider reads them.
    both = {**TENANT_CONFIG, "azuread:environment": "dod", "ARM_ENVIRONMENT": "china"}
    assert load_settings({}, provider=both).cloud is DOD


@pytest.mark.parametrize(
    ("provider", "key"),
    [
        ({"azuread:environment": "germany"}, "azuread:environment"),
        ({"ARM_ENVIRONMENT": "gcchigh"}, "ARM_ENVIRONMENT"),
    ],
)
def test_an_unknown_environment_is_refused_naming_where_it_came_from(provider, key) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({}, provider={**TENANT_CONFIG, **provider})
    (problem,) = caught.value.problems
    assert problem.startswith(f"{key}: ")
    assert "is not a cloud the azuread provider knows" in problem
    assert "usgovernmentl4 or usgovernment (Microsoft 365 GCC High)" in problem


@pytest.mark.parametrize(
    ("cloud", "domain", "other"),
    [
        (CHINA, "contoso.onmicrosoft.com", PUBLIC),
        (PUBLIC, "contoso.onmicrosoft.us", GCC_HIGH),
        (GCC_HIGH, "contoso.partner.onmschina.cn", CHINA),
        (DOD, "contoso.onmicrosoft.com", PUBLIC),
    ],
)
def test_a_domain_from_another_cloud_is_refused_naming_the_key(cloud, domain, other) -> None:
    mocks = EntraMocks()
    with pytest.raises(ConfigError) as caught:
        run_stack(
            {"azuread:environment": cloud.azuread_environments[0], "organization": domain},
            mocks=mocks,
        )
    (problem,) = caught.value.problems
    assert problem.startswith(f"exo-cba:organization: '{domain}' is a {other.title} domain")
    assert f"this stack's cloud is {cloud.title}" in problem
    assert f"allowed: the tenant's initial domain, e.g. contoso{cloud.organization_suffix}" in (
        problem
    )
    assert mocks.created == []


@pytest.mark.parametrize("cloud", [GCC_HIGH, DOD], ids=lambda c: c.name)
def test_us_government_clouds_consent_to_the_compliance_resource(cloud: Cloud) -> None:
    run, mocks = stack_in(cloud)
    accesses = reveal(run.one(APP).inputs)["requiredResourceAccesses"]
    assert [block["resourceAppId"] for block in accesses] == [
        "00000002-0000-0ff1-ce00-000000000000",
        SECURITY_COMPLIANCE_APP_ID,
    ]
    assert accesses[1]["resourceAccesses"] == [
        {"id": SECURITY_COMPLIANCE_GOV_ROLE_ID, "type": "Role"}
    ]
    consents = {r.name: reveal(r.inputs) for r in run.by_type(CONSENT)}
    compliance = consents["exo-compliance-consent"]
    assert compliance["appRoleId"] == SECURITY_COMPLIANCE_GOV_ROLE_ID
    # Microsoft's service principal is looked up, never declared.
    assert (
        compliance["resourceObjectId"] == TENANT_SERVICE_PRINCIPALS[SECURITY_COMPLIANCE_APP_ID][0]
    )
    looked_up = [a["clientId"] for t, a in mocks.calls if t.endswith("getServicePrincipal")]
    assert SECURITY_COMPLIANCE_APP_ID in looked_up


@pytest.mark.parametrize(
    ("cloud", "roles"),
    [
        (PUBLIC, COMPLIANCE_ROLES),
        (CHINA, COMPLIANCE_ROLES),
        (GCC_HIGH, '["Exchange Administrator"]'),
    ],
    ids=["public", "china", "gcc-high-without-compliance-role"],
)
def test_no_compliance_permission_where_it_is_not_needed(cloud: Cloud, roles: str) -> None:
    run, _ = stack_in(cloud, roles=roles)
    accesses = reveal(run.one(APP).inputs)["requiredResourceAccesses"]
    assert len(accesses) == 1
    assert [r.name for r in run.by_type(CONSENT)] == ["exo-exchange-consent"]


def test_exchange_only_roles_note_that_security_and_compliance_will_not_work() -> None:
    """An info note (exoctl plan's header), never a warning: pulumi preview shows every
    warning of every run, and one that is always there teaches people to skip them."""
    run = run_stack({"roles": '["Exchange Administrator", "Helpdesk Administrator"]'})
    (note,) = [n for n in run.notes if "Security & Compliance" in n]
    assert note.startswith(
        "exo-cba:roles: Exchange Administrator, Helpdesk Administrator cannot run Security "
    )
    assert "Compliance Administrator" in note
    assert run.warnings == []
    quiet = run_stack({"roles": COMPLIANCE_ROLES})
    assert not [n for n in quiet.notes if "Security & Compliance" in n]


def test_the_documented_cloud_table_is_the_facts_table() -> None:
    """docs/clouds.md: one row per cloud with exactly the values of exocba/clouds.py."""
    text = (PROJECT_ROOT / "docs" / "clouds.md").read_text()
    # The table is the block of "|" lines under its "| cloud |" header.
    table = text.split("\n| cloud |", 1)[1].split("\n\n", 1)[0]
    rows = [
        [cell.strip().strip("`") for cell in line.strip("|").split("|")]
        for line in table.splitlines()[2:]
    ]
    expected = [
        [
            cloud.name,
            ", ".join(cloud.azuread_environments),
            cloud.authority,
            cloud.graph_url,
            cloud.exchange_url,
            cloud.organization_suffix,
            cloud.exchange_environment_name or "(default)",
            cloud.ipps_connection_uri or "(default)",
            cloud.ipps_authorization_endpoint or "(default)",
        ]
        for cloud in CLOUDS
    ]
    assert rows == expected


def test_every_facts_value_is_https_or_a_suffix() -> None:
    for cloud in CLOUDS:
        for url in (cloud.authority, cloud.graph_url, cloud.exchange_url):
            assert re.fullmatch(r"https://[a-z0-9.-]+", url), url
        assert cloud.organization_suffix.startswith(".")


@pytest.mark.parametrize("cloud", CLOUDS, ids=lambda c: c.name)
def test_every_cloud_plans_offline_with_its_provider_environment(tmp_path, cloud: Cloud) -> None:
    from exoctl import plan
    from tests.fakes.project import project_copy

    project = project_copy(tmp_path)
    (project / "Pulumi.tenant.yaml").write_text(
        "config:\n  azuread:tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47\n"
        f"  azuread:environment: {cloud.azuread_environments[-1]}\n"
        f"  exo-cba:organization: contoso{cloud.organization_suffix}\n"
        f"  exo-cba:roles: {COMPLIANCE_ROLES}\n"
    )
    document = plan.evaluate(project, "tenant")
    assert document["outputs"]["cloud"] == cloud.name
    # Known only once the app exists; the cloud is known now.
    assert document["outputs"]["connectCommandPfx"] == "<computed>"
    text = plan.render_text(document)
    assert f"Cloud: {cloud.title} (azuread:environment {cloud.azuread_environments[0]};" in text
    assert f"Graph {cloud.graph_url}, Exchange {cloud.exchange_url})" in text
    consents = [r["name"] for r in document["resources"] if r["type"].endswith("AppRoleAssignment")]
    expected = ["exo-exchange-consent"]
    if cloud.security_compliance_permission:
        expected.append("exo-compliance-consent")
    assert sorted(consents) == sorted(expected)
    # A domain of another cloud is refused in the plan too.
    other = next(c for c in CLOUDS if c.organization_suffix != cloud.organization_suffix)
    (project / "Pulumi.wrong.yaml").write_text(
        f"config:\n  azuread:environment: {cloud.azuread_environments[0]}\n"
        f"  exo-cba:organization: contoso{other.organization_suffix}\n"
    )
    with pytest.raises(ConfigError, match="exo-cba:organization: 'contoso"):
        plan.evaluate(project, "wrong")
