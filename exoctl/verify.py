"""`exoctl verify`: prove the deployed credential works the way Connect-ExchangeOnline uses it.

1. token: MSAL client credentials with the PFX (or the certificate a host reads from
   the Key Vault hand-off, or a pipeline's federated token), scope {exchange-url}/.default;
2. claims: `roles` holds Exchange.ManageAsApp; `wids` should hold the assigned
   roles (a warning only: an Exchange role group can grant rights instead);
3. exchange: a read-only cmdlet through the admin REST endpoint the
   ExchangeOnlineManagement v3 module calls;
4. narrowing (with a cmdlet to refuse): a read-only cmdlet the app's Exchange role
   groups must not allow is refused, so the app holds no more than they give.

Every failure says what is wrong and what fixes it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from exocba import exchange_rest
from exocba.clouds import CLOUDS, PUBLIC, Cloud
from exoctl import retry
from exoctl.errors import EXIT_USAGE, ExoctlError, network_reason

MANAGE_AS_APP = "Exchange.ManageAsApp"
# The module's headers, its endpoint and error shapes: exocba/exchange_rest.py.
TIMEOUT_SECONDS = exchange_rest.TIMEOUT_SECONDS

_AADSTS_HELP = {
    "AADSTS700027": (
        "the certificate in the PFX is not registered on the app (AADSTS700027): export the "
        "active certificate (`exoctl export-pfx`) or run `pulumi up` so it is registered"
    ),
    "AADSTS700016": (
        "the app id is not known in this tenant (AADSTS700016): check --app-id/--tenant-id "
        "against the stack outputs appId and tenantId"
    ),
    "AADSTS90002": "the tenant was not found (AADSTS90002): check --tenant-id",
    "AADSTS700024": (
        "the client assertion is outside its valid time (AADSTS700024): check the clock"
    ),
    "AADSTS500011": (
        "the Exchange resource was not found in this tenant's cloud (AADSTS500011): check the "
        "stack's cloud (azuread:environment, or --cloud)"
    ),
}


@dataclass
class Step:
    name: str
    status: str  # pass | fail | warn | skipped
    detail: str


@dataclass
class Verification:
    app_id: str
    tenant_id: str
    organization: str
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.status in ("pass", "warn") for step in self.steps)

    def add(self, name: str, status: str, detail: str) -> None:
        self.steps.append(Step(name, status, detail))

    def document(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "appId": self.app_id,
            "tenantId": self.tenant_id,
            "organization": self.organization,
            "steps": [asdict(step) for step in self.steps],
        }


def load_pfx_certificate(path: Path, password: bytes) -> Any:
    """The PFX's certificate, or None: a wrong password is a verification failure."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        data = path.read_bytes()
    except OSError as error:
        raise ExoctlError(f"cannot read --pfx {path}: {error.strerror}", EXIT_USAGE) from None
    try:
        key, certificate, _ = pkcs12.load_key_and_certificates(data, password)
    except ValueError:
        return None
    return certificate if key is not None else None


def _aadsts_message(result: dict[str, Any]) -> str:
    description = str(result.get("error_description", ""))
    for code, help_text in _AADSTS_HELP.items():
        if code in description:
            return help_text
    first = description.splitlines()[0] if description else result.get("error", "unknown error")
    return f"Entra ID refused the token request: {first}"


def _decode_claims(token: str) -> dict[str, Any]:
    import jwt

    # The client only reads its own token's claims; Exchange validates the signature.
    return jwt.decode(token, options={"verify_signature": False})


@dataclass
class Certificate:
    """Sign in as Connect-ExchangeOnline -CertificateFilePath does: the PFX."""

    pfx: Path
    password: bytes


@dataclass
class Federated:
    """Sign in as a pipeline does: another issuer's OIDC token as the client assertion,
    read fresh from a file or variable each time, as azure-identity's
    WorkloadIdentityCredential reads AZURE_FEDERATED_TOKEN_FILE."""

    read_assertion: Any  # Callable[[], str]
    declared: list[dict[str, Any]] = field(default_factory=list)
    """The stack's federatedCredentials output, to say which claim matched none."""


@dataclass
class KeyVaultHandOff:
    """Sign in as a host running the `keyVault.connectScript` output does: the
    certificate and key it picks from the hand-off secret's versions."""

    secret_id: str
    credential: Any
    """The Azure identity that reads the secret (azure-identity)."""
    now: Any = None
    """When to pick as of (datetime); None: the current time."""
    expected_thumbprint: str | None = None
    """The stack's active certificate, when known, to say if the host lags behind."""


def verify(
    app_id: str,
    tenant_id: str,
    organization: str,
    source: Certificate | Federated | KeyVaultHandOff,
    expected_roles: list[str],
    cloud: Cloud = PUBLIC,
    authority: str | None = None,
    exchange_url: str | None = None,
    cmdlet: str = "Get-AcceptedDomain",
    refused_cmdlet: str | None = None,
) -> Verification:
    """`authority` and `exchange_url` override the cloud's sign-in and Exchange hosts;
    the token is always asked for the cloud's Exchange resource, as the module does."""
    import requests

    result = Verification(app_id, tenant_id, organization)
    authority = (authority or cloud.authority).rstrip("/")
    exchange_url = (exchange_url or cloud.exchange_url).rstrip("/")
    scope = f"{cloud.exchange_url}/.default"
    if isinstance(source, Certificate):
        token = _token_with_pfx(result, app_id, tenant_id, source, authority, scope)
    elif isinstance(source, KeyVaultHandOff):
        token = _token_with_hand_off(result, app_id, tenant_id, source, authority, scope)
    else:
        token = _token_with_federation(result, app_id, tenant_id, source, authority, scope)
    if token is None:
        return result

    claims = _decode_claims(token)
    roles = claims.get("roles") or []
    if MANAGE_AS_APP not in roles:
        result.add(
            "claims",
            "fail",
            f"the token has no {MANAGE_AS_APP} role (roles: {', '.join(roles) or 'none'}): admin "
            "consent is missing; run `pulumi up` (AppRoleAssignment exo-exchange-consent). A "
            "grant made after a token was issued needs a new token.",
        )
        result.add("exchange", "skipped", "the token lacks Exchange.ManageAsApp")
        return result
    _check_wids(result, claims, expected_roles)
    _invoke(result, requests, token, exchange_url, organization, cmdlet)
    if refused_cmdlet:
        _expect_refusal(result, requests, token, exchange_url, organization, refused_cmdlet)
    return result


def _retrying_session(requests: Any) -> Any:
    """InvokeCommand is a POST, but the cmdlets verify runs (--cmdlet, --refused-cmdlet)
    are read-only Get- cmdlets: sending one again after a throttled answer changes nothing."""
    session = requests.Session()
    retry.mount(session, frozenset({"POST"}))
    return session


def _expect_refusal(
    result: Verification,
    requests: Any,
    token: str,
    exchange_url: str,
    organization: str,
    cmdlet: str,
) -> None:
    """The role groups narrow the app only if Exchange refuses what they do not give."""
    client = exchange_rest.ExchangeClient(
        exchange_url, organization, lambda: token, session=_retrying_session(requests)
    )
    try:
        response = client.post(cmdlet)
    except requests.RequestException as error:
        result.add(
            "narrowing", "fail", f"network: cannot reach {exchange_url}: {network_reason(error)}"
        )
        return
    if response.status_code in (401, 403):
        result.add(
            "narrowing",
            "pass",
            f"Exchange refused {cmdlet} (HTTP {response.status_code}): the app holds no role "
            "that allows it",
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


def _token_with_pfx(
    result: Verification,
    app_id: str,
    tenant_id: str,
    source: Certificate,
    authority: str,
    scope: str,
) -> str | None:
    certificate = load_pfx_certificate(source.pfx, source.password)
    if certificate is None:
        _token_failed(
            result,
            f"cannot open {source.pfx}: the PFX password is wrong or the file is not a PFX; "
            "check the variable named by --password-env",
        )
        return None
    from exocba.certs import certificate_thumbprint

    credential = {
        "private_key_pfx_path": str(source.pfx),
        "passphrase": source.password.decode(),
    }
    return _token_with_certificate(
        result, app_id, tenant_id, credential, certificate_thumbprint(certificate), authority, scope
    )


def _token_with_hand_off(
    result: Verification,
    app_id: str,
    tenant_id: str,
    source: KeyVaultHandOff,
    authority: str,
    scope: str,
) -> str | None:
    import datetime as dt

    from exocba.connect import SETTLE_MINUTES
    from exoctl.key_vault import HandOffError, read_hand_off

    now = source.now or dt.datetime.now(dt.UTC)
    try:
        published = read_hand_off(source.secret_id, source.credential, now)
    except HandOffError as error:
        result.add("key vault", "fail", str(error))
        result.add("token", "skipped", "no certificate from Key Vault")
        result.add("exchange", "skipped", "no token")
        return None
    detail = (
        f"version {published.version} of {source.secret_id}: certificate {published.thumbprint} "
        f"({published.usable} usable version(s))"
    )
    status = "pass"
    notes = []
    if published.tagged_thumbprint and published.tagged_thumbprint != published.thumbprint:
        status = "warn"
        notes.append(
            f"its tag says {published.tagged_thumbprint}: the value was changed outside the stack"
        )
    if source.expected_thumbprint and source.expected_thumbprint != published.thumbprint:
        status = "warn"
        notes.append(
            f"the stack's active certificate is {source.expected_thumbprint}: hosts pick it "
            f"once `pulumi up` has published it and it has been valid for {SETTLE_MINUTES} "
            "minutes"
        )
    if published.skipped:
        status = "warn"
        notes.append(f"unreadable version(s): {'; '.join(published.skipped)}")
    result.add("key vault", status, "; ".join([detail, *notes]))
    credential = {
        "private_key": published.key_pem.decode(),
        "thumbprint": published.thumbprint,
    }
    return _token_with_certificate(
        result, app_id, tenant_id, credential, published.thumbprint, authority, scope
    )


def _token_with_certificate(
    result: Verification,
    app_id: str,
    tenant_id: str,
    client_credential: dict[str, str],
    thumbprint: str,
    authority: str,
    scope: str,
) -> str | None:
    import msal
    import requests

    known_authorities = {urlparse(c.authority).hostname for c in CLOUDS}
    try:
        app = msal.ConfidentialClientApplication(
            app_id,
            authority=f"{authority}/{tenant_id}",
            client_credential=client_credential,
            # MSAL knows Microsoft's sign-in hosts, the sovereign ones included; any
            # other authority (a stand-in, a proxy) describes itself.
            instance_discovery=urlparse(authority).hostname in known_authorities,
            timeout=TIMEOUT_SECONDS,
        )
        response = app.acquire_token_for_client(scopes=[scope])
    except requests.RequestException as error:
        _token_failed(result, f"network: cannot reach {authority}: {network_reason(error)}")
        return None
    except ValueError as error:  # MSAL's own refusal, e.g. an authority it cannot use
        _token_failed(result, f"MSAL refused the request: {error}")
        return None
    if "access_token" not in response:
        _token_failed(result, _aadsts_message(response))
        return None
    result.add(
        "token",
        "pass",
        f"app-only token for {scope} issued for certificate {thumbprint}",
    )
    return response["access_token"]


def _token_with_federation(
    result: Verification,
    app_id: str,
    tenant_id: str,
    source: Federated,
    authority: str,
    scope: str,
) -> str | None:
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError
    from azure.identity import ClientAssertionCredential

    try:
        assertion = source.read_assertion()
    except OSError as error:
        _token_failed(result, f"cannot read the federated token: {error.strerror or error}")
        return None
    credential = ClientAssertionCredential(
        tenant_id, app_id, source.read_assertion, authority=authority
    )
    try:
        token = credential.get_token(scope).token
    except ClientAuthenticationError as error:
        _token_failed(result, _federation_message(str(error), assertion, source.declared))
        return None
    except ServiceRequestError as error:
        _token_failed(result, f"network: cannot reach {authority}: {network_reason(error)}")
        return None
    claims = _decode_claims(assertion)
    result.add(
        "token",
        "pass",
        f"app-only token for {scope} issued for the federated token of {claims.get('iss')} "
        f"(subject {claims.get('sub')})",
    )
    return token


_FEDERATION_CODES = {
    "AADSTS700211": "issuer",
    "AADSTS700212": "audience",
    "AADSTS700213": "subject",
}


def _federation_message(text: str, assertion: str, declared: list[dict[str, Any]]) -> str:
    """Which of issuer, audience or subject matched no federated credential."""
    claims = _decode_claims(assertion)
    audience = claims.get("aud")
    presented = {
        "issuer": str(claims.get("iss")),
        "subject": str(claims.get("sub")),
        "audience": ", ".join(audience) if isinstance(audience, list) else str(audience),
    }
    for code, part in _FEDERATION_CODES.items():
        if code in text:
            known = sorted(
                {
                    str(value)
                    for credential in declared
                    for value in (
                        credential.get("audiences", [])
                        if part == "audience"
                        else [credential.get(part)]
                    )
                }
            )
            wanted = f"; the stack declares {', '.join(known)}" if known else ""
            return (
                f"the federated token's {part} {presented[part]!r} matches no federated "
                f"credential on the app ({code}){wanted}: fix the pipeline's token or "
                "exo-cba:federatedCredentials"
            )
    for code, help_text in _AADSTS_HELP.items():
        if code in text:
            return help_text
    first = " ".join(text.split())[:300]
    return f"Entra ID refused the federated token: {first}"


def _check_wids(result: Verification, claims: dict[str, Any], expected_roles: list[str]) -> None:
    """`wids` against the roles the stack assigns, ids compared case-insensitively."""
    if not expected_roles:
        result.add(
            "claims",
            "pass",
            f"{MANAGE_AS_APP} present; no directory roles to compare wids with (pass --role, "
            "or use --stack)",
        )
        return
    wids = {str(w).lower() for w in claims.get("wids") or []}
    missing = [role for role in expected_roles if role.lower() not in wids]
    if missing:
        result.add(
            "claims",
            "warn",
            f"{MANAGE_AS_APP} present; wids lacks {', '.join(missing)}: the directory role is "
            "not (yet) in the token. Fine if an Exchange role group grants the rights instead.",
        )
    else:
        result.add(
            "claims",
            "pass",
            f"{MANAGE_AS_APP} present; wids hold the assigned roles ({len(expected_roles)})",
        )


def _token_failed(result: Verification, detail: str) -> Verification:
    result.add("token", "fail", detail)
    result.add("claims", "skipped", "no token")
    result.add("exchange", "skipped", "no token")
    return result


def _invoke(
    result: Verification,
    requests: Any,
    token: str,
    exchange_url: str,
    organization: str,
    cmdlet: str,
) -> None:
    client = exchange_rest.ExchangeClient(
        exchange_url, organization, lambda: token, session=_retrying_session(requests)
    )
    try:
        response = client.post(cmdlet)
    except requests.RequestException as error:
        result.add(
            "exchange", "fail", f"network: cannot reach {exchange_url}: {network_reason(error)}"
        )
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
