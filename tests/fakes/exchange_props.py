"""What the provider-level Exchange tests share (tests/components/test_exchange_*.py that call
the dynamic providers directly): one app, one custom role group on one scope, the
properties each provider takes, and the stand-in with the app already in Entra."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components import exchange_rbac_provider as providers
from tests.conftest import TENANT_ID
from tests.fakes.exchange import ExchangeOnline, attach

APP_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SP_ID = "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
DISPLAY_NAME = "Exchange Online automation"
GROUP = "exo-cba mail recipients"
SCOPE = f"{GROUP} write scope"
FILTER = "Department -eq 'Sales'"
COMMON = {"tenantId": TENANT_ID, "exchangeUrl": "https://outlook.office365.com"}


@pytest.fixture
def online(cloud, monkeypatch, tmp_path: Path) -> ExchangeOnline:
    exchange = attach(cloud, monkeypatch, tmp_path)
    exchange.entra[SP_ID] = (APP_ID, DISPLAY_NAME)
    return exchange


def principal(**extra: Any) -> dict:
    return {
        **COMMON,
        "appId": APP_ID,
        "objectId": SP_ID,
        "displayName": DISPLAY_NAME,
        "propagationSeconds": 20,
        **extra,
    }


def group(**extra: Any) -> dict:
    return {
        **COMMON,
        "name": GROUP,
        "roles": ["Mail Recipients"],
        "writeScope": SCOPE,
        "description": "managed",
        **extra,
    }


def scope(**extra: Any) -> dict:
    return {**COMMON, "name": SCOPE, "recipientFilter": FILTER, **extra}


def member(group_name: str = GROUP) -> dict:
    return {**COMMON, "group": group_name, "memberObjectId": SP_ID, "propagationSeconds": 20}


PROVIDERS = {
    "sp": (providers.ServicePrincipalProvider, principal),
    "scope": (providers.ManagementScopeProvider, scope),
    "group": (providers.RoleGroupProvider, group),
}


def made(kind: str, **extra: Any) -> Any:
    """Run the create that puts the stack's objects in place for a test's starting point."""
    provider, props = PROVIDERS[kind]
    return provider().create(props(**extra))
