"""`exoctl audit`: find secrets, certificates, permissions, roles and owners added to the
stack's app outside the stack."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from exocba import signin
from exocba.clouds import Cloud
from exocba.consents import stack_consents
from exoctl import checks
from exoctl.commands.common import stack_cloud
from exoctl.errors import ExoctlError

NAME = "audit"


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    command = subparsers.add_parser(
        NAME,
        parents=[parent],
        help="find secrets, certificates, permissions, roles and owners added outside",
    )
    command.add_argument(
        "--stack", required=True, help="the deployed stack whose app and grants to read"
    )
    command.add_argument(
        "--graph-url", help="override the Microsoft Graph host of the stack's cloud"
    )
    command.add_argument(
        "--exchange",
        action="store_true",
        help="also read the app's Exchange role groups (on by default when the stack declares "
        "exchangeRoleGroups); needs Exchange rights (README, deployer permissions)",
    )
    command.add_argument("--exchange-url", help="override the Exchange host of the stack's cloud")
    command.add_argument("--json", action="store_true", help="machine-readable output")
    command.add_argument("--markdown", type=Path, metavar="FILE", help="append a summary table")
    command.set_defaults(handler=run)


def expected_consents(cloud: Cloud, outputs: dict[str, Any]) -> set[tuple[str, str]]:
    """What the stack consents (exocba/consents.py), for the roles it says it holds."""
    from exocba.wellknown import ROLES_BY_TEMPLATE_ID

    roles = [ROLES_BY_TEMPLATE_ID.get(r["templateId"].lower()) for r in outputs.get("roles") or []]
    return stack_consents(cloud, roles)


def run(args: argparse.Namespace) -> int:
    from exocba.settings.load import ownership
    from exoctl import audit, automation, report
    from exoctl.stackfiles import load_stack_config

    if args.markdown:
        checks.writable_folder_of(args.markdown, "--markdown")
    config = load_stack_config(args.project_dir, args.stack)
    outputs = automation.stack_outputs(args.project_dir, args.stack)
    missing = [k for k in ("appId", "tenantId") if not outputs.get(k)]
    if missing:
        raise ExoctlError(
            f"stack {args.stack!r} has no output {', '.join(missing)}; deploy it first"
        )
    # The program's own rules for these keys (a refusal is a config error, every problem).
    recorded = ownership(config)
    cloud = stack_cloud(outputs, args.stack)
    expected = audit.Expected(
        app_id=outputs["appId"],
        thumbprints={c["thumbprint"].upper() for c in outputs.get("certificates") or []},
        role_template_ids={r["templateId"].lower() for r in outputs.get("roles") or []},
        owners=set(recorded.owners),
        consents=expected_consents(cloud, outputs),
        adopted=set(recorded.adopted_certificates),
        federated={(c["issuer"], c["subject"]) for c in outputs.get("federatedCredentials") or []},
        managed_identities={i["objectId"].lower() for i in outputs.get("managedIdentities") or []},
    )
    findings: list[audit.Finding] | None = None
    errors: list[str] = []
    try:
        graph = audit.Graph(
            args.graph_url or cloud.graph_url, outputs["tenantId"], signin.make_credential()
        )
        findings, errors = audit.audit(graph, expected)
    except audit.GraphError as failure:
        errors = [str(failure)]
    if args.exchange or outputs.get("exchangeRoleGroups"):
        from exoctl import exchange_audit

        more, failures = exchange_audit.run(
            args.exchange_url or cloud.exchange_url, cloud.exchange_url, outputs
        )
        findings, errors = (findings or []) + more, errors + failures
    document = audit.document(args.stack, findings, errors)

    columns = ("severity", "category", "object", "detail", "fix")
    rows = [[f[c] for c in columns] for f in document["findings"]]
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        report.print_table(f"Audit of {args.stack} ({len(rows)} findings)", columns, rows)
        for line in document["errors"]:
            print(f"error: {line}")
        print(f"status: {document['status']}")
    if args.markdown:
        text = f"### exo-cba audit of {args.stack}: `{document['status']}`"
        if rows:
            text += "\n\n" + report.markdown_table(columns, rows)
        for line in document["errors"]:
            text += f"\n\nerror: {line}"
        report.append_markdown(args.markdown, text)
    return report.EXIT_FOR_STATUS[document["status"]]
