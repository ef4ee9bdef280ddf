"""The stack outputs' shapes, from plain values: the program resolves its outputs with
named `Output.all(**kwargs)` and hands them here, so each output's layout is written
once and can be read without tracing lambdas. Pure: no Pulumi import."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from exocba.clouds import Cloud
from exocba.connect import connect_from_key_vault, connect_managed_identity, github_workflow_steps
from exocba.settings.model import FederatedCredential, KeyVault
from exocba.wellknown import DirectoryRole

if TYPE_CHECKING:
    from components.tenant import FoundIdentity


def roles_output(roles: Sequence[DirectoryRole]) -> list[dict[str, str]]:
    return [{"name": r.name, "templateId": r.template_id} for r in roles]


def managed_identities_output(
    identities: Sequence[FoundIdentity], *, organization: str, cloud: Cloud
) -> list[dict[str, str]]:
    return [
        {
            "objectId": i.object_id,
            "clientId": i.client_id,
            "kind": "user-assigned" if i.user_assigned else "system-assigned",
            "connectCommand": connect_managed_identity(
                organization, cloud, i.client_id if i.user_assigned else None
            ),
        }
        for i in identities
    ]


def federated_credentials_output(
    credentials: Sequence[FederatedCredential],
    *,
    app_id: str,
    tenant_id: str,
    organization: str,
    cloud: Cloud,
) -> list[dict[str, object]]:
    return [
        {
            "name": c.name,
            "issuer": c.issuer,
            "subject": c.subject,
            "audiences": list(c.audiences),
            "githubWorkflow": github_workflow_steps(app_id, tenant_id, organization, cloud)
            if c.github
            else None,
        }
        for c in credentials
    ]


def key_vault_output(
    vault: KeyVault,
    *,
    secret_name: str,
    certificate_name: str | None,
    cloud: Cloud,
    app_id: str,
    organization: str,
    common_name: str,
    secret_id: str,
    certificate_secret_id: str | None,
) -> dict[str, object]:
    return {
        "vaultId": vault.id,
        "secretName": secret_name,
        "secretId": secret_id,
        "readers": list(vault.readers),
        "connectScript": connect_from_key_vault(
            app_id, organization, common_name, vault.name, secret_name, cloud
        ),
        # For the Key Vault VM extension's observedCertificates (docs/windows-hosts.md).
        **(
            {"certificateName": certificate_name, "certificateSecretId": certificate_secret_id}
            if certificate_name
            else {}
        ),
    }
