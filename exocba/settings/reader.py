"""Config values as the engine passes them (strings, JSON for arrays), read into Python.

The reader collects every problem, so one run reports all of them, not just the first;
each names the key, says what was wrong and what is allowed. Defaults come from the key
table (exocba/settings/spec.py).

Problems are reported in reading order, REPORT_ORDER. The per-key pass finds them in that
order; the cross-field pass (exocba/settings/cross.py) runs after it, so each of its
problems carries the place it belongs: after what the per-key pass said at that site, or
beside the list entry it is about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from exocba.config_keys import did_you_mean
from exocba.settings.spec import BY_NAME, KEYS, OBJECT_FIELDS, OBJECT_KEYS, qualified

T = TypeVar("T")


class ConfigProblems(Exception):
    """Config the program refuses, every problem of one run."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def problem(name: str, what: str, allowed: str) -> str:
    return f"{qualified(name)}: {what}; allowed: {allowed}"


# The report's sites that are no key of the table, ranked among the keys (KeySpec.report):
# "objects" are the keys set as objects (--path), read before every key; "exchangeRoleGroups"
# and "keyVault" hold the rules over each group as a whole.
_OTHER_SITES: dict[str, int] = {
    "objects": 0,
    "unknown keys": 1,
    "azuread:tenantId": 2,
    "cloud": 3,
    "exchangeRoleGroups": 20,
    "keyVault": 26,
}
# No two share a rank (tests/exocba/test_spec.py).
RANKS = {**_OTHER_SITES, **{spec.name: spec.report for spec in KEYS if spec.report is not None}}
# The report's order: each key or group at its site, in the order exocba/settings/load.py
# reads them, whichever pass found the problem.
REPORT_ORDER: tuple[str, ...] = tuple(sorted(RANKS, key=RANKS.__getitem__))
_SITE = {site: index for index, site in enumerate(REPORT_ORDER)}


@dataclass(frozen=True, order=True)
class Place:
    """Where a problem belongs in the report: its site, then (for a problem of the
    cross-field pass without an entry) after the per-key pass's problems there, then
    the list entry it is about (1 for the first; 0 when it is about no entry)."""

    site: int
    after: bool
    entry: int


class Reader:
    """Collects every problem so one run reports all of them, not just the first.

    `at` names the site the next problems belong to. A reader made by `later` is the
    cross-field pass's: its problems go after the per-key pass's at the same site,
    unless they name an entry.
    """

    def __init__(self, raw: Mapping[str, str | None], *, later: bool = False) -> None:
        self.raw = raw
        self.problems: list[str] = []
        self.places: list[Place] = []
        self._site = 0
        self._later = later

    def at(self, site: str) -> Reader:
        self._site = _SITE[site]
        return self

    def read_at(self, name: str, read: Callable[[Reader, str], T]) -> T:
        """Key `name` read by `read`, at the key's own site."""
        return read(self.at(name), name)

    def later(self) -> Reader:
        """A reader over the same values for the cross-field pass."""
        return Reader(self.raw, later=True)

    def fail(self, name: str, what: str, allowed: str, entry: int = 0) -> None:
        self.problems.append(problem(name, what, allowed))
        self.places.append(Place(self._site, self._later and not entry, entry))

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


def by_entry(entries: Iterable[tuple[int, T]]) -> tuple[T, ...]:
    """The values in the order of the list entries that named them."""
    return tuple(value for _, value in sorted(entries, key=lambda entry: entry[0]))


def in_report_order(*readers: Reader) -> list[str]:
    """The problems of the passes, each at its place; those of one place in the order
    they were found, the per-key pass's first."""
    found = [
        (place, text)
        for reader in readers
        for place, text in zip(reader.places, reader.problems, strict=True)
    ]
    return [text for _, text in sorted(found, key=lambda placed: placed[0])]


def _as_raw(value: object) -> str:
    """A value inside a config object, as the engine would pass the flat key."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


@dataclass(frozen=True)
class SetTwice:
    """A field set both as a flat key and inside its object; the flat value is kept."""

    parent: str
    key: str
    entry: int
    """Its place among the objects' fields (site "objects")."""


def flatten_objects(
    raw: Mapping[str, str | None], reader: Reader
) -> tuple[dict[str, str | None], tuple[SetTwice, ...]]:
    """Merge `exo-cba:certificate`, `exo-cba:keyVault` or `exo-cba:exchangeRoleGroups` set
    as an object (`pulumi config set --path`) into flat dotted keys, and the fields set
    both ways (the cross-field pass refuses them)."""
    reader.at("objects")
    flat = {key: value for key, value in raw.items() if key not in OBJECT_KEYS}
    twice: list[SetTwice] = []
    entry = 0
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
            entry += 1
            reader.fail(parent, f"{text!r} is not an object", allowed, entry)
            continue
        for field_name, value in document.items():
            entry += 1
            flat_key = f"{parent}.{field_name}"
            if field_name not in fields:
                hint = did_you_mean(field_name, fields, f"{qualified(parent)}.{{}}")
                reader.fail(flat_key, f"is not a key this program reads{hint}", allowed, entry)
            elif raw.get(flat_key) is not None:
                twice.append(SetTwice(parent, flat_key, entry))
            elif value is not None:
                flat[flat_key] = _as_raw(value)
    return flat, tuple(twice)
