"""ManagedIdentityAccess: Exchange app-only rights for an Azure managed identity.

The identity's service principal belongs to Azure: it is looked up, never declared
(a destroy must not delete it). The component declares exactly the two grants the
stack's own app gets: Exchange.ManageAsApp on the tenant's Office 365 Exchange
Online service principal, and each of the stack's directory roles, tenant-wide.
A managed identity signs in only to its own tenant, so this works for identities
in the Exchange organization's tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.grants import consent, directory_roles
from exocba import naming
from exocba.naming import identity_resource_name as identity_resource_name  # for __main__.py
from exocba.wellknown import (
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_ONLINE_APP_ID,
    DirectoryRole,
)


@dataclass
class ManagedIdentityAccessArgs:
    object_id: str
    """The identity's service principal object id."""
    roles: Sequence[DirectoryRole]


class ManagedIdentityAccess(pulumi.ComponentResource):
    exchange_consent: azuread.AppRoleAssignment
    role_assignments: dict[str, azuread.DirectoryRoleAssignment]

    def __init__(
        self,
        name: str,
        args: ManagedIdentityAccessArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(naming.MANAGED_IDENTITY_ACCESS, name, None, opts)
        self.exchange_consent = consent(
            naming.exchange_consent_name(name),
            self,
            args.object_id,
            EXCHANGE_ONLINE_APP_ID,
            EXCHANGE_MANAGE_AS_APP_ROLE_ID,
        )
        self.role_assignments = directory_roles(name, self, args.object_id, args.roles)
        self.register_outputs({"objectId": args.object_id})
