"""`exoctl` (the console script) and `python -m exoctl`."""

from __future__ import annotations

import sys

from exoctl.preflight import EXIT_USAGE, missing_dependency, python_problem


def main() -> int:
    """Refuse an interpreter exoctl cannot run on in one line (exit 2), then run."""
    line = python_problem()
    if line is None:
        try:
            from exoctl.cli import main as run
        except ModuleNotFoundError as error:
            line = missing_dependency(error)
            if line is None:
                raise
        else:
            return run()
    print(f"exoctl: error: {line}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
