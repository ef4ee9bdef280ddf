"""A copy of the project to add stack files to, for tests that run the program from disk."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import PROJECT_ROOT


def project_copy(tmp_path: Path) -> Path:
    """A copy of the project to add stack files to."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    for package in ("components", "exocba"):
        shutil.copytree(PROJECT_ROOT / package, tmp_path / package)
    return tmp_path
