"""Read Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI does.

The CLI applies the project's `config:` defaults and hands every value to the
program as a string (JSON for arrays and objects). exoctl does the same so that
`exoctl plan` evaluates exactly what `pulumi preview` would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from exoctl.errors import ExoctlError

NAMESPACE = "exo-cba"
SECURE_PLACEHOLDER = "[secret]"


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ExoctlError(f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise ExoctlError(f"{path} is not valid YAML{where}") from None


def project_schema(project_dir: Path) -> dict[str, dict[str, Any]]:
    """The `config:` block of Pulumi.yaml, keyed by key name without namespace."""
    document = _load_yaml(project_dir / "Pulumi.yaml")
    if not isinstance(document, dict):
        raise ExoctlError(f"{project_dir / 'Pulumi.yaml'} is not a Pulumi project file")
    return dict(document.get("config") or {})


def stack_names(project_dir: Path) -> list[str]:
    return sorted(
        path.name[len("Pulumi.") : -len(".yaml")] for path in project_dir.glob("Pulumi.*.yaml")
    )


def stack_file(project_dir: Path, stack: str) -> Path:
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = ", ".join(stack_names(project_dir)) or "none"
        raise ExoctlError(f"no stack file {path.name} in {project_dir} (stacks here: {known})")
    return path


def _as_config_string(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"secure"}:
        return SECURE_PLACEHOLDER
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _qualify(key: str) -> str:
    return key if ":" in key else f"{NAMESPACE}:{key}"


def load_stack_config(project_dir: Path, stack: str) -> dict[str, str]:
    """Project defaults overlaid with the stack's values, as the engine passes them."""
    path = stack_file(project_dir, stack)
    document = _load_yaml(path) or {}
    if not isinstance(document, dict):
        raise ExoctlError(f"{path.name} must be a mapping with a 'config:' block")
    values = document.get("config") or {}
    if not isinstance(values, dict):
        raise ExoctlError(f"{path.name}: 'config:' must be a mapping of key: value")

    return as_raw_config(project_dir, values)


def as_raw_config(project_dir: Path, values: dict[str, Any]) -> dict[str, str]:
    """Stack values (as a stack file holds them) over the project's defaults, as strings."""
    config: dict[str, str] = {}
    for key, spec in project_schema(project_dir).items():
        if isinstance(spec, dict) and "default" in spec:
            config[_qualify(key)] = _as_config_string(spec["default"])
    for key, value in values.items():
        config[_qualify(str(key))] = _as_config_string(value)
    return config
