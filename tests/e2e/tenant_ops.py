"""What people do to the tenant outside the stack: the portal edits the scenarios need.

Each edit goes into the stand-in's one Directory, the way Entra would hold it, so the
real provider's refresh and exoctl's Graph reads both see it.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from exocba.exchange_objects import EXCHANGE_URL_VARIABLE
from exocba.wellknown import (
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_ONLINE_APP_ID,
    ROLES_BY_NAME,
)
from tests.fakes import graph as g
from tests.fakes import tenant_seed as seed
from tests.fakes.exchange import ExchangeOnline
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


class EntraPrincipals(Mapping[str, tuple[str, str]]):
    """What Exchange learns from Entra, read live from the Directory: service principal
    object id -> (app id, display name), so the principal the real provider creates is
    known to Exchange (after the stand-in's propagation delay) without a copy step."""

    def __init__(self, tenant: Tenant) -> None:
        self._tenant = tenant

    def _rows(self) -> dict[str, tuple[str, str]]:
        return {
            sp["id"]: (sp["appId"], sp.get("displayName") or "")
            for sp in self._tenant.directory.service_principals.values()
        }

    def __getitem__(self, object_id: str) -> tuple[str, str]:
        return self._rows()[object_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())


def attach_exchange(tenant: Tenant, issuer: str, subject: str) -> ExchangeOnline:
    """Serve Exchange RBAC (tests/fakes/exchange.py) from the tenant's InvokeCommand, and
    give the deployer what docs/exchange-role-groups.md asks of it: Exchange.ManageAsApp
    consented and Exchange Administrator (Organization Management, so Role Management),
    and a federated credential for `issuer`'s `subject`, as a GitHub deploy job has."""
    online = ExchangeOnline(tenant.organization, tenant.tenant_id)
    online.entra = EntraPrincipals(tenant)  # type: ignore[assignment]
    template = ROLES_BY_NAME["exchange administrator"].template_id
    with tenant.lock:
        directory = tenant.directory
        directory.app_role_assignments.setdefault(seed.DEPLOY_SP_ID, []).append(
            {
                **g.app_role_assignment(
                    seed.DEPLOY_SP_ID,
                    seed.EXCHANGE_SP_ID,
                    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
                    "Office 365 Exchange Online",
                ),
                "id": app_role_assignment_id(seed.DEPLOY_SP_ID),
                "principalDisplayName": "exo-cba-pipeline-deploy",
            }
        )
        directory.role_assignments.append(
            {
                **g.role_assignment(seed.DEPLOY_SP_ID, template),
                "id": role_assignment_id(template, seed.DEPLOY_SP_ID),
            }
        )
        directory.federated_credentials.setdefault(seed.DEPLOY_APP_OBJECT_ID, []).append(
            {
                "name": "deploy",
                "issuer": issuer,
                "subject": subject,
                "audiences": [seed.FEDERATION_AUDIENCE],
            }
        )
        tenant.exchange = online
    return online


def deployer_exchange_env(tenant: Tenant, token_file: Path) -> dict[str, str]:
    """The deployer's azure-identity sign-in as a GitHub deploy job has it (workload
    identity: DefaultAzureCredential reads these), beside the certificate the azuread
    provider uses; and Exchange's host for the dynamic provider's REST calls
    (exocba/exchange_objects.py, EXO_CBA_EXCHANGE_URL)."""
    return {
        "AZURE_CLIENT_ID": seed.DEPLOY_APP_ID,
        "AZURE_TENANT_ID": tenant.tenant_id,
        "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
        "AZURE_AUTHORITY_HOST": tenant.base_url,
        EXCHANGE_URL_VARIABLE: tenant.base_url,
    }
