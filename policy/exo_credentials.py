"""How the app signs in: no client secrets; RSA keys of at least 2048 bits; certificates
valid no longer than the policy config allows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from exo_types import (
    APPLICATION,
    APPLICATION_CERTIFICATE,
    APPLICATION_PASSWORD,
    SERVICE_PRINCIPAL_PASSWORD,
    TLS_PRIVATE_KEY,
    TLS_SELF_SIGNED_CERT,
    config,
)
from pulumi_policy import ReportViolation, ResourceValidationArgs

MIN_RSA_BITS = 2048
DEFAULT_MAX_VALIDITY_DAYS = 730


def validate_no_client_secrets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type in (APPLICATION_PASSWORD, SERVICE_PRINCIPAL_PASSWORD):
        report(
            f"{args.name}: client secrets are not allowed on this app. Sign in with a "
            "certificate (azuread.ApplicationCertificate) and remove the password resource."
        )
    elif args.resource_type == APPLICATION and args.props.get("password"):
        report(
            f"{args.name}: the application declares a password block. Remove it and use a "
            "certificate (azuread.ApplicationCertificate) instead."
        )


def _pem_certificate(value: Any) -> Any:
    if not isinstance(value, str) or "BEGIN CERTIFICATE" not in value:
        return None
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(value.encode())
    except ValueError:
        return None


def validate_rsa_keys(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == TLS_PRIVATE_KEY:
        algorithm = args.props.get("algorithm")
        if algorithm != "RSA":
            report(
                f"{args.name}: {algorithm} keys cannot sign in to Exchange Online app-only. "
                f"Use algorithm RSA with rsaBits of at least {MIN_RSA_BITS}."
            )
            return
        bits = int(args.props.get("rsaBits") or MIN_RSA_BITS)  # the provider defaults to 2048
        if bits < MIN_RSA_BITS:
            report(f"{args.name}: {bits}-bit RSA is too weak. Use rsaBits {MIN_RSA_BITS} or more.")
    elif args.resource_type == APPLICATION_CERTIFICATE:
        from cryptography.hazmat.primitives.asymmetric import rsa

        certificate = _pem_certificate(args.props.get("value"))
        if certificate is None:
            return  # unknown until apply, or DER/base64: checked where the key is made
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            report(f"{args.name}: the certificate's key is not RSA; register an RSA certificate.")
        elif key.key_size < MIN_RSA_BITS:
            report(
                f"{args.name}: the certificate has a {key.key_size}-bit key; register one "
                f"of at least {MIN_RSA_BITS} bits."
            )


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def validate_certificate_lifetime(args: ResourceValidationArgs, report: ReportViolation) -> None:
    max_days = int(config(args, "maxValidityDays", DEFAULT_MAX_VALIDITY_DAYS))
    advice = f"Use at most {max_days} days and let the stack rotate (certificate.rotationDays)."
    if args.resource_type == TLS_SELF_SIGNED_CERT:
        hours = args.props.get("validityPeriodHours")
        if isinstance(hours, (int, float)) and hours > max_days * 24:
            report(f"{args.name}: the certificate is valid for {int(hours) // 24} days. {advice}")
    elif args.resource_type == APPLICATION_CERTIFICATE:
        start = _parse_time(args.props.get("startDate"))
        end = _parse_time(args.props.get("endDate"))
        certificate = _pem_certificate(args.props.get("value"))
        if certificate is not None:
            start = start or certificate.not_valid_before_utc
            end = end or certificate.not_valid_after_utc
        if start and end and (end - start).days > max_days:
            report(f"{args.name}: the credential is valid for {(end - start).days} days. {advice}")
