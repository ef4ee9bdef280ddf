"""Command line entry point: `python -m exoctl <command>`."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from exoctl.errors import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, ExoctlError

PROJECT_DIR = Path(__file__).resolve().parent.parent


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exits with EXIT_USAGE."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise ExoctlError(f"{self.prog}: {message} (see --help)", EXIT_USAGE)


def _cmd_plan(args: argparse.Namespace) -> int:
    from exoctl import plan  # the Pulumi SDK is slow to import; only plan needs it

    previous = plan.load_previous_outputs(args.previous) if args.previous else None
    document = plan.evaluate(args.project_dir, args.stack, previous)
    if args.json:
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        print(plan.render_text(document))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="exoctl", description="Day-2 operations for exo-cba stacks.")
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_DIR,
        help="the Pulumi project (default: this repository)",
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    plan = commands.add_parser("plan", help="evaluate a stack offline and show what it declares")
    plan.add_argument("--stack", default="dev", help="stack name (Pulumi.<stack>.yaml)")
    plan.add_argument("--json", action="store_true", help="machine-readable output")
    plan.add_argument(
        "--previous",
        type=Path,
        metavar="FILE",
        help="`pulumi stack output --json` of the deployed stack, to rehearse a rotation "
        "with EXO_CBA_NOW (default: plan a first deployment)",
    )
    plan.set_defaults(handler=_cmd_plan)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    handler: Callable[[argparse.Namespace], int]
    try:
        args = build_parser().parse_args(argv)
        handler = args.handler
        return handler(args)
    except ExoctlError as error:
        print(f"exoctl: error: {error}", file=sys.stderr)
        return error.code
    except KeyboardInterrupt:
        print("exoctl: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        # What the program refuses (config, EXO_CBA_NOW) arrives as a pulumi.RunError.
        from pulumi import RunError

        from components.settings import ConfigError

        if isinstance(error, ConfigError):
            for problem in error.problems:
                print(f"exoctl: config error: {problem}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(error, RunError):
            print(f"exoctl: error: {error}", file=sys.stderr)
            return EXIT_USAGE
        if os.environ.get("EXOCTL_DEBUG"):
            raise
        print(
            f"exoctl: internal error: {type(error).__name__}: {error} "
            "(set EXOCTL_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
