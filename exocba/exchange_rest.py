"""The one client for Exchange Online's admin REST endpoint, as the ExchangeOnlineManagement
v3 module calls it: `POST {exchange}/adminapi/beta/{organization}/InvokeCommand`.

Microsoft documents neither the endpoint nor its headers (docs/exchange-role-groups.md);
what is sent and parsed here is what public reimplementations of the module agree on
(docs/exoctl.md, "Verify"). `exoctl verify` and the role-group provider both use it, so the
headers and the error shapes are written once.

Pure: no Pulumi, and requests/urllib3/azure-identity are imported where they are used,
because the dynamic provider that imports this module is loaded in every engine run.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from exocba import signin

# App-only connections anchor on the organization's system mailbox with the APP: prefix;
# UPN: is for a signed-in user.
ANCHOR_MAILBOX = "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@"
CLIENT_APPLICATION = "ExoManagementModule"
TIMEOUT_SECONDS = 30

# Answers worth sending again: throttling and the service's transient failures. urllib3
# honours Retry-After on 429 and 503 and backs off exponentially otherwise.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_TOTAL = 8
RETRY_BACKOFF_FACTOR = 0.5
# The longest wait between tries, whether backed off or asked for by Retry-After
# (urllib3's own cap on Retry-After is six hours).
RETRY_BACKOFF_MAX = 30

DEHYDRATED = "InvalidOperationInDehydratedContextException"
DEHYDRATED_FIX = (
    "this tenant's Exchange organization was never customized "
    f"({DEHYDRATED}): run `Enable-OrganizationCustomization` once in Exchange Online "
    "PowerShell as an Exchange administrator, then run `pulumi up` again"
)
# How Exchange words a missing object ("The operation couldn't be performed because
# object 'x' couldn't be found", "... wasn't found in the directory"), for answers
# whose exception type does not end in NotFoundException.
NOT_FOUND_TEXTS = ("couldn't be found", "wasn't found", "was not found")
# Only a cmdlet's own failure can mean "absent": a throttled, failed or unauthorized
# request that mentions a missing object must not (Microsoft365DSC #7124).
_CMDLET_FAILURES = frozenset({400, 404})


def invoke_url(exchange_url: str, organization: str) -> str:
    return f"{exchange_url.rstrip('/')}/adminapi/beta/{organization}/InvokeCommand"


def module_headers(token: str, organization: str, cmdlet: str) -> dict[str, str]:
    """The headers the module's REST calls carry (docs/exoctl.md, "Verify").

    X-ResponseFormat: the module asks for clixml, which only PowerShell reads back;
    json is the service's other format and the one other REST clients use.
    """
    return {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-AnchorMailbox": f"{ANCHOR_MAILBOX}{organization}",
        "X-CmdletName": cmdlet,
        "X-ClientApplication": CLIENT_APPLICATION,
        "X-ResponseFormat": "json",
        "X-SerializationLevel": "Partial",
        "Prefer": "odata.maxpagesize=1000",
        "client-request-id": str(uuid.uuid4()),
    }


def command_body(cmdlet: str, parameters: dict[str, Any] | None = None) -> str:
    return json.dumps({"CmdletInput": {"CmdletName": cmdlet, "Parameters": parameters or {}}})


@dataclass(eq=False)
class ExchangeError(Exception):
    """A cmdlet Exchange did not run: the HTTP status, the error's code and message, and
    the exception Exchange named in `details` (`Ex6F9304|<exception type>|<text>`)."""

    cmdlet: str
    status: int
    code: str = ""
    message: str = ""
    exception: str = ""
    """The short name of Exchange's exception type, e.g. ManagementObjectNotFoundException."""
    text: str = ""

    def __str__(self) -> str:
        if self.dehydrated:
            return f"{self.cmdlet}: {DEHYDRATED_FIX}"
        if self.status == 429:
            return f"{self.cmdlet}: Exchange kept throttling the request (429); run it again later"
        if self.status in (401, 403):
            return (
                f"{self.cmdlet}: Exchange refused the deployer's token (HTTP {self.status}"
                f"{': ' + self.reason if self.reason else ''}): the identity running Pulumi needs "
                "Role Management in Exchange (Organization Management or the Exchange "
                "Administrator directory role), docs/exchange-role-groups.md"
            )
        return f"{self.cmdlet}: Exchange answered HTTP {self.status}: {self.reason or 'no reason'}"

    @property
    def reason(self) -> str:
        return " ".join(
            part for part in (self.exception, self.text or self.message) if part
        ).strip()

    @property
    def not_found(self) -> bool:
        if self.exception.endswith("NotFoundException") or (
            self.status == 404 and self.code == "NotFound"
        ):
            return True
        if self.status not in _CMDLET_FAILURES:
            return False
        text = f"{self.text} {self.message}".casefold().replace("\u2019", "'")
        return any(form in text for form in NOT_FOUND_TEXTS)

    @property
    def already_exists(self) -> bool:
        return "AlreadyExists" in self.exception

    @property
    def dehydrated(self) -> bool:
        return DEHYDRATED in self.exception or DEHYDRATED in self.text


def parse_error(cmdlet: str, status: int, document: Any, headers: Any = None) -> ExchangeError:
    """`{"error": {"code", "message", "details": [{"code", "message"}]}}`; a refusal may
    carry its reason in `x-ms-diagnostics` instead (exo-facts, "Answer shapes")."""
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        error = {}
    found = ExchangeError(
        cmdlet,
        status,
        str(error.get("code") or ""),
        " ".join(str(error.get("message") or "").split()),
    )
    for detail in error.get("details") or []:
        parts = str(detail.get("message") or "").split("|", 2)
        if len(parts) == 3:
            found.exception = parts[1].rsplit(".", 1)[-1]
            found.text = " ".join(parts[2].split())
            break
    diagnostics = (headers or {}).get("x-ms-diagnostics") if headers is not None else None
    if diagnostics and not found.text:
        found.text = " ".join(str(diagnostics).split())
    return found


def retrying_session(total: int = RETRY_TOTAL) -> Any:
    """A requests session that sends throttled and transiently failed requests again
    (urllib3's Retry: Retry-After honoured, exponential backoff, bounded)."""
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    retry = Retry(
        total=total,
        connect=total,
        read=0,  # a POST whose answer was lost may have run: the caller reads back instead
        status=total,
        status_forcelist=sorted(RETRY_STATUSES),
        allowed_methods=None,  # InvokeCommand is always a POST
        backoff_factor=RETRY_BACKOFF_FACTOR,
        backoff_max=RETRY_BACKOFF_MAX,
        respect_retry_after_header=True,
        retry_after_max=RETRY_BACKOFF_MAX,
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=retry))
    session.mount("http://", HTTPAdapter(max_retries=retry))
    return session


class ExchangeClient:
    """Runs cmdlets; results are the `value` rows, following `@odata.nextLink`."""

    def __init__(
        self,
        exchange_url: str,
        organization: str,
        token: Callable[[], str],
        session: Any = None,
    ) -> None:
        self.exchange_url = exchange_url.rstrip("/")
        self.organization = organization
        self.token = token
        self.session = session if session is not None else retrying_session()

    def post(self, cmdlet: str, parameters: dict[str, Any] | None = None) -> Any:
        """One request, the raw response (verify reads the status itself)."""
        return self.session.post(
            invoke_url(self.exchange_url, self.organization),
            headers=module_headers(self.token(), self.organization, cmdlet),
            data=command_body(cmdlet, parameters),
            timeout=TIMEOUT_SECONDS,
        )

    def run(self, cmdlet: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        response = self.post(cmdlet, parameters)
        rows: list[dict[str, Any]] = []
        while True:
            try:
                document = response.json()
            except ValueError:
                document = None
            if response.status_code != 200:
                raise parse_error(cmdlet, response.status_code, document, response.headers)
            if not isinstance(document, dict):
                raise ExchangeError(cmdlet, response.status_code, message="not a JSON answer")
            rows += [row for row in document.get("value") or [] if isinstance(row, dict)]
            link = document.get("@odata.nextLink")
            if not link:
                return rows
            if not str(link).startswith(self.exchange_url):
                raise ExchangeError(cmdlet, 200, message=f"a next link to another host: {link}")
            response = self.session.post(
                link,
                headers=module_headers(self.token(), self.organization, cmdlet),
                data=command_body(cmdlet, parameters),
                timeout=TIMEOUT_SECONDS,
            )


_credentials: dict[str, Any] = {}


def deployer_token(resource: str, tenant_id: str) -> str:
    """The deployer's token for the cloud's Exchange resource (azure-identity: az login,
    a pipeline's federation or certificate, a managed identity). Never stored: callers
    ask for it on each request, and azure-identity caches it."""
    credential = _credentials.get("deployer")
    if credential is None:
        credential = _credentials["deployer"] = signin.make_credential()
    return credential.get_token(f"{resource.rstrip('/')}/.default", tenant_id=tenant_id).token


def forget_credential() -> None:
    """Drop the cached credential (tests swap exocba.signin.make_credential between cases)."""
    _credentials.clear()
