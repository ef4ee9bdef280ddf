"""`exoctl drift --from` on engine events as Pulumi Cloud exports them.

The files are real exports (tests/fixtures/pulumi-cloud-events/SOURCES.md): each event
carries `type` and `timestamp` and no `sequence`. The expectations come from reading
them, never from running exoctl on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exoctl import cli
from exoctl.errors import EXIT_DRIFT, EXIT_PENDING, EXIT_USAGE
from tests.conftest import PROJECT_ROOT

EXPORTS = PROJECT_ROOT / "tests" / "fixtures" / "pulumi-cloud-events"
NDJSON = EXPORTS / "simple-s3-drift.ndjson"
PAGE = EXPORTS / "small_scale_10_deployments.json"
POLICY_TYPES = {
    "policyLoadEvent",
    "policyAnalyzeSummaryEvent",
    "policyRemediateSummaryEvent",
    "policyAnalyzeStackSummaryEvent",
}
BUCKET = "urn:pulumi:test::simple-s3::aws:s3/bucket:Bucket::test-bucket"


def exported(path: Path) -> list[dict]:
    if path.suffix == ".ndjson":
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return json.loads(path.read_text())["events"]


def drift(capsys, *args: str) -> tuple[int, dict]:
    code = cli.main(["drift", *args, "--json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, json.loads(captured.out)


def as_event_log(tmp_path: Path, events: list[dict]) -> str:
    """The same events as `--event-log` writes them: sequence and timestamp, no type."""
    path = tmp_path / "event-log.jsonl"
    lines = []
    for number, event in enumerate(events):
        kind = event["type"]
        lines.append(json.dumps({"sequence": number, "timestamp": 0, kind: event[kind]}))
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("path", [NDJSON, PAGE], ids=["ndjson", "events-page"])
def test_the_exports_are_in_pulumi_clouds_shape(path: Path) -> None:
    events = exported(path)
    assert events and all(set(e) == {"timestamp", "type", e["type"]} for e in events)
    assert {e["type"] for e in events} >= POLICY_TYPES


def test_a_cloud_preview_with_a_policy_pack_is_pending_with_the_advisory_warning(capsys) -> None:
    code, report = drift(capsys, "--from", str(NDJSON))
    assert (code, report["status"], report["errors"]) == (EXIT_PENDING, "pending", [])
    (change,) = report["changes"]
    assert (change["stack"], change["urn"], change["op"], change["kind"]) == (
        "test",
        BUCKET,
        "update",
        "pending",
    )
    assert change["properties"] == [
        "tags.Environment",
        "tags.ManagedBy",
        "tagsAll.Environment",
        "tagsAll.ManagedBy",
    ]
    (warning,) = report["warnings"]
    assert warning.startswith(
        "test: policy pack example-policies 0.0.6: s3-bucket-replication-enabled (advisory) "
        f"on {BUCKET}: Encourages use of cross-region replication"
    )


def test_a_deployments_events_page_counts_each_replacement_once(capsys) -> None:
    code, report = drift(capsys, "--from", str(PAGE))
    assert (code, report["status"], report["errors"]) == (EXIT_PENDING, "pending", [])
    ops = {c["name"]: c["op"] for c in report["changes"]}
    assert ops == {
        "cmd-0": "update",
        "cmd-3": "create",
        "random-str-extra-0": "delete",
        "random-str-0": "replace",
        "tls-key-0": "replace",
    }
    assert {c["stack"] for c in report["changes"]} == {"test-fa644eb6"}


@pytest.mark.parametrize("path", [NDJSON, PAGE], ids=["ndjson", "events-page"])
def test_an_export_is_classified_as_the_same_events_from_the_cli(capsys, tmp_path, path) -> None:
    events = exported(path)
    _, from_cloud = drift(capsys, "--from", str(path))
    _, from_cli = drift(capsys, "--from", as_event_log(tmp_path, events))
    assert from_cloud == from_cli
    assert from_cloud["changes"]


def test_kind_refresh_makes_an_export_drift(capsys) -> None:
    code, report = drift(capsys, "--from", str(NDJSON), "--kind", "refresh")
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")


def test_a_type_that_names_no_payload_is_refused_in_one_line(capsys, tmp_path) -> None:
    lines = NDJSON.read_text().splitlines()
    broken = tmp_path / "broken.ndjson"
    stray = json.dumps({"timestamp": 1769121523, "type": "resourcePreEvent"})
    broken.write_text("\n".join([*lines[:3], stray, *lines[3:]]) + "\n")
    assert cli.main(["drift", "--from", str(broken)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == (
        "exoctl: error: line 4 of the event log has type resourcePreEvent but no "
        "resourcePreEvent object\n"
    )


def test_an_unknown_type_in_an_events_page_is_refused_in_one_line(capsys, tmp_path) -> None:
    page = json.loads(PAGE.read_text())
    page["events"].insert(1, {"timestamp": 1773160266, "type": "fooEvent", "fooEvent": {}})
    broken = tmp_path / "page.json"
    broken.write_text(json.dumps(page))
    assert cli.main(["drift", "--from", str(broken)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "event 2 of the batch is not an engine event (fooEvent, timestamp, type)" in err
