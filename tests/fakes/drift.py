"""What the `exoctl drift` tests share: the app's certificate generations, a recorded
engine log on disk, and the command run against it."""

from __future__ import annotations

import json
from pathlib import Path

from exoctl import cli
from tests.fakes import events as ev

GENERATIONS = ["20260308", "20260606", "20260904"]


def drift(capsys, *args: str) -> tuple[int, dict]:
    code = cli.main(["drift", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def log(tmp_path: Path, events: list[dict], name: str = "run.jsonl") -> str:
    return str(ev.write_log(tmp_path / name, events))
