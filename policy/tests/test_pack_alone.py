"""The pack works from a copy of policy/ alone, which is what `pulumi policy publish`
ships, and its generated copy of the ids is what exocba says now."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import _generate

POLICY_DIR = Path(__file__).resolve().parent.parent

# Run in the copy: the project's packages are made unimportable (the venv holds them as
# an editable install), so a pack that still reaches for them fails here.
LOAD = """
import json, sys
for package in ("exocba", "components", "exoctl", "tests"):
    sys.modules[package] = None
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


def test_the_generated_facts_are_what_exocba_says_now() -> None:
    assert (POLICY_DIR / "exo_facts.py").read_text() == _generate.render(), (
        "policy/exo_facts.py is stale: run `make policy-facts`"
    )


def test_the_pack_loads_and_validates_from_a_copy_of_policy_alone(tmp_path: Path) -> None:
    copy = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", LOAD],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert Path(loaded["file"]).parent == copy
    assert loaded["policies"] == 11
    (first_party,) = loaded["first_party"]
    assert first_party.startswith("r: 00000002-0000-0ff1-ce00-000000000000 is Microsoft's own")
    (organization_management,) = loaded["organization_management"]
    assert organization_management.startswith("r: membership of Organization Management")
