"""What people do to the tenant outside the stack: the portal edits the scenarios need.

Each edit goes into the stand-in's one Directory, the way Entra would hold it, so the
real provider's refresh and exoctl's Graph reads both see it.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import uuid
from dataclasses import fields
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from exocba.wellknown import (
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_ONLINE_APP_ID,
    ROLES_BY_NAME,
)
from tests.fakes import graph as g
from tests.fakes import tenant_seed as seed
from tests.fakes.graph_keys import (
    app_role_assignment_id,
    merge_key_credentials,
    role_assignment_id,
)
from tests.fakes.tenant import Tenant


def restore(tenant: Tenant, snapshot: dict[str, Any]) -> None:
    """Put the Directory back as `snapshot` (Tenant.snapshot) had it."""
    with tenant.lock:
        for field in fields(tenant.directory):
            setattr(tenant.directory, field.name, copy.deepcopy(snapshot[field.name]))


def application(tenant: Tenant, app_id: str) -> dict[str, Any]:
    return tenant.directory.applications[app_id]


def rename_application(tenant: Tenant, app_id: str, name: str) -> None:
    with tenant.lock:
        application(tenant, app_id)["displayName"] = name


def remove_role_assignment(tenant: Tenant, principal_id: str, role: str) -> dict[str, Any]:
    template = ROLES_BY_NAME[role.casefold()].template_id
    with tenant.lock:
        (found,) = [
            a
            for a in tenant.directory.role_assignments
            if a["principalId"] == principal_id and a["roleDefinitionId"] == template
        ]
        tenant.directory.role_assignments.remove(found)
    return found


def self_signed(name: str, days: int = 365) -> x509.Certificate:
    """A certificate as New-SelfSignedCertificate makes one (RSA 2048, client auth)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )


def hand_made_app(
    tenant: Tenant, name: str, role: str = "Exchange Administrator"
) -> dict[str, str]:
    """The README's portal walkthrough: an app with Exchange.ManageAsApp consented, a
    directory role, a certificate uploaded, and the pipeline as owner (so that
    Application.ReadWrite.OwnedBy may manage it once adopted). Returns the ids."""
    app_id, object_id, sp_id = (str(uuid.uuid4()) for _ in range(3))
    certificate = self_signed(name)
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    app = g.application(
        object_id,
        app_id,
        displayName=name,
        publisherDomain=seed.INITIAL_DOMAIN,
        notes=None,
        keyCredentials=merge_key_credentials(
            [],
            [
                {
                    "type": "AsymmetricX509Cert",
                    "usage": "Verify",
                    "key": base64.b64encode(pem).decode(),
                }
            ],
        ),
        requiredResourceAccess=[
            {
                "resourceAppId": EXCHANGE_ONLINE_APP_ID,
                "resourceAccess": [{"id": EXCHANGE_MANAGE_AS_APP_ROLE_ID, "type": "Role"}],
            }
        ],
    )
    sp = g.service_principal(
        sp_id,
        app_id,
        seed.TENANT_ID,
        displayName=name,
        appDisplayName=name,
        servicePrincipalNames=[app_id],
    )
    template = ROLES_BY_NAME[role.casefold()].template_id
    with tenant.lock:
        directory = tenant.directory
        directory.applications[app_id] = app
        directory.service_principals[app_id] = sp
        directory.owners[object_id] = [seed.DEPLOY_SP_ID, seed.ADMIN_USER_ID]
        directory.owners[sp_id] = [seed.DEPLOY_SP_ID]
        directory.app_role_assignments[sp_id] = [
            {
                **g.app_role_assignment(
                    sp_id,
                    seed.EXCHANGE_SP_ID,
                    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
                    "Office 365 Exchange Online",
                ),
                "id": app_role_assignment_id(sp_id),
                "principalDisplayName": name,
            }
        ]
        directory.role_assignments.append(
            {**g.role_assignment(sp_id, template), "id": role_assignment_id(template, sp_id)}
        )
    return {"appId": app_id, "objectId": object_id, "spId": sp_id}
