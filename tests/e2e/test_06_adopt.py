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
    stack.pulumi("import", "--file", plan["files"]["import"], "--generate-code=false", "--yes")
    state = {(r["type"], r["urn"].rsplit("::", 1)[-1]) for r in stack.resources()}
    assert imported <= state

    preview = stack.preview()
    assert preview.violations() == []
    changes = preview.changes()
    assert not [u for u, op in changes.items() if "replace" in op or op == "delete"], changes
    said = " ".join(plan["firstPreview"])
    created = {name_of(u) for u, op in changes.items() if op == "create"}
    generation = [n for n in created if n.startswith("exo-cert-") and n.count("-") == 2]
    assert generation and f"({generation[0]})" in said
    updated = {name_of(u) for u, op in changes.items() if op == "update"}
    # Each update is one adopt announced: the notes, the owners.
    if "exo-app" in updated:
        assert "notes will be set" in said
    if "exo-sp" in updated:
        assert "owners will become" in said or "notes will be set" in said
    assert updated <= {
        "exo-app",
        "exo-sp",
        "exo-exchange-consent",
        "exo-role-exchange-administrator",
    }
