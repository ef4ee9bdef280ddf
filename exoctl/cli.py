"""Command line entry point: `exoctl <command>` (or `python -m exoctl <command>`)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from exocba.clouds import CLOUDS_BY_NAME, PUBLIC, Cloud, cloud_named
from exocba.connect import GENERATION_FILE_PATTERN
from exoctl import checks, helptext, jsonout
from exoctl.errors import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, ExoctlError, first_line
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


def _cmd_plan(args: argparse.Namespace) -> int:
    from exoctl import plan  # the Pulumi SDK is slow to import; only plan needs it

    previous = plan.load_previous_outputs(args.previous) if args.previous else None
    document = plan.evaluate(args.project_dir, args.stack, previous)
    if args.json:
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        print(plan.render_text(document))
    return EXIT_OK


def _cmd_export_pfx(args: argparse.Namespace) -> int:
    from exocba.certs import certificate_thumbprint
    from exoctl import pfx

    if args.stack is None and not (args.cert and args.key):
        raise ExoctlError("export-pfx needs --stack NAME, or both --cert and --key", EXIT_USAGE)
    if args.stack is not None and (args.cert or args.key):
        raise ExoctlError("export-pfx takes --stack or --cert/--key, not both", EXIT_USAGE)
    password = pfx.read_password(args.password_env)
    if args.stack is None:
        checks.readable_file(args.cert, "--cert")
        checks.readable_file(args.key, "--key")
    if not args.out.is_dir():
        checks.writable_folder_of(args.out, "--out")
    # Checked again when writing; refusing here saves a Pulumi CLI round trip.
    if args.out.exists() and not args.out.is_dir() and not args.force:
        raise ExoctlError(f"{args.out} exists; pass --force to replace it", EXIT_USAGE)

    app_id, organization = args.app_id or "<appId>", args.organization or "<organization>"
    if args.stack is not None:
        from exoctl import automation

        outputs = automation.stack_outputs(args.project_dir, args.stack)
        if "privateKeyPem" not in outputs:
            raise ExoctlError(
                f"stack {args.stack!r} exports no privateKeyPem (bring-your-own certificates "
                "keep the key outside Pulumi; use --cert and --key)",
                EXIT_USAGE,
            )
        certificate = pfx.load_certificate(outputs["certificatePem"], "output certificatePem")
        key = pfx.load_private_key(outputs["privateKeyPem"], "output privateKeyPem")
        app_id = args.app_id or outputs.get("appId", app_id)
        organization = args.organization or outputs.get("organization", organization)
    else:
        certificate = pfx.load_certificate(_read(args.cert), str(args.cert))
        key = pfx.load_private_key(_read(args.key), str(args.key))

    pfx.check_pair(certificate, key)
    out = args.out
    if out.is_dir():
        # A folder of generations (connectCommandFolder): one file per certificate.
        from exocba.certs import rfc3339
        from exocba.connect import generation_file_name

        out = out / generation_file_name(
            rfc3339(certificate.not_valid_before_utc), certificate_thumbprint(certificate)
        )
    data = pfx.build_pfx(certificate, key, password, legacy=args.legacy)
    pfx.write_private_file(out, data, force=args.force)

    print_thumbprint = certificate_thumbprint(certificate)
    kind = "legacy 3DES / SHA-1 MAC" if args.legacy else "AES-256 / SHA-256 MAC"
    name = out.name
    print(
        f"Wrote {out} ({kind}, mode 0600): certificate {print_thumbprint}, valid until "
        f"{certificate.not_valid_after_utc:%Y-%m-%d}.\n"
        "\nPowerShell 7 on Linux or macOS (or Windows without the store):\n"
        f"  Connect-ExchangeOnline -CertificateFilePath ./{name} "
        f"-CertificatePassword (Read-Host -AsSecureString) -AppId {app_id} "
        f"-Organization {organization}\n"
        "\nWindows, certificate store and thumbprint:\n"
        f"  Import-PfxCertificate -FilePath .\\{name} -CertStoreLocation Cert:\\CurrentUser\\My "
        "-Password (Read-Host -AsSecureString)\n"
        f"  Connect-ExchangeOnline -CertificateThumbprint {print_thumbprint} -AppId {app_id} "
        f"-Organization {organization}"
    )
    return EXIT_OK


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ExoctlError(f"cannot read {path}: {error.strerror}", EXIT_USAGE) from None


def _cmd_drift(args: argparse.Namespace) -> int:
    from exoctl import drift, report
    from exoctl.stackfiles import stack_file, stack_names

    if sum(bool(x) for x in (args.stack and not args.source, args.all, args.source)) != 1:
        raise ExoctlError("drift needs exactly one of --stack NAME, --all or --from FILE")
    if args.kind and not args.source:
        raise ExoctlError("--kind only applies to --from")
    if args.parallel < 1 or args.warn_days < 0:
        raise ExoctlError("--parallel must be at least 1 and --warn-days at least 0")
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

                index, count = shard.parse_shard(args.shard)
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
        _print_drift(document)
    if args.markdown:
        report.append_markdown(args.markdown, _drift_markdown(document))
    return report.EXIT_FOR_STATUS[document["status"]]


def _cmd_drift_merge(args: argparse.Namespace) -> int:
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
        _print_drift(document)
    if args.markdown:
        shards = document["shards"]
        title, _, rest = _drift_markdown(document).partition("\n")
        cut = f"{shards['count']} shard{'s' if shards['count'] != 1 else ''}"
        line = f"{shards['stacks']} stacks in {cut} at commit `{shards['commit'][:12]}`"
        report.append_markdown(args.markdown, f"{title}\n\n{line}\n{rest}")
    return report.EXIT_FOR_STATUS[document["status"]]


_CHANGE_COLUMNS = ("stack", "kind", "op", "type", "name", "properties")
_STACK_COLUMNS = ("stack", "status", "drift", "pending", "rotation", "warnings", "errors")


def _stack_rows(document: dict[str, Any]) -> list[list[object]]:
    return [[s[c] for c in _STACK_COLUMNS] for s in document["stacks"]]


def _print_drift(document: dict[str, Any]) -> None:
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


def _drift_markdown(document: dict[str, Any]) -> str:
    from exoctl import report

    parts = [f"### exo-cba drift: `{document['status']}`", ""]
    parts.append(report.markdown_table(_STACK_COLUMNS, _stack_rows(document)))
    if document["changes"]:
        rows = [[c[k] for k in _CHANGE_COLUMNS] for c in document["changes"]]
        parts += ["", report.markdown_table(_CHANGE_COLUMNS, rows)]
    return "\n".join(parts)


def _cmd_verify(args: argparse.Namespace) -> int:
    from exoctl import verify
    from exoctl.errors import EXIT_VERIFY_FAILED

    explicit = (args.app_id, args.tenant_id, args.organization)
    if args.stack and any(explicit):
        raise ExoctlError("verify takes --stack or --app-id/--tenant-id/--organization, not both")
    if not args.stack and not all(explicit):
        raise ExoctlError(
            "verify needs --stack NAME, or all of --app-id, --tenant-id, --organization"
        )
    if args.stack and args.cloud:
        raise ExoctlError("--cloud is for explicit mode; with --stack the stack's cloud is used")
    # Everything the command line says is checked here, before any network call.
    cloud = _cloud_option(args.cloud)
    app_id, tenant_id, organization = explicit
    if not args.stack:
        app_id = checks.guid(app_id, "--app-id")
        tenant_id = checks.guid(tenant_id, "--tenant-id")
        organization = checks.organization(organization, cloud)
    roles = [checks.role_template_id(role) for role in args.role or []]
    source = _verify_source(args)
    if args.stack:
        from exoctl import automation

        outputs = automation.stack_outputs(args.project_dir, args.stack)
        missing = [k for k in ("appId", "tenantId", "organization") if not outputs.get(k)]
        if missing:
            raise ExoctlError(f"stack {args.stack!r} has no output {', '.join(missing)}")
        app_id, tenant_id, organization = (
            outputs["appId"],
            outputs["tenantId"],
            outputs["organization"],
        )
        roles = roles or [r["templateId"] for r in outputs.get("roles") or []]
        cloud = _stack_cloud(outputs, args.stack)
        if isinstance(source, verify.Federated):
            source.declared = list(outputs.get("federatedCredentials") or [])
        if isinstance(source, verify.KeyVaultHandOff):
            handed = outputs.get("keyVault") or {}
            if not source.secret_id:
                if not handed.get("secretId"):
                    raise ExoctlError(
                        f"stack {args.stack!r} has no output keyVault: set exo-cba:keyVault.id "
                        "and run `pulumi up`, or give --key-vault SECRET_ID"
                    )
                source.secret_id = handed["secretId"]
            source.expected_thumbprint = outputs.get("certificateThumbprint")
    elif isinstance(source, verify.KeyVaultHandOff) and not source.secret_id:
        raise ExoctlError(
            "--key-vault needs the secret id without --stack (output keyVault.secretId)"
        )

    result = verify.verify(
        app_id,
        tenant_id,
        organization,
        source,
        roles,
        cloud=cloud,
        authority=args.authority,
        exchange_url=args.exchange_url,
        cmdlet=args.cmdlet,
        refused_cmdlet=args.refused_cmdlet,
    )
    if args.json:
        print(json.dumps(result.document(), indent=2))
    else:
        marks = {"pass": "ok  ", "warn": "warn", "fail": "FAIL", "skipped": "skip"}
        for step in result.steps:
            print(f"{marks[step.status]}  {step.name}: {step.detail}")
        print("verified: Connect-ExchangeOnline will work" if result.ok else "not verified")
    return EXIT_OK if result.ok else EXIT_VERIFY_FAILED


def _read_only_cmdlet(name: str) -> str:
    """Only Get- cmdlets: verify runs them without parameters in the tenant."""
    if not re.fullmatch(r"Get-[A-Za-z0-9]{1,80}", name):
        raise argparse.ArgumentTypeError(f"{name!r} is not a read-only cmdlet name (Get-Noun)")
    return name


def _verify_source(args: argparse.Namespace) -> Any:
    """The PFX, or a federated token from a file or a variable (exactly one)."""
    from exoctl import pfx, verify

    sources = (args.pfx, args.federated_token_file, args.federated_token_env, args.key_vault)
    chosen = [x for x in sources if x is not None]
    if len(chosen) != 1:
        raise ExoctlError(
            "verify needs one of --pfx FILE (with --password-env), --federated-token-file FILE, "
            "--federated-token-env VAR or --key-vault [SECRET_ID]"
        )
    if args.key_vault is not None:
        from exoctl import graph
        from exoctl.key_vault import HandOffError, split_secret_id

        if args.key_vault:
            try:
                split_secret_id(args.key_vault)
            except HandOffError as error:
                raise ExoctlError(f"--key-vault: {error}") from None
        return verify.KeyVaultHandOff(args.key_vault, graph.make_credential())
    if args.pfx:
        if not args.password_env:
            raise ExoctlError("--pfx needs --password-env VAR")
        checks.env_name(args.password_env, "--password-env")
        path = checks.readable_file(args.pfx, "--pfx")
        return verify.Certificate(path, pfx.read_password(args.password_env))
    if args.federated_token_file:
        path = checks.readable_file(args.federated_token_file, "--federated-token-file")
        return verify.Federated(lambda: path.read_text(encoding="utf-8").strip())
    variable = checks.env_name(args.federated_token_env, "--federated-token-env")
    if not os.environ.get(variable, "").strip():
        raise ExoctlError(f"--federated-token-env {variable}: the variable is unset or empty")
    return verify.Federated(lambda: os.environ[variable].strip())


def _cloud_option(name: str | None) -> Cloud:
    if name is None:
        return PUBLIC
    try:
        return cloud_named(name)
    except KeyError as error:
        raise ExoctlError(f"--cloud: {error.args[0]}", EXIT_USAGE) from None


def _stack_cloud(outputs: dict[str, Any], stack: str) -> Cloud:
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


def _expected_consents(cloud: Cloud, outputs: dict[str, Any]) -> set[tuple[str, str]]:
    """Exchange.ManageAsApp, and the Security & Compliance role the stack consents in
    GCC High and DoD when its roles can run those cmdlets (exocba/clouds.py)."""
    from exocba.wellknown import (
        EXCHANGE_MANAGE_AS_APP_ROLE_ID,
        EXCHANGE_ONLINE_APP_ID,
        ROLES_BY_TEMPLATE_ID,
    )

    consents = {(EXCHANGE_ONLINE_APP_ID, EXCHANGE_MANAGE_AS_APP_ROLE_ID)}
    roles = [ROLES_BY_TEMPLATE_ID.get(r["templateId"].lower()) for r in outputs.get("roles") or []]
    if cloud.security_compliance_permission and any(r and r.security_compliance for r in roles):
        consents.add(cloud.security_compliance_permission)
    return consents


def _cmd_audit(args: argparse.Namespace) -> int:
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
    cloud = _stack_cloud(outputs, args.stack)
    expected = audit.Expected(
        app_id=outputs["appId"],
        thumbprints={c["thumbprint"].upper() for c in outputs.get("certificates") or []},
        role_template_ids={r["templateId"].lower() for r in outputs.get("roles") or []},
        owners=set(recorded.owners),
        consents=_expected_consents(cloud, outputs),
        adopted=set(recorded.adopted_certificates),
        federated={(c["issuer"], c["subject"]) for c in outputs.get("federatedCredentials") or []},
        managed_identities={i["objectId"].lower() for i in outputs.get("managedIdentities") or []},
    )
    findings: list[audit.Finding] | None = None
    errors: list[str] = []
    try:
        graph = audit.Graph(
            args.graph_url or cloud.graph_url, outputs["tenantId"], audit.make_credential()
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


_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def _cmd_adopt(args: argparse.Namespace) -> int:
    from components.clock import current_time
    from exoctl import adopt, graph

    if not _STACK_NAME.fullmatch(args.stack):
        raise ExoctlError(
            f"--stack {args.stack!r} is not a stack name (letters, digits, '-', '_', '.')"
        )
    app_id = adopt.check_guid(args.app_id, "--app-id")
    tenant_id = adopt.check_guid(args.tenant_id, "--tenant-id") if args.tenant_id else None
    cloud = _cloud_option(args.cloud)
    wanted = [
        (adopt.check_guid(object_id, flag), user_assigned)
        for flag, user_assigned, values in (
            ("--managed-identity", False, args.managed_identity or []),
            ("--user-assigned-identity", True, args.user_assigned_identity or []),
        )
        for object_id in values
    ]
    checks.project_dir(args.project_dir)
    stack_path = args.project_dir / f"Pulumi.{args.stack}.yaml"
    import_path = args.out or args.project_dir / f"import-{args.stack}.json"
    checks.writable_folder_of(import_path, "--out")
    for path in (stack_path, import_path):
        if path.exists() and not args.force:
            raise adopt.AdoptRefused(f"{path.name} exists; pass --force to replace it")
    try:
        client = graph.Graph(args.graph_url or cloud.graph_url, tenant_id, graph.make_credential())
    except graph.GraphError as error:
        raise adopt.AdoptRefused(str(error)) from None
    tenant = adopt.read_tenant(client, app_id, tenant_id, cloud)
    if tenant.initial_domain and not tenant.initial_domain.endswith(cloud.organization_suffix):
        raise adopt.AdoptRefused(
            f"the tenant's initial domain {tenant.initial_domain} is not a {cloud.title} domain "
            f"(*{cloud.organization_suffix}); pass --cloud for the tenant's cloud"
        )
    identities = [
        adopt.read_identity(client, object_id, user_assigned) for object_id, user_assigned in wanted
    ]
    plan = adopt.plan_adoption(tenant, args.stack, cloud, current_time(), identities)
    if args.exchange:
        from exocba.exchange_rest import ExchangeError
        from exoctl import exchange_audit

        client = exchange_audit.client_for(
            args.exchange_url or cloud.exchange_url, cloud.exchange_url, tenant.tenant_id
        )
        try:
            groups = exchange_audit.memberships(client, tenant.sp["id"])
        except ExchangeError as error:
            raise adopt.AdoptRefused(f"Exchange role groups: {error}") from None
        adopt.carry_role_groups(plan, groups)
    adopt.check_config(plan, args.project_dir)
    plan.commands = [
        f"pulumi stack init {args.stack}    # if the stack does not exist yet",
        f"pulumi import --file {import_path.name} --generate-code=false --yes --stack {args.stack}",
        f"pulumi preview --stack {args.stack} --policy-pack policy",
        f"pulumi up --stack {args.stack} --policy-pack policy",
    ]
    adopt.write_files(
        {
            stack_path: adopt.stack_yaml(plan),
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


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="exoctl", description="Day-2 operations for exo-cba stacks.")
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=default_project_dir(),
        metavar="DIR",
        help="the exo-cba Pulumi project (default: the current folder when it holds "
        "Pulumi.yaml, else the checkout exoctl is installed from)",
    )
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=Parser, metavar="COMMAND", help="one of:"
    )

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

    export = commands.add_parser(
        "export-pfx", help="write the active certificate and key as a password-protected PFX"
    )
    export.add_argument("--stack", help="read certificatePem/privateKeyPem from this stack")
    export.add_argument("--cert", type=Path, help="PEM certificate (offline form)")
    export.add_argument("--key", type=Path, help="PEM private key (offline form)")
    export.add_argument(
        "--out",
        type=Path,
        required=True,
        help="PFX file to create (mode 0600); an existing folder gets a file named by the "
        f"generation, {GENERATION_FILE_PATTERN} (the certificate's NotBefore date, the first "
        "8 hex digits of its thumbprint), for connectCommandFolder",
    )
    export.add_argument(
        "--password-env",
        required=True,
        metavar="VAR",
        help="environment variable holding the PFX password (never pass it as an argument)",
    )
    export.add_argument(
        "--legacy",
        action="store_true",
        help="3DES with a SHA-1 MAC for Windows Server 2016/2012 R2 and Windows 10 before 1709",
    )
    export.add_argument("--force", action="store_true", help="replace an existing --out file")
    export.add_argument("--app-id", help="for the printed Connect-ExchangeOnline line")
    export.add_argument("--organization", help="for the printed Connect-ExchangeOnline line")
    export.set_defaults(handler=_cmd_export_pfx)

    drift = commands.add_parser(
        "drift", help="classify drift, pending changes and due rotations (exit codes in README)"
    )
    drift.add_argument(
        "--stack", help="check one stack live (Pulumi CLI); with --from, the stack it was run for"
    )
    drift.add_argument("--all", action="store_true", help="check every Pulumi.<stack>.yaml")
    drift.add_argument(
        "--from",
        dest="source",
        type=Path,
        metavar="FILE",
        help="classify a recorded run: an engine event log (the CLI's, or Pulumi Cloud's "
        "events export) or a `--json` digest",
    )
    drift.add_argument(
        "--kind",
        choices=("refresh", "preview"),
        help="with --from: what produced the file, when it cannot be told from its content",
    )
    drift.add_argument("--parallel", type=int, default=4, help="stacks checked at once")
    drift.add_argument(
        "--warn-days",
        type=int,
        default=30,
        help="warn when the active certificate has fewer days left (default 30)",
    )
    drift.add_argument(
        "--shard",
        metavar="I/N",
        help="with --all: check only shard I of N, a stable, even share of the stacks; "
        "combine the --json reports with `drift merge` (docs/drift-fleets.md)",
    )
    drift.add_argument("--json", action="store_true", help="machine-readable output")
    drift.add_argument("--markdown", type=Path, metavar="FILE", help="append a summary table")
    drift.set_defaults(handler=_cmd_drift)
    drift_commands = drift.add_subparsers(
        dest="drift_command",
        parser_class=Parser,
        metavar="merge",
        help="merge FILE…: combine the JSON reports of `drift --all --shard I/N` runs",
    )
    merging = drift_commands.add_parser(
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
    merging.set_defaults(handler=_cmd_drift_merge)

    check = commands.add_parser(
        "verify", help="prove the deployed certificate gets an Exchange token and runs a cmdlet"
    )
    check.add_argument("--stack", help="read appId, tenantId, organization, roles from outputs")
    check.add_argument("--app-id", metavar="GUID", help="explicit mode: the app's client id")
    check.add_argument("--tenant-id", metavar="GUID", help="explicit mode: the tenant's id")
    check.add_argument("--organization", help="the tenant's .onmicrosoft.com domain")
    check.add_argument("--pfx", type=Path, help="the PFX scripts use")
    check.add_argument("--password-env", metavar="VAR", help="the PFX password's variable")
    check.add_argument(
        "--federated-token-file",
        type=Path,
        metavar="FILE",
        help="sign in as a pipeline: its OIDC token in a file (as AZURE_FEDERATED_TOKEN_FILE)",
    )
    check.add_argument(
        "--federated-token-env",
        metavar="VAR",
        help="the same, from an environment variable",
    )
    check.add_argument(
        "--key-vault",
        nargs="?",
        const="",
        metavar="SECRET_ID",
        help="sign in as a host does with the Key Vault hand-off: the certificate it picks "
        "from the secret (default with --stack: output keyVault.secretId), read with your "
        "Azure sign-in (az login, managed identity)",
    )
    check.add_argument(
        "--role", action="append", metavar="TEMPLATE_ID", help="expected in wids (repeatable)"
    )
    check.add_argument(
        "--cloud",
        choices=tuple(CLOUDS_BY_NAME),
        help="explicit mode: the tenant's cloud (default public); --stack reads it",
    )
    check.add_argument("--authority", help="override the cloud's sign-in host")
    check.add_argument(
        "--exchange-url",
        help="override the cloud's Exchange host for the REST call (the token is always "
        "asked for the cloud's Exchange resource)",
    )
    check.add_argument(
        "--cmdlet",
        type=_read_only_cmdlet,
        default="Get-AcceptedDomain",
        metavar="NAME",
        help="the read-only cmdlet to run (Get-*; default Get-AcceptedDomain): with Exchange "
        "role groups, one they allow, e.g. Get-Mailbox",
    )
    check.add_argument(
        "--refused-cmdlet",
        type=_read_only_cmdlet,
        metavar="NAME",
        help="a read-only cmdlet the app's role groups must not allow (e.g. Get-TransportRule): "
        "verify passes only if Exchange refuses it",
    )
    check.add_argument("--json", action="store_true", help="machine-readable output")
    check.set_defaults(handler=_cmd_verify)

    auditing = commands.add_parser(
        "audit", help="find secrets, certificates, permissions, roles and owners added outside"
    )
    auditing.add_argument(
        "--stack", required=True, help="the deployed stack whose app and grants to read"
    )
    auditing.add_argument(
        "--graph-url", help="override the Microsoft Graph host of the stack's cloud"
    )
    auditing.add_argument(
        "--exchange",
        action="store_true",
        help="also read the app's Exchange role groups (on by default when the stack declares "
        "exchangeRoleGroups); needs Exchange rights (README, deployer permissions)",
    )
    auditing.add_argument("--exchange-url", help="override the Exchange host of the stack's cloud")
    auditing.add_argument("--json", action="store_true", help="machine-readable output")
    auditing.add_argument("--markdown", type=Path, metavar="FILE", help="append a summary table")
    auditing.set_defaults(handler=_cmd_audit)

    adopting = commands.add_parser(
        "adopt", help="write a stack file and an import file for an app made by hand"
    )
    adopting.add_argument("--stack", required=True, help="the stack to adopt the app into")
    adopting.add_argument("--app-id", required=True, help="the app's client id")
    adopting.add_argument("--tenant-id", help="default: the signed-in tenant")
    adopting.add_argument(
        "--cloud", choices=tuple(CLOUDS_BY_NAME), help="the tenant's cloud (default public)"
    )
    adopting.add_argument("--graph-url", help="override the Microsoft Graph host of the cloud")
    adopting.add_argument(
        "--out", type=Path, metavar="FILE", help="the import file (default import-<stack>.json)"
    )
    adopting.add_argument(
        "--managed-identity",
        action="append",
        metavar="OBJECT_ID",
        help="a system-assigned managed identity granted Exchange access by hand (repeatable)",
    )
    adopting.add_argument(
        "--user-assigned-identity",
        action="append",
        metavar="OBJECT_ID",
        help="the same for a user-assigned managed identity (repeatable)",
    )
    adopting.add_argument(
        "--exchange",
        action="store_true",
        help="also carry the app's Exchange role group memberships into the stack file",
    )
    adopting.add_argument("--exchange-url", help="override the Exchange host of the cloud")
    adopting.add_argument("--force", action="store_true", help="replace existing files")
    adopting.add_argument("--json", action="store_true", help="machine-readable output")
    adopting.set_defaults(handler=_cmd_adopt)
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
