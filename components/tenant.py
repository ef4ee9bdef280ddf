"""Facts only the tenant knows, read through data sources (never declared)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.settings import ManagedIdentity
from exocba.wellknown import MANAGED_IDENTITY_TYPE


def tenant_id() -> pulumi.Output[str]:
    return azuread.get_client_config_output().tenant_id


def initial_domain() -> pulumi.Output[str]:
    """The tenant's initial *.onmicrosoft.com domain, the -Organization scripts use."""

    def pick(result: azuread.GetDomainsResult) -> str:
        if not result.domains:
            raise pulumi.RunError(
                "the directory returned no initial domain; set exo-cba:organization "
                "to the tenant's *.onmicrosoft.com domain"
            )
        return result.domains[0].domain_name

    return azuread.get_domains_output(only_initial=True).apply(pick)


@dataclass(frozen=True)
class FoundIdentity:
    object_id: str
    client_id: str
    """The identity's application id: -ManagedIdentityAccountId of a user-assigned one."""
    user_assigned: bool
    display_name: str


def managed_identities(identities: Sequence[ManagedIdentity]) -> list[FoundIdentity]:
    """Look each identity up before anything is declared; refuse what is not one.

    A synchronous data-source read, so a wrong object id (or the stack's own app, whose
    service principal is of type Application) stops the run before any grant exists.
    """
    found: list[FoundIdentity] = []
    problems: list[str] = []
    for identity in identities:
        try:
            result = azuread.get_service_principal(object_id=identity.object_id)
        except Exception as error:
            problems.append(
                f"{identity.key}: {identity.object_id} cannot be read from the directory "
                f"({' '.join(str(error).split())}); allowed: object ids of managed identities' "
                "service principals in this tenant (Enterprise applications, type Managed "
                "Identity)"
            )
            continue
        if result.type != MANAGED_IDENTITY_TYPE:
            problems.append(
                f"{identity.key}: {identity.object_id} ({result.display_name}) is a service "
                f"principal of type {result.type}, not a managed identity; allowed: object ids "
                "of managed identities' service principals (the app of this stack has its own "
                "grants already)"
            )
            continue
        found.append(
            FoundIdentity(
                identity.object_id, result.client_id, identity.user_assigned, result.display_name
            )
        )
    if problems:
        from components.settings import ConfigError

        raise ConfigError(problems)
    return found
