"""Build PFX (PKCS#12) files for script hosts, and write them safely.

PKCS#12 encryption is salted, so a PFX is built here on demand, never inside the
Pulumi program (its outputs would change on every run).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from exoctl.errors import EXIT_USAGE, ExoctlError

FRIENDLY_NAME = b"exo-cba"
# Windows' own export default for PBES1 PFX files; enough to slow guessing.
LEGACY_KDF_ROUNDS = 2048


def read_password(variable: str) -> bytes:
    """The password in the variable --password-env names. The name is not repeated in
    errors either: a password pasted in its place may pass for a name."""
    from exoctl.checks import env_name

    value = os.environ.get(env_name(variable, "--password-env"))
    if value is None:
        raise ExoctlError(
            "--password-env: no environment variable of that name is set; export it first "
            "(e.g. PFX_PASSWORD, from your secret store)",
            EXIT_USAGE,
        )
    if not value:
        raise ExoctlError("--password-env: the variable it names is empty", EXIT_USAGE)
    return value.encode("utf-8")


def load_certificate(pem: str | bytes, source: str) -> x509.Certificate:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise ExoctlError(f"{source} is not a PEM certificate", EXIT_USAGE) from None


def load_private_key(pem: str | bytes, source: str) -> rsa.RSAPrivateKey:
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise ExoctlError(
            f"{source} is encrypted; give an unencrypted PEM key", EXIT_USAGE
        ) from None
    except ValueError:
        raise ExoctlError(f"{source} is not a PEM private key", EXIT_USAGE) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ExoctlError(f"{source} is not an RSA key; Exchange Online needs RSA", EXIT_USAGE)
    return key


def check_pair(certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> None:
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        raise ExoctlError(
            "the private key does not belong to the certificate; nothing was written", EXIT_USAGE
        )


def build_pfx(
    certificate: x509.Certificate, key: rsa.RSAPrivateKey, password: bytes, legacy: bool
) -> bytes:
    """Modern: PBES2 / PBKDF2 / AES-256-CBC, SHA-256 MAC. Legacy: 3DES, SHA-1 MAC.

    Windows before 10 1709 / Server 2019 cannot read AES PFX files and reports
    "The specified network password is not correct". The SHA-1 MAC must be asked
    for explicitly; without hmac_hash it silently stays SHA-256.
    """
    if legacy:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(LEGACY_KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())  # noqa: S303 - what old Windows can read
            .build(password)
        )
    else:
        encryption = serialization.BestAvailableEncryption(password)
    return pkcs12.serialize_key_and_certificates(FRIENDLY_NAME, key, certificate, None, encryption)


def write_private_file(path: Path, data: bytes, force: bool) -> None:
    """Create `path` with mode 0600; refuse an existing file unless `force`."""
    if path.exists() and not force:
        raise ExoctlError(f"{path} exists; pass --force to replace it", EXIT_USAGE)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ExoctlError(f"{directory} is not a directory", EXIT_USAGE)
    if not force:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise ExoctlError(f"{path} exists; pass --force to replace it", EXIT_USAGE) from None
        except OSError as error:
            raise ExoctlError(f"cannot create {path}: {error.strerror}", EXIT_USAGE) from None
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return
    # mkstemp creates 0600; the rename replaces the old file in one step.
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
