"""CertificateCredentials: every certificate registered on the app, and which is active.

Two modes, chosen by config:
- generated (default): one AppCertificate per rotation generation the rotation
  ledger asks for; the newest is active and its private key is exported as a secret;
- bring your own (`certificate.publicCertificates`): one UploadedCertificate per
  given certificate; the newest valid one is active; no private key exists here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pulumi

from components.app_certificate import AppCertificate, AppCertificateArgs
from components.settings import PublicCertificate
from components.uploaded_certificate import UploadedCertificate, UploadedCertificateArgs
from exocba import naming
from exocba.certs import common_name, rfc3339
from exocba.rotation import Ledger, generation_name


@dataclass
class CertificateCredentialsArgs:
    application_id: pulumi.Input[str]
    subject: str
    key_size: int
    validity_days: int
    ledger: Ledger | None = None
    """Generations to declare (generated mode)."""
    public_certificates: tuple[PublicCertificate, ...] = ()
    active_public_certificate: PublicCertificate | None = None


class CertificateCredentials(pulumi.ComponentResource):
    """The app's key credentials; exposes the active certificate for scripts."""

    thumbprint: pulumi.Output[str]
    common_name: pulumi.Output[str]
    """The active certificate's CN, which scripts select certificates by."""
    cert_pem: pulumi.Output[str]
    not_before: pulumi.Output[str]
    not_after: pulumi.Output[str]
    private_key_pem: pulumi.Output[str] | None
    private_key_pem_pkcs8: pulumi.Output[str] | None
    certificates: pulumi.Output[list[dict[str, object]]]
    rotation_ledger: pulumi.Output[dict[str, object]] | None
    """The ledger to export (generated mode): resolves once every generation it
    lists has its key credential, so a failed run never records a generation
    that does not exist."""

    def __init__(
        self,
        name: str,
        args: CertificateCredentialsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(naming.CERTIFICATE_CREDENTIALS, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.public_certificates:
            self._uploaded(name, args, child)
        else:
            self._generated(name, args, child)
        self.common_name = self.cert_pem.apply(common_name)
        self.register_outputs(
            {
                "thumbprint": self.thumbprint,
                "certificates": self.certificates,
                # The planned ledger, known even in preview (the exported one waits
                # for the credentials): `exoctl plan` shows the rotation from it.
                "plannedLedger": args.ledger.to_output() if args.ledger else None,
            }
        )

    def _generated(
        self, name: str, args: CertificateCredentialsArgs, child: pulumi.ResourceOptions
    ) -> None:
        if args.ledger is None:
            raise ValueError("generated mode needs a rotation ledger")
        generations: dict[dt.date, AppCertificate] = {
            generation: AppCertificate(
                f"{name}-{generation_name(generation)}",
                AppCertificateArgs(
                    application_id=args.application_id,
                    subject=args.ledger.subject_of(generation, args.subject),
                    key_size=args.key_size,
                    validity_days=args.validity_days,
                ),
                opts=child,
            )
            for generation in args.ledger.generations
        }
        active = generations[args.ledger.active]
        ledger = args.ledger.to_output()
        self.rotation_ledger = pulumi.Output.all(
            *[c.credential.id for c in generations.values()]
        ).apply(lambda _: ledger)
        self.thumbprint = active.thumbprint
        self.cert_pem = active.cert_pem
        self.not_before = active.not_before
        self.not_after = active.not_after
        self.private_key_pem = active.private_key_pem
        self.private_key_pem_pkcs8 = active.private_key_pem_pkcs8
        self.certificates = pulumi.Output.all(
            *[
                pulumi.Output.all(c.thumbprint, c.not_before, c.not_after).apply(
                    lambda values, is_active=(g == args.ledger.active): {
                        "thumbprint": values[0],
                        "notBefore": values[1],
                        "notAfter": values[2],
                        "active": is_active,
                    }
                )
                for g, c in sorted(generations.items())
            ]
        )

    def _uploaded(
        self, name: str, args: CertificateCredentialsArgs, child: pulumi.ResourceOptions
    ) -> None:
        active = args.active_public_certificate
        if active is None:
            raise ValueError("bring-your-own mode needs the active certificate")
        for certificate in args.public_certificates:
            UploadedCertificate(
                f"{name}-{certificate.thumbprint[:12].lower()}",
                UploadedCertificateArgs(
                    application_id=args.application_id, certificate=certificate
                ),
                opts=child,
            )
        self.thumbprint = pulumi.Output.from_input(active.thumbprint)
        self.cert_pem = pulumi.Output.from_input(active.pem)
        self.not_before = pulumi.Output.from_input(rfc3339(active.not_before))
        self.not_after = pulumi.Output.from_input(rfc3339(active.not_after))
        self.private_key_pem = None
        self.private_key_pem_pkcs8 = None
        self.rotation_ledger = None
        self.certificates = pulumi.Output.from_input(
            [
                {
                    "thumbprint": c.thumbprint,
                    "notBefore": rfc3339(c.not_before),
                    "notAfter": rfc3339(c.not_after),
                    "active": c is active,
                }
                for c in sorted(args.public_certificates, key=lambda c: c.not_before)
            ]
        )
