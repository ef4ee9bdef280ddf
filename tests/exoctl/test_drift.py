"""`exoctl drift`: recorded runs of this project's resources, and live runs via a fake CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from pulumi.automation.events import EngineEvent, OpType

from exoctl import automation, cli
from exoctl.errors import EXIT_DRIFT, EXIT_OK, EXIT_PENDING, EXIT_USAGE
from tests.conftest import PROJECT_ROOT
from tests.fakes import events as ev
from tests.fakes.drift import GENERATIONS, drift, log
from tests.fakes.pulumi_cli import FakePulumiCommand, Reply, stack_output_replies

# ------------------------------------------------------------------ fixtures are real shapes


def test_fixture_logs_parse_with_the_automation_apis_own_parser(tmp_path: Path) -> None:
    path = ev.write_log(
        tmp_path / "x.jsonl",
        ev.refresh_preview("contoso", GENERATIONS, {"exo-app": ("update", ["displayName"])})
        + ev.program_preview("contoso", GENERATIONS, created=["20261203"], retired=["20260308"]),
    )
    parsed = [EngineEvent.from_json(json.loads(line)) for line in path.read_text().splitlines()]
    pre = [e.resource_pre_event for e in parsed if e.resource_pre_event]
    assert {p.metadata.op for p in pre} >= {OpType.REFRESH, OpType.CREATE, OpType.DELETE}
    updated = [
        e.res_outputs_event.metadata
        for e in parsed
        if e.res_outputs_event and e.res_outputs_event.metadata.op == OpType.UPDATE
    ]
    assert updated[0].detailed_diff["displayName"].diff_kind.value == "update"
    assert any(e.summary_event for e in parsed) and parsed[-1].cancel_event


# ------------------------------------------------------------------ recorded runs


def test_portal_changes_are_drift(tmp_path, capsys) -> None:
    events = ev.refresh_preview(
        "contoso",
        GENERATIONS,
        {
            "exo-app": ("update", ["displayName"]),
            "exo-role-exchange-administrator": ("delete", []),
        },
    )
    code, report = drift(capsys, "--from", log(tmp_path, events))
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")
    assert [(c["name"], c["op"], c["kind"], c["properties"]) for c in report["changes"]] == [
        ("exo-app", "update", "drift", ["displayName"]),
        ("exo-role-exchange-administrator", "delete", "drift", []),
    ]
    change = report["changes"][0]
    assert change["stack"] == "contoso"
    assert change["type"] == "azuread:index/application:Application"
    assert change["urn"].endswith(
        "exo:index:ExchangeOnlineApp$azuread:index/application:Application::exo-app"
    )


def test_each_change_in_json_keeps_its_key_order(tmp_path, capsys) -> None:
    # merge.py and the workflows read these keys; scripts may read them positionally
    events = ev.refresh_preview("contoso", GENERATIONS, {"exo-app": ("update", ["displayName"])})
    cli.main(["drift", "--from", log(tmp_path, events), "--json"])
    out = capsys.readouterr().out
    (change,) = json.loads(out)["changes"]
    assert list(change) == ["stack", "urn", "type", "name", "op", "kind", "properties"]
    assert '"op": "update",\n      "kind": "drift",\n      "properties": [' in out


def test_a_clean_refresh_is_in_sync(tmp_path, capsys) -> None:
    code, report = drift(
        capsys, "--from", log(tmp_path, ev.refresh_preview("contoso", GENERATIONS))
    )
    assert (code, report["status"], report["changes"]) == (EXIT_OK, "in_sync", [])


def test_a_due_rotation_is_rotation_not_drift(tmp_path, capsys) -> None:
    events = ev.program_preview("contoso", GENERATIONS, created=["20261203"], retired=["20260308"])
    code, report = drift(capsys, "--from", log(tmp_path, events))
    assert (code, report["status"]) == (EXIT_PENDING, "rotation_due")
    assert {c["kind"] for c in report["changes"]} == {"rotation"}
    assert {(c["name"], c["op"]) for c in report["changes"]} >= {
        ("exo-cert-20261203", "create"),
        ("exo-cert-20261203-credential", "create"),
        ("exo-cert-20260308-credential", "delete"),
    }


def test_the_key_vault_secrets_new_version_belongs_to_the_rotation(tmp_path, capsys) -> None:
    rotation = ev.program_preview(
        "contoso",
        GENERATIONS,
        created=["20261203"],
        retired=["20260308"],
        updated={"exo-keyvault-secret": ["value", "tags", "expirationDate"]},
        key_vault=True,
    )
    code, report = drift(capsys, "--from", log(tmp_path, rotation))
    assert (code, report["status"]) == (EXIT_PENDING, "rotation_due")
    secret = [c for c in report["changes"] if c["name"] == "exo-keyvault-secret"]
    assert [(c["op"], c["kind"]) for c in secret] == [("update", "rotation")]
    # Without a rotation, a changed secret is undeployed config, and a secret changed
    # in the vault is drift.
    alone = ev.program_preview(
        "contoso", GENERATIONS, updated={"exo-keyvault-secret": ["tags"]}, key_vault=True
    )
    code, report = drift(capsys, "--from", log(tmp_path, alone, "alone.jsonl"))
    assert (code, report["status"]) == (EXIT_PENDING, "pending")
    edited = ev.refresh_preview(
        "contoso", GENERATIONS, {"exo-keyvault-secret": ("update", ["value"])}, key_vault=True
    )
    code, report = drift(capsys, "--from", log(tmp_path, edited, "edited.jsonl"))
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")
    assert [c["type"] for c in report["changes"]] == ["azure:keyvault/secret:Secret"]
    deleted = ev.refresh_preview(
        "contoso", GENERATIONS, {"exo-keyvault-secret": ("delete", [])}, key_vault=True
    )
    code, report = drift(capsys, "--from", log(tmp_path, deleted, "deleted.jsonl"))
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")
    assert [(c["name"], c["op"]) for c in report["changes"]] == [("exo-keyvault-secret", "delete")]


def test_the_key_vault_certificates_new_version_belongs_to_the_rotation(tmp_path, capsys) -> None:
    name = "exo-keyvault-certificate"
    kinds = {"key_vault": True, "certificate": True}
    rotation = ev.program_preview(
        "contoso",
        GENERATIONS,
        created=["20261203"],
        retired=["20260308"],
        updated={"exo-keyvault-secret": ["value", "tags"], name: ["certificate", "tags"]},
        **kinds,
    )
    code, report = drift(capsys, "--from", log(tmp_path, rotation))
    assert (code, report["status"]) == (EXIT_PENDING, "rotation_due")
    published = [c for c in report["changes"] if c["name"] == name]
    assert [(c["op"], c["kind"], c["type"]) for c in published] == [
        ("update", "rotation", "azure:keyvault/certificate:Certificate")
    ]
    # Without a rotation, a changed certificate is undeployed config; one changed or
    # deleted in the vault is drift.
    alone = ev.program_preview("contoso", GENERATIONS, updated={name: ["tags"]}, **kinds)
    code, report = drift(capsys, "--from", log(tmp_path, alone, "alone.jsonl"))
    assert (code, report["status"]) == (EXIT_PENDING, "pending")
    edited = ev.refresh_preview("contoso", GENERATIONS, {name: ("update", ["thumbprint"])}, **kinds)
    code, report = drift(capsys, "--from", log(tmp_path, edited, "edited.jsonl"))
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")
    assert [c["type"] for c in report["changes"]] == ["azure:keyvault/certificate:Certificate"]
    deleted = ev.refresh_preview("contoso", GENERATIONS, {name: ("delete", [])}, **kinds)
    code, report = drift(capsys, "--from", log(tmp_path, deleted, "deleted.jsonl"))
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")
    assert [(c["name"], c["op"]) for c in report["changes"]] == [(name, "delete")]


def test_undeployed_config_is_pending_and_outranks_rotation(tmp_path, capsys) -> None:
    events = ev.program_preview(
        "contoso",
        GENERATIONS,
        created=["20261203"],
        retired=["20260308"],
        updated={"exo-app": ["displayName"]},
        replaced={"exo-cert-20260904-key": ["rsaBits"]},
    )
    code, report = drift(capsys, "--from", log(tmp_path, events))
    assert (code, report["status"]) == (EXIT_PENDING, "pending")
    pending = {(c["name"], c["op"]) for c in report["changes"] if c["kind"] == "pending"}
    # A replacement is one change, not three events' worth.
    assert pending == {("exo-app", "update"), ("exo-cert-20260904-key", "replace")}
    assert report["stacks"][0] | {"warnings": [], "errors": []} == {
        "stack": "contoso",
        "status": "pending",
        "drift": 0,
        "pending": 2,
        "rotation": 8,
        "applied": 0,
        "warnings": [],
        "errors": [],
    }


def test_an_engine_error_is_status_error(tmp_path, capsys) -> None:
    events = ev.program_preview(
        "contoso", GENERATIONS, error="azuread:index:Application exo-app: 403"
    )
    code, report = drift(capsys, "--from", log(tmp_path, events))
    assert (code, report["status"]) == (EXIT_USAGE, "error")
    assert report["errors"] == ["contoso: error: azuread:index:Application exo-app: 403"]


@pytest.mark.parametrize("kind", ["refresh", "preview"])
def test_a_failed_run_without_an_error_event_is_never_in_sync(tmp_path, capsys, kind) -> None:
    # Nothing changed as far as the steps go, and the only diagnostic is a warning: the
    # engine's own verdict (summaryEvent result failed) is all that says it failed.
    events = (
        ev.refresh_preview("contoso", GENERATIONS)
        if kind == "refresh"
        else ev.program_preview("contoso", GENERATIONS)
    )
    summary = next(e for e in events if "summaryEvent" in e)
    summary["summaryEvent"]["result"] = "failed"
    events.insert(-2, {"diagnosticEvent": {"message": "warning: slow\n", "severity": "warning"}})
    code, report = drift(capsys, "--from", log(tmp_path, events))
    assert (code, report["status"]) == (EXIT_USAGE, "error")
    assert report["errors"] == ["contoso: the engine reported the run as failed"]
    assert report["warnings"] == ["contoso: warning: slow"]


@pytest.mark.parametrize(("refresh", "expected"), [(True, "drift"), (False, "pending")])
def test_json_digests_are_detected_and_classified(tmp_path, capsys, refresh, expected) -> None:
    if refresh:
        events = ev.refresh_preview("contoso", GENERATIONS, {"exo-sp": ("update", ["notes"])})
    else:
        events = ev.program_preview("contoso", GENERATIONS, updated={"exo-sp": ["notes"]})
    path = tmp_path / "digest.json"
    path.write_text(json.dumps(ev.digest_from_events(events, refresh), indent=2))
    code, report = drift(capsys, "--from", str(path))
    assert report["status"] == expected
    assert code == (EXIT_DRIFT if refresh else EXIT_PENDING)
    (change,) = report["changes"]
    assert (change["name"], change["op"], change["properties"]) == ("exo-sp", "update", ["notes"])


def test_kind_overrides_detection_for_a_digest_of_only_changes(tmp_path, capsys) -> None:
    digest = ev.digest_from_events(
        ev.refresh_preview("contoso", GENERATIONS, {"exo-sp": ("update", ["notes"])}), True
    )
    digest["steps"] = [s for s in digest["steps"] if s["op"] != "refresh"]
    path = tmp_path / "only-changes.json"
    path.write_text(json.dumps(digest))
    assert drift(capsys, "--from", str(path))[1]["status"] == "pending"
    assert drift(capsys, "--from", str(path), "--kind", "refresh")[1]["status"] == "drift"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "neither an engine event log"),
        ("hello", "neither an engine event log"),
        ('{"sequence": 0, "preludeEvent": {}}\n{broken', "line 2 of the event log is not JSON"),
        ('{"something": "else"}', "neither an engine event log"),
    ],
)
def test_unreadable_input_is_one_line_exit_2(tmp_path, capsys, content, fragment) -> None:
    path = tmp_path / "bad"
    path.write_text(content)
    assert cli.main(["drift", "--from", str(path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_missing_file_and_bad_flags_are_one_line(tmp_path, capsys) -> None:
    assert cli.main(["drift", "--from", str(tmp_path / "nope.json")]) == EXIT_USAGE
    assert "cannot read --from" in capsys.readouterr().err
    assert cli.main(["drift", "--stack", "dev", "--all"]) == EXIT_USAGE
    assert "exactly one of" in capsys.readouterr().err


def test_markdown_summary_is_appended(tmp_path, capsys) -> None:
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    events = ev.refresh_preview("contoso", GENERATIONS, {"exo-app": ("update", ["displayName"])})
    cli.main(["drift", "--from", log(tmp_path, events), "--markdown", str(summary)])
    text = summary.read_text()
    assert text.startswith("earlier step\n")
    assert "### exo-cba drift: `drift`" in text
    assert "| contoso | drift | 1 | 0 | 0 |" in text
    row = "| contoso | drift | update | azuread:index/application:Application | exo-app |"
    assert f"{row} displayName |" in text
    table = capsys.readouterr().out
    assert "status: drift" in table and "exo-app" in table


# ------------------------------------------------------------------ live (Automation API)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    for stack in ("contoso", "fabrikam"):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    return tmp_path


def live_replies(stack: str, refresh_events: list, preview_events: list, not_after: str) -> list:
    outputs = {"appId": "x", "certificateNotAfter": not_after, "privateKeyPem": "k"}
    return [
        Reply(("stack", "select", stack)),
        Reply(("refresh", "--preview-only", "--stack", stack), events=refresh_events),
        Reply(("preview", "--stack", stack), events=preview_events),
        *[
            Reply((*r.match, "--stack", stack), stdout=r.stdout)
            for r in stack_output_replies(outputs, {"privateKeyPem"})
        ],
    ]


def test_live_fleet_check_runs_refresh_and_preview_per_stack(project, capsys, monkeypatch) -> None:
    monkeypatch.setenv("EXO_CBA_NOW", "2026-11-22T00:00:00Z")
    replies = live_replies(
        "contoso",
        ev.refresh_preview("contoso", GENERATIONS, {"exo-sp": ("update", ["notes"])}),
        ev.program_preview("contoso", GENERATIONS),
        "2026-12-01T00:00:00Z",
    ) + live_replies(
        "fabrikam",
        ev.refresh_preview("fabrikam", GENERATIONS),
        ev.program_preview("fabrikam", GENERATIONS, created=["20261203"], retired=["20260308"]),
        "2027-09-01T00:00:00Z",
    )
    fake = FakePulumiCommand(replies)
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: fake)
    code = cli.main(["--project-dir", str(project), "drift", "--all", "--parallel", "2", "--json"])
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert code == EXIT_DRIFT and report["status"] == "drift"
    by_stack = {s["stack"]: s for s in report["stacks"]}
    assert by_stack["contoso"]["status"] == "drift"
    assert by_stack["fabrikam"]["status"] == "rotation_due"
    assert by_stack["contoso"]["warnings"][0].startswith(
        "the active certificate expires 2026-12-01"
    )
    assert by_stack["fabrikam"]["warnings"] == []
    refresh_calls = [c for c in fake.calls if c[:2] == ["refresh", "--preview-only"]]
    assert len(refresh_calls) == 2 and all("--event-log" in c for c in refresh_calls)
    assert not [c for c in fake.calls if c[0] in ("up", "refresh") and "--preview-only" not in c]
    # Not a terminal: progress as plain lines on stderr, stdout stays JSON.
    assert "drift: checking contoso" in captured.err
    assert "drift: fabrikam: rotation_due" in captured.err


def test_live_cli_failure_is_an_error_status(project, capsys, monkeypatch) -> None:
    fake = FakePulumiCommand(
        [
            Reply(("stack", "select", "contoso")),
            Reply(
                ("refresh", "--preview-only"),
                stderr="error: failed to load credentials: AADSTS7000215",
                code=255,
            ),
            Reply(("preview",), events=ev.program_preview("contoso", GENERATIONS)),
        ]
    )
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: fake)
    code = cli.main(["--project-dir", str(project), "drift", "--stack", "contoso", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == EXIT_USAGE and report["status"] == "error"
    assert "AADSTS7000215" in report["errors"][0]


def test_live_unknown_stack_file_is_refused_before_the_cli(project, capsys, monkeypatch) -> None:
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: pytest.fail("no CLI needed"))
    assert cli.main(["--project-dir", str(project), "drift", "--stack", "nope"]) == EXIT_USAGE
    assert "Pulumi.nope.yaml" in capsys.readouterr().err


def test_certificate_warning_threshold() -> None:
    from exoctl.drift import certificate_warning

    now = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)
    assert certificate_warning({"certificateNotAfter": "2026-12-31T00:00:00Z"}, 30, now) is None
    assert "29 days left" in certificate_warning(
        {"certificateNotAfter": "2026-12-21T00:00:00Z"}, 30, now
    )
    assert certificate_warning({}, 30, now) is None


def test_progress_on_a_terminal_goes_to_stderr_not_stdout(monkeypatch, capsys) -> None:
    import io

    from exoctl.drift import Progress, StackResult

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    progress = Progress(2)
    assert progress.rich is not None
    progress.started("contoso")
    progress.finished(StackResult("contoso"))
    progress.close()
    assert capsys.readouterr().out == ""
    assert "drift: checking" not in terminal.getvalue()  # no plain lines on a terminal
