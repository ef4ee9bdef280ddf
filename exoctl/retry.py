"""One retry rule for every read exoctl makes of a Microsoft service that throttles.

Microsoft Graph answers a busy tenant 429, sometimes 503 or 504, with a `Retry-After`
header (learn.microsoft.com/graph/throttling: "wait the number of seconds specified in
the Retry-After header ... and retry"; without one, back off exponentially). Key Vault
and Exchange's admin REST endpoint throttle the same way. The retrying itself is the
libraries': urllib3's `Retry` on a requests session (Graph, Exchange) and azure-core's
`RetryPolicy` (Key Vault); this module only holds the numbers.

Bounds: RETRIES retries (TRIES tries), each wait cut to MAX_WAIT_SECONDS (urllib3's
`retry_after_max`, azure-core's backoff cap and `get_retry_after` below), so a read
waits at most RETRIES x MAX_WAIT_SECONDS in all, plus one timeout per try.
Connection failures are not retried: a wrong host, proxy or CA is reported at once.
"""

from __future__ import annotations

from typing import Any

RETRY_STATUSES = frozenset({429, 503, 504})
# The Microsoft Graph SDKs' RetryHandler retries 3 times by default.
RETRIES = 3
TRIES = RETRIES + 1
MAX_WAIT_SECONDS = 30
# Without Retry-After: 0, 2, 4 s between tries (urllib3 and azure-core double it).
BACKOFF_SECONDS = 1.0


def mount(session: Any, methods: frozenset[str]) -> None:
    """Make `session` (requests) retry `methods` answered with a RETRY_STATUSES status."""
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=RETRIES,
        connect=0,
        read=0,
        other=0,
        status=RETRIES,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=methods,
        backoff_factor=BACKOFF_SECONDS,
        backoff_max=MAX_WAIT_SECONDS,
        respect_retry_after_header=True,
        retry_after_max=MAX_WAIT_SECONDS,
        # Exhausted: hand back the last answer, so the caller names its status.
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)


def tries(response: Any) -> int:
    """How many times the request behind a requests `response` was sent."""
    retries = getattr(getattr(response, "raw", None), "retries", None)
    history = getattr(retries, "history", None) or ()
    return len(history) + 1


def given_up(status: int | None) -> str:
    """' after N tries' when a status is one exoctl retries (so every try was spent)."""
    return f" after {TRIES} tries" if status in RETRY_STATUSES else ""


def azure_policy() -> Any:
    """An azure-core RetryPolicy with the same bounds, for the Azure SDK clients.

    azure-core also retries 408, 500 and 502, and honours Retry-After on any error; it
    does not cap Retry-After, so the wait is cut here as urllib3's retry_after_max does.
    """
    from azure.core.pipeline.policies import RetryPolicy

    class CappedRetryPolicy(RetryPolicy):
        def get_retry_after(self, response: Any) -> float | None:
            wait = super().get_retry_after(response)
            return None if wait is None else min(wait, MAX_WAIT_SECONDS)

    return CappedRetryPolicy(
        retry_total=RETRIES,
        retry_connect=0,
        retry_read=0,
        retry_status=RETRIES,
        retry_backoff_factor=BACKOFF_SECONDS,
        retry_backoff_max=MAX_WAIT_SECONDS,
    )
