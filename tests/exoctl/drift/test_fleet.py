"""`exoctl drift --all`: many stacks through the Automation API, against a fake CLI."""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
from pathlib import Path

import pytest

from exoctl import automation, cli
from exoctl.drift.classify import StackResult
from exoctl.drift.fleet import Progress
from exoctl.errors import EXIT_USAGE
from tests.conftest import PROJECT_ROOT
from tests.fakes import events as ev
from tests.fakes.pulumi_cli import FakePulumiCommand, Reply, stack_replies

GENERATIONS = ["20260308", "20260606", "20260904"]
CANCEL = [{"cancelEvent": {}}]
OUTPUTS = {"appId": "x", "certificateNotAfter": "2027-09-01T00:00:00Z", "privateKeyPem": "k"}


def fleet_project(tmp_path: Path, stacks: list[str]) -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    for stack in stacks:
        (tmp_path / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    return tmp_path


def install(monkeypatch, fake: FakePulumiCommand) -> list[int]:
    """Use `fake` as the CLI; the list counts how often a command was built."""
    built: list[int] = []

    def factory() -> FakePulumiCommand:
        built.append(1)
        return fake

    monkeypatch.setattr(automation, "make_pulumi_command", factory)
    return built


def run_drift(capsys, project: Path, *args: str) -> tuple[int, dict, str]:
    code = cli.main(["--project-dir", str(project), "drift", *args, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def test_an_error_in_one_stack_is_never_hidden_by_drift_in_another(
    tmp_path, capsys, monkeypatch
) -> None:
    project = fleet_project(tmp_path, ["broken", "drifted"])
    fake = FakePulumiCommand(
        [
            Reply(
                ("refresh", "--preview-only", "--stack", "broken"),
                stderr="error: failed to load credentials: AADSTS7000215",
                code=255,
                # The engine had started: its log ends, as always, with the cancel event
                # (without it the SDK waits 5 s for the log before giving up).
                events=[{"cancelEvent": {}}],
            ),
            Reply(
                ("preview", "--stack", "broken"), events=ev.program_preview("broken", GENERATIONS)
            ),
            Reply(("stack", "output", "--stack", "broken"), stdout=json.dumps(OUTPUTS)),
            *stack_replies(
                "drifted",
                ev.refresh_preview("drifted", GENERATIONS, {"exo-sp": ("update", ["notes"])}),
                ev.program_preview("drifted", GENERATIONS),
                OUTPUTS,
            ),
        ]
    )
    install(monkeypatch, fake)
    code, report, _ = run_drift(capsys, project, "--all", "--parallel", "2")
    by_stack = {s["stack"]: s["status"] for s in report["stacks"]}
    assert by_stack == {"broken": "error", "drifted": "drift"}
    assert (code, report["status"]) == (EXIT_USAGE, "error")
    assert report["errors"] == [
        "broken: pulumi refresh --preview-only failed: failed to load credentials: AADSTS7000215"
    ]


def test_one_cli_one_workspace_no_stack_select_and_outputs_read_once(
    tmp_path, capsys, monkeypatch
) -> None:
    stacks = [f"t{n:02d}" for n in range(6)]
    project = fleet_project(tmp_path, stacks)
    replies = []
    for stack in stacks:
        replies += stack_replies(
            stack,
            ev.refresh_preview(stack, GENERATIONS),
            ev.program_preview(stack, GENERATIONS),
            OUTPUTS,
            {"privateKeyPem"},
        )
    fake = FakePulumiCommand(replies)
    built = install(monkeypatch, fake)
    code, report, _ = run_drift(capsys, project, "--all", "--parallel", "3")
    assert (code, report["status"]) == (0, "in_sync"), report
    assert len(built) == 1  # one `pulumi version` for the whole fleet
    assert not [c for c in fake.calls if c[:2] == ["stack", "select"]]
    reads = [c for c in fake.calls if c[:2] == ["stack", "output"]]
    assert sorted(c[c.index("--stack") + 1] for c in reads) == stacks
    # The masked form: the private key is never read into memory for a drift check.
    assert not [c for c in reads if "--show-secrets" in c]


def test_a_stacks_two_previews_run_at_the_same_time(tmp_path, capsys, monkeypatch) -> None:
    project = fleet_project(tmp_path, ["contoso"])
    fake = FakePulumiCommand(
        stack_replies(
            "contoso",
            ev.refresh_preview("contoso", GENERATIONS),
            ev.program_preview("contoso", GENERATIONS),
            OUTPUTS,
            engine_seconds=0.4,
        )
    )
    install(monkeypatch, fake)
    run_drift(capsys, project, "--stack", "contoso")
    spans = {args[0]: (start, end) for args, start, end in fake.timings if args[0] != "stack"}
    (refresh_start, refresh_end), (preview_start, preview_end) = spans["refresh"], spans["preview"]
    assert refresh_start < preview_end and preview_start < refresh_end  # they overlapped


class LineRecorder(io.StringIO):
    """Records every write() call; a line written in two calls shows up as two writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            self.writes.append(text)
        return len(text)

    def isatty(self) -> bool:
        return False


def test_progress_lines_from_many_threads_are_written_whole() -> None:
    stream = LineRecorder()
    progress = Progress(64, stream=stream)
    barrier = threading.Barrier(16)

    def work(worker: int) -> None:
        barrier.wait()
        for n in range(4):
            stack = f"t{worker:02d}{n}"
            progress.started(stack)
            progress.finished(StackResult(stack))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pattern = re.compile(r"drift: (checking t\d{3}|t\d{3}: in_sync \(\d+/64\))\n")
    assert len(stream.writes) == 128
    assert [w for w in stream.writes if not pattern.fullmatch(w)] == []
    assert sorted(int(w.split("(")[1].split("/")[0]) for w in stream.writes if "/64" in w) == list(
        range(1, 65)
    )


@pytest.mark.parametrize("missing", ["ghost"])
def test_a_stack_missing_from_the_backend_is_an_error(tmp_path, capsys, monkeypatch, missing):
    project = fleet_project(tmp_path, [missing])
    stderr = f"error: no stack named '{missing}' found"
    fake = FakePulumiCommand(
        [
            Reply(("refresh", "--preview-only"), stderr=stderr, code=255, events=CANCEL),
            Reply(("preview",), stderr=stderr, code=255, events=CANCEL),
            Reply(("stack", "output"), stderr=stderr, code=255),
        ]
    )
    install(monkeypatch, fake)
    code, report, _ = run_drift(capsys, project, "--stack", missing)
    assert (code, report["status"]) == (EXIT_USAGE, "error")
    assert report["errors"] == [f"{missing}: the stack does not exist in this backend"]
