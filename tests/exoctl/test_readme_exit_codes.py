"""The README's exit-code table is exoctl's: each code as exoctl/errors.py defines it."""

from __future__ import annotations

import re

from exoctl import errors
from tests.conftest import PROJECT_ROOT

# How the README's meaning of each code begins; a new EXIT_* constant needs a row here
# and in the README.
_MEANING_STARTS = {
    "EXIT_OK": "success",
    "EXIT_INTERNAL": "internal error in exoctl",
    "EXIT_USAGE": "error to fix",
    "EXIT_DRIFT": "drift",
    "EXIT_PENDING": "changes pending",
    "EXIT_VERIFY_FAILED": "verify: the credential does not work",
}


def _readme_exit_codes() -> list[tuple[int, str]]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("\n### Exit codes\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, re.M)
    return [(int(code), meaning) for code, meaning in rows]


def test_the_readme_lists_each_exit_code_exoctl_defines_once() -> None:
    defined = {name: getattr(errors, name) for name in dir(errors) if name.startswith("EXIT_")}
    assert set(defined) == set(_MEANING_STARTS)
    assert sorted(code for code, _ in _readme_exit_codes()) == sorted(defined.values())


def test_the_readme_gives_each_exit_code_its_meaning() -> None:
    listed = dict(_readme_exit_codes())
    for name, start in _MEANING_STARTS.items():
        code = getattr(errors, name)
        assert listed[code].startswith(start), (name, code, listed[code])
