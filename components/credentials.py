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
from components.settings import PublicCertificate, active_public_certificate
from components.uploaded_certificate import UploadedCertificate, UploadedCertificateArgs
from exocba import naming
from exocba.certs import common_name, rfc3339, stack_common_name
from exocba.rotation import Ledger, generation_name, plan_generations


@dataclass
class CertificateCredentialsArgs:
    application_id: pulumi.Input[str]
    subject: str
    """certificate.subject, or the legacy subject (Settings.subject)."""
    key_size: int
    validity_days: int
    now: dt.datetime
    """The rotation clock: which generation, or which brought certificate, is active."""
    stack: str
    rotation_days: int
    tenant_id: str | None = None
    subject_is_explicit: bool = False
    previous_ledger: Ledger | None = None
    """The ledger the last finished run exported (generated mode)."""
    public_certificates: tuple[PublicCertificate, ...] = ()
    """Brought certificates (bring-your-own mode); none means generated mode."""

    def new_generation_subject(self) -> str:
        """An explicit certificate.subject, else the name every generation of this stack
        and tenant shares, which scripts select certificates by."""
        if self.subject_is_explicit:
            return self.subject
        return stack_common_name(self.stack, self.tenant_id)

    def planned_ledger(self) -> Ledger:
        return plan_generations(
            self.previous_ledger,
            self.now,
            self.rotation_days,
            subject=self.new_generation_subject(),
            legacy_subject=self.subject,
        )


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
        ledger = None
        if args.public_certificates:
            self._uploaded(name, args, child)
        else:
            ledger = args.planned_ledger()
            self._generated(name, args, ledger, child)
        self.common_name = self.cert_pem.apply(common_name)
        self.register_outputs(
            {
                "thumbprint": self.thumbprint,
                "certificates": self.certificates,
                # The planned ledger, known even in preview (the exported one waits
                # for the credentials): `exoctl plan` shows the rotation from it.
                "plannedLedger": ledger.to_output() if ledger else None,
            }
        )

    def _generated(
        self,
        name: str,
        args: CertificateCredentialsArgs,
        planned: Ledger,
        child: pulumi.ResourceOptions,
    ) -> None:
        generations: dict[dt.date, AppCertificate] = {
            generation: AppCertificate(
                f"{name}-{generation_name(generation)}",
                AppCertificateArgs(
                    application_id=args.application_id,
                    subject=planned.subject_of(generation, args.subject),
                    key_size=args.key_size,
                    validity_days=args.validity_days,
                ),
                opts=child,
            )
            for generation in planned.generations
        }
        active = generations[planned.active]
        ledger = planned.to_output()
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
                    lambda values, is_active=(g == planned.active): {
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
        active = active_public_certificate(args.public_certificates, args.now)
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
