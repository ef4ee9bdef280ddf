"""What the live tests share (tests/live): whether a real tenant is configured, and the
checks both run after `pulumi up`. Nothing here is a stand-in; it waits for the real one."""

from __future__ import annotations

import os
import shutil
import time

REQUIRED = ("EXO_CBA_LIVE", "EXO_CBA_LIVE_STACK", "EXO_CBA_LIVE_TENANT_ID")
# New consent and role grants can take this long to reach Exchange.
REPLICATION_WAIT_SECONDS = 15 * 60


def missing() -> str | None:
    absent = [name for name in REQUIRED if not os.environ.get(name)]
    if absent:
        return f"live tenant tests need {', '.join(absent)} (see tests/live/test_live.py)"
    if shutil.which("pulumi") is None:
        return "live tenant tests need the Pulumi CLI on PATH"
    return None


def verify_until_replicated(outputs: dict, source: object, **options: object) -> None:
    """verify, retried while new grants reach Exchange (up to REPLICATION_WAIT_SECONDS);
    `options` go to verify (cmdlet, refused_cmdlet)."""
    from exoctl.verify import verify

    deadline = time.monotonic() + REPLICATION_WAIT_SECONDS
    while True:
        verification = verify(
            outputs["appId"],
            outputs["tenantId"],
            outputs["organization"],
            source,
            [role["templateId"] for role in outputs["roles"]],
            **options,  # type: ignore[arg-type]
        )
        if verification.ok or time.monotonic() > deadline:
            break
        time.sleep(60)
    assert verification.ok, verification.document()


def assert_no_op_preview(stack) -> None:
    preview = stack.preview(on_output=print)
    changed = {op: n for op, n in preview.change_summary.items() if op != "same" and n}
    assert changed == {}, f"a second run proposes changes: {changed}"


def stack_certificate(outputs: dict, directory: object) -> object:
    """The stack's certificate as a script host holds it: a PFX (mode 0600) with a
    password made for this run, as exoctl.verify's Certificate source."""
    import secrets
    from pathlib import Path

    from exoctl import pfx
    from exoctl.verify import Certificate

    password = secrets.token_urlsafe(24).encode()
    path = Path(str(directory)) / "live.pfx"
    certificate = pfx.load_certificate(outputs["certificatePem"], "certificatePem")
    key = pfx.load_private_key(outputs["privateKeyPem"], "privateKeyPem")
    pfx.write_private_file(path, pfx.build_pfx(certificate, key, password, False), False)
    return Certificate(path, password)
