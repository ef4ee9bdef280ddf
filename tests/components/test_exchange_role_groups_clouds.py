"""The program's Exchange role groups outside the public cloud, on the SDK's mock engine
with the dynamic provider run as the engine runs it: every Exchange resource takes the
stack's cloud's Exchange host, and the deployer's token is asked for that cloud's
Exchange resource."""

from __future__ import annotations

from tests.conftest import GCC_HIGH_EXCHANGE
from tests.fakes.dynamic import DYNAMIC, DynamicMocks
from tests.fakes.exchange import token_scopes
from tests.fakes.role_groups import GROUP, NARROW, SP_ID, gcc_high_online, up

__all__ = ["gcc_high_online"]  # the fixture, used by name

GCC_HIGH = {
    **NARROW,
    "azuread:environment": "usgovernment",
    "organization": "contoso.onmicrosoft.us",
}


def test_every_exchange_resource_takes_the_clouds_exchange_host(gcc_high_online) -> None:
    run = up(DynamicMocks(), GCC_HIGH, preview=True)
    assert run.error is None
    exchange = [r for r in run.resources if r.type.startswith(f"{DYNAMIC}/exchange:")]
    assert len(exchange) == 4
    assert {r.name: r.inputs["exchangeUrl"] for r in exchange} == {
        r.name: GCC_HIGH_EXCHANGE for r in exchange
    }


def test_up_in_gcc_high_asks_for_the_clouds_exchange_token(gcc_high_cloud, gcc_high_online) -> None:
    run = up(DynamicMocks(), GCC_HIGH)
    assert run.error is None
    assert gcc_high_online.groups[GROUP.casefold()].members == [SP_ID]
    scopes = token_scopes(gcc_high_cloud)
    assert scopes and set(scopes) == {f"{GCC_HIGH_EXCHANGE}/.default"}
