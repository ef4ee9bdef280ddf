"""exoctl's argparse: one-line usage errors that never repeat a secret, and a
"did you mean" for every misspelt command, choice and flag."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from typing import Any

from exoctl.errors import EXIT_USAGE, ExoctlError


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line, exits with EXIT_USAGE, and a misspelt
    choice or flag gets the nearest valid spelling.

    Abbreviations are off: `--password x` must not silently mean `--password-env x`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        # argparse's own errors reach parse_known_args below, which words them.
        kwargs.setdefault("exit_on_error", False)
        super().__init__(*args, **kwargs)
        self._refusals: dict[argparse._MutuallyExclusiveGroup, str] = {}

    def exclusive(self, message: str) -> argparse._MutuallyExclusiveGroup:
        """Flags that exclude each other (usage shows them as `[--a | --b]`); giving two
        is refused with `message`, the command's own sentence, not argparse's."""
        group = self.add_mutually_exclusive_group()
        self._refusals[group] = message
        return group

    def error(self, message: str) -> None:  # type: ignore[override]
        command = self.prog.removeprefix("exoctl").strip()
        where = f"{command}: " if command else ""
        raise ExoctlError(f"{where}{message}; see {self.prog} --help", EXIT_USAGE)

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        if action.choices is not None and value not in action.choices:
            choices = [str(choice) for choice in action.choices]
            raise argparse.ArgumentError(
                action,
                f"invalid choice: {value!r}{_did_you_mean(str(value), choices)}; "
                f"choose from {', '.join(choices)}",
            )
        super()._check_value(action, value)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        try:
            parsed, extras = super().parse_known_args(args, namespace)
        except argparse.ArgumentError as error:
            refusal = self._refusal(error)
            if refusal is not None:
                raise ExoctlError(refusal, EXIT_USAGE) from None
            self.error(str(error))
        if extras:
            self.error(_unrecognized(extras, list(self._option_string_actions)))
        return parsed, extras

    def _refusal(self, error: argparse.ArgumentError) -> str | None:
        """The group's own sentence when `error` is two flags of one exclusive group."""
        if not error.message.startswith("not allowed with argument"):
            return None
        for group, message in self._refusals.items():
            if error.argument_name in {argparse._get_action_name(a) for a in group._group_actions}:
                return message
        return None


def _unrecognized(extras: list[str], options: list[str]) -> str:
    """Names the flags only: the words after a wrong flag (`--password S3cret`) may be
    a secret, and argparse's own message would repeat them."""
    flags = [extra.split("=", 1)[0] for extra in extras if extra.startswith("-")]
    others = len(extras) - len(flags)
    message = "unrecognized arguments"
    if flags:
        message += ": " + ", ".join(f"{flag}{_did_you_mean(flag, options)}" for flag in flags)
    if others:
        message += f" and {others} word{'s' if others > 1 else ''} not repeated here"
    return message


def _did_you_mean(value: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(value, valid, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def commands_with_json(parser: argparse.ArgumentParser) -> list[str]:
    return [
        name
        for name, command in commands(parser).items()
        if "--json" in command._option_string_actions
    ]


def command_names(parser: argparse.ArgumentParser) -> list[str]:
    return list(commands(parser))
