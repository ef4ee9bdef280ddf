"""Scenario 2: nothing to do right after a deploy, an hour later, and on a second up.

`pulumi preview --expect-no-changes` exits 0 only when the engine plans no change
(exit 7 otherwise, CLI >= 3.226); an hour later (EXO_CBA_NOW) is the same rotation
window, so the program declares the same resources with the same inputs. A second
`pulumi up` writes nothing to Graph.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.e2e.deployments import deployed

pytestmark = pytest.mark.e2e


def test_preview_right_after_up_expects_no_changes(e2e) -> None:
    stack = deployed(e2e)
    run = stack.preview("--expect-no-changes")
    assert run.code == 0
    assert run.changes() == {}


def test_an_hour_later_still_no_changes(e2e) -> None:
    stack = deployed(e2e)
    run = stack.preview("--expect-no-changes", now=stack.now + dt.timedelta(hours=1))
    assert run.changes() == {}


def test_a_second_up_writes_nothing(e2e) -> None:
    stack = deployed(e2e)
    before, logged = e2e.tenant.snapshot(), len(e2e.tenant.graph_log())
    run = stack.up()
    changed = {op: n for op, n in run.summary()["resourceChanges"].items() if op != "same"}
    assert changed == {}
    writes = [e for e in e2e.tenant.graph_log()[logged:] if e.write]
    assert writes == []
    assert e2e.tenant.snapshot() == before
