"""AppCertificate: an RSA key, a self-signed certificate, and its key credential on the app.

The key and certificate come from pulumi-tls, so every timestamp and every random
byte is made by a provider once and then kept in state: a second run proposes no
change. No PFX is built here; PKCS#12 encryption is salted (see exoctl export-pfx).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread
import pulumi_tls as tls

from exocba import naming
from exocba.certs import thumbprint, whole_seconds

# New-SelfSignedCertificate's defaults (KeyUsage DigitalSignature, KeyEncipherment)
# plus the client-auth EKU; signing the client assertion needs digital_signature.
ALLOWED_USES = ("digital_signature", "key_encipherment", "client_auth")


@dataclass
class AppCertificateArgs:
    application_id: pulumi.Input[str]
    """Resource id of the application (`/applications/{objectId}`)."""
    subject: str
    key_size: int
    validity_days: int


def _once(gate: pulumi.Output[str], value: pulumi.Output[str]) -> pulumi.Output[str]:
    """`value`, resolving only after `gate` has (secretness carries over)."""
    return pulumi.Output.all(gate, value).apply(lambda pair: pair[1])


class AppCertificate(pulumi.ComponentResource):
    """One certificate, registered on the app as an AsymmetricX509Cert key credential."""

    private_key: tls.PrivateKey
    certificate: tls.SelfSignedCert
    credential: azuread.ApplicationCertificate
    cert_pem: pulumi.Output[str]
    private_key_pem: pulumi.Output[str]
    private_key_pem_pkcs8: pulumi.Output[str]
    """The same key as PKCS#8, the only form Key Vault imports (private_key_pem is PKCS#1)."""
    thumbprint: pulumi.Output[str]
    not_before: pulumi.Output[str]
    not_after: pulumi.Output[str]

    def __init__(
        self, name: str, args: AppCertificateArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(naming.APP_CERTIFICATE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.private_key = tls.PrivateKey(
            f"{name}-key", algorithm="RSA", rsa_bits=args.key_size, opts=child
        )
        self.certificate = tls.SelfSignedCert(
            f"{name}-cert",
            private_key_pem=self.private_key.private_key_pem,
            subject=tls.SelfSignedCertSubjectArgs(common_name=args.subject),
            validity_period_hours=args.validity_days * 24,
            allowed_uses=list(ALLOWED_USES),
            opts=child,
        )
        # End date = the certificate's own NotAfter: Entra refuses a later one
        # ("Key credential end date is invalid") and an earlier one wastes validity.
        # pulumi-tls's times carry nanoseconds; the provider sends them as RFC 3339
        # seconds, which is the certificate's NotAfter.
        self.credential = azuread.ApplicationCertificate(
            f"{name}-credential",
            application_id=args.application_id,
            type="AsymmetricX509Cert",
            encoding="pem",
            value=self.certificate.cert_pem,
            start_date=self.certificate.validity_start_time,
            end_date=self.certificate.validity_end_time,
            opts=child,
        )

        # Everything handed out about this generation waits for its key credential:
        # after a failed `pulumi up` the engine keeps the outputs that did resolve,
        # and a certificate Entra does not hold must never be among them.
        registered = self.credential.id
        self.cert_pem = _once(registered, self.certificate.cert_pem)
        # Explicit: the engine marks the provider output secret, but being explicit
        # keeps it secret through every apply that touches it.
        self.private_key_pem = pulumi.Output.secret(
            _once(registered, self.private_key.private_key_pem)
        )
        self.private_key_pem_pkcs8 = pulumi.Output.secret(
            _once(registered, self.private_key.private_key_pem_pkcs8)
        )
        self.thumbprint = self.cert_pem.apply(thumbprint)
        # The certificate's own times (whole seconds), as Entra holds them and as
        # brought certificates report them; pulumi-tls's carry nanoseconds.
        self.not_before = _once(registered, self.certificate.validity_start_time).apply(
            whole_seconds
        )
        self.not_after = _once(registered, self.certificate.validity_end_time).apply(whole_seconds)
        self.register_outputs(
            {
                "thumbprint": self.thumbprint,
                "notBefore": self.not_before,
                "notAfter": self.not_after,
                "keyId": self.credential.key_id,
            }
        )
