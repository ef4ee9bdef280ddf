"""exo-cba:certificate.*: lifetime, key size, subject, brought certificates; and
exo-cba:adoptedCertificates, thumbprints of hand-made ones. The rotation period is
checked against the lifetime, and an unset subject comes from displayName, in the
cross-field pass (exocba/settings/cross.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from exocba.certs import load_pem_certificate, thumbprint
from exocba.rotation import OVERLAP_FACTOR
from exocba.settings.model import PublicCertificate
from exocba.settings.reader import Reader

ALLOWED_KEY_SIZES = (2048, 3072, 4096)
# Beyond ten years a certificate is a standing credential, not a rotated one.
MAX_VALIDITY_DAYS = 3650
# X.509 limits a CN to 64 characters (RFC 5280 ub-common-name).
MAX_COMMON_NAME_LENGTH = 64
MIN_RSA_BITS = 2048
VALIDITY_ALLOWED = (
    f"a whole number of days from {OVERLAP_FACTOR} to {MAX_VALIDITY_DAYS} (a certificate "
    f"must outlive {OVERLAP_FACTOR} rotation periods of at least a day)"
)


def validity_days(reader: Reader) -> int:
    days = reader.integer("certificate.validityDays", VALIDITY_ALLOWED)
    if not 1 <= days <= MAX_VALIDITY_DAYS:
        reader.fail("certificate.validityDays", f"{days} is out of range", VALIDITY_ALLOWED)
    elif days < OVERLAP_FACTOR:
        reader.fail(
            "certificate.validityDays",
            f"{days} days leaves no room for rotation",
            VALIDITY_ALLOWED,
        )
    return days


def key_size(reader: Reader) -> int:
    sizes = ", ".join(str(size) for size in ALLOWED_KEY_SIZES)
    bits = reader.integer("certificate.keySize", sizes)
    if bits not in ALLOWED_KEY_SIZES:
        reader.fail("certificate.keySize", f"{bits} bits is not offered", sizes)
    return bits


def subject(reader: Reader) -> str | None:
    """certificate.subject as set; unset, the cross-field pass derives it from displayName."""
    explicit = reader.string("certificate.subject")
    if explicit is None:
        return None
    return reader.bounded_text("certificate.subject", explicit, MAX_COMMON_NAME_LENGTH)


def thumbprint_list(reader: Reader, name: str) -> tuple[str, ...]:
    allowed = "an array of certificate thumbprints (40 hex digits, SHA-1), each once"
    entries = reader.string_list(name, allowed)
    found: list[str] = []
    for entry in entries or []:
        text = entry.strip().replace(":", "").upper()
        if not re.fullmatch(r"[0-9A-F]{40}", text):
            reader.fail(name, f"{entry!r} is not a certificate thumbprint", allowed)
        elif text in found:
            reader.fail(name, f"{text} is listed twice", allowed)
        else:
            found.append(text)
    return tuple(found)


PUBLIC_CERTIFICATES = "certificate.publicCertificates"
_PUBLIC_ALLOWED = (
    "PEM certificates (inline, or file paths relative to the project), RSA of at "
    f"least {MIN_RSA_BITS} bits, not expired, no private keys, each once"
)


def _read_public_certificate(
    reader: Reader, index: int, entry: str, now: dt.datetime, base_dir: Path
) -> PublicCertificate | None:
    def fail(what: str) -> None:
        reader.fail(PUBLIC_CERTIFICATES, f"entry {index + 1} ({source}) {what}", _PUBLIC_ALLOWED)

    if "-----BEGIN" in entry:
        source, text = "inline PEM", entry
    else:
        source = entry.strip()
        path = base_dir / source
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            fail(f"cannot be read as a file under {base_dir}")
            return None
    if "PRIVATE KEY" in text:
        fail("contains a private key; only the public certificate belongs in config")
        return None
    try:
        certificate = load_pem_certificate(text)
    except ValueError:
        fail("is not a PEM X.509 certificate")
        return None
    public_key = certificate.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        fail(
            f"has a {type(public_key).__name__.removesuffix('PublicKey') or 'non-RSA'} key; "
            "Exchange Online app-only sign-in needs RSA"
        )
        return None
    if public_key.key_size < MIN_RSA_BITS:
        fail(f"has a {public_key.key_size}-bit RSA key")
        return None
    if certificate.not_valid_after_utc <= now:
        fail(f"expired on {certificate.not_valid_after_utc:%Y-%m-%d}")
        return None
    return PublicCertificate(
        pem=text.strip() + "\n",
        thumbprint=thumbprint(text),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        source=source,
    )


def public_certificates(
    reader: Reader, now: dt.datetime, base_dir: Path
) -> tuple[PublicCertificate, ...]:
    entries = reader.string_list(PUBLIC_CERTIFICATES, _PUBLIC_ALLOWED)
    if not entries:
        return ()
    found: list[PublicCertificate] = []
    for index, entry in enumerate(entries):
        certificate = _read_public_certificate(reader, index, entry, now, base_dir)
        if certificate is None:
            continue
        if any(c.thumbprint == certificate.thumbprint for c in found):
            reader.fail(
                PUBLIC_CERTIFICATES,
                f"entry {index + 1} ({certificate.source}) repeats thumbprint "
                f"{certificate.thumbprint}",
                _PUBLIC_ALLOWED,
            )
            continue
        found.append(certificate)
    if found and not any(c.not_before <= now for c in found):
        reader.fail(
            PUBLIC_CERTIFICATES,
            "none of the certificates is valid yet, so none can be active",
            _PUBLIC_ALLOWED,
        )
    return tuple(found)
