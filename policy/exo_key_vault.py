"""The Key Vault hand-off: readers hold Key Vault Secrets User on the one secret, and the
secret expires with its certificate."""

from __future__ import annotations

import re

from exo_facts import KEY_VAULT_SECRETS_USER_ROLE_ID
from exo_types import AZURE_ROLE_ASSIGNMENT, KEY_VAULT_SECRET
from pulumi_policy import ReportViolation, ResourceValidationArgs

_SECRET_SCOPE = re.compile(
    r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.KeyVault/vaults/[^/]+"
    r"/secrets/[^/]+",
    re.IGNORECASE,
)


def validate_key_vault_readers(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == AZURE_ROLE_ASSIGNMENT:
        scope = str(args.props.get("scope", ""))
        role = str(args.props.get("roleDefinitionId") or args.props.get("roleDefinitionName", ""))
        if not _SECRET_SCOPE.fullmatch(scope):
            report(
                f"{args.name}: scope {scope!r} is wider than one secret; a host that reads "
                "the certificate would read everything under it. Scope the assignment to "
                "{vault id}/secrets/{name}."
            )
        if not (
            role.lower().endswith(KEY_VAULT_SECRETS_USER_ROLE_ID)
            or role == "Key Vault Secrets User"
        ):
            report(
                f"{args.name}: role {role!r} is not Key Vault Secrets User "
                f"({KEY_VAULT_SECRETS_USER_ROLE_ID}). Readers of the certificate need "
                "nothing more."
            )
    elif args.resource_type == KEY_VAULT_SECRET and not args.props.get("expirationDate"):
        report(
            f"{args.name}: the secret has no expiration date. Set it to the certificate's "
            "NotAfter, so a copy of the key cannot outlive the certificate unnoticed."
        )
