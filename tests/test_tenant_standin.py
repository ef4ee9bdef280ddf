"""The tenant stand-in behaves as Entra and Graph do where the e2e tier relies on it.

Driven over HTTPS the way go-azure-sdk calls it (a client assertion naming the key by
`kid`, JSON bodies, 204 without a body), so that what the real provider meets is
checked in the fast tier too.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from pathlib import Path

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from exocba.wellknown import EXCHANGE_MANAGE_AS_APP_ROLE_ID
from tests.e2e.tenant_ops import self_signed
from tests.fakes import tenant_seed as seed
from tests.fakes.tenant import Tenant


@pytest.fixture
def tenant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with Tenant(tmp_path) as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
        yield fake


def deployer_token(tenant: Tenant) -> str:
    """As go-azure-sdk asks: RS256 assertion, `kid` = base64url SHA-1 of the certificate."""
    key, certificate, _ = pkcs12.load_key_and_certificates(
        tenant.deployer.pfx.read_bytes(), tenant.deployer.password.encode()
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    kid = base64.urlsafe_b64encode(hashlib.sha1(der, usedforsecurity=False).digest()).decode()
    now = int(time.time())
    claims = {"aud": tenant.token_endpoint, "iss": seed.DEPLOY_APP_ID, "sub": seed.DEPLOY_APP_ID}
    claims |= {"jti": str(uuid.uuid4()), "nbf": now, "exp": now + 600}
    assertion = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid, "typ": "JWT"})
    response = requests.post(
        tenant.token_endpoint,
        data={
            "grant_type": "client_credentials",
            "client_id": seed.DEPLOY_APP_ID,
            "scope": f"{tenant.graph_resource}/.default",
            "client_assertion": assertion,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def graph(tenant: Tenant) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {deployer_token(tenant)}"
    return session


def test_metadata_names_this_host_for_sign_in_and_graph(tenant) -> None:
    document = requests.get(
        f"https://{tenant.metadata_host}/metadata/endpoints?api-version=2022-09-01", timeout=10
    ).json()
    assert document["authentication"]["loginEndpoint"] == tenant.base_url
    assert document["microsoftGraphResourceId"].rstrip("/") == tenant.graph_resource
    assert document["name"] and document["resourceManager"]


def test_the_deployers_token_carries_its_object_id_and_graph_permissions(tenant) -> None:
    claims = jwt.decode(deployer_token(tenant), options={"verify_signature": False})
    assert claims["oid"] == seed.DEPLOY_SP_ID
    assert claims["aud"] == tenant.graph_resource
    assert set(claims["roles"]) == set(seed.DEPLOY_PERMISSIONS)


def test_owned_by_writes_only_what_the_caller_owns(tenant) -> None:
    session, base = graph(tenant), f"{tenant.base_url}/v1.0"
    bind = [f"{base}/directoryObjects/{seed.DEPLOY_SP_ID}"]
    mine = session.post(
        f"{base}/applications", json={"displayName": "mine", "owners@odata.bind": bind}, timeout=10
    ).json()
    theirs = session.post(f"{base}/applications", json={"displayName": "theirs"}, timeout=10)
    assert theirs.status_code == 201
    patch = {"displayName": "renamed"}
    ok = session.patch(f"{base}/applications/{mine['id']}", json=patch, timeout=10)
    assert (ok.status_code, ok.content) == (204, b"")
    refused = session.patch(f"{base}/applications/{theirs.json()['id']}", json=patch, timeout=10)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "Authorization_RequestDenied"


def test_key_credentials_patch_keeps_sent_back_keys_and_checks_the_end_date(tenant) -> None:
    session, base = graph(tenant), f"{tenant.base_url}/v1.0"
    bind = [f"{base}/directoryObjects/{seed.DEPLOY_SP_ID}"]
    app = session.post(
        f"{base}/applications", json={"displayName": "a", "owners@odata.bind": bind}, timeout=10
    ).json()
    url = f"{base}/applications/{app['id']}"
    first, second = self_signed("first"), self_signed("second", days=30)

    def credential(certificate, end: str | None = None) -> dict:
        pem = certificate.public_bytes(serialization.Encoding.PEM)
        return {
            "keyId": str(uuid.uuid4()),
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
            "key": base64.b64encode(pem).decode(),
            **({"endDateTime": end} if end else {}),
        }

    assert session.patch(url, json={"keyCredentials": [credential(first)]}, timeout=10).ok
    read = session.get(url, timeout=10).json()["keyCredentials"]
    assert read[0]["key"] is None and read[0]["displayName"] == "CN=first"
    der = first.public_bytes(serialization.Encoding.DER)
    assert base64.b64decode(read[0]["customKeyIdentifier"]) == hashlib.sha1(der).digest()
    late = credential(second, end="2099-01-01T00:00:00Z")
    refused = session.patch(url, json={"keyCredentials": [*read, late]}, timeout=10)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "Key credential end date is invalid."
    assert session.patch(url, json={"keyCredentials": [*read, credential(second)]}, timeout=10).ok
    held = tenant.directory.applications[app["appId"]]["keyCredentials"]
    assert [c["displayName"] for c in held] == ["CN=first", "CN=second"]
    assert all(c["key"] for c in held)


def test_what_graph_wrote_is_what_the_token_endpoint_signs_in_with(tenant) -> None:
    """One tenant: the consent and role the provider writes land in the app's token."""
    session, base = graph(tenant), f"{tenant.base_url}/v1.0"
    bind = [f"{base}/directoryObjects/{seed.DEPLOY_SP_ID}"]
    app = session.post(
        f"{base}/applications", json={"displayName": "exo", "owners@odata.bind": bind}, timeout=10
    ).json()
    sp = session.post(
        f"{base}/servicePrincipals",
        json={"appId": app["appId"], "owners@odata.bind": bind},
        timeout=10,
    ).json()
    session.post(
        f"{base}/servicePrincipals/{seed.EXCHANGE_SP_ID}/appRoleAssignedTo",
        json={
            "principalId": sp["id"],
            "resourceId": seed.EXCHANGE_SP_ID,
            "appRoleId": EXCHANGE_MANAGE_AS_APP_ROLE_ID,
        },
        timeout=10,
    ).raise_for_status()
    template = "29232cdf-9323-42fd-ade2-1d097af3e4de"
    session.post(
        f"{base}/roleManagement/directory/roleAssignments",
        json={"principalId": sp["id"], "roleDefinitionId": template, "directoryScopeId": "/"},
        timeout=10,
    ).raise_for_status()
    registered = tenant.apps[app["appId"]]
    assert registered.service_principal_id == sp["id"]
    assert registered.app_roles == {tenant.exchange_resource: {"Exchange.ManageAsApp"}}
    assert registered.directory_roles == {template}

    assert session.delete(f"{base}/servicePrincipals/{sp['id']}", timeout=10).status_code == 204
    assert sp["id"] not in tenant.directory.app_role_assignments
    assert not [a for a in tenant.directory.role_assignments if a["principalId"] == sp["id"]]
    assert session.get(f"{base}/servicePrincipals/{sp['id']}", timeout=10).status_code == 404


def test_injected_failure_hits_the_next_key_credentials_patch_only(tenant) -> None:
    session, base = graph(tenant), f"{tenant.base_url}/v1.0"
    bind = [f"{base}/directoryObjects/{seed.DEPLOY_SP_ID}"]
    app = session.post(
        f"{base}/applications", json={"displayName": "a", "owners@odata.bind": bind}, timeout=10
    ).json()
    injection = tenant.fail_next_key_credentials_patch()
    url = f"{base}/applications/{app['id']}"
    assert session.patch(url, json={"displayName": "b"}, timeout=10).status_code == 204
    assert session.patch(url, json={"keyCredentials": []}, timeout=10).status_code == 400
    assert session.patch(url, json={"keyCredentials": []}, timeout=10).status_code == 204
    assert injection.remaining == 0
    statuses = [(e.method, e.status) for e in tenant.graph_log() if e.method == "PATCH"]
    assert statuses == [("PATCH", 204), ("PATCH", 400), ("PATCH", 204)]
