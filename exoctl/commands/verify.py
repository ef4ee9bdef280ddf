"""`exoctl verify`: prove the deployed certificate (or a pipeline's federated token, or
the Key Vault hand-off) gets an Exchange token and runs a read-only cmdlet."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

from exocba import signin
from exocba.clouds import CLOUDS_BY_NAME
from exoctl import checks, converters
from exoctl.commands.common import cloud_option, stack_cloud
from exoctl.errors import EXIT_OK, ExoctlError

NAME = "verify"
ONE_SOURCE = (
    "verify needs one of --pfx FILE (with --password-env), --federated-token-file FILE, "
    "--federated-token-env VAR or --key-vault [SECRET_ID]"
)


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    command = subparsers.add_parser(
        NAME,
        parents=[parent],
        help="prove the deployed certificate gets an Exchange token and runs a cmdlet",
    )
    command.add_argument("--stack", help="read appId, tenantId, organization, roles from outputs")
    command.add_argument(
        "--app-id",
        type=converters.guid("--app-id"),
        metavar="GUID",
        help="explicit mode: the app's client id",
    )
    command.add_argument(
        "--tenant-id",
        type=converters.guid("--tenant-id"),
        metavar="GUID",
        help="explicit mode: the tenant's id",
    )
    command.add_argument("--organization", help="the tenant's .onmicrosoft.com domain")
    sources = command.exclusive(ONE_SOURCE)
    sources.add_argument("--pfx", type=Path, help="the PFX scripts use")
    command.add_argument(
        "--password-env",
        type=converters.env_name("--password-env"),
        metavar="VAR",
        help="the PFX password's variable",
    )
    sources.add_argument(
        "--federated-token-file",
        type=Path,
        metavar="FILE",
        help="sign in as a pipeline: its OIDC token in a file (as AZURE_FEDERATED_TOKEN_FILE)",
    )
    sources.add_argument(
        "--federated-token-env",
        type=converters.env_name("--federated-token-env"),
        metavar="VAR",
        help="the same, from an environment variable",
    )
    sources.add_argument(
        "--key-vault",
        nargs="?",
        const="",
        metavar="SECRET_ID",
        help="sign in as a host does with the Key Vault hand-off: the certificate it picks "
        "from the secret (default with --stack: output keyVault.secretId), read with your "
        "Azure sign-in (az login, managed identity)",
    )
    command.add_argument(
        "--role",
        action="append",
        type=converters.role_template_id(),
        metavar="TEMPLATE_ID",
        help="expected in wids (repeatable)",
    )
    command.add_argument(
        "--cloud",
        choices=tuple(CLOUDS_BY_NAME),
        help="explicit mode: the tenant's cloud (default public); --stack reads it",
    )
    command.add_argument("--authority", help="override the cloud's sign-in host")
    command.add_argument(
        "--exchange-url",
        help="override the cloud's Exchange host for the REST call (the token is always "
        "asked for the cloud's Exchange resource)",
    )
    command.add_argument(
        "--cmdlet",
        type=read_only_cmdlet,
        default="Get-AcceptedDomain",
        metavar="NAME",
        help="the read-only cmdlet to run (Get-*; default Get-AcceptedDomain): with Exchange "
        "role groups, one they allow, e.g. Get-Mailbox",
    )
    command.add_argument(
        "--refused-cmdlet",
        type=read_only_cmdlet,
        metavar="NAME",
        help="a read-only cmdlet the app's role groups must not allow (e.g. Get-TransportRule): "
        "verify passes only if Exchange refuses it",
    )
    command.add_argument("--json", action="store_true", help="machine-readable output")
    command.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
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
    cloud = cloud_option(args.cloud)
    app_id, tenant_id, organization = explicit
    if not args.stack:
        organization = checks.organization(organization, cloud)
    roles = list(args.role or [])
    source = credential_source(args)
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
        cloud = stack_cloud(outputs, args.stack)
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


def read_only_cmdlet(name: str) -> str:
    """Only Get- cmdlets: verify runs them without parameters in the tenant."""
    if not re.fullmatch(r"Get-[A-Za-z0-9]{1,80}", name):
        raise argparse.ArgumentTypeError(f"{name!r} is not a read-only cmdlet name (Get-Noun)")
    return name


def credential_source(args: argparse.Namespace) -> Any:
    """The PFX, or a federated token from a file or a variable (exactly one)."""
    from exoctl import pfx, verify

    sources = (args.pfx, args.federated_token_file, args.federated_token_env, args.key_vault)
    chosen = [x for x in sources if x is not None]
    if len(chosen) != 1:
        raise ExoctlError(ONE_SOURCE)
    if args.key_vault is not None:
        from exoctl.key_vault import HandOffError, split_secret_id

        if args.key_vault:
            try:
                split_secret_id(args.key_vault)
            except HandOffError as error:
                raise ExoctlError(f"--key-vault: {error}") from None
        return verify.KeyVaultHandOff(args.key_vault, signin.make_credential())
    if args.pfx:
        if not args.password_env:
            raise ExoctlError("--pfx needs --password-env VAR")
        path = checks.readable_file(args.pfx, "--pfx")
        return verify.Certificate(path, pfx.read_password(args.password_env))
    if args.federated_token_file:
        path = checks.readable_file(args.federated_token_file, "--federated-token-file")
        return verify.Federated(lambda: path.read_text(encoding="utf-8").strip())
    variable = args.federated_token_env
    if not os.environ.get(variable, "").strip():
        raise ExoctlError(f"--federated-token-env {variable}: the variable is unset or empty")
    return verify.Federated(lambda: os.environ[variable].strip())
