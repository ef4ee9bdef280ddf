"""`exoctl plan`: evaluate a stack offline and show what it declares."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from exoctl.errors import EXIT_OK

NAME = "plan"


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    command = subparsers.add_parser(
        NAME, parents=[parent], help="evaluate a stack offline and show what it declares"
    )
    command.add_argument("--stack", default="dev", help="stack name (Pulumi.<stack>.yaml)")
    command.add_argument("--json", action="store_true", help="machine-readable output")
    command.add_argument(
        "--previous",
        type=Path,
        metavar="FILE",
        help="`pulumi stack output --json` of the deployed stack, to rehearse a rotation "
        "with EXO_CBA_NOW (default: plan a first deployment)",
    )
    command.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from exoctl import plan  # the Pulumi SDK is slow to import; only plan needs it

    previous = plan.load_previous_outputs(args.previous) if args.previous else None
    document = plan.evaluate(args.project_dir, args.stack, previous)
    if args.json:
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        print(plan.render_text(document))
    return EXIT_OK
