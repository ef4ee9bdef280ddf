"""Federated credentials: exact subjects of https issuers, no GitHub pull_request subject
unless allowed."""

from __future__ import annotations

from exo_facts import GITHUB_ACTIONS_ISSUER
from exo_types import FEDERATED_CREDENTIAL, config
from pulumi_policy import ReportViolation, ResourceValidationArgs


def validate_federation_subjects(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != FEDERATED_CREDENTIAL:
        return
    issuer = str(args.props.get("issuer", ""))
    subject = str(args.props.get("subject", ""))
    if not issuer.startswith("https://"):
        report(f"{args.name}: issuer {issuer!r} is not an https URL. Trust only an OIDC issuer.")
    if "*" in subject:
        report(
            f"{args.name}: subject {subject!r} has a '*', which Entra matches literally. Name "
            "the exact subject (an environment, a branch or a tag)."
        )
    if (
        issuer == GITHUB_ACTIONS_ISSUER
        and subject.endswith(":pull_request")
        and not config(args, "allowPullRequests", False)
    ):
        report(
            f"{args.name}: subject {subject} lets any pull request's workflow act as this "
            "tenant's Exchange administrator. Trust an environment with required reviewers "
            "(repo:OWNER/REPO:environment:NAME), or set allowPullRequests in the policy config."
        )
