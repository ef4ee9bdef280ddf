"""What Entra does with an application's keyCredentials, and the ids Graph hands out.

- a PATCH of `keyCredentials` keeps a credential sent back without its `key` (clients
  send the GET's list back, where `key` is null), reads a new one's certificate (base64
  of DER, or of PEM text as the azuread provider sends it), fills
  `customKeyIdentifier` (the thumbprint) and `displayName` (the subject) as Entra
  does, and refuses an end date after the certificate's ("Key credential end date is
  invalid") or a start before it;
- ids in Graph's forms: role assignments and app role assignments begin with their
  GUIDs in little-endian base64url, as the documented examples decode.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from tests.fakes.graph import documented

GUID = r"[0-9a-fA-F-]{36}"
KEY_CREDENTIAL_TYPES = ("AsymmetricX509Cert", "X509CertAndPassword")
PRINCIPAL_TYPES = {
    "#microsoft.graph.servicePrincipal": "ServicePrincipal",
    "#microsoft.graph.user": "User",
    "#microsoft.graph.application": "Application",
}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def role_assignment_id(role_definition_id: str, principal_id: str) -> str:
    """Graph's form: base64url of the role and principal GUIDs (little endian), then -1
    (the documented example decodes to Global Administrator and its principal)."""
    return _b64url(uuid.UUID(role_definition_id).bytes_le + uuid.UUID(principal_id).bytes_le) + "-1"


def app_role_assignment_id(principal_id: str) -> str:
    """Graph's form: base64url starting with the principal's GUID (little endian)."""
    return _b64url(uuid.UUID(principal_id).bytes_le + uuid.uuid4().bytes)[:43]


def _timestamp(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_key(key: str) -> x509.Certificate:
    """`key` as clients send it: base64 of DER, or of PEM text (the azuread provider)."""
    raw = base64.b64decode(key, validate=True)
    if raw.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(raw)
    return x509.load_der_x509_certificate(raw)


class GraphRefusal(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def merge_key_credentials(
    stored: list[dict[str, Any]], sent: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The application's keyCredentials after a PATCH sending `sent`."""
    by_id = {str(c.get("keyId", "")).lower(): c for c in stored}
    merged = []
    for credential in sent:
        key_id = str(credential.get("keyId") or uuid.uuid4()).lower()
        if not credential.get("key"):
            if key_id not in by_id:
                raise GraphRefusal(
                    400, "Request_BadRequest", f"Key credential {key_id} has no key value."
                )
            merged.append(by_id[key_id])
            continue
        merged.append(_new_key_credential(key_id, credential))
    return merged


def _new_key_credential(key_id: str, credential: dict[str, Any]) -> dict[str, Any]:
    try:
        certificate = load_key(str(credential["key"]))
    except ValueError:
        raise GraphRefusal(
            400, "Request_BadRequest", "Invalid value specified for property 'key'."
        ) from None
    if credential.get("type") not in KEY_CREDENTIAL_TYPES:
        raise GraphRefusal(
            400, "Request_BadRequest", "Invalid value specified for property 'type'."
        )
    not_before = certificate.not_valid_before_utc
    not_after = certificate.not_valid_after_utc
    start = _timestamp(credential.get("startDateTime")) or not_before.strftime("%Y-%m-%dT%H:%M:%SZ")
    end = _timestamp(credential.get("endDateTime")) or not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    if dt.datetime.fromisoformat(end.replace("Z", "+00:00")) > not_after:
        raise GraphRefusal(
            400, "KeyCredentialsInvalidEndDate", "Key credential end date is invalid."
        )
    if dt.datetime.fromisoformat(start.replace("Z", "+00:00")) < not_before:
        raise GraphRefusal(
            400, "KeyCredentialsInvalidStartDate", "Key credential start date is invalid."
        )
    der = certificate.public_bytes(serialization.Encoding.DER)
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    shape = documented("keycredential-resource")
    shape.pop("@odata.type")
    return {
        **shape,
        "customKeyIdentifier": credential.get("customKeyIdentifier")
        or base64.b64encode(hashlib.sha1(der, usedforsecurity=False).digest()).decode(),
        "displayName": credential.get("displayName")
        or (f"CN={names[-1].value}" if names else None),
        "endDateTime": end,
        "key": base64.b64encode(der).decode(),
        "keyId": key_id,
        "startDateTime": start,
        "type": credential["type"],
        "usage": credential.get("usage") or "Verify",
    }


def without_keys(application: dict[str, Any]) -> dict[str, Any]:
    """What GET returns: `key` is only sent with $select on one object."""
    return {
        **application,
        "keyCredentials": [{**c, "key": None} for c in application.get("keyCredentials") or []],
    }
