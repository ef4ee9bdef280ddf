"""The two files adopt writes: the stack config, checked by the program's own rules, and
the import file, both or neither."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from exoctl.adoption.model import Adoption, AdoptRefused
from exoctl.errors import ExoctlError


def check_config(plan: Adoption, project_dir: Path) -> None:
    """The written stack file must pass the program's own validation."""
    from exocba.settings.load import load_settings
    from exocba.settings.reader import ConfigProblems
    from exoctl.stackfiles import as_raw_config

    raw = as_raw_config(project_dir, plan.config)
    namespace = {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith("exo-cba:")}
    provider = {k: v for k, v in raw.items() if k.startswith("azuread:")}
    try:
        # No `installed`: adopt writes no keyVault keys, and whether pulumi-azure is
        # importable is the program's question when it runs (components/settings.py).
        load_settings(namespace, base_dir=project_dir, provider=provider)
    except ConfigProblems as error:
        raise ExoctlError(f"adopt wrote config the program refuses: {error}", 1) from None


def stack_yaml(plan: Adoption) -> str:
    header = (
        "# Written by `exoctl adopt` for an app made by hand; see docs/existing-apps.md.\n"
        "# Review it, then run the import (pulumi import --file).\n"
    )
    return header + yaml.safe_dump({"config": plan.config}, sort_keys=False, width=100)


def write_files(files: dict[Path, str], force: bool) -> None:
    """Both or neither: every target is checked before anything is written."""
    for path in files:
        if path.exists() and not force:
            raise AdoptRefused(f"{path.name} exists; pass --force to replace it")
    for path, text in files.items():
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
