"""ExchangeRoleGroups: the app's service principal in Exchange and its role group memberships.

Children, in the order Exchange needs them: the Exchange service principal for the app's
Entra service principal (`{name}-sp`); the write scope the stack owns (`{name}-scope`)
and the role group that uses it (`{name}-group`); one membership per role group
(`{name}-member-<group>`), made after both the principal and the group exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi

from components.exchange_rbac_provider import (
    ExchangeServicePrincipal,
    ManagementScope,
    RoleGroup,
    RoleGroupMember,
)
from exocba import naming
from exocba.clouds import Cloud
from exocba.exchange_rbac import ExchangeRoleGroups as RoleGroupsConfig

DESCRIPTION = "Managed by Pulumi (exo-cba): the app's Exchange rights. Change it through the stack."


def group_slug(group: str) -> str:
    """Stable resource-name suffix for a role group, e.g. 'view-only-organization-management'."""
    return re.sub(r"[^a-z0-9]+", "-", group.lower()).strip("-")


@dataclass
class ExchangeRoleGroupsArgs:
    config: RoleGroupsConfig
    cloud: Cloud
    tenant_id: pulumi.Input[str]
    app_id: pulumi.Input[str]
    service_principal_object_id: pulumi.Input[str]
    display_name: str


class ExchangeRoleGroups(pulumi.ComponentResource):
    service_principal: ExchangeServicePrincipal
    scope: ManagementScope | None
    group: RoleGroup | None
    members: dict[str, RoleGroupMember]

    def __init__(
        self, name: str, args: ExchangeRoleGroupsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(naming.EXCHANGE_ROLE_GROUPS, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args.config
        common = {"tenantId": args.tenant_id, "exchangeUrl": args.cloud.exchange_url}
        wait = {"propagationSeconds": config.propagation_seconds}

        self.service_principal = ExchangeServicePrincipal(
            f"{name}-sp",
            {
                **common,
                **wait,
                "appId": args.app_id,
                "objectId": args.service_principal_object_id,
                "displayName": args.display_name,
            },
            child,
        )
        self.scope = None
        self.group = None
        custom = config.custom
        if custom is not None and custom.scope_name:
            self.scope = ManagementScope(
                f"{name}-scope",
                {**common, "name": custom.scope_name, "recipientFilter": custom.scope_filter},
                child,
            )
        if custom is not None:
            self.group = RoleGroup(
                f"{name}-group",
                {
                    **common,
                    "name": custom.name,
                    "roles": sorted(custom.roles, key=str.casefold),
                    # The scope's output, so the group waits for it.
                    "writeScope": self.scope.name if self.scope else "",
                    "description": DESCRIPTION,
                },
                child,
            )
        groups: list[tuple[str, pulumi.Input[str]]] = [(g, g) for g in config.existing]
        if self.group is not None and custom is not None:
            groups.append((custom.name, self.group.name))
        self.members = {
            group: RoleGroupMember(
                f"{name}-member-{group_slug(group)}",
                {
                    **common,
                    **wait,
                    "group": group_input,
                    "memberObjectId": self.service_principal.objectId,
                },
                child,
            )
            for group, group_input in groups
        }
        self.register_outputs(
            {
                "groups": list(config.groups),
                "servicePrincipalIdentity": self.service_principal.identity,
            }
        )


def exchange_role_groups_output(config: RoleGroupsConfig | None) -> dict[str, object] | None:
    """The stack output `exchangeRoleGroups`: what audit and verify compare Exchange with."""
    if config is None:
        return None
    custom = config.custom
    return {
        "groups": list(config.groups),
        "existing": list(config.existing),
        "custom": {
            "name": custom.name,
            "roles": sorted(custom.roles, key=str.casefold),
            "writeScope": custom.scope_name,
            "scopeFilter": custom.scope_filter,
        }
        if custom
        else None,
        "directoryRolesDropped": config.drop_directory_roles,
    }
