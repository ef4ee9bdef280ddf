"""Scenario 8: `exoctl verify --stack` signs in with the certificate the stack holds.

The PFX comes from the stack (`exoctl export-pfx --stack`, real `pulumi stack output
--show-secrets` through the Automation API); MSAL signs the client assertion with it;
the stand-in's token endpoint finds that certificate on the app the provider created,
puts the consent the provider granted into `roles` and the role assignments into
`wids`; Exchange's InvokeCommand answers.
"""

from __future__ import annotations

import json

import jwt
import pytest

from tests.e2e.deployments import deployed

pytestmark = pytest.mark.e2e
PASSWORD_VARIABLE = "EXO_CBA_E2E_PFX_PASSWORD"


def test_verify_signs_in_with_the_stacks_certificate(e2e, tmp_path) -> None:
    stack = deployed(e2e)
    outputs = stack.outputs()
    env = {PASSWORD_VARIABLE: "correct horse battery staple"}
    pfx = tmp_path / "exo-cba.pfx"
    stack.exoctl(
        "export-pfx",
        "--stack",
        stack.name,
        "--out",
        str(pfx),
        "--password-env",
        PASSWORD_VARIABLE,
        env=env,
    )
    logged = len(e2e.tenant.log)
    result = stack.exoctl(
        "verify",
        "--stack",
        stack.name,
        "--pfx",
        str(pfx),
        "--password-env",
        PASSWORD_VARIABLE,
        "--authority",
        e2e.tenant.base_url,
        "--exchange-url",
        e2e.tenant.base_url,
        "--json",
        env=env,
        check=False,
    )
    document = json.loads(result.stdout)
    assert result.code == 0, document
    assert document["ok"] is True
    assert {s["name"]: s["status"] for s in document["steps"]} == {
        "token": "pass",
        "claims": "pass",
        "exchange": "pass",
    }
    assert outputs["certificateThumbprint"] in document["steps"][0]["detail"]
    (token_request,) = [
        r for r in e2e.tenant.requests[logged:] if r.path.endswith("/oauth2/v2.0/token")
    ]
    from urllib.parse import parse_qs

    assertion = parse_qs(token_request.body.decode())["client_assertion"][0]
    assert jwt.get_unverified_header(assertion).get("x5t") or jwt.get_unverified_header(
        assertion
    ).get("x5t#S256")
