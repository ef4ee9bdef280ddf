"""`exoctl drift` and `exoctl drift merge`: classify drift, pending changes and due
rotations, one stack, every stack (or a shard of them), or a recorded run; and combine
the shards' reports."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from exoctl import converters
from exoctl.errors import ExoctlError
from exoctl.parsing import Parser

NAME = "drift"
ONE_SOURCE = "drift needs exactly one of --stack NAME, --all or --from FILE"
AT_LEAST = "--parallel must be at least 1 and --warn-days at least 0"

_CHANGE_COLUMNS = ("stack", "kind", "op", "type", "name", "properties")
_STACK_COLUMNS = ("stack", "status", "drift", "pending", "rotation", "warnings", "errors")


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    command = subparsers.add_parser(
        NAME,
        parents=[parent],
        help="classify drift, pending changes and due rotations (exit codes in README)",
    )
    command.add_argument(
        "--stack", help="check one stack live (Pulumi CLI); with --from, the stack it was run for"
    )
    source = command.exclusive(ONE_SOURCE)
    source.add_argument("--all", action="store_true", help="check every Pulumi.<stack>.yaml")
    source.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FILE",
        help="classify a recorded run: an engine event log (the CLI's, or Pulumi Cloud's "
        "events export) or a `--json` digest",
    )
    command.add_argument(
        "--kind",
        choices=("refresh", "preview"),
        help="with --from: what produced the file, when it cannot be told from its content",
    )
    command.add_argument(
        "--parallel",
        type=converters.at_least(1, AT_LEAST),
        default=4,
        help="stacks checked at once",
    )
    command.add_argument(
        "--warn-days",
        type=converters.at_least(0, AT_LEAST),
        default=30,
        help="warn when the active certificate has fewer days left (default 30)",
    )
    command.add_argument(
        "--shard",
        type=converters.shard,
        metavar="I/N",
        help="with --all: check only shard I of N, a stable, even share of the stacks; "
        "combine the --json reports with `drift merge` (docs/drift-fleets.md)",
    )
    command.add_argument("--json", action="store_true", help="machine-readable output")
    command.add_argument("--markdown", type=Path, metavar="FILE", help="append a summary table")
    command.set_defaults(handler=run)
    merging = command.add_subparsers(
        dest="drift_command",
        parser_class=Parser,
        metavar="merge",
        help="merge FILE…: combine the JSON reports of `drift --all --shard I/N` runs",
    ).add_parser(
        "merge",
        help="combine the --json reports of `drift --all --shard I/N` into one report and "
        "one exit code (the worst status); refuses a missing or repeated shard, or reports "
        "of different commits or stack lists (exit 2)",
    )
    merging.add_argument(
        "reports", nargs="*", type=Path, metavar="FILE", help="every shard's --json report"
    )
    merging.add_argument("--json", action="store_true", help="machine-readable output")
    merging.add_argument("--markdown", type=Path, metavar="FILE", help="append a summary table")
    merging.set_defaults(handler=run_merge)


def run(args: argparse.Namespace) -> int:
    from exoctl import drift, report
    from exoctl.stackfiles import stack_file, stack_names

    if sum(bool(x) for x in (args.stack and not args.source, args.all, args.source)) != 1:
        raise ExoctlError(ONE_SOURCE)
    if args.kind and not args.source:
        raise ExoctlError("--kind only applies to --from")
    if args.shard and not args.all:
        raise ExoctlError("--shard only applies to --all")
    header = None
    if args.source:
        # With --from, --stack names the stack the run was recorded for: a log with
        # no resource steps names none itself.
        recording = drift.load_recording(args.source, args.kind)
        results = drift.results_from_recording(recording, args.stack)
    else:
        from components.clock import current_time

        if args.all:
            stacks = stack_names(args.project_dir)
            if not stacks:
                raise ExoctlError(f"no Pulumi.<stack>.yaml files in {args.project_dir}")
            if args.shard:
                from exoctl.drift import shard

                index, count = args.shard
                header = shard.header(index, count, shard.current_commit(args.project_dir), stacks)
                stacks = shard.share(stacks, index, count)
        else:
            stack_file(args.project_dir, args.stack)
            stacks = [args.stack]
        results = drift.check_stacks(
            args.project_dir, stacks, args.parallel, args.warn_days, current_time()
        )

    document = drift.document(results)
    if header is not None:
        document["shard"] = header
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print_text(document)
    if args.markdown:
        report.append_markdown(args.markdown, markdown(document))
    return report.EXIT_FOR_STATUS[document["status"]]


def run_merge(args: argparse.Namespace) -> int:
    from exoctl import report
    from exoctl.drift.merge import MergeRefused, merge

    try:
        document = merge(args.reports)
    except MergeRefused as refused:
        for problem in refused.problems:
            print(f"exoctl: error: drift merge: {problem}", file=sys.stderr)
        if args.json:
            print(json.dumps({"status": "error", "errors": refused.problems}, indent=2))
        return refused.code
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print_text(document)
    if args.markdown:
        shards = document["shards"]
        title, _, rest = markdown(document).partition("\n")
        cut = f"{shards['count']} shard{'s' if shards['count'] != 1 else ''}"
        line = f"{shards['stacks']} stacks in {cut} at commit `{shards['commit'][:12]}`"
        report.append_markdown(args.markdown, f"{title}\n\n{line}\n{rest}")
    return report.EXIT_FOR_STATUS[document["status"]]


def _stack_rows(document: dict[str, Any]) -> list[list[object]]:
    return [[s[c] for c in _STACK_COLUMNS] for s in document["stacks"]]


def print_text(document: dict[str, Any]) -> None:
    from exoctl import report

    rows = [[c[k] for k in _CHANGE_COLUMNS] for c in document["changes"]]
    report.print_table(f"Changes ({len(rows)})", _CHANGE_COLUMNS, rows)
    if len(document["stacks"]) > 1:
        report.print_table("Stacks", _STACK_COLUMNS, _stack_rows(document))
    for warning in document["warnings"]:
        print(f"warning: {warning}")
    for error in document["errors"]:
        print(f"error: {error}")
    print(f"status: {document['status']}")


def markdown(document: dict[str, Any]) -> str:
    from exoctl import report

    parts = [f"### exo-cba drift: `{document['status']}`", ""]
    parts.append(report.markdown_table(_STACK_COLUMNS, _stack_rows(document)))
    if document["changes"]:
        rows = [[c[k] for k in _CHANGE_COLUMNS] for c in document["changes"]]
        parts += ["", report.markdown_table(_CHANGE_COLUMNS, rows)]
    return "\n".join(parts)
