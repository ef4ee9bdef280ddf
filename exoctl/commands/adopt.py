"""`exoctl adopt`: write a stack file and an import file for an app made by hand."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from exocba import signin
from exocba.clouds import CLOUDS_BY_NAME
from exoctl import checks, converters
from exoctl.commands.common import cloud_option
from exoctl.errors import EXIT_OK

NAME = "adopt"


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    command = subparsers.add_parser(
        NAME, parents=[parent], help="write a stack file and an import file for an app made by hand"
    )
    command.add_argument(
        "--stack", required=True, type=converters.stack_name, help="the stack to adopt the app into"
    )
    command.add_argument(
        "--app-id",
        required=True,
        type=converters.adopt_guid("--app-id"),
        help="the app's client id",
    )
    command.add_argument(
        "--tenant-id",
        type=converters.adopt_guid("--tenant-id"),
        help="default: the signed-in tenant",
    )
    command.add_argument(
        "--cloud", choices=tuple(CLOUDS_BY_NAME), help="the tenant's cloud (default public)"
    )
    command.add_argument("--graph-url", help="override the Microsoft Graph host of the cloud")
    command.add_argument(
        "--out", type=Path, metavar="FILE", help="the import file (default import-<stack>.json)"
    )
    command.add_argument(
        "--managed-identity",
        action="append",
        type=converters.adopt_guid("--managed-identity"),
        metavar="OBJECT_ID",
        help="a system-assigned managed identity granted Exchange access by hand (repeatable)",
    )
    command.add_argument(
        "--user-assigned-identity",
        action="append",
        type=converters.adopt_guid("--user-assigned-identity"),
        metavar="OBJECT_ID",
        help="the same for a user-assigned managed identity (repeatable)",
    )
    command.add_argument(
        "--exchange",
        action="store_true",
        help="also carry the app's Exchange role group memberships into the stack file",
    )
    command.add_argument("--exchange-url", help="override the Exchange host of the cloud")
    command.add_argument("--force", action="store_true", help="replace existing files")
    command.add_argument("--json", action="store_true", help="machine-readable output")
    command.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from components.clock import current_time
    from exoctl import graph
    from exoctl.adoption.exchange import carry_role_groups
    from exoctl.adoption.model import AdoptRefused
    from exoctl.adoption.plan import plan_adoption
    from exoctl.adoption.read import read_identity, read_tenant
    from exoctl.adoption.stack_file import check_config, stack_yaml, write_files

    app_id, tenant_id = args.app_id, args.tenant_id
    cloud = cloud_option(args.cloud)
    wanted = [
        (object_id, user_assigned)
        for user_assigned, values in (
            (False, args.managed_identity or []),
            (True, args.user_assigned_identity or []),
        )
        for object_id in values
    ]
    checks.project_dir(args.project_dir)
    stack_path = args.project_dir / f"Pulumi.{args.stack}.yaml"
    import_path = args.out or args.project_dir / f"import-{args.stack}.json"
    checks.writable_folder_of(import_path, "--out")
    for path in (stack_path, import_path):
        if path.exists() and not args.force:
            raise AdoptRefused(f"{path.name} exists; pass --force to replace it")
    try:
        client = graph.Graph(args.graph_url or cloud.graph_url, tenant_id, signin.make_credential())
    except graph.GraphError as error:
        raise AdoptRefused(str(error)) from None
    tenant = read_tenant(client, app_id, tenant_id, cloud)
    if tenant.initial_domain and not tenant.initial_domain.endswith(cloud.organization_suffix):
        raise AdoptRefused(
            f"the tenant's initial domain {tenant.initial_domain} is not a {cloud.title} domain "
            f"(*{cloud.organization_suffix}); pass --cloud for the tenant's cloud"
        )
    identities = [
        read_identity(client, object_id, user_assigned) for object_id, user_assigned in wanted
    ]
    plan = plan_adoption(tenant, args.stack, cloud, current_time(), identities)
    if args.exchange:
        from exocba.exchange_rest import ExchangeError
        from exoctl import exchange_audit

        client = exchange_audit.client_for(
            args.exchange_url or cloud.exchange_url, cloud.exchange_url, tenant.tenant_id
        )
        try:
            groups = exchange_audit.memberships(client, tenant.sp["id"])
        except ExchangeError as error:
            raise AdoptRefused(f"Exchange role groups: {error}") from None
        carry_role_groups(plan, groups)
    check_config(plan, args.project_dir)
    plan.commands = [
        f"pulumi stack init {args.stack}    # if the stack does not exist yet",
        f"pulumi import --file {import_path.name} --generate-code=false --yes --stack {args.stack}",
        f"pulumi preview --stack {args.stack} --policy-pack policy",
        f"pulumi up --stack {args.stack} --policy-pack policy",
    ]
    write_files(
        {
            stack_path: stack_yaml(plan),
            import_path: json.dumps(plan.import_file, indent=2) + "\n",
        },
        args.force,
    )
    files = {"stack": str(stack_path), "import": str(import_path)}
    if args.json:
        print(json.dumps(plan.document(files), indent=2))
        return EXIT_OK
    sections = [
        f"Adopting {tenant.app.get('displayName')} ({app_id}) in tenant {tenant.tenant_id} "
        f"into stack {args.stack}: wrote {stack_path.name} and {import_path.name}.",
        "Run, in order:\n" + "\n".join(f"  {c}" for c in plan.commands),
        "The first preview after the import will:\n" + _bullets(plan.first_preview),
        "Not managed by the stack:\n" + _bullets(plan.unmanaged or ["nothing"]),
        "Findings (remove them):\n" + _bullets(plan.findings or ["none"]),
    ]
    print("\n\n".join(sections))
    return EXIT_OK


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"  - {line}" for line in lines)
