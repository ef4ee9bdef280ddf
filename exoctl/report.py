"""Status, tables and Markdown shared by `drift` and `audit`."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from exoctl.errors import EXIT_DRIFT, EXIT_OK, EXIT_PENDING, EXIT_USAGE, ExoctlError

# Worst first wins. An error outranks drift: a check that did not run is no pass.
STATUS_RANK = {
    "in_sync": 0,
    "clean": 0,
    "rotation_due": 1,
    "pending": 2,
    "drift": 3,
    "findings": 3,
    "error": 4,
}
EXIT_FOR_STATUS = {
    "in_sync": EXIT_OK,
    "clean": EXIT_OK,
    "rotation_due": EXIT_PENDING,
    "pending": EXIT_PENDING,
    "drift": EXIT_DRIFT,
    "findings": EXIT_DRIFT,
    "error": EXIT_USAGE,
}


def worst(statuses: Iterable[str], default: str = "in_sync") -> str:
    return max(statuses, key=STATUS_RANK.__getitem__, default=default)


def _cell(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def print_table(
    title: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    stream: TextIO | None = None,
) -> None:
    """A rich table on a terminal; tab-separated plain lines elsewhere (CI logs)."""
    stream = stream or sys.stdout
    if stream.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(_cell(value) for value in row))
        Console(file=stream).print(table)
        return
    print(title, file=stream)
    if rows:
        print("\t".join(columns), file=stream)
        for row in rows:
            print("\t".join(_cell(value) for value in row), file=stream)


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def escape(value: object) -> str:
        return _cell(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(escape(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def append_markdown(path: Path, text: str) -> None:
    """Append, as $GITHUB_STEP_SUMMARY expects from every step that writes to it."""
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text.rstrip("\n") + "\n\n")
    except OSError as error:
        raise ExoctlError(f"cannot write --markdown {path}: {error.strerror}", EXIT_USAGE) from None
