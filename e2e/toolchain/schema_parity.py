"""Compare a provider plugin's schema with the installed Python SDK of that package.

The e2e tls plugin is built from the upstream Terraform provider with a
re-created Pulumi mapping (providers/tls/info), so this checks that every
resource token of the schema exists in the Python package and that each
resource has the same properties in both.

    pulumi package get-schema tls@5.6.2 | python schema_parity.py pulumi_tls

Exit 0 when they agree; 1 with one line per difference otherwise.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path

GETTER = re.compile(r'@pulumi\.getter(?:\(name="\w+"\))?\n\s+def (\w+)\(')
# A resource class registers its type token first: super(Name, __self__).__init__('tok', ...)
TYPE_TOKEN = re.compile(r"""super\(\w+, __self__\)\.__init__\(\s*['"]([\w:/]+)['"]""")


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def python_resources(package: str) -> dict[str, set[str]]:
    """Type token -> property names (snake case) of every resource class."""
    root = Path(importlib.import_module(package).__file__).parent
    found: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for token in TYPE_TOKEN.findall(text):
            found[token] = set(GETTER.findall(text))
    return found


def differences(schema: dict, package: str) -> list[str]:
    python = python_resources(package)
    problems = []
    for token, spec in sorted(schema.get("resources", {}).items()):
        if token not in python:
            problems.append(f"{token}: in the schema, not in {package}")
            continue
        props = {snake(p) for p in {*spec.get("properties", {}), *spec.get("inputProperties", {})}}
        for name in sorted(props - python[token]):
            problems.append(f"{token}: property {name} only in the schema")
        for name in sorted(python[token] - props):
            problems.append(f"{token}: property {name} only in {package}")
    if not schema.get("resources"):
        problems.append("the schema declares no resources")
    return problems


def main() -> int:
    problems = differences(json.load(sys.stdin), sys.argv[1])
    for line in problems:
        print(f"schema parity: {line}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
