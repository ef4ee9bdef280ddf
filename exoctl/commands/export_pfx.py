"""`exoctl export-pfx`: the active certificate and its key as a password-protected PFX."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from exocba.connect import GENERATION_FILE_PATTERN
from exoctl import checks, converters
from exoctl.errors import EXIT_OK, EXIT_USAGE, ExoctlError

if TYPE_CHECKING:
    from cryptography import x509

NAME = "export-pfx"


def add_parser(subparsers: argparse._SubParsersAction, parent: argparse.ArgumentParser) -> None:
    command = subparsers.add_parser(
        NAME,
        parents=[parent],
        help="write the active certificate and key as a password-protected PFX",
    )
    command.add_argument("--stack", help="read certificatePem/privateKeyPem from this stack")
    command.add_argument("--cert", type=Path, help="PEM certificate (offline form)")
    command.add_argument("--key", type=Path, help="PEM private key (offline form)")
    command.add_argument(
        "--out",
        type=Path,
        required=True,
        help="PFX file to create (mode 0600); an existing folder gets a file named by the "
        f"generation, {GENERATION_FILE_PATTERN} (the certificate's NotBefore date, the first "
        "8 hex digits of its thumbprint), for connectCommandFolder",
    )
    command.add_argument(
        "--password-env",
        required=True,
        type=converters.env_name("--password-env"),
        metavar="VAR",
        help="environment variable holding the PFX password (never pass it as an argument)",
    )
    command.add_argument(
        "--legacy",
        action="store_true",
        help="3DES with a SHA-1 MAC for Windows Server 2016/2012 R2 and Windows 10 before 1709",
    )
    command.add_argument("--force", action="store_true", help="replace an existing --out file")
    command.add_argument("--app-id", help="for the printed Connect-ExchangeOnline line")
    command.add_argument("--organization", help="for the printed Connect-ExchangeOnline line")
    command.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
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
    print(render(out, certificate, args.legacy, app_id, organization))
    return EXIT_OK


def render(
    out: Path, certificate: x509.Certificate, legacy: bool, app_id: str, organization: str
) -> str:
    """What was written, and the Connect-ExchangeOnline lines that use it."""
    from exocba.certs import certificate_thumbprint

    thumbprint = certificate_thumbprint(certificate)
    kind = "legacy 3DES / SHA-1 MAC" if legacy else "AES-256 / SHA-256 MAC"
    name = out.name
    return (
        f"Wrote {out} ({kind}, mode 0600): certificate {thumbprint}, valid until "
        f"{certificate.not_valid_after_utc:%Y-%m-%d}.\n"
        "\nPowerShell 7 on Linux or macOS (or Windows without the store):\n"
        f"  Connect-ExchangeOnline -CertificateFilePath ./{name} "
        f"-CertificatePassword (Read-Host -AsSecureString) -AppId {app_id} "
        f"-Organization {organization}\n"
        "\nWindows, certificate store and thumbprint:\n"
        f"  Import-PfxCertificate -FilePath .\\{name} -CertStoreLocation Cert:\\CurrentUser\\My "
        "-Password (Read-Host -AsSecureString)\n"
        f"  Connect-ExchangeOnline -CertificateThumbprint {thumbprint} -AppId {app_id} "
        f"-Organization {organization}"
    )


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ExoctlError(f"cannot read {path}: {error.strerror}", EXIT_USAGE) from None
