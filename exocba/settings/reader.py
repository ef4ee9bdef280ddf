"""Config values as the engine passes them (strings, JSON for arrays), read into Python.

The reader collects every problem, so one run reports all of them, not just the first;
each names the key, says what was wrong and what is allowed. Defaults come from the key
table (exocba/settings/spec.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from exocba.config_keys import did_you_mean
from exocba.settings.spec import BY_NAME, OBJECT_FIELDS, OBJECT_KEYS, qualified


class ConfigProblems(Exception):
    """Config the program refuses, every problem of one run."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def problem(name: str, what: str, allowed: str) -> str:
    return f"{qualified(name)}: {what}; allowed: {allowed}"


class Reader:
    """Collects every problem so one run reports all of them, not just the first."""

    def __init__(self, raw: Mapping[str, str | None], problems: list[str] | None = None) -> None:
        self.raw = raw
        self.problems: list[str] = [] if problems is None else problems

    def fail(self, name: str, what: str, allowed: str) -> None:
        self.problems.append(problem(name, what, allowed))

    def is_set(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def string(self, name: str) -> str | None:
        spec = BY_NAME[name]
        value = self.raw.get(name)
        if value is None:
            value = spec.default if isinstance(spec.default, str) else None
        if spec.empty_is_unset and value is not None and not value.strip():
            return None
        return value

    def integer(self, name: str, allowed: str, fallback: int | None = None) -> int:
        """The key's value; unset, its default; not a whole number, `fallback` (or the
        default) after reporting it."""
        default = BY_NAME[name].default
        fallback = fallback if fallback is not None else default
        if not isinstance(fallback, int):
            raise TypeError(f"{name} has no integer default; pass a fallback")
        value = self.raw.get(name)
        if value is None:
            return default if isinstance(default, int) else fallback
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d+", text):
            self.fail(name, f"{value!r} is not a whole number", allowed)
            return fallback
        return int(text)

    def boolean(self, name: str) -> bool:
        default = bool(BY_NAME[name].default)
        value = self.raw.get(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        self.fail(name, f"{value!r} is not a boolean", "true or false")
        return default

    def string_list(self, name: str, allowed: str) -> list[str] | None:
        value = self.raw.get(name)
        if value is None:
            default = BY_NAME[name].default
            return list(default) if isinstance(default, tuple) else []
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            self.fail(name, f"{value!r} is not a JSON array of strings", allowed)
            return None
        if not isinstance(parsed, list) or not all(isinstance(item, str) for item in parsed):
            self.fail(name, f"{value!r} is not an array of strings", allowed)
            return None
        return parsed

    def bounded_text(self, name: str, value: str, limit: int) -> str:
        text = value.strip()
        allowed = f"1 to {limit} printable characters"
        if not text:
            self.fail(name, "is empty", allowed)
        elif len(text) > limit:
            self.fail(name, f"is {len(text)} characters long", allowed)
        elif any(not ch.isprintable() for ch in text):
            self.fail(name, "contains control characters", allowed)
        return text


def _as_raw(value: object) -> str:
    """A value inside a config object, as the engine would pass the flat key."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def flatten_objects(raw: Mapping[str, str | None], problems: list[str]) -> dict[str, str | None]:
    """Merge `exo-cba:certificate`, `exo-cba:keyVault` or `exo-cba:exchangeRoleGroups` set
    as an object (`pulumi config set --path`) into flat dotted keys. Setting one field
    both ways is refused."""
    flat = {key: value for key, value in raw.items() if key not in OBJECT_KEYS}
    for parent in OBJECT_KEYS:
        text = raw.get(parent)
        if text is None:
            continue
        fields = OBJECT_FIELDS[parent]
        allowed = (
            f"an object with {', '.join(fields)}, e.g. "
            f"`pulumi config set --path {qualified(parent)}.{fields[0]} …`"
        )
        try:
            document = json.loads(text)
        except json.JSONDecodeError:
            document = None
        if not isinstance(document, dict):
            problems.append(problem(parent, f"{text!r} is not an object", allowed))
            continue
        for field_name, value in document.items():
            flat_key = f"{parent}.{field_name}"
            if field_name not in fields:
                hint = did_you_mean(field_name, fields, f"{qualified(parent)}.{{}}")
                problems.append(
                    problem(flat_key, f"is not a key this program reads{hint}", allowed)
                )
            elif raw.get(flat_key) is not None:
                problems.append(
                    problem(
                        flat_key,
                        f"is set twice, as the flat key {qualified(flat_key)} and inside the "
                        f"object {qualified(parent)} (pulumi config set --path)",
                        "one of the two; remove the other from the stack file",
                    )
                )
            elif value is not None:
                flat[flat_key] = _as_raw(value)
    return flat
