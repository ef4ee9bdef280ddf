"""The exchange and narrowing steps: a read-only cmdlet through the admin REST endpoint
the ExchangeOnlineManagement v3 module calls, and one the role groups must refuse."""

from __future__ import annotations

from typing import Any

from exocba import exchange_rest
from exoctl import retry
from exoctl.errors import network_reason
from exoctl.verification.result import Verification


def retrying_session(requests: Any) -> Any:
    """InvokeCommand is a POST, but the cmdlets verify runs (--cmdlet, --refused-cmdlet)
    are read-only Get- cmdlets: sending one again after a throttled answer changes nothing."""
    session = requests.Session()
    retry.mount(session, frozenset({"POST"}))
    return session


def _post(
    result: Verification,
    step: str,
    requests: Any,
    token: str,
    exchange_url: str,
    organization: str,
    cmdlet: str,
) -> Any:
    """The cmdlet through InvokeCommand, or None with the step failed when the host is
    out of reach."""
    client = exchange_rest.ExchangeClient(
        exchange_url, organization, lambda: token, session=retrying_session(requests)
    )
    try:
        return client.post(cmdlet)
    except requests.RequestException as error:
        result.add(step, "fail", f"network: cannot reach {exchange_url}: {network_reason(error)}")
        return None


def invoke(
    result: Verification,
    requests: Any,
    token: str,
    exchange_url: str,
    organization: str,
    cmdlet: str,
) -> None:
    response = _post(result, "exchange", requests, token, exchange_url, organization, cmdlet)
    if response is None:
        return
    if response.status_code == 200:
        try:
            count = len(response.json().get("value", []))
        except ValueError:
            count = 0
        result.add("exchange", "pass", f"{cmdlet} answered with {count} result(s)")
    elif response.status_code == 401:
        result.add(
            "exchange",
            "fail",
            "Exchange refused the token (401): consent for Exchange.ManageAsApp or the directory "
            "role is missing; new grants can take several minutes to reach Exchange, retry then",
        )
    elif response.status_code == 403:
        result.add(
            "exchange",
            "fail",
            "Exchange accepted the token but the app has no Exchange role (403): assign a "
            "directory role (exo-cba:roles) or add the app to an Exchange role group. New "
            "assignments can take minutes, sometimes an hour, to replicate: retry before changing "
            "anything",
        )
    elif response.status_code == 429:
        result.add(
            "exchange",
            "fail",
            f"Exchange is throttling this app (429) and still was after {retry.tries(response)} "
            "tries: retry later",
        )
    elif response.status_code in retry.RETRY_STATUSES:
        result.add(
            "exchange",
            "fail",
            f"Exchange answered HTTP {response.status_code} for {cmdlet} and still did after "
            f"{retry.tries(response)} tries (busy or throttling): retry later",
        )
    else:
        result.add(
            "exchange",
            "fail",
            f"Exchange answered HTTP {response.status_code} for {cmdlet}; check --exchange-url "
            f"and --organization {organization}",
        )


def expect_refusal(
    result: Verification,
    requests: Any,
    token: str,
    exchange_url: str,
    organization: str,
    cmdlet: str,
) -> None:
    """The role groups narrow the app only if Exchange refuses what they do not give. A
    refusal proves that only after the allowed cmdlet ran with the same token: then a 403
    refuses the cmdlet alone, while a 401 refuses the token and proves nothing."""
    exchange = next((s for s in reversed(result.steps) if s.name == "exchange"), None)
    if exchange is None or exchange.status != "pass":
        result.add(
            "narrowing",
            "skipped",
            f"{cmdlet} not sent: the exchange step did not pass, so a refusal would not show "
            "that the role groups narrow the app (it may be refused everything); fix the "
            "exchange step first",
        )
        return
    response = _post(result, "narrowing", requests, token, exchange_url, organization, cmdlet)
    if response is None:
        return
    if response.status_code == 403:
        result.add(
            "narrowing",
            "pass",
            f"Exchange refused {cmdlet} (HTTP 403) and ran the exchange step's cmdlet: the app "
            "holds no role that allows it",
        )
    elif response.status_code == 401:
        result.add(
            "narrowing",
            "fail",
            f"Exchange refused the token itself (401) for {cmdlet}, not the cmdlet: nothing is "
            "proven about the role groups. It took the same token for the exchange step: "
            "retry; if it persists, check consent for Exchange.ManageAsApp",
        )
    elif response.status_code == 200:
        result.add(
            "narrowing",
            "fail",
            f"{cmdlet} ran: the app holds more than its role groups give (a directory role in "
            "exo-cba:roles, another role group, or a role assigned to it directly; `exoctl "
            "audit` lists them). Rights can take 30 minutes to 2 hours to go: retry before "
            "changing anything",
        )
    else:
        result.add(
            "narrowing",
            "fail",
            f"Exchange answered HTTP {response.status_code} for {cmdlet}, neither a run nor a "
            "refusal; check the cmdlet's name",
        )
