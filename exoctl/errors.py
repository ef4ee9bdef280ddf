"""Exit codes and the one error type every command raises for a user-facing failure.

The codes are documented in the README ("Exit codes"); pipelines depend on them.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INTERNAL = 1  # a bug in exoctl; still one line, set EXOCTL_DEBUG=1 for the traceback
EXIT_USAGE = 2  # an error to fix: bad flags, unreadable files, refused config, Pulumi CLI failure
EXIT_DRIFT = 3  # drift / audit findings: the tenant differs from what was declared
EXIT_PENDING = 4  # changes pending or a rotation is due; nothing is wrong in the tenant
EXIT_VERIFY_FAILED = 5  # the deployed credential does not work end to end


class ExoctlError(Exception):
    """A failure the user can act on: printed as one line, exits with `code`."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (SDK errors run to many lines)."""
    text = str(getattr(error, "message", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def network_reason(error: BaseException) -> str:
    """Why a connection failed, in a few words a user can act on."""
    text = str(error)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "TLS certificate not trusted (set REQUESTS_CA_BUNDLE for a private CA)"
    for marker in ("Connection refused", "Name or service not known", "timed out"):
        if marker in text:
            return marker.lower()
    return type(error).__name__
