"""UploadedCertificate: a certificate the user brings, registered as a key credential.

Only the public certificate is ever in config or state; the private key stays
wherever the user keeps it. Dates come from the certificate itself, so they are
known at plan time and never later than its NotAfter.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from components.settings import PublicCertificate
from exocba import naming
from exocba.certs import rfc3339


@dataclass
class UploadedCertificateArgs:
    application_id: pulumi.Input[str]
    certificate: PublicCertificate


class UploadedCertificate(pulumi.ComponentResource):
    credential: azuread.ApplicationCertificate

    def __init__(
        self, name: str, args: UploadedCertificateArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(naming.UPLOADED_CERTIFICATE, name, None, opts)
        certificate = args.certificate
        self.credential = azuread.ApplicationCertificate(
            f"{name}-credential",
            application_id=args.application_id,
            type="AsymmetricX509Cert",
            encoding="pem",
            value=certificate.pem,
            start_date=rfc3339(certificate.not_before),
            end_date=rfc3339(certificate.not_after),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {"thumbprint": certificate.thumbprint, "keyId": self.credential.key_id}
        )
