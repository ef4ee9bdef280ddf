"""The deployments scenarios share, made once per session with the real CLI.

`contoso` is the stack most scenarios use; its config is set the two ways the README
shows: flat keys (`pulumi config set exo-cba:certificate.keySize 2048`) and objects
(`pulumi config set --path exo-cba:certificate.validityDays 365`, `roles[0]`).
The deployer (the pipeline's service principal) is an owner, as the README requires
with Application.ReadWrite.OwnedBy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.e2e.stacks import Stack
from tests.fakes import tenant_seed as seed

if TYPE_CHECKING:
    from tests.e2e.conftest import E2E

MAIN_PROJECT = "main"
DISPLAY_NAME = "Exchange Online automation (e2e)"
ROLES = ("Exchange Administrator", "Global Reader")

# (key, value, --path): both forms, as a person following the README types them.
CONTOSO_CONFIG: tuple[tuple[str, str, bool], ...] = (
    ("azuread:tenantId", seed.TENANT_ID, False),
    ("exo-cba:displayName", DISPLAY_NAME, False),
    ("exo-cba:roles[0]", ROLES[0], True),
    ("exo-cba:roles[1]", ROLES[1], True),
    ("exo-cba:owners[0]", seed.DEPLOY_SP_ID, True),
    ("exo-cba:certificate.keySize", "2048", False),
    ("exo-cba:certificate.validityDays", "365", True),
    ("exo-cba:certificate.rotationDays", "30", True),
)
FABRIKAM_CONFIG: tuple[tuple[str, str, bool], ...] = (
    ("azuread:tenantId", seed.TENANT_ID, False),
    ("exo-cba:displayName", "Exchange Online automation (fabrikam)", False),
    ("exo-cba:owners[0]", seed.DEPLOY_SP_ID, True),
    ("exo-cba:certificate.rotationDays", "30", False),
)


def configure(stack: Stack, config: tuple[tuple[str, str, bool], ...]) -> None:
    stack.init()
    for key, value, path in config:
        stack.config(key, value, path=path)


def deployed(e2e: E2E, name: str = "contoso") -> Stack:
    """The stack, deployed (once per session): the first-deploy scenario's record is
    `stack.deployment`: the preview and up runs, the tenant before and after, outputs."""
    stack = e2e.stack(MAIN_PROJECT, name)
    if stack.deployment is None:
        configure(stack, CONTOSO_CONFIG if name == "contoso" else FABRIKAM_CONFIG)
        preview = stack.preview()
        before = e2e.tenant.snapshot()
        up = stack.up()
        stack.deployment = {
            "preview": preview,
            "up": up,
            "before": before,
            "after": e2e.tenant.snapshot(),
            "outputs": stack.outputs(),
        }
    return stack


def made_by(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Objects in `after` that `before` did not hold, per Directory table."""
    return {
        "applications": {
            k: v for k, v in after["applications"].items() if k not in before["applications"]
        },
        "service_principals": {
            k: v
            for k, v in after["service_principals"].items()
            if k not in before["service_principals"]
        },
        "app_role_assignments": [
            g
            for grants in after["app_role_assignments"].values()
            for g in grants
            if g not in [x for xs in before["app_role_assignments"].values() for x in xs]
        ],
        "role_assignments": [
            a for a in after["role_assignments"] if a not in before["role_assignments"]
        ],
    }
