"""ExchangeOnlineApp: the app registration, its service principal and both grants.

Critical path of Entra writes: app -> service principal -> (consent, roles). The
two grants Exchange needs are declared side by side so they are written in
parallel: the app role assignment (admin consent for Exchange.ManageAsApp) and one
directory role assignment per configured role. Neither alone is enough:
consent only gives 403, a role only gives 401.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.grants import consent, directory_roles
from exocba import naming
from exocba.wellknown import (
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_ONLINE_APP_ID,
    SIGN_IN_AUDIENCE_SINGLE_TENANT,
    DirectoryRole,
)

NOTES = naming.APP_NOTES


@dataclass
class ExchangeOnlineAppArgs:
    display_name: str
    roles: Sequence[DirectoryRole]
    owners: Sequence[str] = ()
    protect: bool = False
    extra_permission: tuple[str, str] | None = None
    """(resource app id, app role id) consented next to Exchange.ManageAsApp: the
    Security & Compliance permission GCC High and DoD need (exocba/clouds.py)."""


def _role_access(
    resource_app_id: str, role_id: str
) -> azuread.ApplicationRequiredResourceAccessArgs:
    return azuread.ApplicationRequiredResourceAccessArgs(
        resource_app_id=resource_app_id,
        resource_accesses=[
            azuread.ApplicationRequiredResourceAccessResourceAccessArgs(id=role_id, type="Role")
        ],
    )


class ExchangeOnlineApp(pulumi.ComponentResource):
    """A single-tenant app with Exchange.ManageAsApp consented and directory roles assigned."""

    application: azuread.Application
    service_principal: azuread.ServicePrincipal
    exchange_consent: azuread.AppRoleAssignment
    compliance_consent: azuread.AppRoleAssignment | None
    role_assignments: dict[str, azuread.DirectoryRoleAssignment]
    client_id: pulumi.Output[str]
    service_principal_object_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: ExchangeOnlineAppArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(naming.EXCHANGE_ONLINE_APP, name, None, opts)
        owners = list(args.owners) or None
        # protect makes `pulumi destroy` stop at the two objects scripts depend on.
        guarded = pulumi.ResourceOptions(parent=self, protect=args.protect)

        self.application = azuread.Application(
            naming.application_name(name),
            display_name=args.display_name,
            sign_in_audience=SIGN_IN_AUDIENCE_SINGLE_TENANT,
            owners=owners,
            notes=NOTES,
            # Exchange.ManageAsApp, and in GCC High/DoD the Security & Compliance role
            # when a role needs it: no default Graph User.Read, nothing else.
            required_resource_accesses=[
                _role_access(EXCHANGE_ONLINE_APP_ID, EXCHANGE_MANAGE_AS_APP_ROLE_ID),
                *([_role_access(*args.extra_permission)] if args.extra_permission else []),
            ],
            opts=guarded,
        )

        self.service_principal = azuread.ServicePrincipal(
            naming.service_principal_name(name),
            client_id=self.application.client_id,
            owners=owners,
            notes=NOTES,
            opts=guarded,
        )

        self.exchange_consent = consent(
            naming.exchange_consent_name(name),
            self,
            self.service_principal.object_id,
            EXCHANGE_ONLINE_APP_ID,
            EXCHANGE_MANAGE_AS_APP_ROLE_ID,
        )
        self.compliance_consent = (
            consent(
                naming.compliance_consent_name(name),
                self,
                self.service_principal.object_id,
                *args.extra_permission,
            )
            if args.extra_permission
            else None
        )
        self.role_assignments = directory_roles(
            name, self, self.service_principal.object_id, args.roles
        )

        self.client_id = self.application.client_id
        self.service_principal_object_id = self.service_principal.object_id
        self.register_outputs(
            {
                "clientId": self.client_id,
                "applicationObjectId": self.application.object_id,
                "servicePrincipalObjectId": self.service_principal_object_id,
            }
        )
