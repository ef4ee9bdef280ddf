"""Installing exo-cba: the `exoctl` command, what the wheel holds, which Python it needs.

A newcomer's first commands, run as they would run them: the console script from
another folder, `python -m exoctl` with an interpreter that lacks the dependencies,
and `make plan` with a Python that is too old.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from exoctl import preflight
from exoctl.errors import EXIT_USAGE
from tests.conftest import PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
NOW = "2026-11-22T09:30:00Z"


def test_the_wheel_holds_exactly_the_packages_of_components_exocba_and_exoctl() -> None:
    """Listed, not discovered: every package under components/, exocba/ and exoctl/, and
    no tests, policy or benchmarks."""
    found = sorted(
        ".".join(init.parent.relative_to(PROJECT_ROOT).parts)
        for top in ("components", "exocba", "exoctl")
        for init in (PROJECT_ROOT / top).rglob("__init__.py")
    )
    assert {"exocba", "exocba.settings", "exoctl.commands", "exoctl.drift"} <= set(found)
    assert sorted(PYPROJECT["tool"]["setuptools"]["packages"]) == found


def test_the_console_script_is_exoctl() -> None:
    assert PYPROJECT["project"]["scripts"] == {"exoctl": "exoctl.__main__:main"}


def test_requires_python_is_the_preflight_minimum() -> None:
    need = ".".join(str(part) for part in preflight.MINIMUM)
    assert PYPROJECT["project"]["requires-python"] == f">={need}"


def installed_exoctl() -> Path:
    script = Path(sys.executable).parent / "exoctl"
    assert script.is_file(), (
        f"{script} is missing: install the project (`make .venv/.installed`, or "
        "`pip install -e . --no-deps`)"
    )
    return script


# What a `make test` around these tests hands down, which would change what the make
# runs below do (a sub-make prints directories, inherits STACK=…, PYTHON=…).
INHERITED = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "STACK", "PYTHON"}


def run(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED}
    return subprocess.run(
        command,
        cwd=cwd,
        env={**clean, "EXO_CBA_NOW": NOW, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_exoctl_plans_from_another_folder_given_project_dir(tmp_path: Path) -> None:
    result = run([str(installed_exoctl()), "--project-dir", str(PROJECT_ROOT), "plan"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Plan for stack dev")


def test_exoctl_in_a_folder_that_is_no_project_says_so_in_one_line(tmp_path: Path) -> None:
    """The current folder wins over the checkout once it holds a Pulumi.yaml: a stack
    file of another project is never planned against this one by accident."""
    (tmp_path / "Pulumi.yaml").write_text("name: exo-cba\nruntime: python\n")
    result = run([str(installed_exoctl()), "plan"], tmp_path)
    assert result.returncode == EXIT_USAGE
    assert result.stderr.startswith("exoctl: error: no stack file Pulumi.dev.yaml in ")
    assert str(tmp_path) in result.stderr and result.stderr.count("\n") == 1


def test_exoctl_from_the_project_root_needs_no_project_dir() -> None:
    result = run([str(installed_exoctl()), "plan", "--json"], PROJECT_ROOT)
    assert result.returncode == 0, result.stderr
    assert '"stack": "dev"' in result.stdout


def test_python_m_exoctl_without_the_dependencies_is_one_line() -> None:
    """`python3 -m exoctl` with an interpreter that has none of the packages (-S: no
    site-packages, so neither .venv's nor the editable install)."""
    result = run([sys.executable, "-S", "-m", "exoctl", "plan"], PROJECT_ROOT)
    assert result.returncode == EXIT_USAGE
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert re.fullmatch(
        r"exoctl: error: the Python package '\w+' is not installed for \S+; install exo-cba "
        r"into it \(`pip install -e \.` in the project root\), or run `make plan` once and "
        r"use \.venv/bin/exoctl",
        line,
    ), line


def test_exoctl_on_python_3_10_refuses_in_one_line(monkeypatch, capsys) -> None:
    from exoctl import __main__ as entry

    monkeypatch.setattr(sys, "version_info", (3, 10, 12, "final", 0))
    assert entry.main() == EXIT_USAGE
    err = capsys.readouterr().err
    assert err == (
        f"exoctl: error: exo-cba needs Python 3.11 or newer; {sys.executable} is Python "
        "3.10.12 (install 3.11 or newer and run e.g. `make PYTHON=python3.11 plan`)\n"
    )


# A stand-in interpreter that reports 3.10: the real one with sys.version_info
# replaced, so the check that runs is the real exoctl/preflight.py. Anything else
# make asks of it (creating .venv, pip) is recorded and fails.
FAKE_PYTHON = """#!{python}
import runpy, sys
with open({log!r}, "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
sys.version_info = (3, 10, 12, "final", 0)
if sys.argv[1:3] == ["-m", "exoctl.preflight"]:
    sys.argv = sys.argv[2:]
    runpy.run_module("exoctl.preflight", run_name="__main__", alter_sys=True)
    sys.exit(0)
sys.exit(99)
"""


def test_make_plan_on_python_3_10_refuses_before_installing_anything(tmp_path: Path) -> None:
    project = tmp_path / "clone"
    project.mkdir()
    for name in ("Makefile", "pyproject.toml", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(PROJECT_ROOT / name, project / name)
    shutil.copy(PROJECT_ROOT / "requirements-keyvault.txt", project)
    (project / "exoctl").mkdir()
    for name in ("__init__.py", "preflight.py"):
        shutil.copy(PROJECT_ROOT / "exoctl" / name, project / "exoctl" / name)
    log = tmp_path / "calls.log"
    fake = tmp_path / "python3.10"
    fake.write_text(FAKE_PYTHON.format(python=sys.executable, log=str(log)))
    fake.chmod(0o755)

    result = run(["make", "plan", f"PYTHON={fake}"], project)
    assert result.returncode != 0
    assert "error: exo-cba needs Python 3.11 or newer" in result.stderr
    assert "is Python 3.10.12" in result.stderr
    assert log.read_text() == "-m exoctl.preflight\n"
    assert not (project / ".venv").exists()


def dry_run(tmp_path: Path, *targets: str) -> str:
    """`make -n` in a copy of the project with no .venv: the commands make would run."""
    project = tmp_path / "dry"
    project.mkdir(exist_ok=True)
    for name in ("Makefile", "pyproject.toml", "Pulumi.dev.yaml"):
        shutil.copy(PROJECT_ROOT / name, project / name)
    requirements = sorted(PROJECT_ROOT.glob("requirements*.txt"))
    assert requirements, PROJECT_ROOT
    for name in requirements:
        shutil.copy(name, project / name.name)
    (project / "Pulumi.kv.yaml").write_text(
        "config:\n  exo-cba:keyVault:\n    id: /subscriptions/x/resourceGroups/y/providers/"
        "Microsoft.KeyVault/vaults/z\n"
    )
    result = run(["make", "-n", *targets], project)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_plan_installs_the_runtime_and_exoctl_only(tmp_path: Path) -> None:
    commands = dry_run(tmp_path, "plan")
    assert "pip install --quiet -r requirements.txt" in commands
    assert "pip install --quiet --no-deps -e ." in commands
    assert "requirements-dev.txt" not in commands
    assert "requirements-keyvault.txt" not in commands
    assert commands.rstrip().endswith(".venv/bin/exoctl plan --stack dev")


def test_make_plan_of_a_key_vault_stack_installs_pulumi_azure(tmp_path: Path) -> None:
    commands = dry_run(tmp_path, "plan", "STACK=kv")
    assert "pip install --quiet -r requirements-keyvault.txt" in commands
    assert "requirements-dev.txt" not in commands


def test_make_test_installs_the_development_tools_and_pulumi_azure(tmp_path: Path) -> None:
    commands = dry_run(tmp_path, "test")
    for requirements in ("requirements.txt", "requirements-keyvault.txt", "requirements-dev.txt"):
        assert f"pip install --quiet -r {requirements}" in commands
    # The interpreter is checked before .venv is created.
    assert commands.index("-m exoctl.preflight") < commands.index("-m venv .venv")
