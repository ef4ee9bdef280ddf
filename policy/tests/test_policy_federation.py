"""Policies on federated credentials."""

from __future__ import annotations

import exo_policies as p
import pytest
from policy_support import violations

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
