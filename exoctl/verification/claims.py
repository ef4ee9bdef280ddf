"""The claims step: `roles` must hold Exchange.ManageAsApp; `wids` should hold the
assigned directory roles."""

from __future__ import annotations

from typing import Any

from exoctl.verification.result import Verification

MANAGE_AS_APP = "Exchange.ManageAsApp"


def check_wids(result: Verification, claims: dict[str, Any], expected_roles: list[str]) -> None:
    """`wids` against the roles the stack assigns, ids compared case-insensitively."""
    if not expected_roles:
        result.add(
            "claims",
            "pass",
            f"{MANAGE_AS_APP} present; no directory roles to compare wids with (pass --role, "
            "or use --stack)",
        )
        return
    wids = {str(w).lower() for w in claims.get("wids") or []}
    missing = [role for role in expected_roles if role.lower() not in wids]
    if missing:
        result.add(
            "claims",
            "warn",
            f"{MANAGE_AS_APP} present; wids lacks {', '.join(missing)}: the directory role is "
            "not (yet) in the token. Fine if an Exchange role group grants the rights instead.",
        )
    else:
        result.add(
            "claims",
            "pass",
            f"{MANAGE_AS_APP} present; wids hold the assigned roles ({len(expected_roles)})",
        )


def check_manage_as_app(result: Verification, claims: dict[str, Any]) -> bool:
    """Whether the token holds Exchange.ManageAsApp; without it no Exchange call can work."""
    roles = claims.get("roles") or []
    if MANAGE_AS_APP in roles:
        return True
    result.add(
        "claims",
        "fail",
        f"the token has no {MANAGE_AS_APP} role (roles: {', '.join(roles) or 'none'}): admin "
        "consent is missing; run `pulumi up` (AppRoleAssignment exo-exchange-consent). A "
        "grant made after a token was issued needs a new token.",
    )
    result.add("exchange", "skipped", "the token lacks Exchange.ManageAsApp")
    return False
