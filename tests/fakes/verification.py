"""What the `exoctl verify` tests share: the app under test, its PFX, the stand-ins'
registration, the command lines and the Key Vault hand-off as the stack publishes it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from exoctl import automation, cli
from tests.conftest import INITIAL_DOMAIN, TENANT_ID, self_signed_pem
from tests.fakes.entra import RegisteredApp
from tests.fakes.pulumi_cli import FakePulumiCommand, stack_output_replies, stack_select_reply

APP_ID = "5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
SP_ID = "6d2f3e4a-5b6c-4d7e-9f8a-0b1c2d3e4f5a"
EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"
PASSWORD = "pfx password"


def register(cloud, certificate, consent: bool = True, roles: set[str] | None = None) -> None:
    cloud.register(
        RegisteredApp(
            APP_ID,
            SP_ID,
            certificates=[certificate],
            app_roles={"https://outlook.office365.com": {"Exchange.ManageAsApp"}}
            if consent
            else {},
            directory_roles={EXCHANGE_ADMIN} if roles is None else roles,
        )
    )


def explicit_args(base_url: str, *source: str, organization: str = INITIAL_DOMAIN) -> list[str]:
    """verify in explicit mode against the stand-ins at base_url, signing in with source."""
    return [
        "verify",
        "--app-id",
        APP_ID,
        "--tenant-id",
        TENANT_ID,
        "--organization",
        organization,
        *source,
        "--authority",
        base_url,
        "--exchange-url",
        base_url,
    ]


def verify_args(pfx_path: Path, base_url: str, *extra: str) -> list[str]:
    return [
        *explicit_args(base_url, "--pfx", str(pfx_path), "--password-env", "PFX_PASSWORD"),
        *extra,
    ]


def run_verify(capsys, cloud, pfx_path: Path, *extra: str) -> tuple[int, dict]:
    code = cli.main(
        verify_args(pfx_path, cloud.base_url, "--role", EXCHANGE_ADMIN, "--json", *extra)
    )
    return code, json.loads(capsys.readouterr().out)


def statuses(document: dict) -> dict[str, str]:
    return {step["name"]: step["status"] for step in document["steps"]}


def deployed(monkeypatch, **outputs: object) -> None:
    """A stack whose `pulumi stack output --json` is the usual outputs, with `outputs` over
    them, served by the fake Pulumi CLI."""
    outputs = {
        "appId": APP_ID,
        "tenantId": TENANT_ID,
        "organization": INITIAL_DOMAIN,
        "roles": [{"name": "Exchange Administrator", "templateId": EXCHANGE_ADMIN}],
        **outputs,
    }
    fake = FakePulumiCommand([stack_select_reply(), *stack_output_replies(outputs, set())])
    monkeypatch.setattr(automation, "make_pulumi_command", lambda: fake)


def hand_off(
    vault, certificate_key, not_before: dt.datetime, tags: dict[str, str] | None = None
) -> x509.Certificate:
    """Publish one generation as components/key_vault.py does: base64 of cert + key PEM."""
    import base64

    from tests.fakes.key_vault import SecretVersion

    pem = self_signed_pem("", "exo-cba prod 72f988bf", not_before, 24 * 90, key=certificate_key)
    key_pem = certificate_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    vault.put(
        "exo-cba-prod",
        SecretVersion(
            base64.b64encode((pem + key_pem).encode()).decode(),
            created=not_before,
            expires=not_before + dt.timedelta(days=90),
            tags=tags or {},
        ),
    )
    return x509.load_pem_x509_certificate(pem.encode())
