"""What a tenant holds before exo-cba touches it: Microsoft's service principals, the
pipeline's own apps, an administrator, the domains.

The service principals of Office 365 Exchange Online and Microsoft Graph belong to
Microsoft (appOwnerOrganizationId is Microsoft's tenant) and have per-tenant object
ids; their app roles carry Microsoft's ids (exocba/wellknown.py,
graph_permissions.py). The deploy and read apps are the README's pipeline apps
("Azure sign-in without secrets"), with the Graph permissions the README lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from exocba.wellknown import (
    EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID,
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_MANAGE_AS_APP_ROLE_NAME,
    EXCHANGE_ONLINE_APP_ID,
    MICROSOFT_GRAPH_APP_ID,
)
from tests.fakes import graph as g
from tests.fakes.graph_permissions import (
    APP_ROLE_ASSIGNMENT_READWRITE_ALL,
    APPLICATION_READ_ALL,
    APPLICATION_READWRITE_OWNED_BY,
    DOMAIN_READ_ALL,
    GRAPH_APP_ROLE_IDS,
    ROLE_MANAGEMENT_READ_DIRECTORY,
    ROLE_MANAGEMENT_READWRITE_DIRECTORY,
)

TENANT_ID = "4b7e9f2a-6c1d-4e8b-9a35-0d2c7f1e6b90"
INITIAL_DOMAIN = "contoso.onmicrosoft.com"
# Microsoft's own tenant, appOwnerOrganizationId of first-party service principals.
# Source: Microsoft Learn, "Verify first-party Microsoft applications in sign-in reports".
MICROSOFT_TENANT_ID = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"

EXCHANGE_SP_ID = "7f0c8f4e-2b9a-4d7e-8c31-5e6a9b2d1c40"
GRAPH_SP_ID = "a3d5c1e7-9b4f-4a2e-8d60-1f7c3b9e5a28"
ADMIN_USER_ID = "c6e2a9d4-1f3b-4c7a-9e58-2b0d6f4a8c13"

DEPLOY_APP_ID = "0d4f6b8a-3c2e-4a91-b7d5-9e1f2a6c8b34"
DEPLOY_APP_OBJECT_ID = "5e9a1c3f-7b2d-4e6a-8f40-3c1b9d7e2a56"
DEPLOY_SP_ID = "8b2e4d6f-1a3c-4b5e-9d70-6f2a8c4e1b93"
READ_APP_ID = "2a6c8e0b-4d1f-4c3a-a5e7-8b9d0f2c4e61"
READ_APP_OBJECT_ID = "9c1e3a5b-6d8f-4a2c-b4e6-7d9f1b3a5c82"
READ_SP_ID = "3f5b7d9e-2c4a-4e6b-8a1c-5e7f9b1d3a74"
FEDERATION_AUDIENCE = "api://AzureADTokenExchange"

DEPLOY_PERMISSIONS = (
    APPLICATION_READWRITE_OWNED_BY,
    APP_ROLE_ASSIGNMENT_READWRITE_ALL,
    APPLICATION_READ_ALL,
    DOMAIN_READ_ALL,
    ROLE_MANAGEMENT_READWRITE_DIRECTORY,
)
READ_PERMISSIONS = (APPLICATION_READ_ALL, DOMAIN_READ_ALL, ROLE_MANAGEMENT_READ_DIRECTORY)


def _app_role(role_id: str, value: str) -> dict[str, Any]:
    return {
        "allowedMemberTypes": ["Application"],
        "description": value,
        "displayName": value,
        "id": role_id,
        "isEnabled": True,
        "origin": "Application",
        "value": value,
    }


def microsoft_service_principals() -> dict[str, dict[str, Any]]:
    return {
        EXCHANGE_ONLINE_APP_ID: g.service_principal(
            EXCHANGE_SP_ID,
            EXCHANGE_ONLINE_APP_ID,
            MICROSOFT_TENANT_ID,
            displayName="Office 365 Exchange Online",
            appDisplayName="Office 365 Exchange Online",
            signInAudience="AzureADMultipleOrgs",
            appRoles=[
                _app_role(EXCHANGE_MANAGE_AS_APP_ROLE_ID, EXCHANGE_MANAGE_AS_APP_ROLE_NAME),
                _app_role(EXCHANGE_FULL_ACCESS_AS_APP_ROLE_ID, "full_access_as_app"),
            ],
        ),
        MICROSOFT_GRAPH_APP_ID: g.service_principal(
            GRAPH_SP_ID,
            MICROSOFT_GRAPH_APP_ID,
            MICROSOFT_TENANT_ID,
            displayName="Microsoft Graph",
            appDisplayName="Microsoft Graph",
            signInAudience="AzureADMultipleOrgs",
            appRoles=[_app_role(i, name) for name, i in GRAPH_APP_ROLE_IDS.items()],
        ),
    }


@dataclass(frozen=True)
class DeployerCertificate:
    pfx: Path
    password: str
    pem: bytes


def deployer_certificate(directory: Path, password: str) -> DeployerCertificate:
    """The pipeline's sign-in certificate, as a PFX the provider reads
    (azuread:clientCertificatePath), mode 0600."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "exo-cba-pipeline-deploy")])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"exo-cba-pipeline-deploy",
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(password.encode()),
    )
    path = directory / "deployer.pfx"
    path.touch(mode=0o600)
    path.write_bytes(data)
    return DeployerCertificate(path, password, certificate.public_bytes(serialization.Encoding.PEM))


def grant(principal_id: str, name: str, resource_id: str, role_id: str, resource: str) -> dict:
    return {
        **g.app_role_assignment(principal_id, resource_id, role_id, resource),
        "id": f"seed-{principal_id[:8]}-{role_id[:8]}",
        "principalDisplayName": name,
    }


def pipeline_app(
    object_id: str, app_id: str, sp_id: str, name: str, key_credentials: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    app = g.application(
        object_id,
        app_id,
        displayName=name,
        publisherDomain=INITIAL_DOMAIN,
        keyCredentials=key_credentials,
        notes="The pipeline's sign-in (docs/pipelines.md, 'Azure sign-in without secrets').",
    )
    sp = g.service_principal(
        sp_id,
        app_id,
        TENANT_ID,
        displayName=name,
        appDisplayName=name,
        servicePrincipalNames=[app_id],
    )
    return app, sp


ADMIN_USER = {
    "id": ADMIN_USER_ID,
    "displayName": "Adele Vance",
    "userPrincipalName": "AdeleV@contoso.onmicrosoft.com",
}
DOMAINS = [g.domain(INITIAL_DOMAIN, True), g.domain("contoso.com", False)]
