"""Reading the stack's own previous outputs, as real engines and backends answer."""

from __future__ import annotations

import json

import pytest
from pulumi import RunError

from components.stack_state import MINIMUM_PULUMI_VERSION
from tests.conftest import EntraMocks, run_stack

LEDGER = {"rotationDays": 90, "generations": ["2026-09-04"], "active": "2026-09-04"}
READ = "pulumi:pulumi:readStackOutputs"


def reads(mocks: EntraMocks) -> list[str]:
    return [args["name"] for token, args in mocks.calls if token == READ]


def test_the_stack_is_read_by_its_fully_qualified_name() -> None:
    mocks = EntraMocks(previous_outputs={"rotationLedger": LEDGER})
    run = run_stack(mocks=mocks, organization="contoso-platform")
    assert reads(mocks) == ["contoso-platform/exo-cba/dev"]
    assert {k: v for k, v in run.outputs["rotationLedger"].items() if k != "subjects"} == LEDGER


def test_the_diy_legacy_layout_falls_back_to_the_bare_stack_name() -> None:
    """DIY backends without project folders refuse organization/project/stack."""
    mocks = EntraMocks(
        previous_outputs={"rotationLedger": LEDGER}, refuse_qualified_stack_names=True
    )
    run = run_stack(mocks=mocks, organization="organization")
    assert reads(mocks) == ["organization/exo-cba/dev", "dev"]
    # The ledger read through the bare name is the one kept.
    assert {k: v for k, v in run.outputs["rotationLedger"].items() if k != "subjects"} == LEDGER


def test_when_every_name_is_refused_the_run_stops_naming_both() -> None:
    mocks = EntraMocks(previous_outputs_failure="backend unavailable")
    with pytest.raises(RunError) as caught:
        run_stack(mocks=mocks, organization="organization")
    message = str(caught.value)
    assert "cannot read this stack's previous outputs" in message
    assert "'organization/exo-cba/dev'" in message and "'dev'" in message
    assert mocks.created == []


def test_a_new_or_destroyed_stack_starts_at_generation_one() -> None:
    run = run_stack(mocks=EntraMocks(previous_outputs={}))
    assert len(run.outputs["rotationLedger"]["generations"]) == 1


class SecretLedgerMocks(EntraMocks):
    def call(self, args):  # type: ignore[no-untyped-def]
        answer = super().call(args)
        if args.token == READ:
            answer["secretOutputNames"] = ["rotationLedger"]
        return answer


def test_a_secret_ledger_stops_the_run_with_the_fix() -> None:
    mocks = SecretLedgerMocks(previous_outputs={"rotationLedger": LEDGER})
    with pytest.raises(RunError) as caught:
        run_stack(mocks=mocks)
    message = str(caught.value)
    assert "the previous rotationLedger output is a secret" in message
    assert "pulumi stack export" in message and "pulumi stack import" in message
    assert not [c for c in mocks.created if c[0].startswith("tls:")]


def test_the_exported_ledger_is_not_secret() -> None:
    from exoctl.engine import is_secret

    run = run_stack()
    assert not is_secret(run.outputs["rotationLedger"])
    json.dumps(run.outputs["rotationLedger"])  # plain data, as readStackOutputs returns it


def test_an_engine_older_than_the_minimum_is_refused_before_anything() -> None:
    mocks = EntraMocks()
    with pytest.raises(RunError) as caught:
        run_stack(mocks=mocks, cli_version="3.216.0")
    message = str(caught.value)
    assert message.startswith(f"exo-cba needs the Pulumi CLI {MINIMUM_PULUMI_VERSION} or newer")
    assert "3.216.0" in message
    assert mocks.created == [] and mocks.calls == []


def test_the_minimum_engine_itself_is_accepted() -> None:
    run = run_stack(cli_version=MINIMUM_PULUMI_VERSION)
    assert run.outputs["appId"]
