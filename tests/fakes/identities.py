"""Stacks that grant managed identities, shared by the component tests and the policy
pack's tests: a tenant whose directory holds two identities and an ordinary app."""

from __future__ import annotations

import json

from tests.conftest import EntraMocks, run_stack

SYSTEM = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
USER = "6fa459ea-ee8a-4ca4-894e-db77e160355e"
USER_CLIENT = "bf6dcc76-4331-4942-8d50-87ea41d6e8a1"
CONSENT = "azuread:index/appRoleAssignment:AppRoleAssignment"
ROLE = "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment"
MANAGE_AS_APP = "dc50a0fb-09a3-484d-be87-e023b12c6440"
ROLES = ["Exchange Administrator", "Global Reader"]
TEMPLATES = {"29232cdf-9323-42fd-ade2-1d097af3e4de", "f2ef992c-3afb-46b9-b7cf-a126ee74c451"}


def tenant() -> EntraMocks:
    return EntraMocks(
        principals={
            SYSTEM: ("a1b2c3d4-0000-4000-8000-000000000001", "ManagedIdentity", "runbook-account"),
            USER: (USER_CLIENT, "ManagedIdentity", "exo-scripts-identity"),
            "0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9": (
                "c0ffee00-0000-4000-8000-0000000000aa",
                "Application",
                "an app",
            ),
        }
    )


def with_identities(**config: str):
    mocks = tenant()
    run = run_stack(
        {
            "roles": json.dumps(ROLES),
            "managedIdentities": json.dumps([SYSTEM]),
            "userAssignedIdentities": json.dumps([USER]),
            **config,
        },
        mocks=mocks,
    )
    return run, mocks
