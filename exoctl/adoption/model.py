"""What adopt reads from Graph, the adoption it writes, and its refusal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from exoctl.errors import EXIT_USAGE, ExoctlError


class AdoptRefused(ExoctlError):
    """Adoption cannot go ahead; nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(f"adopt: {message}", EXIT_USAGE)


@dataclass
class Tenant:
    """What Graph says exists for the app."""

    tenant_id: str
    app: dict[str, Any]
    sp: dict[str, Any]
    exchange_sp_id: str
    compliance_sp_id: str | None
    app_role_assignments: list[dict[str, Any]]
    role_assignments: list[dict[str, Any]]
    app_owners: list[str]
    sp_owners: list[str]
    initial_domain: str | None
    domain_note: str | None = None


@dataclass
class Identity:
    """A managed identity granted Exchange access by hand, to adopt too."""

    object_id: str
    user_assigned: bool
    display_name: str
    app_role_assignments: list[dict[str, Any]]
    role_assignments: list[dict[str, Any]]


@dataclass
class Adoption:
    stack: str
    config: dict[str, Any]
    import_file: dict[str, Any]
    commands: list[str]
    first_preview: list[str] = field(default_factory=list)
    unmanaged: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)

    def document(self, files: dict[str, str]) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "files": files,
            "config": self.config,
            "import": self.import_file,
            "commands": self.commands,
            "firstPreview": self.first_preview,
            "unmanaged": self.unmanaged,
            "findings": self.findings,
        }


def check_guid(value: str, flag: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise AdoptRefused(f"{flag} {value!r} is not a GUID") from None
