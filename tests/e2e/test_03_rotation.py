"""Scenario 3: rotation, window by window, as the README's timeline promises.

Each window (EXO_CBA_NOW moved to the next one) the preview creates one generation
(`exo:index:AppCertificate` named after its window) and, once three are registered,
retires the oldest; `up` makes the new one active in every output, the tenant holds
exactly the ledger's certificates, and the next run plans from that ledger, which the
program read back through the engine's real `readStackOutputs`.
"""

from __future__ import annotations

import pytest

from exocba.rotation import generation_name, window_start
from tests.e2e.deployments import deployed
from tests.e2e.stacks import name_of
from tests.e2e.tenant_ops import application

pytestmark = pytest.mark.e2e
GENERATION = "exo:index:AppCertificate"


def generations(run, op: str) -> set[str]:
    return {
        name_of(urn)
        for urn, found in run.changes().items()
        if urn.split("::")[2].split("$")[-1] == GENERATION and found == op
    }


def test_each_window_adds_a_generation_and_retires_the_oldest_of_three(e2e) -> None:
    stack = deployed(e2e)
    retired_seen = False
    for _ in range(3):
        before = stack.outputs()
        held = before["rotationLedger"]["generations"]
        stack.next_window()
        new = f"exo-cert-{generation_name(window_start(stack.now, stack.rotation_days))}"
        # README: the previous generation stays through the next window, the one
        # before it is retired; at most three registered.
        expected_retired = {f"exo-cert-{held[0].replace('-', '')}"} if len(held) == 3 else set()

        preview = stack.preview()
        assert generations(preview, "create") == {new}
        assert generations(preview, "delete") == expected_retired
        assert not {op for op in preview.changes().values()} - {"create", "delete"}

        stack.up()
        after = stack.outputs()
        ledger = after["rotationLedger"]
        assert f"exo-cert-{ledger['active'].replace('-', '')}" == new
        assert after["certificateThumbprint"] != before["certificateThumbprint"]
        active = [c for c in after["certificates"] if c["active"]]
        assert [c["thumbprint"] for c in active] == [after["certificateThumbprint"]]
        kept = {f"exo-cert-{g.replace('-', '')}" for g in ledger["generations"]}
        assert kept == ({f"exo-cert-{g.replace('-', '')}" for g in held} | {new}) - expected_retired
        registered = application(e2e.tenant, after["appId"])["keyCredentials"]
        assert len(registered) == len(ledger["generations"]) == len(after["certificates"])
        retired_seen = retired_seen or bool(expected_retired)
        if retired_seen:
            break
    assert retired_seen, "three windows without a retirement"


def test_a_run_in_the_same_window_keeps_every_generation(e2e) -> None:
    """Only the ledger read back says which generations exist: a program that got no
    previous outputs would plan one generation and retire the others."""
    stack = deployed(e2e)
    run = stack.preview("--expect-no-changes")
    assert run.changes() == {}
