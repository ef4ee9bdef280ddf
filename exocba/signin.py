"""The one Azure sign-in: the person's or pipeline's own (az login, a pipeline's OIDC
federation or certificate, a managed identity), through azure-identity.

Every caller asks this module for it at call time (`signin.make_credential()`), so the
Microsoft Graph reads of `exoctl audit`, `adopt` and `verify --key-vault` and the
deployer's Exchange token of the role-group provider (exocba/exchange_rest.py) share
one seam: tests replace `make_credential` here, once.
"""

from __future__ import annotations

from typing import Any


def make_credential() -> Any:
    # Imported here: azure-identity is slow to import and most commands never sign in.
    from azure.identity import DefaultAzureCredential

    # Unattended: never open a browser and wait for a person.
    return DefaultAzureCredential(exclude_interactive_browser_credential=True)
