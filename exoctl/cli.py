"""Command line entry point: `exoctl <command>` (or `python -m exoctl <command>`).

The parser and the one place every failure becomes one line and an exit code; each
command lives in exoctl/commands/.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from exoctl import helptext, jsonout
from exoctl.commands import COMMANDS
from exoctl.commands.common import global_options, parent_parser
from exoctl.errors import EXIT_INTERNAL, EXIT_USAGE, ExoctlError, first_line
from exoctl.parsing import Parser, command_names, commands_with_json
from exoctl.preflight import missing_dependency

# The checkout exoctl runs from (an editable install): the project when the current
# folder is not one.
CHECKOUT_DIR = Path(__file__).resolve().parent.parent


def default_project_dir() -> Path:
    """The current folder when it is a Pulumi project, else the checkout."""
    here = Path.cwd()
    if (here / "Pulumi.yaml").is_file() or not (CHECKOUT_DIR / "Pulumi.yaml").is_file():
        return here
    return CHECKOUT_DIR


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="exoctl", description="Day-2 operations for exo-cba stacks.")
    global_options(parser, default_project_dir())
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=Parser, metavar="COMMAND", help="one of:"
    )
    parent = parent_parser()
    for command in COMMANDS:
        command.add_parser(commands, parent)
    helptext.apply(parser, commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure is one line on stderr (and, with --json, a JSON
    document on stdout) and a documented exit code, never a traceback."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    as_json = jsonout.wants_json(words, commands_with_json(parser))
    command = next((word for word in words if word in command_names(parser)), None)
    # azure-identity logs every credential it tried, many lines, before raising the
    # error exoctl turns into its own one line.
    logging.getLogger("azure.identity").setLevel(logging.CRITICAL)
    try:
        args = parser.parse_args(words)
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except ExoctlError as error:
        return _fail(command, [str(error)], error.code, as_json)
    except KeyboardInterrupt:
        print("exoctl: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as error:
        line = missing_dependency(error)
        if line is None:
            return _internal(command, error, as_json)
        return _fail(command, [line], EXIT_USAGE, as_json)
    except Exception as error:
        return _refused_or_internal(command, error, as_json)


def _refused_or_internal(command: str | None, error: Exception, as_json: bool) -> int:
    """What the program refuses (config, EXO_CBA_NOW) arrives as ConfigError or a
    pulumi.RunError, or from exoctl's own use of the settings rules as ConfigProblems:
    an error to fix. Anything else is a bug in exoctl."""
    from exocba.settings.reader import ConfigProblems

    if isinstance(error, ConfigProblems):
        return _fail(command, list(error.problems), EXIT_USAGE, as_json, "config error")
    if "pulumi" in sys.modules:  # neither can have been raised without it
        from pulumi import RunError

        from components.settings import ConfigError

        if isinstance(error, ConfigError):
            return _fail(command, list(error.problems), EXIT_USAGE, as_json, "config error")
        if isinstance(error, RunError):
            return _fail(command, [str(error)], EXIT_USAGE, as_json)
    return _internal(command, error, as_json)


def _fail(
    command: str | None, errors: list[str], code: int, as_json: bool, kind: str = "error"
) -> int:
    for line in errors:
        print(f"exoctl: {kind}: {line}", file=sys.stderr)
    if as_json:
        jsonout.print_failure(command, errors, code)
    return code


def _internal(command: str | None, error: BaseException, as_json: bool) -> int:
    if os.environ.get("EXOCTL_DEBUG"):
        raise error
    line = f"{type(error).__name__}: {first_line(error)} (set EXOCTL_DEBUG=1 for the traceback)"
    return _fail(command, [line], EXIT_INTERNAL, as_json, "internal error")
