"""Scenario 11: the app authorized by one custom Exchange role group, no directory role.

The stack declares a role group it owns with one management role (Mail Recipients) on one
write scope (Department -eq 'Sales') and drops the directory roles. The real CLI runs
the Python dynamic provider (components/exchange_rbac_provider.py) through Pulumi's own
`pulumi-resource-pulumi-python` plugin, which signs in as the deployer with
azure-identity and calls InvokeCommand on the tenant stand-in's Exchange RBAC
(tests/fakes/exchange.py). Exchange answers "not yet known" for the new app twice and
throttles once, as docs/exchange-role-groups.md says it does.

Then the day-2 view: `exoctl verify` proves the narrowing with a cmdlet the group allows
and one it must refuse, `exoctl audit` reports a membership added by hand, `exoctl drift`
names a membership removed by hand, `pulumi up --refresh` puts it back, and destroy
removes what the stack made and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from exoctl.errors import EXIT_DRIFT, EXIT_OK
from tests.e2e.deployments import configure
from tests.e2e.stacks import Stack, name_of, urns_of
from tests.e2e.tenant_ops import attach_exchange, deployer_exchange_env, restore
from tests.fakes import tenant_seed as seed
from tests.fakes.exchange import ExchangeOnline

pytestmark = pytest.mark.e2e
PROJECT = "rbac"
GROUP = "exo-cba mail recipients"
ROLE = "Mail Recipients"
SCOPE_FILTER = "Department -eq 'Sales'"
PASSWORD_VARIABLE = "EXO_CBA_E2E_PFX_PASSWORD"
DEPLOY_SUBJECT = "repo:contoso/exo-cba:environment:production"
CONFIG: tuple[tuple[str, str, bool], ...] = (
    ("azuread:tenantId", seed.TENANT_ID, False),
    ("exo-cba:displayName", "Exchange Online automation (role groups)", False),
    ("exo-cba:owners[0]", seed.DEPLOY_SP_ID, True),
    ("exo-cba:exchangeRoleGroups.name", GROUP, True),
    ("exo-cba:exchangeRoleGroups.roles[0]", ROLE, True),
    ("exo-cba:exchangeRoleGroups.scopeFilter", SCOPE_FILTER, True),
    ("exo-cba:exchangeRoleGroups.dropDirectoryRoles", "true", True),
    ("exo-cba:exchangeRoleGroups.propagationSeconds", "120", True),
)
DYNAMIC = "pulumi-python:dynamic/exchange:"
PRINCIPAL, SCOPE, ROLE_GROUP, MEMBER = (
    DYNAMIC + kind
    for kind in ("ServicePrincipal", "ManagementScope", "RoleGroup", "RoleGroupMember")
)
MEMBER_NAME = "exo-rbac-member-exo-cba-mail-recipients"
ROLE_ASSIGNMENT = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment"
# Exchange answers "not yet known" this many times for the new app, then knows it.
PROPAGATION_ANSWERS = 2


class Narrow:
    def __init__(self, stack: Stack, online: ExchangeOnline) -> None:
        self.stack, self.online = stack, online
        self.preview: Any = None
        self.up: Any = None
        self.written_by_preview: list[str] = []
        self.outputs: dict[str, Any] = {}

    @property
    def group(self) -> Any:
        return self.online.groups[GROUP.casefold()]

    @property
    def sp(self) -> str:
        return str(self.outputs["servicePrincipalObjectId"])


@pytest.fixture(scope="module")
def narrow(e2e) -> Iterator[Narrow]:
    snapshot = e2e.tenant.snapshot()
    online = attach_exchange(e2e.tenant, e2e.issuer.issuer, DEPLOY_SUBJECT)
    online.propagation_delay = PROPAGATION_ANSWERS
    token = e2e.tmp / "deploy-federated-token"
    token.write_text(e2e.issuer.token(DEPLOY_SUBJECT, seed.FEDERATION_AUDIENCE, 3600))
    e2e.project(PROJECT, env=deployer_exchange_env(e2e.tenant, token))
    stack = e2e.stack(PROJECT, "narrow")
    record = Narrow(stack, online)
    configure(stack, CONFIG)
    record.preview = stack.preview()
    record.written_by_preview = online.writes()
    online.throttle = 1
    record.up = stack.up()
    record.outputs = stack.outputs()
    try:
        yield record
    finally:
        e2e.tenant.exchange = None
        restore(e2e.tenant, snapshot)


def test_preview_shows_the_role_group_and_no_directory_role(narrow: Narrow) -> None:
    preview = narrow.preview
    assert preview.code == 0, preview.result.text
    creates = {name_of(urn) for urn, op in preview.changes().items() if op == "create"}
    assert {
        "exo-rbac-sp",
        "exo-rbac-scope",
        "exo-rbac-group",
        MEMBER_NAME,
    } <= creates
    for type_ in (PRINCIPAL, SCOPE, ROLE_GROUP, MEMBER):
        assert len(urns_of(preview, type_)) == 1, type_
    assert urns_of(preview, ROLE_ASSIGNMENT) == []
    # A preview changes nothing in Exchange: the provider only reads there.
    assert narrow.written_by_preview == []
    assert preview.violations() == []


def test_up_makes_the_group_its_scope_and_the_membership(e2e, narrow: Narrow) -> None:
    up, online = narrow.up, narrow.online
    assert up.code == 0, up.result.text
    assert narrow.outputs["exchangeRoleGroups"]["groups"] == [GROUP]
    assert narrow.group.members == [narrow.sp]
    (assignment,) = [a for a in online.assignments if a.group == GROUP]
    assert assignment.role == ROLE
    (scope,) = online.scopes.values()
    assert assignment.scope == scope.name
    assert scope.filter == SCOPE_FILTER
    assert online.principals[narrow.sp].app_id == narrow.outputs["appId"]
    # Retries proven under the real engine: the provider waited for propagation and for
    # the throttled answer instead of failing.
    assert len(online.cmdlets("New-ServicePrincipal")) == PROPAGATION_ANSWERS + 1
    assert online.throttled == 1
    app_roles = [a for a in e2e.tenant.directory.role_assignments if a["principalId"] == narrow.sp]
    assert app_roles == []
    state = {r["urn"]: r for r in narrow.stack.resources() if r["type"].startswith(DYNAMIC)}
    assert len(state) == 4
    assert all(r["outputs"]["madeByStack"] is True for r in state.values())


def test_a_second_preview_shows_no_changes(narrow: Narrow) -> None:
    writes = len(narrow.online.writes())
    again = narrow.stack.preview()
    assert again.code == 0, again.result.text
    assert again.changes() == {}
    assert len(narrow.online.writes()) == writes


def test_verify_proves_the_narrowing(narrow: Narrow, e2e, tmp_path) -> None:
    stack = narrow.stack
    env = {PASSWORD_VARIABLE: "correct horse battery staple"}
    pfx = tmp_path / "exo-cba.pfx"
    stack.exoctl(
        "export-pfx", "--stack", stack.name, "--out", str(pfx), "--password-env",
        PASSWORD_VARIABLE, env=env,
    )  # fmt: skip
    result = stack.exoctl(
        "verify", "--stack", stack.name, "--pfx", str(pfx), "--password-env",
        PASSWORD_VARIABLE, "--authority", e2e.tenant.base_url, "--exchange-url",
        e2e.tenant.base_url, "--cmdlet", "Get-Mailbox", "--refused-cmdlet",
        "Get-TransportRule", "--json", env=env, check=False,
    )  # fmt: skip
    document = json.loads(result.stdout)
    assert result.code == EXIT_OK, document
    statuses = {s["name"]: s["status"] for s in document["steps"]}
    assert statuses == {"token": "pass", "claims": "pass", "exchange": "pass", "narrowing": "pass"}
    # Exchange records only what it let run: the allowed cmdlet, not the refused one.
    assert narrow.online.calls[-1][0] == "Get-Mailbox"


def audit(narrow: Narrow, e2e) -> tuple[int, dict[str, Any]]:
    result = narrow.stack.exoctl(
        "audit", "--stack", narrow.stack.name, "--graph-url", e2e.tenant.base_url,
        "--exchange-url", e2e.tenant.base_url, "--json", check=False,
    )  # fmt: skip
    return result.code, json.loads(result.stdout)


def test_audit_reports_a_membership_added_by_hand(narrow: Narrow, e2e) -> None:
    code, clean = audit(narrow, e2e)
    assert (code, clean["errors"]) == (EXIT_OK, []), clean
    declared = [f["detail"] for f in clean["findings"] if f["category"] == "exchange_role_group"]
    assert declared == [f"member of role group {GROUP} ({ROLE}), declared"]

    organization = narrow.online.groups["organization management"]
    organization.members.append(narrow.sp)
    try:
        code, report = audit(narrow, e2e)
    finally:
        organization.members.remove(narrow.sp)
    assert code == EXIT_DRIFT, report
    high = [
        f["detail"]
        for f in report["findings"]
        if f["category"] == "exchange_role_group" and f["severity"] == "high"
    ]
    assert len(high) == 1 and "Organization Management" in high[0], report["findings"]


def test_drift_names_a_membership_removed_by_hand_and_up_puts_it_back(narrow: Narrow) -> None:
    stack = narrow.stack
    narrow.group.members.remove(narrow.sp)
    result = stack.exoctl("drift", "--stack", stack.name, "--json", check=False)
    document = json.loads(result.stdout)
    assert result.code == EXIT_DRIFT, document
    assert [(c["type"], c["name"], c["op"]) for c in document["changes"]] == [
        (MEMBER, MEMBER_NAME, "delete")
    ]
    assert document["changes"][0]["kind"] == "drift"

    repaired = stack.up("--refresh")
    assert repaired.code == 0, repaired.result.text
    assert narrow.group.members == [narrow.sp]


def test_destroy_removes_what_the_stack_made_and_nothing_else(narrow: Narrow) -> None:
    online = narrow.online
    built_in = {
        name: list(group.members) for name, group in online.groups.items() if group.built_in
    }
    # The app is protected by default (scenario 9 covers that refusal): unprotect first.
    narrow.stack.config("exo-cba:protect", "false")
    assert narrow.stack.up().code == 0
    result = narrow.stack.pulumi("destroy", "--yes", "--skip-preview")
    assert result.code == 0, result.text
    assert GROUP.casefold() not in online.groups
    assert online.scopes == {}
    assert narrow.sp not in online.principals
    assert [a for a in online.assignments if a.group == GROUP] == []
    assert {n: list(g.members) for n, g in online.groups.items() if g.built_in} == built_in
