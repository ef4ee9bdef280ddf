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

from exoctl import checks
from exoctl.errors import ExoctlError

NAMESPACE = "exo-cba"
SECURE_PLACEHOLDER = "[secret]"


def _load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ExoctlError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ExoctlError(f"{path} is not UTF-8 text (byte {error.start})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ExoctlError(f"{path} is not valid YAML: {yaml_problem(error, text)}") from None


def yaml_problem(error: yaml.YAMLError, text: str) -> str:
    """Where and why, as `line L, column C: cause`; a tab is named as a tab."""
    mark = getattr(error, "problem_mark", None)
    cause = " ".join(str(getattr(error, "problem", None) or error).split())
    if mark is None:
        return cause
    lines = text.splitlines()
    found = lines[mark.line][mark.column : mark.column + 1] if mark.line < len(lines) else ""
    if found == "\t" or "'\\t'" in cause:
        cause = "a tab character, which YAML does not allow here: indent with spaces"
    context = getattr(error, "context", None)
    context_mark = getattr(error, "context_mark", None)
    if context and context_mark is not None and context_mark.line != mark.line:
        cause += f" ({context} from line {context_mark.line + 1})"
    return f"line {mark.line + 1}, column {mark.column + 1}: {cause}"


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
    path = checks.project_dir(project_dir) / f"Pulumi.{stack}.yaml"
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
