"""`--json` means JSON on stdout, whatever happens: the document for a failure.

A pipeline that parses exoctl's stdout gets one JSON document on success and on
failure alike; the human line still goes to stderr.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def wants_json(argv: Sequence[str], commands_with_json: Sequence[str]) -> bool:
    """Whether the command line asks for --json, told before (or without) parsing it,
    so that a flag error of a `--json` run is JSON too."""
    words = list(argv)
    if "--" in words:
        words = words[: words.index("--")]
    return "--json" in words and any(word in commands_with_json for word in words)


def failure(command: str | None, errors: Sequence[str], exit_code: int) -> dict[str, Any]:
    return {
        "command": command,
        "status": "error",
        "error": errors[0] if errors else "",
        "errors": list(errors),
        "exitCode": exit_code,
    }


def print_failure(command: str | None, errors: Sequence[str], exit_code: int) -> None:
    print(json.dumps(failure(command, errors, exit_code), indent=2))
