"""Connect lines that survive rotation: their text, and a host's choice replayed over two years."""

from __future__ import annotations

import base64
import datetime as dt
import random
import re

from cryptography import x509

from exocba.certs import certificate_thumbprint, thumbprint
from exocba.clouds import GCC_HIGH
from exocba.connect import (
    PFX_PASSWORD_VARIABLE,
    SETTLE_MINUTES,
    connect_from_folder,
    connect_from_key_vault,
    connect_from_store,
)
from tests.conftest import INITIAL_DOMAIN, MOCK_CLOCK, PROVIDER_LAG, run_stack, stable_guid
from tests.fakes.deployment import Deployment

APP_ID = stable_guid("client", "exo-app")
SECRET = "azure:keyvault/secret:Secret"
VAULT_ID = (
    "/subscriptions/0f1e2d3c-4b5a-4968-8776-655443322110/resourceGroups/rg/providers/"
    "Microsoft.KeyVault/vaults/kv-exo"
)
CN = "exo-cba dev 72f988bf"


def test_the_store_line_finds_the_stacks_certificate_in_both_stores() -> None:
    run = run_stack()
    text = run.outputs["connectCommandStore"]
    assert "Get-ChildItem Cert:\\CurrentUser\\My, Cert:\\LocalMachine\\My |" in text
    assert f"$_.GetNameInfo('SimpleName', $false) -eq '{CN}'" in text
    assert "$_.HasPrivateKey" in text
    assert f"$cert = $certs | Where-Object NotBefore -lt $now.AddMinutes(-{SETTLE_MINUTES})" in text
    assert "if (-not $cert) { $cert = $certs | Select-Object -First 1 }" in text
    assert text.splitlines()[-2:] == [
        f"Connect-ExchangeOnline -Certificate $cert -AppId {APP_ID} `",
        f"  -Organization {INITIAL_DOMAIN}",
    ]
    # No thumbprint: the line does not change when the certificate rotates.
    assert run.outputs["certificateThumbprint"] not in text


def test_the_folder_line_reads_the_password_from_the_environment_only() -> None:
    run = run_stack()
    text = run.outputs["connectCommandFolder"]
    assert f"ConvertTo-SecureString $env:{PFX_PASSWORD_VARIABLE} -AsPlainText -Force" in text
    assert 'Get-ChildItem "$HOME/.exo-cba/*.pfx"' in text
    assert f"-eq '{CN}'" in text
    assert "PRIVATE KEY" not in text and "BEGIN" not in text


def test_the_key_vault_script_reads_every_version_and_picks_like_the_others() -> None:
    run = run_stack({"keyVault.id": VAULT_ID})
    text = run.outputs["keyVault"]["connectScript"]
    lines = text.splitlines()
    assert lines[0].startswith("Connect-AzAccount -Identity | Out-Null")
    assert "Get-AzKeyVaultSecret -VaultName 'kv-exo' -Name 'exo-cba-dev' -IncludeVersions |" in text
    assert "$_.Enabled -and $_.Expires -gt [DateTime]::UtcNow" in text
    assert "-Name 'exo-cba-dev' -Version $_.Version -AsPlainText" in text
    assert "[Convert]::FromBase64String($b64)" in text
    assert "X509Certificate2]::CreateFromPem(" in text
    # The same pick as the store and folder lines, by the stack's subject.
    store = run.outputs["connectCommandStore"].splitlines()
    assert lines[-8:] == store[-8:]
    assert f"-eq '{CN}'" in text
    assert run.outputs["certificateThumbprint"] not in text
    assert "PRIVATE KEY" not in text and "BEGIN" not in text
    assert max(len(line) for line in lines) <= 110
    gov = connect_from_key_vault("app", "c.onmicrosoft.us", "o'brien", "kv", "s", GCC_HIGH)
    assert gov.startswith("Connect-AzAccount -Identity -Environment AzureUSGovernment")
    assert "-eq 'o''brien'" in gov and gov.endswith("O365USGovGCCHigh")


def test_quotes_and_clouds() -> None:
    text = connect_from_store("app", "contoso.onmicrosoft.us", "o'brien's stack", GCC_HIGH)
    assert "-eq 'o''brien''s stack'" in text
    assert text.endswith("-ExchangeEnvironmentName O365USGovGCCHigh")
    for line in [*text.splitlines(), *connect_from_folder("a" * 36, "x" * 30, CN).splitlines()]:
        assert len(line) <= 100, line  # short enough to review by eye
    # Every open brace and parenthesis closes.
    joined = connect_from_folder("app", "org", CN)
    assert joined.count("{") == joined.count("}") and joined.count("(") == joined.count(")")


# ---------------------------------------------------------------- a host, replayed


def host_pick(held: list[x509.Certificate], moment: dt.datetime) -> x509.Certificate | None:
    """What the lines above select (all held carry the stack's CN and key): of those valid
    now, newest first, the newest valid for SETTLE_MINUTES, else the newest."""
    settled = moment - dt.timedelta(minutes=SETTLE_MINUTES)
    valid = sorted(
        (c for c in held if c.not_valid_before_utc < moment < c.not_valid_after_utc),
        key=lambda c: c.not_valid_before_utc,
        reverse=True,
    )
    return next((c for c in valid if c.not_valid_before_utc < settled), valid[0] if valid else None)


def published(value: str) -> x509.Certificate:
    """The certificate in a Key Vault hand-off value (base64 of cert PEM + key PEM)."""
    return x509.load_pem_x509_certificate(base64.b64decode(value).split(b"-----BEGIN PRIVATE")[0])


def test_a_script_written_once_keeps_connecting_for_two_years_of_weekly_runs(monkeypatch) -> None:
    """At every run the host installs what export-pfx gives it; between runs its script
    picks a certificate. That pick must always be registered in Entra and valid. A second
    host reads the Key Vault hand-off instead: every version the secret has had, as Key
    Vault keeps them, each expiring with its certificate."""
    deployment = Deployment(
        monkeypatch,
        {
            "certificate.validityDays": "90",
            "certificate.rotationDays": "30",
            "keyVault.id": VAULT_ID,
        },
    )
    held: dict[str, x509.Certificate] = {}
    versions: list[x509.Certificate] = []
    schedule = random.Random(7)
    now = MOCK_CLOCK
    picks = set()
    while now < MOCK_CLOCK + dt.timedelta(days=730):
        run = deployment.up(now)
        assert run.error is None
        outputs = deployment.outputs
        assert re.search(rf"-eq '{CN}'", outputs["connectCommandStore"])
        # The install step: export-pfx of the active certificate, into the host's folder.
        pem = outputs["certificatePem"]
        held[thumbprint(pem)] = x509.load_pem_x509_certificate(pem.encode())
        registered = {thumbprint(i["value"]) for i in deployment.registered_certificates().values()}
        # Published: the secret's current value is a certificate Entra holds.
        ((_, secret),) = deployment.held(SECRET).items()
        current = published(secret["value"])
        assert certificate_thumbprint(current) in registered
        if not versions or versions[-1] != current:
            versions.append(current)
        next_run = now + dt.timedelta(days=7, hours=schedule.randint(-6, 6))
        # The run ends after the providers made what it declared (PROVIDER_LAG).
        done = now + PROVIDER_LAG + dt.timedelta(minutes=1)
        for moment in (
            done,
            done + dt.timedelta(minutes=SETTLE_MINUTES),
            now + dt.timedelta(days=3),
            next_run - dt.timedelta(minutes=1),
        ):
            for source in (list(held.values()), versions):
                picked = host_pick(source, moment)
                assert picked is not None, moment
                assert certificate_thumbprint(picked) in registered, moment
                assert picked.not_valid_before_utc <= moment < picked.not_valid_after_utc
                picks.add(certificate_thumbprint(picked))
        now = next_run
    assert len(picks) >= 20  # it rotated, and the script followed without an edit
