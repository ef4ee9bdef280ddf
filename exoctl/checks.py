"""Argument checks every command runs before it touches the network or the Pulumi CLI.

Each raises ExoctlError (exit 2) with one line naming the flag, what is wrong and what
is allowed. A value that may be a secret pasted in the wrong place (an environment
variable's "name") is never repeated back.
"""

from __future__ import annotations

import difflib
import re
import uuid
from pathlib import Path

from exocba.clouds import CLOUDS, Cloud
from exocba.wellknown import ROLES_BY_NAME
from exoctl.errors import EXIT_USAGE, ExoctlError

# POSIX: names of environment variables are letters, digits and '_', not starting
# with a digit (Base Definitions, 8.1 Environment Variable Definition).
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# One DNS label: the tenant's part of its initial domain.
_DOMAIN_LABEL = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def guid(value: str, flag: str) -> str:
    """The GUID in its canonical form (Entra ids: app, tenant, object, role template)."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ExoctlError(
            f"{flag} {value!r} is not a GUID (like 5c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f)",
            EXIT_USAGE,
        ) from None


def role_template_id(value: str, flag: str = "--role") -> str:
    """A directory role's template id; a role's name is answered with its id."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        pass
    close = difflib.get_close_matches(
        value.strip().casefold(), list(ROLES_BY_NAME), n=1, cutoff=0.6
    )
    hint = ""
    if close:
        role = ROLES_BY_NAME[close[0]]
        hint = f" (did you mean {role.name}, template id {role.template_id}?)"
    raise ExoctlError(f"{flag} {value!r} is not a role template id (a GUID){hint}", EXIT_USAGE)


def env_name(value: str, flag: str) -> str:
    """An environment variable's name; the value itself is not echoed: a password
    pasted where the name belongs must not end up in a terminal or a CI log."""
    if not _ENV_NAME.fullmatch(value):
        raise ExoctlError(
            f"{flag}: not a valid environment variable name (letters, digits and '_', not "
            "starting with a digit); give the name of the variable that holds the value, "
            "e.g. PFX_PASSWORD, never the value itself",
            EXIT_USAGE,
        )
    return value


def organization(value: str, cloud: Cloud, flag: str = "--organization") -> str:
    """The tenant's initial domain in `cloud` (contoso.onmicrosoft.com, …)."""
    domain = value.strip().lower()
    suffix = cloud.organization_suffix
    if domain.endswith(suffix) and _DOMAIN_LABEL.fullmatch(domain.removesuffix(suffix)):
        return domain
    other = next(
        (
            c
            for c in CLOUDS
            if c.organization_suffix != suffix and domain.endswith(c.organization_suffix)
        ),
        None,
    )
    why = (
        f"is a {other.title} domain, but the cloud is {cloud.title} (--cloud {other.name}?)"
        if other is not None
        else "is not a tenant's initial domain"
    )
    raise ExoctlError(
        f"{flag} {value!r} {why}; allowed: the initial domain, e.g. contoso{suffix}",
        EXIT_USAGE,
    )


def readable_file(path: Path, flag: str) -> Path:
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise ExoctlError(f"{flag} {path}: {what}; give a file", EXIT_USAGE)
    return path


def writable_folder_of(path: Path, flag: str) -> Path:
    """The file may not exist yet, but its folder must."""
    parent = path.parent if path.parent != Path() else Path(".")
    if not parent.is_dir():
        raise ExoctlError(f"{flag} {path}: the folder {parent} does not exist", EXIT_USAGE)
    return path


def project_dir(path: Path) -> Path:
    if not (path / "Pulumi.yaml").is_file():
        raise ExoctlError(
            f"{path} holds no Pulumi.yaml: run exoctl in the exo-cba project folder, or pass "
            "--project-dir DIR",
            EXIT_USAGE,
        )
    return path
