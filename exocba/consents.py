"""Which app roles the stack consents for its app: written once, for the program (what it
grants), `exoctl audit` (what it expects) and `exoctl adopt` (what it carries over).

Always Exchange.ManageAsApp on Office 365 Exchange Online. In GCC High and DoD, where
Security & Compliance PowerShell needs its own app role (exocba/clouds.py), also that
role, but only when one of the stack's directory roles can run those cmdlets.
"""

from __future__ import annotations

from collections.abc import Iterable

from exocba.clouds import Cloud
from exocba.wellknown import (
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_ONLINE_APP_ID,
    DirectoryRole,
)

# (resource app id, app role id)
Consent = tuple[str, str]

MANAGE_AS_APP: Consent = (EXCHANGE_ONLINE_APP_ID, EXCHANGE_MANAGE_AS_APP_ROLE_ID)


def compliance_consent(cloud: Cloud, roles: Iterable[DirectoryRole | None]) -> Consent | None:
    """The Security & Compliance app role the stack consents, or None (not this cloud, or
    no role that runs those cmdlets). An unknown role (None) runs none."""
    permission = cloud.security_compliance_permission
    if permission and any(role is not None and role.security_compliance for role in roles):
        return permission
    return None


def stack_consents(cloud: Cloud, roles: Iterable[DirectoryRole | None]) -> set[Consent]:
    """Every app role the stack consents for its app."""
    extra = compliance_consent(cloud, roles)
    return {MANAGE_AS_APP, *([extra] if extra else [])}
