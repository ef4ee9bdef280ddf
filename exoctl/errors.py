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
