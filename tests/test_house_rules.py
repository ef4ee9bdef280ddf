"""The house rules issue 19 ends on, kept true: no source file over 450 lines, no
`sys.path` edit outside tests, a README of at most 300 lines, no test module importing
another. Each checker is first shown
to catch a file that breaks its rule, then run over the tracked tree."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from tests.conftest import PROJECT_ROOT

MAX_LINES = 450
MAX_README_LINES = 300
SOURCE_SUFFIXES = (".py", ".go")
# Where a path edit is a test's business (pytest's rootdir, the pack's own tests).
TEST_DIRS = ("tests", "policy/tests")


def tracked(*suffixes: str) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True
    ).stdout.decode()
    return sorted(
        PROJECT_ROOT / name for name in listed.split("\0") if name and name.endswith(suffixes)
    )


def too_long(files: list[Path], limit: int = MAX_LINES) -> dict[str, int]:
    counts = {f: len(f.read_text(encoding="utf-8").splitlines()) for f in files}
    return {
        str(f.relative_to(PROJECT_ROOT)) if f.is_relative_to(PROJECT_ROOT) else f.name: n
        for f, n in counts.items()
        if n > limit
    }


def _is_sys_path(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def edits_sys_path(source: str) -> bool:
    """Any use of `sys.path` other than reading it: an assignment (`=`, `+=`, `del`, to
    it or a slice of it), a call that changes the list (insert, append, extend, remove,
    pop, clear), or `from sys import path`, which hides every later edit."""
    changes = {"insert", "append", "extend", "remove", "pop", "clear"}
    for node in ast.walk(ast.parse(source)):
        if _is_sys_path(node) and isinstance(node.ctx, ast.Store | ast.Del):  # type: ignore[attr-defined]
            return True
        if (
            isinstance(node, ast.Subscript)
            and _is_sys_path(node.value)
            and isinstance(node.ctx, ast.Store | ast.Del)
        ):
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "sys"
            and any(alias.name == "path" for alias in node.names)
        ):
            return True
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in changes
            and _is_sys_path(node.func.value)
        ):
            return True
    return False


def outside_tests(path: Path) -> bool:
    relative = path.relative_to(PROJECT_ROOT).as_posix()
    return not any(relative.startswith(f"{d}/") for d in TEST_DIRS)


def test_the_line_check_catches_a_long_file(tmp_path: Path) -> None:
    long_file = tmp_path / "long.py"
    long_file.write_text("x = 1\n" * (MAX_LINES + 1))
    short_file = tmp_path / "short.py"
    short_file.write_text("x = 1\n" * MAX_LINES)
    assert too_long([long_file, short_file]) == {"long.py": MAX_LINES + 1}


def test_no_source_file_is_over_450_lines() -> None:
    files = tracked(*SOURCE_SUFFIXES)
    assert len(files) > 100, "git ls-files found too few sources: not a checkout?"
    assert too_long(files) == {}


def test_the_path_check_catches_each_kind_of_edit() -> None:
    for source in (
        "import sys\nsys.path.insert(0, 'x')\n",
        "import sys\nsys.path.append('x')\n",
        "import sys\nsys.path = ['x']\n",
        "import sys\nsys.path += ['x']\n",
        "import sys\nsys.path[0:0] = ['x']\n",
        "from sys import path\npath.insert(0, 'x')\n",
    ):
        assert edits_sys_path(source), source
    assert not edits_sys_path("import sys\nprint(sys.path[0], 'x' in sys.path)\n")


def test_no_sys_path_edit_outside_tests() -> None:
    files = [f for f in tracked(".py") if outside_tests(f)]
    assert any(f.name == "engine.py" for f in files)
    assert [
        str(f.relative_to(PROJECT_ROOT))
        for f in files
        if edits_sys_path(f.read_text(encoding="utf-8"))
    ] == []


def test_the_readme_is_a_front_door_of_at_most_300_lines() -> None:
    readme = PROJECT_ROOT / "README.md"
    assert too_long([readme], MAX_README_LINES) == {}


def imports_a_test_module(source: str) -> bool:
    """An import of another test module (`tests.x.test_y`, `test_y`): shared helpers
    belong in tests/fakes or a conftest, where a change to one test cannot break another."""
    for node in ast.walk(ast.parse(source)):
        names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module]
            if isinstance(node, ast.ImportFrom) and node.module
            else []
        )
        if any(name.rsplit(".", 1)[-1].startswith("test_") for name in names):
            return True
    return False


def test_the_test_import_check_catches_one() -> None:
    assert imports_a_test_module("from tests.exoctl.test_plan import project_copy\n")
    assert imports_a_test_module("import tests.exoctl.test_plan\n")
    assert not imports_a_test_module("from tests.fakes.project import project_copy\n")


def test_no_test_module_imports_another() -> None:
    files = [f for f in tracked(".py") if not outside_tests(f)]
    assert len(files) > 50
    assert [
        str(f.relative_to(PROJECT_ROOT))
        for f in files
        if imports_a_test_module(f.read_text(encoding="utf-8"))
    ] == []
