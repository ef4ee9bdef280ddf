"""Pipeline federation: federated credentials on the app, the workflow that uses them."""

from __future__ import annotations

import json

import pytest

from components.settings import ConfigError, load_settings
from exoctl.engine import reveal
from tests.conftest import INITIAL_DOMAIN, TENANT_CONFIG, TENANT_ID, run_stack, stable_guid

FIC = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
GITHUB = "https://token.actions.githubusercontent.com"
ENVIRONMENT = "repo:contoso/exo-scripts:environment:prod"
BRANCH = "repo:contoso/exo-scripts:ref:refs/heads/main"
ADO_ISSUER = "https://vstoken.dev.azure.com/6c3b7a5e-1f1d-4a3e-9d2b-8e0c4f1a2b3c"
GENERAL = f"issuer={ADO_ISSUER};subject=sc://contoso/exo/exchange-connection"
APP_ID = stable_guid("client", "exo-app")


def credentials(*entries: str, **config: str):
    return run_stack({"federatedCredentials": json.dumps(list(entries)), **config})


def test_each_credential_is_declared_on_the_app_with_its_exact_subject() -> None:
    run = credentials(ENVIRONMENT, BRANCH, GENERAL)
    declared = {reveal(r.inputs)["subject"]: reveal(r.inputs) for r in run.by_type(FIC)}
    assert set(declared) == {ENVIRONMENT, BRANCH, "sc://contoso/exo/exchange-connection"}
    application = f"/applications/{stable_guid('application', 'exo-app')}"
    for subject, inputs in declared.items():
        assert inputs["applicationId"] == application
        assert inputs["audiences"] == ["api://AzureADTokenExchange"]
        assert inputs["issuer"] == (GITHUB if subject.startswith("repo:") else ADO_ISSUER)
    names = [inputs["displayName"] for inputs in declared.values()]
    assert len(set(names)) == 3
    assert all(
        len(n) <= 120 and set(n) <= set("abcdefghijklmnopqrstuvwxyz0123456789-") for n in names
    )
    # Stable names: a second run declares the same resources.
    again = credentials(ENVIRONMENT, BRANCH, GENERAL)
    assert sorted(r.name for r in again.by_type(FIC)) == sorted(r.name for r in run.by_type(FIC))


def test_other_clouds_get_their_own_default_audience() -> None:
    run = credentials(
        ENVIRONMENT,
        **{"azuread:environment": "china", "organization": "contoso.partner.onmschina.cn"},
    )
    (credential,) = run.by_type(FIC)
    assert reveal(credential.inputs)["audiences"] == ["api://AzureADTokenExchangeChina"]


def test_the_github_workflow_output_is_ready_to_paste_and_holds_no_secret() -> None:
    run = credentials(ENVIRONMENT, GENERAL)
    by_subject = {c["subject"]: c for c in run.outputs["federatedCredentials"]}
    workflow = by_subject[ENVIRONMENT]["githubWorkflow"]
    assert "      id-token: write" in workflow
    assert f"          client-id: {APP_ID}" in workflow
    assert f"          tenant-id: {TENANT_ID}" in workflow
    assert "          allow-no-subscriptions: true" in workflow
    assert "--resource https://outlook.office365.com --query accessToken -o tsv" in workflow
    assert f"Connect-ExchangeOnline -AccessToken $token -Organization {INITIAL_DOMAIN}" in workflow
    for secretish in ("client-secret", "password", "BEGIN"):
        assert secretish not in workflow
    assert by_subject["sc://contoso/exo/exchange-connection"]["githubWorkflow"] is None


def test_a_gcc_high_workflow_names_the_cloud() -> None:
    run = credentials(
        ENVIRONMENT,
        **{"azuread:environment": "usgovernmentl4", "organization": "contoso.onmicrosoft.us"},
    )
    workflow = run.outputs["federatedCredentials"][0]["githubWorkflow"]
    assert "          environment: AzureUSGovernment" in workflow
    assert "          audience: api://AzureADTokenExchangeUSGov" in workflow
    assert "--resource https://outlook.office365.us " in workflow
    assert workflow.rstrip().endswith("-ExchangeEnvironmentName O365USGovGCCHigh")


@pytest.mark.parametrize(
    ("entries", "fragment"),
    [
        (["repo:contoso/exo-scripts:pull_request"], "trusts every pull request's workflow"),
        (["repo:contoso/*:environment:prod"], "is not a GitHub Actions subject"),
        (["repo:contoso/exo:ref:refs/heads/*"], "* is not a wildcard"),
        (["contoso/exo-scripts"], "is not a GitHub Actions subject"),
        (["issuer=http://idp.example;subject=x"], "needs an https issuer"),
        ([ENVIRONMENT, ENVIRONMENT], "repeats issuer"),
        ([f"repo:contoso/r{n}:environment:prod" for n in range(21)], "at most 20 per app"),
    ],
)
def test_bad_credentials_are_refused_naming_the_key(entries, fragment) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"federatedCredentials": json.dumps(entries)}, provider=TENANT_CONFIG)
    (problem,) = caught.value.problems
    assert problem.startswith("exo-cba:federatedCredentials: ")
    assert fragment in problem and "allowed: " in problem


def test_a_custom_issuers_audience_is_the_one_entra_gets() -> None:
    audience = "api://contoso-ado-exchange"
    run = credentials(f"{GENERAL};audiences= {audience} ")
    (credential,) = run.by_type(FIC)
    assert reveal(credential.inputs)["audiences"] == [audience]


def test_several_audiences_on_one_credential_are_refused() -> None:
    # Microsoft Graph: a federated identity credential's audiences "can only accept a
    # single value"; issuer and subject are unique per app, so a second entry cannot
    # carry the second audience either.
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {"federatedCredentials": json.dumps([f"{GENERAL};audiences=api://a,api://b"])},
            provider=TENANT_CONFIG,
        )
    (problem,) = caught.value.problems
    assert problem.startswith(
        "exo-cba:federatedCredentials: entry 1 lists 2 audiences (api://a, api://b); Entra "
        "accepts exactly one per federated credential; allowed: "
    )


@pytest.mark.parametrize(
    "subject", ["system:serviceaccount:exo:*", "*", "sc://contoso/*/exchange-connection"]
)
def test_a_star_in_a_custom_issuers_subject_is_refused(subject: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {"federatedCredentials": json.dumps([f"issuer={ADO_ISSUER};subject={subject}"])},
            provider=TENANT_CONFIG,
        )
    (problem,) = caught.value.problems
    assert problem.startswith(
        "exo-cba:federatedCredentials: entry 1: subjects are exact; * is not a wildcard"
    )


def test_twenty_credentials_are_the_most_one_app_takes() -> None:
    twenty = [f"repo:contoso/r{n}:environment:prod" for n in range(20)]
    settings = load_settings({"federatedCredentials": json.dumps(twenty)}, provider=TENANT_CONFIG)
    assert [c.subject for c in settings.federated_credentials] == twenty
    with pytest.raises(ConfigError) as caught:
        load_settings(
            {"federatedCredentials": json.dumps([*twenty, "repo:contoso/r20:environment:prod"])},
            provider=TENANT_CONFIG,
        )
    (problem,) = caught.value.problems
    assert "21 credentials; Entra accepts at most 20 per app" in problem


def test_githubs_immutable_subject_form_is_accepted() -> None:
    subject = "repo:contoso@424944/exo-scripts@1329211848:environment:prod"
    settings = load_settings(
        {"federatedCredentials": json.dumps([subject])}, provider=TENANT_CONFIG
    )
    (credential,) = settings.federated_credentials
    assert (credential.issuer, credential.subject) == (GITHUB, subject)


def test_pull_requests_only_with_the_explicit_allowance() -> None:
    subject = "repo:contoso/exo-scripts:pull_request"
    settings = load_settings(
        {"federatedCredentials": json.dumps([subject]), "allowPullRequestFederation": "true"},
        provider=TENANT_CONFIG,
    )
    assert [c.subject for c in settings.federated_credentials] == [subject]


def test_no_credentials_declare_nothing() -> None:
    run = run_stack()
    assert run.by_type(FIC) == [] and run.outputs["federatedCredentials"] == []
