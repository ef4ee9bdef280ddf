"""argparse `type=` converters: a flag's value is checked as it is parsed, and a wrong
one is refused in one line that names the flag (exoctl/checks.py's words).

A converter raises ExoctlError, which argparse lets through untouched (it rewords only
ValueError, TypeError and ArgumentTypeError): the message is the check's, not
argparse's "invalid value".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from exoctl import checks
from exoctl.errors import EXIT_USAGE, ExoctlError

T = TypeVar("T")

_STACK_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def flagged(check: Callable[[str, str], T], flag: str) -> Callable[[str], T]:
    """`check(value, flag)` as a converter for `flag`."""

    def convert(value: str) -> T:
        return check(value, flag)

    convert.__name__ = flag.lstrip("-")
    return convert


def guid(flag: str) -> Callable[[str], str]:
    return flagged(checks.guid, flag)


def env_name(flag: str) -> Callable[[str], str]:
    return flagged(checks.env_name, flag)


def role_template_id(flag: str = "--role") -> Callable[[str], str]:
    return flagged(checks.role_template_id, flag)


def at_least(minimum: int, refusal: str) -> Callable[[str], int]:
    """An integer of at least `minimum`; `refusal` when it is smaller. Not an integer at
    all: argparse's own "invalid int value", as for type=int."""

    def convert(value: str) -> int:
        number = int(value)
        if number < minimum:
            raise ExoctlError(refusal, EXIT_USAGE)
        return number

    convert.__name__ = "int"
    return convert


def shard(value: str) -> tuple[int, int]:
    """`I/N` of `--shard`, as (I, N)."""
    from exoctl.drift.shard import parse_shard

    return parse_shard(value)


def adopt_guid(flag: str) -> Callable[[str], str]:
    """adopt's GUID check (its refusals begin "adopt:")."""

    def check(value: str, flag: str) -> str:
        from exoctl.adoption.model import check_guid

        return check_guid(value, flag)

    return flagged(check, flag)


def stack_name(value: str) -> str:
    """A name `pulumi stack init` takes (adopt writes Pulumi.<stack>.yaml for it)."""
    if not _STACK_NAME.fullmatch(value):
        raise ExoctlError(
            f"--stack {value!r} is not a stack name (letters, digits, '-', '_', '.')", EXIT_USAGE
        )
    return value
