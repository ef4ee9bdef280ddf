"""The project's own modules import one another without a circle (issue: "Drift without
a circle"): every import counts, those inside functions included, since a deferred
import is how a circle hides."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT

PACKAGES = ("components", "exocba", "exoctl")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# The files are parsed in a fresh interpreter: CPython 3.11's ast.parse can fail with
# "SystemError: AST constructor recursion depth mismatch" in a worker that ran other
# tests first, which has nothing to do with the files.
_IMPORTS = """
import ast, json, sys
found = {}
for path in sys.argv[1:]:
    imports = found[path] = []
    for node in ast.walk(ast.parse(open(path).read())):
        if isinstance(node, ast.Import):
            imports += [[alias.name, []] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imports.append([node.module, [alias.name for alias in node.names]])
print(json.dumps(found))
"""


def imports_of(files: list[Path]) -> dict[Path, list[tuple[str, list[str]]]]:
    """Each file's absolute imports: (module, names imported from it, or [])."""
    result = subprocess.run(
        [sys.executable, "-c", _IMPORTS, *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return {
        Path(path): [(module, names) for module, names in imports]
        for path, imports in json.loads(result.stdout).items()
    }


def _policy_modules() -> dict[str, Path]:
    """The pack's modules under the names it imports them by: it runs from its own
    folder (`pulumi policy publish` ships policy/ alone), so `exo_facts`, not
    `policy.exo_facts`; its entry point is a node of its own."""
    files = sorted((PROJECT_ROOT / "policy").glob("*.py"))
    assert files
    return {("policy:__main__" if f.stem == "__main__" else f.stem): f for f in files}


def import_graph() -> dict[str, set[str]]:
    files = [f for package in PACKAGES for f in (PROJECT_ROOT / package).rglob("*.py")]
    assert files, PACKAGES
    modules = {_module_name(f): f for f in files}
    # The program's entry point, which imports components and exocba.
    modules["__main__"] = PROJECT_ROOT / "__main__.py"
    modules.update(_policy_modules())
    files = list(modules.values())
    imports = imports_of(files)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = {
            t
            for module, names in imports[path]
            for t in (module, *(f"{module}.{n}" for n in names))
        }
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                found.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_graph_sees_the_project():
    graph = import_graph()
    assert {
        "components.settings",
        "exocba.clouds",
        "exocba.settings.load",
        "exoctl.cli",
        "exoctl.drift.classify",
    } <= set(graph)
    assert "exoctl.drift.formats" in graph["exoctl.drift.classify"]
    assert {"__main__", "policy:__main__", "exo_facts", "exo_policies"} <= set(graph)
    assert "exo_policies" in graph["policy:__main__"]
    assert "components.settings" in graph["__main__"]


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    assert cycles(import_graph()) == []


def test_the_domain_imports_no_pulumi_and_nothing_above_it():
    """exocba is what the policy pack and exoctl share: it imports neither Pulumi (nor
    its providers) nor the components and exoctl packages built on it."""
    files = sorted((PROJECT_ROOT / "exocba").rglob("*.py"))
    assert len(files) > 1
    offending = {}
    for f, imports in imports_of(files).items():
        roots = {module.split(".")[0] for module, _ in imports}
        offending[str(f.relative_to(PROJECT_ROOT))] = sorted(
            r for r in roots if r.startswith("pulumi") or r in {"components", "exoctl"}
        )
    assert {f: roots for f, roots in offending.items() if roots} == {}
