"""What more than one command shares: the global options every command also takes after
its name, and reading a cloud from a flag or from a stack's outputs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from exocba.clouds import CLOUDS_BY_NAME, PUBLIC, Cloud, cloud_named
from exoctl.errors import EXIT_USAGE, ExoctlError

PROJECT_DIR_HELP = (
    "the exo-cba Pulumi project (default: the current folder when it holds "
    "Pulumi.yaml, else the checkout exoctl is installed from)"
)


def global_options(parser: argparse.ArgumentParser, default: Any) -> None:
    """The options exoctl takes before the command name; with `default=SUPPRESS` (the
    parent every command gets) the same option after the name, which leaves the value
    given before it, or the default, when it is absent."""
    parser.add_argument(
        "--project-dir", type=Path, default=default, metavar="DIR", help=PROJECT_DIR_HELP
    )


def parent_parser() -> argparse.ArgumentParser:
    """The parent every command's parser is built on: the global options again."""
    parent = argparse.ArgumentParser(add_help=False)
    global_options(parent, argparse.SUPPRESS)
    return parent


def cloud_option(name: str | None) -> Cloud:
    if name is None:
        return PUBLIC
    try:
        return cloud_named(name)
    except KeyError as error:
        raise ExoctlError(f"--cloud: {error.args[0]}", EXIT_USAGE) from None


def stack_cloud(outputs: dict[str, Any], stack: str) -> Cloud:
    """The stack's `cloud` output; stacks deployed before it existed are public."""
    name = outputs.get("cloud")
    if name is None:
        return PUBLIC
    if name not in CLOUDS_BY_NAME:
        raise ExoctlError(
            f"stack {stack!r} has output cloud {name!r}, which this exoctl does not know; "
            "update exoctl",
            EXIT_USAGE,
        )
    return CLOUDS_BY_NAME[name]
