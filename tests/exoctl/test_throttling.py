"""Throttled reads wait out Retry-After and give up within bounds (exoctl/retry.py).

Each stand-in answers its next requests 429 (or 503, 504) with `Retry-After: 1`, as
Microsoft Graph, Key Vault and Exchange do for a busy tenant; the stand-in notes when
each request arrived, so the wait is measured where the service would see it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import time
from pathlib import Path

import pytest

from exoctl import retry
from exoctl.errors import EXIT_OK, EXIT_USAGE, EXIT_VERIFY_FAILED
from exoctl.graph import Graph
from exoctl.key_vault import HandOffError, read_hand_off
from tests.conftest import INITIAL_DOMAIN, PROJECT_ROOT, TENANT_ID, rsa_key
from tests.fakes import graph as g
from tests.fakes.adoption import adopt, hand_made
from tests.fakes.adoption import project as project  # a fixture
from tests.fakes.audit import OWNER, Credential, clean_directory, run_audit_json
from tests.fakes.audit import stack_cli as stack_cli  # a fixture
from tests.fakes.graph import FakeGraph
from tests.fakes.key_vault import FixedToken
from tests.fakes.verification import hand_off, register, run_verify, statuses

WAITED = 0.95  # Retry-After: 1, less the stand-in's own timing slack


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in itertools.pairwise(times)]


@pytest.fixture
def audit_project(tmp_path: Path) -> Path:
    """The stack tests/exoctl/test_audit.py audits."""
    root = tmp_path / "audited"
    root.mkdir()
    shutil.copy(PROJECT_ROOT / "Pulumi.yaml", root / "Pulumi.yaml")
    (root / "Pulumi.contoso.yaml").write_text(
        f"config:\n  azuread:tenantId: {TENANT_ID}\n  exo-cba:owners:\n    - {OWNER}\n"
    )
    return root


# ------------------------------------------------------------------ Microsoft Graph


def test_audit_waits_out_retry_after_and_reads_on(
    audit_project, stack_cli, capsys, monkeypatch
) -> None:
    seen: list[FakeGraph] = []

    def busy(fake: FakeGraph) -> None:
        fake.throttle += [(429, "1"), (503, "1")]
        seen.append(fake)

    code, report = run_audit_json(
        capsys, monkeypatch, audit_project, clean_directory(), graph_setup=busy
    )
    assert (code, report["status"], report["errors"]) == (EXIT_OK, "clean", [])
    (fake,) = seen
    assert fake.throttle == []
    # The first read was sent three times, each after the second Graph asked for.
    assert min(gaps(fake.times)[:2]) >= WAITED


def test_a_status_without_retry_after_is_retried_with_backoff(tmp_path, monkeypatch) -> None:
    directory = g.Directory(domains=[g.domain("contoso.onmicrosoft.com", True)])
    with FakeGraph(directory, tmp_path) as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
        fake.throttle += [(504, None)]
        domains = Graph(fake.base_url, TENANT_ID, Credential()).list("domains")
    assert [d["id"] for d in domains] == ["contoso.onmicrosoft.com"]
    assert len(fake.times) == 2


def test_a_long_retry_after_is_cut_to_the_cap(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(retry, "MAX_WAIT_SECONDS", 1)
    directory = g.Directory(domains=[g.domain("contoso.onmicrosoft.com", True)])
    with FakeGraph(directory, tmp_path) as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
        fake.throttle += [(429, "3")]
        Graph(fake.base_url, TENANT_ID, Credential()).list("domains")
    (gap,) = gaps(fake.times)
    assert WAITED <= gap < 2.5


def test_adopt_survives_a_throttled_first_read(capsys, monkeypatch, project) -> None:
    code, _, err = adopt(
        capsys, monkeypatch, project, hand_made(), setup=lambda f: f.throttle.append((429, "1"))
    )
    assert code == EXIT_OK, err
    assert (project / "Pulumi.contoso.yaml").exists()


def test_graph_gives_up_after_four_tries_in_one_line(capsys, monkeypatch, project) -> None:
    seen: list[FakeGraph] = []

    def always_busy(fake: FakeGraph) -> None:
        fake.throttle += [(429, "1")] * 10
        seen.append(fake)

    started = time.monotonic()
    code, out, err = adopt(capsys, monkeypatch, project, hand_made(), setup=always_busy)
    elapsed = time.monotonic() - started
    assert (code, out) == (EXIT_USAGE, "")
    assert err.count("\n") == 1
    assert "GET applications(appId=" in err and "(HTTP 429 TooManyRequests: " in err
    assert "after 4 tries" in err
    (fake,) = seen
    assert len(fake.throttle) == 10 - 4  # four tries of the first read, then nothing
    assert 3 * WAITED <= elapsed < 3 * retry.MAX_WAIT_SECONDS


# ------------------------------------------------------------------ Key Vault


def test_key_vault_waits_out_retry_after(vault) -> None:
    reader = FixedToken()
    vault.readers.add(reader.token)
    now = dt.datetime.now(dt.UTC)
    hand_off(vault, rsa_key(2048, "kv"), now - dt.timedelta(days=1))
    vault.throttle += [(429, "1")]
    started = time.monotonic()
    published = read_hand_off(vault.secret_id("exo-cba-prod"), reader, now)
    assert time.monotonic() - started >= WAITED
    assert published.usable == 1 and vault.throttle == []


def test_key_vault_cuts_a_long_retry_after_to_the_cap(vault, monkeypatch) -> None:
    monkeypatch.setattr(retry, "MAX_WAIT_SECONDS", 1)
    reader = FixedToken()
    vault.readers.add(reader.token)
    now = dt.datetime.now(dt.UTC)
    hand_off(vault, rsa_key(2048, "kv"), now - dt.timedelta(days=1))
    vault.throttle += [(429, "3")]
    started = time.monotonic()
    read_hand_off(vault.secret_id("exo-cba-prod"), reader, now)
    assert WAITED <= time.monotonic() - started < 2.5


def test_key_vault_gives_up_after_four_tries_in_one_line(vault) -> None:
    reader = FixedToken()
    vault.readers.add(reader.token)
    now = dt.datetime.now(dt.UTC)
    hand_off(vault, rsa_key(2048, "kv"), now - dt.timedelta(days=1))
    vault.throttle += [(429, "1")] * 10
    with pytest.raises(HandOffError) as refused:
        read_hand_off(vault.secret_id("exo-cba-prod"), reader, now)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("Key Vault answered 429 after 4 tries: ")
    assert len(vault.throttle) == 10 - 4


# ------------------------------------------------------------------ Exchange


def test_exchange_waits_out_retry_after(cloud, pfx, capsys) -> None:
    path, certificate = pfx
    register(cloud, certificate)
    cloud.exchange_throttle += [(429, "1")]
    started = time.monotonic()
    code, document = run_verify(capsys, cloud, path)
    assert time.monotonic() - started >= WAITED
    assert code == EXIT_OK, document
    assert statuses(document)["exchange"] == "pass"
    invokes = [r for r in cloud.requests if r.path.endswith("/InvokeCommand")]
    assert len(invokes) == 2 and invokes[0].body == invokes[1].body


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (429, "Exchange is throttling this app (429) and still was after 4 tries: retry later"),
        (
            503,
            "Exchange answered HTTP 503 for Get-AcceptedDomain and still did after 4 tries "
            "(busy or throttling): retry later",
        ),
    ],
)
def test_exchange_gives_up_after_four_tries(cloud, pfx, capsys, status, expected) -> None:
    path, certificate = pfx
    register(cloud, certificate)
    cloud.exchange_throttle += [(status, "1")] * 10
    code, document = run_verify(capsys, cloud, path)
    assert code == EXIT_VERIFY_FAILED
    assert document["steps"][-1]["detail"] == expected
    assert len(cloud.exchange_throttle) == 10 - 4


def test_exchange_503_is_sent_again_as_the_same_request(cloud, pfx, capsys) -> None:
    path, certificate = pfx
    register(cloud, certificate)
    cloud.exchange_throttle += [(503, "1")]
    code, document = run_verify(capsys, cloud, path)
    assert code == EXIT_OK, document
    invokes = [r for r in cloud.requests if r.path.endswith("/InvokeCommand")]
    assert len(invokes) == 2
    assert {r.headers["x-anchormailbox"].split("@")[1] for r in invokes} == {INITIAL_DOMAIN}
    assert invokes[0].body == invokes[1].body
