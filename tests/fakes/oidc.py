"""A local OIDC issuer, the way GitHub Actions or Azure DevOps publish theirs.

`{issuer}/.well-known/openid-configuration` names a `jwks_uri`; tokens are RS256 JWTs
with `iss`, `sub`, `aud`, `iat`, `nbf`, `exp` and a `kid` the JWKS holds. The
Entra stand-in fetches the keys over HTTPS and checks the token against the app's
federated credentials, as Entra does.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.https import HttpsFake, Request

KID = "exo-cba-test-issuer-key"


class FakeOidcIssuer(HttpsFake):
    def __init__(self, tmp_dir: Path) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        super().__init__(tmp_dir, "fake-oidc")
        self.issuer = self.base_url

    def token(self, subject: str, audience: str, lifetime: int = 300) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": f"{subject}-{now}",
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KID})

    def _route(self, request: Request) -> tuple[int, dict[str, Any]]:
        if request.path == "/.well-known/openid-configuration":
            return 200, {
                "issuer": self.issuer,
                "jwks_uri": f"{self.issuer}/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        if request.path == "/keys":
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
            return 200, {"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}
        return 404, {"error": "not_found"}
