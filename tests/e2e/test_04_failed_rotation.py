"""Scenario 4: a rotation whose new key credential Entra refuses.

The stand-in answers the keyCredentials PATCH with Graph's 400; `pulumi up` fails.
The real engine then keeps the outputs of the last finished update for every output
that did not resolve: the certificate outputs and the ledger still name the
registered certificate (read with `pulumi stack output`, and by the next run through
`readStackOutputs`). The next `up` completes the rotation.
"""

from __future__ import annotations

import pytest

from exocba.rotation import generation_name, window_start
from tests.e2e.deployments import deployed
from tests.e2e.tenant_ops import application

pytestmark = pytest.mark.e2e
CERTIFICATE_OUTPUTS = (
    "certificateThumbprint",
    "certificatePem",
    "certificateNotAfter",
    "certificates",
    "rotationLedger",
    "connectCommand",
    "connectCommandStore",
)


def test_a_refused_credential_leaves_the_registered_certificate_in_the_outputs(e2e) -> None:
    stack = deployed(e2e)
    before = stack.outputs()
    registered_before = application(e2e.tenant, before["appId"])["keyCredentials"]
    stack.next_window()
    injection = e2e.tenant.fail_next_key_credentials_patch()

    failed = stack.up(check=False)
    assert failed.code != 0
    assert injection.remaining == 0
    assert "Key credential end date is invalid" in failed.result.text
    after = stack.outputs()
    for name in CERTIFICATE_OUTPUTS:
        assert after[name] == before[name], name
    assert application(e2e.tenant, before["appId"])["keyCredentials"] == registered_before

    completed = stack.up()
    assert completed.summary()["result"] == "succeeded"
    done = stack.outputs()
    new = generation_name(window_start(stack.now, stack.rotation_days))
    assert done["rotationLedger"]["active"].replace("-", "") == new
    assert done["certificateThumbprint"] != before["certificateThumbprint"]
    thumbprints = {c["thumbprint"] for c in done["certificates"]}
    assert before["certificateThumbprint"] in thumbprints
    registered = application(e2e.tenant, done["appId"])["keyCredentials"]
    assert len(registered) == len(done["certificates"])
