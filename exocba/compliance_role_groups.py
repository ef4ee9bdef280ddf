"""The role groups of Security & Compliance (Microsoft Purview), which exo-cba does not manage.

Exchange Online and Security & Compliance keep separate role groups: "Exchange role groups
and Security & Compliance Center role groups don't share membership or permissions. While
both have an Organization Management role group, they aren't the same". Their groups are
reached through Connect-IPPSSession, not the Exchange Online admin endpoint the stack's
provider calls, so a name from this list in exchangeRoleGroups.existing can only fail at
`pulumi up` (Exchange Online answers that the group does not exist). Pure: no Pulumi.
"""

from __future__ import annotations

# Source: Microsoft Learn, "Permissions in the Security & Compliance Center"
# (MicrosoftDocs/microsoft-365-docs, microsoft-365/security/office-365-security/
# permissions-in-the-security-and-compliance-center.md at
# 00be05c0d9aac3cd3abd614c491807e4e0483994): every role group of its "Role group" table.
SECURITY_COMPLIANCE_ROLE_GROUPS: tuple[str, ...] = (
    "Communication Compliance",
    "Communication Compliance Administrators",
    "Communication Compliance Analysts",
    "Communication Compliance Investigators",
    "Communication Compliance Viewers",
    "Compliance Administrator",
    "Compliance Data Administrator",
    "Compliance Manager Administrators",
    "Compliance Manager Assessors",
    "Compliance Manager Contributors",
    "Compliance Manager Readers",
    "Content Explorer Content Viewer",
    "Content Explorer List Viewer",
    "eDiscovery Manager",
    "Global Reader",
    "Insider Risk Management",
    "Insider Risk Management Admins",
    "Insider Risk Management Analysts",
    "Insider Risk Management Auditors",
    "Insider Risk Management Investigators",
    "IRM Contributors",
    "MailFlow Administrator",
    "Organization Management",
    "Quarantine Administrator",
    "Records Management",
    "Reviewer",
    "Security Administrator",
    "Security Operator",
    "Security Reader",
    "Service Assurance User",
    "Supervisory Review",
)


def only_in_security_compliance(exchange_online: tuple[str, ...]) -> dict[str, str]:
    """Folded name -> name of the groups that exist in Security & Compliance alone: those
    Exchange Online has too (Organization Management, Records Management, Security
    Administrator, Security Reader) are Exchange Online groups as well."""
    ours = {group.casefold() for group in exchange_online}
    return {
        group.casefold(): group
        for group in SECURITY_COMPLIANCE_ROLE_GROUPS
        if group.casefold() not in ours
    }
