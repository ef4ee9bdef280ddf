"""What must hold before exoctl can run at all: a recent Python, its dependencies.

Standard library only, and nothing newer than Python 3.7 can parse, so that an old
interpreter or one without exo-cba's packages (a system `python3` outside .venv)
gets one line naming the fix rather than a traceback. `make` runs
`python3 -m exoctl.preflight` before it creates .venv; `exoctl` checks first thing.
pyproject.toml's `requires-python` says the same as MINIMUM (a test keeps them equal).
"""

from __future__ import annotations

import sys

# datetime.UTC, used throughout, arrived in 3.11.
MINIMUM = (3, 11)
# exoctl.errors.EXIT_USAGE, repeated: this module imports nothing of exo-cba's.
EXIT_USAGE = 2
OWN_PACKAGES = frozenset({"exoctl", "components"})


def python_problem() -> str | None:
    """One line naming the version needed, or None when this interpreter will do."""
    if tuple(sys.version_info[:2]) >= MINIMUM:
        return None
    have = ".".join(str(part) for part in sys.version_info[:3])
    need = ".".join(str(part) for part in MINIMUM)
    return (
        f"exo-cba needs Python {need} or newer; {sys.executable} is Python {have} "
        f"(install {need} or newer and run e.g. `make PYTHON=python{need} plan`)"
    )


def missing_dependency(error: ModuleNotFoundError) -> str | None:
    """The one line for a dependency this interpreter lacks; None for a module of
    exo-cba's own (a bug, not an installation problem)."""
    name = (error.name or "").split(".")[0]
    if not name or name in OWN_PACKAGES:
        return None
    return (
        f"the Python package {name!r} is not installed for {sys.executable}; install "
        "exo-cba into it (`pip install -e .` in the project root), or run `make plan` "
        "once and use .venv/bin/exoctl"
    )


if __name__ == "__main__":
    line = python_problem()
    if line is not None:
        print(f"error: {line}", file=sys.stderr)
        sys.exit(EXIT_USAGE)
