"""Policies on federated credentials, the managed identity's grants included."""

from __future__ import annotations

import json

import exo_policies as p
import pytest
from policy_support import NAME, violations

GITHUB = "https://token.actions.githubusercontent.com"


@pytest.mark.parametrize(
    ("props", "config", "fragment"),
    [
        ({"issuer": GITHUB, "subject": "repo:c/exo:pull_request"}, {}, "any pull request"),
        (
            {"issuer": GITHUB, "subject": "repo:c/exo:pull_request"},
            {"allowPullRequests": True},
            None,
        ),
        ({"issuer": GITHUB, "subject": "repo:c/exo:ref:refs/heads/*"}, {}, "matches literally"),
        ({"issuer": "http://idp.example", "subject": "x"}, {}, "not an https URL"),
        ({"issuer": GITHUB, "subject": "repo:c/exo:environment:prod"}, {}, None),
    ],
)
def test_federation_subjects(props, config, fragment) -> None:
    found = violations(p.validate_federation_subjects, p.FEDERATED_CREDENTIAL, props, config)
    if fragment is None:
        assert found == []
    else:
        (message,) = found
        assert fragment in message


def test_managed_identity_grants_are_checked_like_the_apps(monkeypatch) -> None:
    from tests.conftest import MOCK_CLOCK, rfc3339
    from tests.fakes.identities import ROLE, with_identities

    monkeypatch.setenv("EXO_CBA_NOW", rfc3339(MOCK_CLOCK))
    run, _ = with_identities(
        roles=json.dumps(["Global Administrator"]), allowGlobalAdministrator="true"
    )
    from exoctl.engine import reveal

    flagged = [
        message
        for resource in run.by_type(ROLE)
        if resource.name.startswith("exo-mi-")
        for message in violations(p.validate_exchange_roles_only, ROLE, reveal(resource.inputs))
    ]
    assert len(flagged) == 2
    assert all(m.startswith(f"{NAME}: Global Administrator gives this principal") for m in flagged)
