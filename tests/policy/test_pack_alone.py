"""The pack works from a copy of policy/ alone, which is what `pulumi policy publish`
ships: it loads, its checks fire and its own tests pass there; and its generated copy of
the ids is what exocba says now."""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
from pathlib import Path

import _generate
import pytest

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
# tests.fakes, not tests: the copy's own tests/ folder is found as a namespace package.
PROJECT_PACKAGES = ("exocba", "components", "exoctl", "tests.fakes")

LOAD = """
import json
import exo_policies as p
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs

def violations(validate, resource_type, props):
    found = []
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])
    args = ResourceValidationArgs(
        resource_type, props, f"urn:pulumi:dev::exo-cba::{resource_type}::r", "r", options, None, {}
    )
    validate(args, lambda message, urn=None: found.append(message))
    return found

print(json.dumps({
    "file": p.__file__,
    "policies": len(p.POLICIES),
    "first_party": violations(
        p.validate_no_first_party_service_principals,
        p.SERVICE_PRINCIPAL,
        {"clientId": "00000002-0000-0ff1-ce00-000000000000"},
    ),
    "organization_management": violations(
        p.validate_no_organization_management,
        p.EXCHANGE_ROLE_GROUP_MEMBER,
        {"group": "organization management"},
    ),
}))
"""

# Which of the project's packages the interpreter can find, each by its own import.
FINDS = """
import importlib.util, json, sys
print(json.dumps({name: importlib.util.find_spec(name) is not None for name in sys.argv[1:]}))
"""


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """A copy of policy/ outside the repository, as `pulumi policy publish` ships it."""
    copy = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert not copy.resolve().is_relative_to(POLICY_DIR.parent.resolve())
    return copy


def alone(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Python in the copy with the venv's installed distributions and nothing of the
    project's. The venv holds the project as an editable install, a .pth file that site
    runs at start-up; -S skips site, so the site-packages directories are named on
    PYTHONPATH instead, without their .pth files and so without the project. The outer
    run's own settings (PYTHONPATH=<worktree>, PYTEST_ADDOPTS, xdist's) stay outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    installed = site.getsitepackages()
    if site.ENABLE_USER_SITE:
        installed.append(site.getusersitepackages())
    env["PYTHONPATH"] = os.pathsep.join([str(copy), *installed])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run(
        [sys.executable, "-S", *args],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_generated_facts_are_what_exocba_says_now() -> None:
    assert (POLICY_DIR / "exo_facts.py").read_text() == _generate.render(), (
        "policy/exo_facts.py is stale: run `make policy-facts`"
    )


def test_the_copy_cannot_import_the_project(pack: Path) -> None:
    result = alone(pack, "-c", FINDS, "pulumi_policy", *PROJECT_PACKAGES)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found == {"pulumi_policy": True} | dict.fromkeys(PROJECT_PACKAGES, False)
    refused = alone(pack, "-c", "import exocba")
    assert refused.returncode != 0
    assert "No module named 'exocba'" in refused.stderr


def test_the_pack_loads_and_validates_from_a_copy_of_policy_alone(pack: Path) -> None:
    result = alone(pack, "-c", LOAD)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert Path(loaded["file"]).parent == pack
    assert loaded["policies"] == 11
    (first_party,) = loaded["first_party"]
    assert first_party.startswith("r: 00000002-0000-0ff1-ce00-000000000000 is Microsoft's own")
    (organization_management,) = loaded["organization_management"]
    assert organization_management.startswith("r: membership of Organization Management")


def test_the_packs_own_tests_pass_from_a_copy_of_policy_alone(pack: Path) -> None:
    result = alone(pack, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(pack / "tests"))
    assert result.returncode == 0, result.stdout + result.stderr
    (summary,) = re.findall(r"^(\d+) passed(?:, .*)? in [\d.]+s", result.stdout, re.MULTILINE)
    assert int(summary) > 0, result.stdout
