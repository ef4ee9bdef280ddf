"""A local HTTPS stand-in for Entra ID's token endpoint and Exchange's admin REST API.

It behaves the way the real services do where exo-cba depends on it:
- OpenID discovery at `{authority}/v2.0/.well-known/openid-configuration`;
- client credentials with a certificate: the client assertion's signature is
  verified against the certificates registered on the app, found by `x5t` or
  `x5t#S256`; an unknown key answers AADSTS700027, a wrong audience AADSTS500011;
- access tokens are JWTs (v1 claims: aud, tid, appid, appidacr, roles, wids)
  signed with the stand-in's own key; `roles` holds only consented app roles,
  `wids` the directory roles plus the id every service principal token carries;
- `POST /adminapi/beta/{org}/InvokeCommand` checks the headers the module sends
  (docs/exoctl.md, "Verify"): an app-only anchor mailbox for this organization, the module's
  X-ClientApplication, X-CmdletName naming the body's cmdlet, a response format;
  then answers 401 without Exchange.ManageAsApp and 403 without a directory role,
  as practitioners report Exchange does.

TLS comes from a trustme CA; point `REQUESTS_CA_BUNDLE` at `ca_bundle`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from exocba.wellknown import DEFAULT_SP_WID, EXCHANGE_MANAGE_AS_APP_ROLE_NAME
from tests.fakes.https import HttpsFake, Request

EXCHANGE_AUDIENCE = "https://outlook.office365.com"
APP_ANCHOR = "APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@"


def _b64decode(value: object) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        return None


@dataclass
class RegisteredApp:
    client_id: str
    service_principal_id: str
    certificates: list[x509.Certificate] = field(default_factory=list)
    app_roles: dict[str, set[str]] = field(default_factory=dict)
    """Consented app roles by resource (admin consent = app role assignment); the key is
    the cloud's Exchange resource (https://outlook.office365.com in the public cloud),
    whichever URL the stand-in serves Exchange under."""
    directory_roles: set[str] = field(default_factory=set)
    """Template ids of assigned directory roles."""
    federated: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """Federated identity credentials: (issuer, subject, audiences)."""


class FakeMicrosoftCloud(HttpsFake):
    """Entra ID + Exchange Online for one tenant, on https://127.0.0.1:<port>."""

    def __init__(
        self,
        tenant_id: str,
        organization: str,
        tmp_dir: Path,
        exchange_resource: str = EXCHANGE_AUDIENCE,
    ) -> None:
        self.tenant_id = tenant_id
        self.issuer_ca: str | bool = True
        """CA bundle to trust when fetching a federated issuer's keys."""
        self.exchange_resource = exchange_resource
        """The Exchange resource of the cloud this tenant lives in: the only audience
        tokens are issued for and Exchange accepts (outlook.office365.us in GCC High)."""
        self.organization = organization
        self.apps: dict[str, RegisteredApp] = {}
        self.exchange_status: int | None = None
        """Force an Exchange answer (e.g. 429, 500); None = decide from the token."""
        self.exchange_throttle: list[tuple[int, str | None]] = []
        """(status, Retry-After or None) for each of the next InvokeCommand requests."""
        self.accepted_domains = [organization, "contoso.com"]
        self.exchange: Any = None
        """An Exchange RBAC stand-in (tests/fakes/exchange.py); when attached, it answers
        every InvokeCommand whose headers and token pass the checks here."""
        self.other_resources: set[str] = set()
        """Audiences besides Exchange this tenant issues tokens for (its Microsoft Graph,
        for the azuread provider and exoctl's Graph reads); roles come from app_roles."""
        self._signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        super().__init__(tmp_dir, "fake-cloud")

    # ------------------------------------------------------------- set-up
    def register(self, app: RegisteredApp) -> RegisteredApp:
        self.apps[app.client_id] = app
        return app

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/{self.tenant_id}/oauth2/v2.0/token"

    def public_key_pem(self) -> bytes:
        return self._signing_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    # ------------------------------------------------------------- behaviour
    def _discovery(self, tenant: str) -> tuple[int, dict[str, Any]]:
        base = f"{self.base_url}/{tenant}"
        return 200, {
            "issuer": f"{base}/v2.0",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "token"],
            "tenant_region_scope": "EU",
        }

    @staticmethod
    def _error(status: int, code: str, description: str) -> tuple[int, dict[str, Any]]:
        return status, {
            "error": code,
            "error_description": description,
            "error_codes": [int(description.split(":")[0].removeprefix("AADSTS"))],
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        }

    def _token(self, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if tenant not in (self.tenant_id, self.organization):
            return self._error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        if form.get("grant_type") != "client_credentials":
            return self._error(400, "unsupported_grant_type", "AADSTS70003: unsupported grant.")
        client_id = form.get("client_id", "")
        app = self.apps.get(client_id)
        if app is None:
            return self._error(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{client_id}' was not found "
                f"in the directory '{tenant}'.",
            )
        if "client_secret" in form:
            return self._error(401, "invalid_client", "AADSTS7000215: Invalid client secret.")
        assertion = form.get("client_assertion")
        if not assertion:
            return self._error(400, "invalid_request", "AADSTS900144: client_assertion missing.")
        header = jwt.get_unverified_header(assertion)
        certificate = self._find_certificate(app, header)
        if certificate is None and not self._names_certificate(header):
            return self._federated(tenant, app, assertion, form)
        if certificate is None:
            used = header.get("x5t#S256") or header.get("x5t") or header.get("kid") or "none"
            return self._error(
                401,
                "invalid_client",
                "AADSTS700027: Client assertion contains an invalid signature. "
                f"[Reason - The key was not found., Thumbprint of key used by client: '{used}']",
            )
        try:
            claims = jwt.decode(
                assertion,
                certificate.public_key(),
                algorithms=["RS256", "PS256"],
                audience=self.token_endpoint,
                options={"require": ["exp", "aud", "iss", "sub", "jti"]},
            )
        except jwt.InvalidAudienceError:
            return self._error(401, "invalid_client", "AADSTS700027: invalid audience.")
        except jwt.InvalidSignatureError:
            return self._error(
                401,
                "invalid_client",
                "AADSTS700027: Client assertion contains an invalid signature.",
            )
        except jwt.ExpiredSignatureError:
            return self._error(401, "invalid_client", "AADSTS700024: Client assertion is expired.")
        if claims["iss"] != client_id or claims["sub"] != client_id:
            return self._error(
                401, "invalid_client", "AADSTS700023: iss/sub must be the client id."
            )
        now = dt.datetime.now(dt.UTC)
        if not certificate.not_valid_before_utc <= now < certificate.not_valid_after_utc:
            return self._error(401, "invalid_client", "AADSTS700027: the key has expired.")

        return self._issue(tenant, app, form)

    def _issue(
        self, tenant: str, app: RegisteredApp, form: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        client_id = app.client_id
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return self._error(400, "invalid_scope", "AADSTS1002012: scope must be /.default.")
        audience = scope.removesuffix("/.default")
        if audience != self.exchange_resource and audience not in self.other_resources:
            return self._error(
                400,
                "invalid_resource",
                f"AADSTS500011: The resource principal named {audience} was not found.",
            )
        issued = int(time.time())
        token_claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": issued,
            "nbf": issued,
            "exp": issued + 3599,
            "tid": self.tenant_id,
            "appid": client_id,
            "appidacr": "2",
            "oid": app.service_principal_id,
            "sub": app.service_principal_id,
            "idtyp": "app",
            "ver": "1.0",
            "wids": sorted(app.directory_roles | {DEFAULT_SP_WID}),
        }
        roles = sorted(app.app_roles.get(audience, set()))
        if roles:
            token_claims["roles"] = roles
        token = jwt.encode(token_claims, self._signing_key, algorithm="RS256")
        return 200, {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": token,
        }

    def _federated(
        self, tenant: str, app: RegisteredApp, assertion: str, form: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        """Workload identity federation: the assertion is another issuer's token.

        Like Entra: find credentials by issuer (AADSTS700211), check the signature
        against the issuer's published keys, then the audience (AADSTS700212) and the
        exact subject (AADSTS700213).
        """
        claims = jwt.decode(assertion, options={"verify_signature": False})
        issuer, subject = claims.get("iss", ""), claims.get("sub", "")
        candidates = [c for c in app.federated if c[0] == issuer]
        if not candidates:
            return self._error(
                401,
                "invalid_client",
                "AADSTS700211: No matching federated identity record found for presented "
                f"assertion issuer '{issuer}'.",
            )
        try:
            import requests

            configuration = requests.get(
                f"{issuer}/.well-known/openid-configuration", verify=self.issuer_ca, timeout=10
            ).json()
            keys = requests.get(configuration["jwks_uri"], verify=self.issuer_ca, timeout=10).json()
            jwk = next(
                k for k in keys["keys"] if k["kid"] == jwt.get_unverified_header(assertion)["kid"]
            )
            public_key = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
            jwt.decode(
                assertion,
                public_key,
                algorithms=["RS256"],
                options={"verify_aud": False, "require": ["exp", "iss", "sub", "aud"]},
            )
        except (jwt.PyJWTError, KeyError, StopIteration, OSError, ValueError) as error:
            return self._error(
                401,
                "invalid_client",
                f"AADSTS700024: Client assertion is not valid ({type(error).__name__}).",
            )
        audiences = claims.get("aud")
        audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
        if not [c for c in candidates if set(audiences) & set(c[2])]:
            return self._error(
                401,
                "invalid_client",
                "AADSTS700212: No matching federated identity record found for presented "
                f"assertion audience '{', '.join(audiences)}'.",
            )
        if not [c for c in candidates if c[1] == subject]:
            return self._error(
                401,
                "invalid_client",
                "AADSTS700213: No matching federated identity record found for presented "
                f"assertion subject '{subject}'. Please check your federated identity "
                "credential Subject, Audience and Issuer against the presented assertion.",
            )
        return self._issue(tenant, app, form)

    @staticmethod
    def _names_certificate(header: dict[str, Any]) -> bool:
        """A certificate assertion (x5t, x5t#S256, or a `kid` that is a SHA-1
        thumbprint, as go-azure-sdk sends it) rather than a federated token."""
        kid = _b64decode(header.get("kid"))
        return "x5t" in header or "x5t#S256" in header or (kid is not None and len(kid) == 20)

    @staticmethod
    def _find_certificate(app: RegisteredApp, header: dict[str, Any]) -> x509.Certificate | None:
        """Look the key up by thumbprint header; clients pad base64url or not.

        go-azure-sdk (the azuread provider) names the key only by `kid`, the
        certificate's SHA-1 in base64url; MSAL sends x5t or x5t#S256."""
        sha256 = _b64decode(header.get("x5t#S256"))
        sha1 = _b64decode(header.get("x5t")) or _b64decode(header.get("kid"))
        for certificate in app.certificates:
            der = certificate.public_bytes(serialization.Encoding.DER)
            if sha256 is not None and sha256 == hashlib.sha256(der).digest():
                return certificate
            if sha1 is not None and sha1 == hashlib.sha1(der, usedforsecurity=False).digest():
                return certificate
        return None

    def _invoke_command(
        self, organization: str, headers: dict[str, str], body: bytes, path: str = ""
    ) -> Any:
        if self.exchange_throttle:
            status, wait = self.exchange_throttle.pop(0)
            return status, {"error": {"code": str(status)}}, {"Retry-After": wait} if wait else {}
        if self.exchange_status is not None:
            return self.exchange_status, {"error": {"code": str(self.exchange_status)}}
        if organization not in (self.organization, self.tenant_id):
            return 404, {"error": {"code": "NotFound", "message": "organization not found"}}
        request = json.loads(body or b"{}")
        cmdlet = request.get("CmdletInput", {}).get("CmdletName")
        problem = self._header_problem(organization, headers, cmdlet)
        if problem:
            return 400, {"error": {"code": "BadRequest", "message": problem}}
        authorization = headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return 401, {"error": {"code": "Unauthorized", "message": "no bearer token"}}
        try:
            claims = jwt.decode(
                authorization.removeprefix("Bearer "),
                self._signing_key.public_key(),
                algorithms=["RS256"],
                audience=self.exchange_resource,
            )
        except jwt.PyJWTError as error:
            return 401, {"error": {"code": "Unauthorized", "message": str(error)}}
        if self.exchange is not None:
            return self.exchange.invoke(self, organization, path, body, claims)
        if EXCHANGE_MANAGE_AS_APP_ROLE_NAME not in claims.get("roles", []):
            return 401, {"error": {"code": "Unauthorized", "message": "missing app role"}}
        app = self.apps.get(claims.get("appid", ""))
        if app is None or not (set(claims.get("wids", [])) - {DEFAULT_SP_WID}):
            return 403, {
                "error": {
                    "code": "Forbidden",
                    "message": "The role assigned to application isn't supported",
                }
            }
        if cmdlet == "Get-AcceptedDomain":
            return 200, {
                "@odata.context": (
                    f"{self.base_url}/adminapi/beta/{organization}/$metadata#Collection"
                ),
                "value": [
                    {"DomainName": d, "Default": i == 1, "DomainType": "Authoritative"}
                    for i, d in enumerate(self.accepted_domains)
                ],
            }
        if cmdlet == "Get-OrganizationConfig":
            return 200, {"value": [{"Name": self.organization, "IsDehydrated": False}]}
        return 400, {"error": {"code": "BadRequest", "message": f"unknown cmdlet {cmdlet}"}}

    def _header_problem(
        self, organization: str, headers: dict[str, str], cmdlet: str | None
    ) -> str | None:
        anchor = headers.get("x-anchormailbox", "")
        wanted = {f"{APP_ANCHOR}{org}" for org in (self.organization, self.tenant_id)}
        if anchor not in wanted:
            return f"X-AnchorMailbox {anchor!r} is not this organization's app-only anchor"
        if headers.get("x-clientapplication") != "ExoManagementModule":
            return "X-ClientApplication is missing"
        if headers.get("x-cmdletname") != cmdlet:
            return "X-CmdletName does not name the cmdlet in the body"
        if headers.get("x-responseformat") not in ("json", "clixml"):
            return "X-ResponseFormat must be json or clixml"
        return None

    # ------------------------------------------------------------- routing
    def _route(self, request: Request) -> tuple:
        parts = urlparse(request.path).path.strip("/").split("/")
        if (
            request.method == "GET"
            and len(parts) == 4
            and parts[1:]
            == [
                "v2.0",
                ".well-known",
                "openid-configuration",
            ]
        ):
            return self._discovery(parts[0])
        if (
            request.method == "POST"
            and len(parts) == 4
            and parts[1:] == ["oauth2", "v2.0", "token"]
        ):
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            return self._token(parts[0], form)
        if (
            request.method == "POST"
            and len(parts) == 4
            and parts[:2] == ["adminapi", "beta"]
            and parts[3] == "InvokeCommand"
        ):
            return self._invoke_command(parts[2], request.headers, request.body, request.path)
        return 404, {"error": "not_found", "path": request.path}
