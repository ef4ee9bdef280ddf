"""Stack config for the Pulumi program: the engine's values in, Settings or a RunError out.

The keys, their rules and Settings live in the pure package exocba/settings/ (the key
table is exocba/settings/spec.py; Pulumi.yaml's `config:` block mirrors it, and
tests/components/test_settings.py keeps the two in step). This adapter reads what the
engine passes and raises the problems found as ConfigError, which Pulumi prints without
a traceback.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path

import pulumi

from exocba.clouds import ENVIRONMENT_VARIABLE
from exocba.rotation import OVERLAP_FACTOR
from exocba.settings import load
from exocba.settings.certificate import MAX_VALIDITY_DAYS
from exocba.settings.model import (
    FederatedCredential,
    KeyVault,
    ManagedIdentity,
    PublicCertificate,
    Settings,
    active_public_certificate,
)
from exocba.settings.reader import ConfigProblems
from exocba.settings.spec import KNOWN_KEYS, NAMESPACE, OBJECT_FIELDS, OBJECT_KEYS

__all__ = [
    "KNOWN_KEYS",
    "MAX_VALIDITY_DAYS",
    "NAMESPACE",
    "OBJECT_FIELDS",
    "OBJECT_KEYS",
    "OVERLAP_FACTOR",
    "ConfigError",
    "FederatedCredential",
    "KeyVault",
    "ManagedIdentity",
    "PublicCertificate",
    "Settings",
    "active_public_certificate",
    "load_settings",
    "read_provider_config",
    "read_pulumi_config",
]


class ConfigError(pulumi.RunError):
    """Config the program refuses. Pulumi prints a RunError without a traceback."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def _installed(package: str) -> bool:
    """Whether the program's interpreter can import `package` (pulumi-azure for the Key
    Vault hand-off), asked before anything is declared."""
    return importlib.util.find_spec(package) is not None


def load_settings(
    raw: Mapping[str, str | None],
    *,
    now: dt.datetime | None = None,
    base_dir: Path | None = None,
    provider: Mapping[str, str | None] | None = None,
) -> Settings:
    """exocba.settings.load.load_settings, refusing as a ConfigError."""
    try:
        return load.load_settings(
            raw, now=now, base_dir=base_dir, provider=provider, installed=_installed
        )
    except ConfigProblems as refused:
        raise ConfigError(refused.problems) from None


def read_pulumi_config() -> dict[str, str | None]:
    """Every key set in the exo-cba namespace, as the engine passed it."""
    config = pulumi.Config(NAMESPACE)
    raw: dict[str, str | None] = {name: config.get(name) for name in (*KNOWN_KEYS, *OBJECT_KEYS)}
    prefix = f"{NAMESPACE}:"
    # The engine hands config over either directly or through PULUMI_CONFIG; look
    # at both so a misspelt key is refused instead of silently ignored.
    for full_key, value in _present_config().items():
        if full_key.startswith(prefix):
            raw.setdefault(full_key[len(prefix) :], value)
    return raw


def read_provider_config() -> dict[str, str | None]:
    """Every key the stack sets outside the exo-cba namespace (full names), which
    load_settings accounts for, and ARM_ENVIRONMENT, which the provider falls back to
    when azuread:environment is unset."""
    prefix = f"{NAMESPACE}:"
    present = {k: v for k, v in _present_config().items() if not k.startswith(prefix)}
    return {**present, ENVIRONMENT_VARIABLE: os.environ.get(ENVIRONMENT_VARIABLE)}


def _present_config() -> dict[str, str]:
    return {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
