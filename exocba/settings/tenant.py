"""Which tenant and cloud the stack deploys to: azuread:tenantId, azuread:environment (or
ARM_ENVIRONMENT). exo-cba:organization, the tenant's initial domain in that cloud, is
checked against the cloud in the cross-field pass (exocba/settings/cross.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from exocba.clouds import (
    CLOUDS,
    ENVIRONMENT_VARIABLE,
    Cloud,
    cloud_for_environment,
    environment_values,
    resolve_environment,
)
from exocba.settings.reader import Reader

# Provider keys validated here because the program depends on them.
TENANT_ID_KEY = "azuread:tenantId"
_TENANT_ALLOWED = (
    "the Directory (tenant) ID, a GUID: Microsoft Entra admin center > Overview > Tenant "
    "ID, or `az account show --query tenantId -o tsv`; set it with `pulumi config set "
    "azuread:tenantId <GUID>`"
)


def read_tenant_id(reader: Reader, provider: Mapping[str, str | None]) -> str | None:
    """The stack must name its tenant. The provider would otherwise take ARM_TENANT_ID
    or the tenant of `az login` or the pipeline's sign-in: one workstation serves many
    stacks, each a different tenant, so only the stack's own config counts."""
    value = provider.get(TENANT_ID_KEY)
    if value is None or not value.strip():
        reader.fail(
            TENANT_ID_KEY,
            "is not set; every stack names its tenant, so that a deploy never lands in "
            "whichever tenant `az login`, the pipeline's sign-in or ARM_TENANT_ID holds",
            _TENANT_ALLOWED,
        )
        return None
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        reader.fail(
            TENANT_ID_KEY,
            f"{value!r} is not a tenant id (GUID)",
            f"{_TENANT_ALLOWED}; e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47",
        )
        return None


def read_cloud(reader: Reader, provider: Mapping[str, str | None]) -> Cloud:
    value, source = resolve_environment(
        provider, {ENVIRONMENT_VARIABLE: provider.get(ENVIRONMENT_VARIABLE) or ""}
    )
    cloud = cloud_for_environment(value)
    if cloud is None:
        reader.fail(
            source,
            f"{value!r} is not a cloud the azuread provider knows",
            f"{environment_values()}; unset means global",
        )
        return CLOUDS[0]
    return cloud
