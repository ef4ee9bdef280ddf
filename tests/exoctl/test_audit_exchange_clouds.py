"""`exoctl audit` of a GCC High stack's Exchange role groups: the deployer's token is asked
for that cloud's Exchange resource, the only one its Entra issues and its Exchange accepts
(the Exchange RBAC stand-in beside the Graph one)."""

from __future__ import annotations

from exoctl.errors import EXIT_OK
from tests.conftest import GCC_HIGH_EXCHANGE
from tests.fakes.audit import project
from tests.fakes.audit_exchange import DECLARED, audit, hold_the_app
from tests.fakes.exchange import attach

__all__ = ["project"]  # the fixture, used by name


def test_audit_asks_for_the_clouds_exchange_token(
    capsys, monkeypatch, project, gcc_high_cloud
) -> None:
    hold_the_app(attach(gcc_high_cloud, monkeypatch, project))
    run = audit(capsys, monkeypatch, project, gcc_high_cloud, {**DECLARED, "cloud": "gcc-high"})
    report = run.report
    assert (run.code, report["status"], report["errors"]) == (EXIT_OK, "clean", [])
    exchange_scope = (f"{GCC_HIGH_EXCHANGE}/.default",)
    assert exchange_scope in run.sign_in.scopes
    assert set(run.sign_in.scopes) == {(f"{run.graph_url}/.default",), exchange_scope}
    assert [f["category"] for f in report["findings"]] == ["exchange_role_group"]
