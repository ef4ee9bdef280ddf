"""What each command's `--help` ends with: its exit codes and one example.

The codes are exoctl.errors'; README "Exit codes" has the table for all commands.
"""

from __future__ import annotations

import argparse

from exoctl.errors import (
    EXIT_DRIFT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PENDING,
    EXIT_USAGE,
    EXIT_VERIFY_FAILED,
)

_INTERNAL = (EXIT_INTERNAL, "internal error in exoctl (EXOCTL_DEBUG=1 shows the traceback)")

# exoctl's own --help: one meaning per code, across the commands.
_ALL = {
    EXIT_OK: "success",
    _INTERNAL[0]: _INTERNAL[1],
    EXIT_USAGE: "error to fix (bad flags, files, config; Pulumi CLI or Graph failure)",
    EXIT_DRIFT: "drift, or audit findings",
    EXIT_PENDING: "changes pending or a rotation due",
    EXIT_VERIFY_FAILED: "verify: the credential does not work end to end",
}

# Per command: (exit codes with their meaning, one example).
EPILOGS: dict[str, tuple[tuple[tuple[int, str], ...], str]] = {
    "plan": (
        (
            (EXIT_OK, "planned"),
            _INTERNAL,
            (
                EXIT_USAGE,
                "error to fix: bad flags, missing stack file, refused config, bad --previous",
            ),
        ),
        "EXO_CBA_NOW=2027-03-10 exoctl plan --stack prod --previous outputs.json",
    ),
    "export-pfx": (
        (
            (EXIT_OK, "PFX written"),
            _INTERNAL,
            (
                EXIT_USAGE,
                "error to fix: bad flags, unset password variable, a key not the "
                "certificate's, file exists, Pulumi CLI failure",
            ),
        ),
        "exoctl export-pfx --stack prod --out exo-cba.pfx --password-env PFX_PASSWORD",
    ),
    "drift": (
        (
            (EXIT_OK, "in sync"),
            _INTERNAL,
            (EXIT_USAGE, "error: bad flags, or a check that did not run (status error)"),
            (EXIT_DRIFT, "drift: the tenant differs from state"),
            (EXIT_PENDING, "changes pending or a rotation due"),
        ),
        'exoctl drift --all --markdown "$GITHUB_STEP_SUMMARY"',
    ),
    "verify": (
        (
            (EXIT_OK, "verified: Connect-ExchangeOnline will work"),
            _INTERNAL,
            (
                EXIT_USAGE,
                "error to fix: bad flags, unreadable file, unset variable, Pulumi CLI failure",
            ),
            (EXIT_VERIFY_FAILED, "not verified: the credential does not work end to end"),
        ),
        "exoctl verify --stack prod --pfx exo-cba.pfx --password-env PFX_PASSWORD",
    ),
    "audit": (
        (
            (EXIT_OK, "clean (low-severity leftovers allowed)"),
            _INTERNAL,
            (EXIT_USAGE, "error: bad flags, no Azure sign-in, Graph unreadable (status error)"),
            (EXIT_DRIFT, "findings: something was added outside the stack"),
        ),
        "exoctl audit --stack prod --json",
    ),
    "adopt": (
        (
            (EXIT_OK, "stack file and import file written"),
            _INTERNAL,
            (EXIT_USAGE, "refused: bad flags, files exist, no Azure sign-in, app not adoptable"),
        ),
        "exoctl adopt --stack contoso --app-id 5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
    ),
}


def epilog(command: str) -> str:
    codes, example = EPILOGS[command]
    lines = ["exit codes:"]
    lines += [f"  {code}  {meaning}" for code, meaning in sorted(codes)]
    lines += ["", "example:", f"  {example}"]
    return "\n".join(lines)


def apply(parser: argparse.ArgumentParser, commands: argparse._SubParsersAction) -> None:
    """Give every command its epilog, laid out as written; exoctl's own lists every code."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "\n".join(
        ["exit codes (each command's --help says which it uses):"]
        + [f"  {code}  {meaning}" for code, meaning in sorted(_ALL.items())]
        + ["", "example:", "  exoctl plan --stack dev"]
    )
    for name, command in commands.choices.items():
        command.formatter_class = argparse.RawDescriptionHelpFormatter
        command.epilog = epilog(name)
