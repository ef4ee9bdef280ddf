"""What the Exchange role group tests share: the program's role groups on the SDK's mock
engine, with the dynamic provider run as the engine runs it (tests/fakes/dynamic.py)
against the Exchange stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from exocba import naming
from tests.conftest import MOCK_CLOCK, stable_guid
from tests.fakes.dynamic import DynamicMocks
from tests.fakes.exchange import attach

COMPONENT = naming.EXCHANGE_ROLE_GROUPS
SP_TYPE = naming.EXCHANGE_SERVICE_PRINCIPAL_TYPE
SCOPE_TYPE = naming.EXCHANGE_MANAGEMENT_SCOPE_TYPE
GROUP_TYPE = naming.EXCHANGE_ROLE_GROUP_TYPE
MEMBER_TYPE = naming.EXCHANGE_ROLE_GROUP_MEMBER_TYPE
GROUP = "exo-cba mail recipients"
NARROW = {
    "exchangeRoleGroups.name": GROUP,
    "exchangeRoleGroups.roles": '["Mail Recipients"]',
    "exchangeRoleGroups.scopeFilter": "Department -eq 'Sales'",
    "exchangeRoleGroups.dropDirectoryRoles": "true",
    "exchangeRoleGroups.propagationSeconds": "30",
}
APP_ID = stable_guid("client", "exo-app")
SP_ID = stable_guid("servicePrincipal", "exo-sp")


@pytest.fixture
def online(cloud, monkeypatch, tmp_path: Path):
    exchange = attach(cloud, monkeypatch, tmp_path)
    exchange.entra[SP_ID] = (APP_ID, "Exchange Online automation")
    return exchange


@pytest.fixture
def gcc_high_online(gcc_high_cloud, monkeypatch, tmp_path: Path):
    """The same in a GCC High tenant, whose Entra issues no token for the public cloud's
    Exchange."""
    exchange = attach(gcc_high_cloud, monkeypatch, tmp_path)
    exchange.entra[SP_ID] = (APP_ID, "Exchange Online automation")
    return exchange


def up(mocks: DynamicMocks, config: dict, **kwargs):
    from tests.conftest import run_stack

    mocks.start_run(MOCK_CLOCK)
    run = run_stack(config, mocks=mocks, **kwargs)
    if run.error is None and not kwargs.get("preview"):
        mocks.delete_unregistered()
        mocks.forget_unregistered()
    return run
