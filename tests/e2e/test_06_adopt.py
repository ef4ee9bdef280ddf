"""Scenario 6: a hand-made app brought under a stack.

The app, its consent, role and certificate exist in the stand-in as the portal made
them. `exoctl adopt` reads them (the read-only pipeline's Graph sign-in) and writes the
stack file and the import file; the real `pulumi import --file` accepts the file; the
first `pulumi preview` changes what adopt said it would and nothing else: no
replacement, no deletion of what scripts use.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.stacks import name_of
from tests.e2e.tenant_ops import hand_made_app

pytestmark = pytest.mark.e2e
PROJECT = "adopt"


def test_adopt_import_then_preview_shows_what_adopt_said(e2e) -> None:
    ids = hand_made_app(e2e.tenant, "EXO automation (hand-made)")
    stack = e2e.stack(PROJECT, "adopted")
    result = stack.exoctl(
        "adopt",
        "--stack",
        stack.name,
        "--app-id",
        ids["appId"],
        "--tenant-id",
        e2e.tenant.tenant_id,
        "--graph-url",
        e2e.tenant.base_url,
        "--json",
        env=e2e.reader_env(),
    )
    plan = json.loads(result.stdout)
    imported = {
        (r["type"], r["name"]) for r in plan["import"]["resources"] if not r.get("component")
    }
    assert ("azuread:index/application:Application", "exo-app") in imported

    stack.init()
    run = stack.pulumi(
        "import", "--file", plan["files"]["import"], "--generate-code=false", "--yes", check=False
    )
    assert run.code == 0, run.text
    state = {(r["type"], r["urn"].rsplit("::", 1)[-1]) for r in stack.resources()}
    assert imported <= state

    preview = stack.preview()
    assert preview.violations() == []
    said = plan["firstPreview"]
    # What adopt announced for this app, and the step each announcement is.
    announced = {
        "the app's notes will be set": ("exo-app", "notes"),
        "the service principal's notes will be set": ("exo-sp", "notes"),
        "the service principal's owners will become": ("exo-sp", "owners"),
    }
    for sentence in announced:
        assert [line for line in said if line.startswith(sentence)], (sentence, said)
    (generation,) = [line for line in said if line.startswith("a first certificate generation")]
    new = generation.split("(", 1)[1].split(")", 1)[0]

    updates: dict[str, set[str]] = {}
    creates, others = set(), []
    for event in preview.of("resourcePreEvent"):
        metadata = event["metadata"]
        name, op = name_of(metadata["urn"]), metadata["op"]
        if op == "update":
            updates[name] = set(metadata.get("diffs") or [])
        elif op == "create" and not metadata["type"].startswith("pulumi:providers:"):
            creates.add(name)
        elif op not in ("same", "create"):
            others.append((op, name))
    assert others == []  # no replacement, no deletion of what scripts use
    expected: dict[str, set[str]] = {}
    for name, key in announced.values():
        expected.setdefault(name, set()).add(key)
    assert updates == expected
    assert creates == {"exo-cert", new, f"{new}-key", f"{new}-cert", f"{new}-credential"}
