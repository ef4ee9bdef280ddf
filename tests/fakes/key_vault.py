"""Azure Key Vault's secrets data plane on local HTTPS, as azure-keyvault-secrets meets it.

Shapes follow the Key Vault REST reference (Get Secret, Get Secret Versions): ids are
`{vault}/secrets/{name}/{version}`, attributes carry Unix times (`nbf`, `exp`,
`created`, `updated`), errors are `{"error": {"code", "message"[, "innererror"]}}`.
The first request of a client carries no token and is answered 401 with a
`WWW-Authenticate: Bearer authorization=..., resource=...` challenge; the client then
asks its credential for `{resource}/.default` and retries.

The real resource is the cloud's vault suffix (https://vault.azure.net), and the SDK
refuses a vault host that is not a subdomain of it. This stand-in lives on
127.0.0.1:<port>, so it names the resource `https://0.0.1:<port>`: by the SDK's
string test, 127.0.0.1:<port> is a subdomain of that. Only the name differs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.fakes.https import HttpsFake, Request


@dataclass
class SecretVersion:
    value: str
    created: dt.datetime
    enabled: bool = True
    not_before: dt.datetime | None = None
    expires: dt.datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)
    version: str = ""


class FakeKeyVault(HttpsFake):
    def __init__(self, tmp_dir: Path, tenant_id: str, authority: str) -> None:
        self.tenant_id = tenant_id
        self.authority = authority
        self.secrets: dict[str, list[SecretVersion]] = {}
        self.readers: set[str] = set()
        """Bearer tokens allowed to read (an identity with Key Vault Secrets User)."""
        self.throttle: list[tuple[int, str | None]] = []
        """(status, Retry-After or None) for each of the next signed requests: Key Vault
        throttles with 429 and Retry-After (Key Vault throttling guidance)."""
        super().__init__(tmp_dir, "fake-key-vault")
        self.vault_url = self.base_url
        self.resource = f"https://0.0.1:{urlparse(self.vault_url).port}"

    def secret_id(self, name: str) -> str:
        return f"{self.vault_url}/secrets/{name}"

    def put(self, name: str, version: SecretVersion) -> SecretVersion:
        """A new version, as Set Secret makes one (the version id is Key Vault's, 32 hex)."""
        number = len(self.secrets.get(name, []))
        version.version = hashlib.sha256(f"{name}/{number}".encode()).hexdigest()[:32]
        self.secrets.setdefault(name, []).append(version)
        return version

    # ------------------------------------------------------------- behaviour
    @staticmethod
    def _error(status: int, code: str, message: str, inner: str | None = None) -> tuple:
        error: dict[str, Any] = {"code": code, "message": message}
        if inner:
            error["innererror"] = {"code": inner}
        return status, {"error": error}

    @staticmethod
    def _unix(moment: dt.datetime | None) -> int | None:
        return None if moment is None else int(moment.timestamp())

    def _bundle(self, name: str, version: SecretVersion, with_value: bool) -> dict[str, Any]:
        attributes = {
            "enabled": version.enabled,
            "created": self._unix(version.created),
            "updated": self._unix(version.created),
            "recoveryLevel": "Recoverable+Purgeable",
            "recoverableDays": 90,
        }
        if version.not_before:
            attributes["nbf"] = self._unix(version.not_before)
        if version.expires:
            attributes["exp"] = self._unix(version.expires)
        document: dict[str, Any] = {
            "id": f"{self.vault_url}/secrets/{name}/{version.version}",
            "attributes": attributes,
            "contentType": "application/x-pem-file",
            "tags": version.tags,
        }
        if with_value:
            document["value"] = version.value
        return document

    def _route(self, request: Request) -> tuple:
        url = urlparse(request.path)
        if "api-version" not in parse_qs(url.query):
            return self._error(400, "BadParameter", "The api-version is missing")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not token:
            challenge = (
                f'Bearer authorization="{self.authority}/{self.tenant_id}", '
                f'resource="{self.resource}"'
            )
            return (
                401,
                {
                    "error": {
                        "code": "Unauthorized",
                        "message": "AKV10000: Request is missing a Bearer",
                    }
                },
                {"WWW-Authenticate": challenge},
            )
        if self.throttle:
            status, wait = self.throttle.pop(0)
            answer = self._error(
                status,
                "Throttled",
                "Request was not processed because too many requests were received. "
                "Reason: VaultRequestTypeLimitReached",
            )
            return (*answer, {"Retry-After": wait} if wait else {})
        if token not in self.readers:
            return self._error(
                403,
                "Forbidden",
                "Caller is not authorized to perform action on resource.\r\nIf role "
                "assignments, deny assignments or role definitions were changed recently, "
                "please observe propagation time.",
                "ForbiddenByRbac",
            )
        parts = [p for p in url.path.split("/") if p]
        if len(parts) < 2 or parts[0] != "secrets" or parts[1] not in self.secrets:
            name = parts[1] if len(parts) > 1 else ""
            return self._error(
                404,
                "SecretNotFound",
                f"A secret with (name/id) {name} was not found in this key vault.",
            )
        name, versions = parts[1], self.secrets[parts[1]]
        if len(parts) == 3 and parts[2] == "versions":
            return 200, {
                "value": [self._bundle(name, v, with_value=False) for v in versions],
                "nextLink": None,
            }
        if len(parts) == 3:
            for version in versions:
                if version.version == parts[2]:
                    if not version.enabled:
                        return self._error(
                            403,
                            "Forbidden",
                            "Operation get is not allowed on a disabled secret.",
                            "SecretDisabled",
                        )
                    return 200, self._bundle(name, version, with_value=True)
            return self._error(
                404,
                "SecretNotFound",
                f"A secret with (name/id) {name}/{parts[2]} was not found in this key vault.",
            )
        return 200, self._bundle(name, versions[-1], with_value=True)


@dataclass
class FixedToken:
    """An Azure identity: whatever scope it is asked for, one token, and it remembers."""

    token: str = "kv-reader-token"
    scopes: list[tuple[str, ...]] = field(default_factory=list)

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        self.scopes.append(scopes)
        return AccessToken(self.token, int(dt.datetime.now(dt.UTC).timestamp()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        from azure.core.credentials import AccessTokenInfo

        self.scopes.append(scopes)
        return AccessTokenInfo(self.token, int(dt.datetime.now(dt.UTC).timestamp()) + 3600)
