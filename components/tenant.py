"""Facts only the tenant knows, read through data sources (never declared)."""

from __future__ import annotations

import pulumi
import pulumi_azuread as azuread


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
