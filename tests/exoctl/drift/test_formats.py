"""`exoctl drift --from` on engine streams Pulumi recorded itself (tests/fixtures/pulumi-events).

The expectations come from reading the streams (which event says what), never from
running exoctl on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exoctl import cli
from exoctl.drift.formats import ENGINE_EVENT_KEYS
from exoctl.errors import EXIT_DRIFT, EXIT_OK, EXIT_PENDING, EXIT_USAGE
from tests.conftest import PROJECT_ROOT
from tests.fakes.digest import preview_digest

RECORDED = PROJECT_ROOT / "tests" / "fixtures" / "pulumi-events"
RES_A = "urn:pulumi:test::test::pkgA:m:typA::resA"
RES_C = "urn:pulumi:test::test::pkgA:m:typA::resC"


def recorded(name: str) -> Path:
    return RECORDED / f"{name}.jsonl"


def events_of(name: str) -> list[dict]:
    return [json.loads(line) for line in recorded(name).read_text().splitlines() if line.strip()]


def drift(capsys, *args: str) -> tuple[int, dict]:
    code = cli.main(["drift", *args, "--json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def as_digest(tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(preview_digest(events_of(name)), indent=4))
    return str(path)


def test_the_event_types_are_those_of_pulumis_engine_event() -> None:
    """sdk/go/common/apitype/events.go, EngineEvent: every field but sequence/timestamp."""
    assert {
        "cancelEvent",
        "stdoutEvent",
        "diagnosticEvent",
        "preludeEvent",
        "summaryEvent",
        "resourcePreEvent",
        "resOutputsEvent",
        "resOpFailedEvent",
        "policyEvent",
        "policyRemediationEvent",
        "policyLoadEvent",
        "policyAnalyzeSummaryEvent",
        "policyRemediateSummaryEvent",
        "policyAnalyzeStackSummaryEvent",
        "startDebuggingEvent",
        "progressEvent",
        "errorEvent",
    } == ENGINE_EVENT_KEYS


def test_every_recorded_stream_is_read_as_an_event_log(capsys) -> None:
    recorded = sorted(RECORDED.glob("*.jsonl"))
    assert len(recorded) >= 10, RECORDED
    for path in recorded:
        code, report = drift(capsys, "--from", str(path))
        assert code in (EXIT_OK, EXIT_DRIFT, EXIT_PENDING, EXIT_USAGE), path.name
        assert report["status"] in ("in_sync", "drift", "pending", "error"), path.name


# ------------------------------------------------------------------ policy packs


def test_a_policy_pack_run_is_read_and_a_mandatory_violation_is_an_error(capsys) -> None:
    name = "TestSimpleAnalyzeResourceFailure"
    assert "policyLoadEvent" in events_of(name)[0]  # the line that broke detection
    code, report = drift(capsys, "--from", str(recorded(name)))
    assert (code, report["status"]) == (EXIT_USAGE, "error")
    (violation,) = [e for e in report["errors"] if "always-fails" in e]
    assert violation == (
        f"test: policy pack analyzerA: always-fails (mandatory) on {RES_A}: a policy failed"
    )
    assert not any("<{%" in line for line in report["errors"] + report["warnings"])


def test_advisory_violations_are_warnings_and_mandatory_ones_errors(capsys) -> None:
    name = "TestSimpleAnalyzeResourceMultipleViolations"
    levels = {
        e["policyEvent"]["policyName"]: e["policyEvent"]["enforcementLevel"]
        for e in events_of(name)
        if "policyEvent" in e
    }
    code, report = drift(capsys, "--from", str(recorded(name)))
    assert (code, report["status"]) == (EXIT_USAGE, "error")
    for policy, level in levels.items():
        line = f"policy pack analyzerA 1.0.0: {policy} ({level}) on {RES_A}: a policy failed"
        bucket = report["errors"] if level == "mandatory" else report["warnings"]
        assert f"test: {line}" in bucket, policy
    assert len(report["warnings"]) == sum(level == "advisory" for level in levels.values())


def test_remediations_are_reported_and_an_applied_up_is_not_pending(capsys) -> None:
    code, report = drift(capsys, "--from", str(recorded("TestResourceRemediation")))
    assert (code, report["status"]) == (EXIT_OK, "in_sync")
    assert [c["kind"] for c in report["changes"]] == ["applied"]
    assert sorted(report["warnings"]) == [
        f"test: policy pack analyzerA 1.0.0: {policy} (remediate) changed the inputs of {RES_A}"
        for policy in ("ignored", "real-deal")
    ]


# ------------------------------------------------------------------ the same URN more than once


@pytest.mark.parametrize(
    "name",
    [
        "TestRefreshBasicsWithLegacyDiff__0-0-0-preview",
        "TestRefreshBasics__all-0-0-preview",
        # Two refresh steps of resA start before either finishes.
        "TestRefreshBasicsWithLegacyDiff__all-0-0-preview",
    ],
)
def test_several_copies_of_a_urn_in_a_refresh_are_drift_not_pending(capsys, name) -> None:
    refreshes = [
        e["resourcePreEvent"]["metadata"]["urn"]
        for e in events_of(name)
        if "resourcePreEvent" in e and e["resourcePreEvent"]["metadata"]["op"] == "refresh"
    ]
    assert refreshes.count(RES_A) >= 2  # pending-delete copies, as recorded
    code, report = drift(capsys, "--from", str(recorded(name)))
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")
    assert {c["kind"] for c in report["changes"]} == {"drift"}
    assert ("resA", "update") in {(c["name"], c["op"]) for c in report["changes"]}


def test_deleted_and_changed_resources_of_a_full_refresh(capsys) -> None:
    code, report = drift(capsys, "--from", str(recorded("TestRefreshBasics__all-0-0-preview")))
    assert code == EXIT_DRIFT
    assert {(c["urn"], c["op"]) for c in report["changes"]} == {
        (RES_A, "update"),
        (RES_C, "delete"),
    }


# ------------------------------------------------------------------ digests


def test_a_digest_that_counts_a_change_it_does_not_itemize_is_never_in_sync(
    capsys, tmp_path
) -> None:
    name = "TestRefreshBasicsWithLegacyDiff__0-0-0-preview"
    digest = json.loads(Path(as_digest(tmp_path, name)).read_text())
    # What `--json` prints for this run: every step still "refresh", one update counted.
    assert {step["op"] for step in digest["steps"]} == {"refresh"}
    assert digest["changeSummary"]["update"] == 1
    code, report = drift(capsys, "--from", as_digest(tmp_path, name))
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")
    (change,) = report["changes"]
    assert (change["op"], change["kind"]) == ("update", "drift")
    assert "changeSummary" in change["name"]


def test_a_refresh_digest_with_itemized_changes(capsys, tmp_path) -> None:
    code, report = drift(
        capsys, "--from", as_digest(tmp_path, "TestRefreshBasics__all-0-0-preview")
    )
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")
    assert {(c["urn"], c["op"]) for c in report["changes"]} == {
        (RES_A, "update"),
        (RES_C, "delete"),
    }


def test_a_program_preview_digest_is_pending(capsys, tmp_path) -> None:
    name = "TestSingleResourceDefaultProviderLifecycle__-0-0-preview"
    code, report = drift(capsys, "--from", as_digest(tmp_path, name))
    assert (code, report["status"]) == (EXIT_PENDING, "pending")
    assert [(c["urn"], c["op"]) for c in report["changes"]] == [(RES_A, "create")]


# ------------------------------------------------------------------ failed, cancelled, suspect


def test_a_cancelled_refresh_is_an_error_with_the_engines_words(capsys) -> None:
    code, report = drift(capsys, "--from", str(recorded("TestCanceledRefresh")))
    assert (code, report["status"]) == (EXIT_USAGE, "error")
    assert "test: update canceled" in report["errors"]


def test_a_failed_update_that_may_have_corrupted_state_is_an_error(capsys) -> None:
    name = "display__failed-stacks-dont-rewrite-operations"
    code, report = drift(capsys, "--from", str(recorded(name)))
    assert (code, report["status"]) == (EXIT_USAGE, "error")
    errors = " | ".join(report["errors"])
    assert "maybeCorrupt" in errors
    assert (
        "urn:pulumi:dev::test::pulumi-python:dynamic:Resource::test-x: the update step failed"
        in (errors)
    )


def test_the_same_create_is_pending_in_a_preview_and_applied_in_an_up(capsys) -> None:
    preview = drift(
        capsys, "--from", str(recorded("TestSingleResourceDefaultProviderLifecycle__-0-0-preview"))
    )
    applied = drift(
        capsys, "--from", str(recorded("TestSingleResourceDefaultProviderLifecycle__-0-0"))
    )
    assert (preview[0], preview[1]["changes"][0]["kind"]) == (EXIT_PENDING, "pending")
    assert (applied[0], applied[1]["changes"][0]["kind"]) == (EXIT_OK, "applied")


def test_a_run_without_resource_steps_names_the_stack_it_was_run_for(capsys) -> None:
    path = str(recorded("TestEmptyProgramLifecycle__-0-0-preview"))
    code, report = drift(capsys, "--from", path, "--stack", "contoso")
    assert (code, [s["stack"] for s in report["stacks"]]) == (EXIT_OK, ["contoso"])
    _, unnamed = drift(capsys, "--from", path)
    assert [s["stack"] for s in unnamed["stacks"]] == ["-"]


# ------------------------------------------------------------------ format detection


def test_a_stray_line_after_events_is_named(capsys, tmp_path) -> None:
    lines = recorded("TestCanceledRefresh").read_text().splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines[:2], '{"notAnEvent": {}}', *lines[2:]]) + "\n")
    code = cli.main(["drift", "--from", str(broken)])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_USAGE
    assert err == "exoctl: error: line 3 of the event log is not an engine event (notAnEvent)"


def test_an_event_batch_is_read_too(capsys, tmp_path) -> None:
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps({"events": events_of("TestRefreshBasics__all-0-0-preview")}))
    code, report = drift(capsys, "--from", str(batch))
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")


# ------------------------------------------------------------------ the Automation API's objects


@pytest.mark.parametrize(
    "name",
    [
        "TestRefreshBasics__all-0-0-preview",
        "TestSingleResourceDefaultProviderLifecycle__-0-0-preview",
    ],
)
def test_the_sdks_event_objects_read_as_the_log_they_came_from(name: str) -> None:
    from pulumi.automation.events import EngineEvent

    from exoctl.drift.formats import from_engine_events, from_events

    events = events_of(name)
    live = from_engine_events(EngineEvent.from_json(event) for event in events)
    logged = from_events(events)
    assert live.steps and live.steps == logged.steps
    # plain strings, not the SDK's OpType, so the text table prints "update"
    assert all(type(op) is str for step in live.steps.values() for op in step.ops)
    assert (live.errors, live.warnings, live.urns) == (logged.errors, logged.warnings, logged.urns)


def test_a_corrupt_state_summary_from_the_sdk_is_an_error() -> None:
    from pulumi.automation.events import EngineEvent

    from exoctl.drift.formats import from_engine_events

    summary = EngineEvent.from_json({"summaryEvent": {"maybeCorrupt": True}})
    assert from_engine_events([summary]).errors == [
        "the engine reported that state may be corrupt (maybeCorrupt): a resource "
        "operation stopped midway; run `pulumi refresh` and check the stack"
    ]
