"""FederatedCredentials: pipelines that sign in as the app with their own OIDC token.

One azuread ApplicationFederatedIdentityCredential per configured credential. A
pipeline exchanges its OIDC token for an app token and connects with
`Connect-ExchangeOnline -AccessToken` (module 3.1.0 or later); no certificate or
secret exists anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.settings import FederatedCredential
from exocba import naming

DESCRIPTION = "Managed by Pulumi (exo-cba): a pipeline's Exchange Online access."


@dataclass
class FederatedCredentialsArgs:
    application_id: pulumi.Input[str]
    """Resource id of the application (`/applications/{objectId}`)."""
    credentials: Sequence[FederatedCredential]


class FederatedCredentials(pulumi.ComponentResource):
    credentials: dict[str, azuread.ApplicationFederatedIdentityCredential]

    def __init__(
        self,
        name: str,
        args: FederatedCredentialsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(naming.FEDERATED_CREDENTIALS, name, None, opts)
        self.credentials = {
            credential.name: azuread.ApplicationFederatedIdentityCredential(
                f"{name}-{credential.name}",
                application_id=args.application_id,
                display_name=credential.name,
                description=DESCRIPTION,
                issuer=credential.issuer,
                subject=credential.subject,
                audiences=list(credential.audiences),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for credential in args.credentials
        }
        self.register_outputs({"count": len(self.credentials)})
