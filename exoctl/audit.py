"""`exoctl audit`: what `pulumi refresh` cannot see, read from Microsoft Graph.

Refresh compares the resources a stack declares with the tenant; it cannot see
what someone *added* next to them: a client secret, a certificate or federated
credential uploaded in the portal, another API permission, consent or delegated
grant, another directory role (active, PIM-eligible, or at another scope),
another owner. This reads the app and its service principal and lists each.

Every read after the app and its service principal is its own section: one that
fails (a 403, or the 400 a tenant without the P2 licence gets from the
eligibility API) is reported with Graph's own code and message, and the findings
of every other section are kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

from exocba.consents import MANAGE_AS_APP
from exocba.wellknown import ROLES_BY_TEMPLATE_ID
from exoctl.graph import Graph, GraphError

__all__ = ["Expected", "Finding", "Graph", "GraphError", "audit", "document"]

TENANT_WIDE = "/"
_THUMBPRINT_BYTES = 20  # SHA-1


@dataclass
class Finding:
    category: str
    object: str  # "application" | "servicePrincipal" | "managedIdentity"
    id: str
    detail: str
    fix: str
    severity: str = "high"
    """high: something nobody declared; low: a known leftover (a certificate adoption
    found); info: what the stack declares, listed for the record (Exchange role group
    memberships). Only high fails the audit."""


@dataclass
class Expected:
    """What the stack declares, from its outputs and config."""

    app_id: str
    thumbprints: set[str]
    role_template_ids: set[str]
    owners: set[str]
    consents: set[tuple[str, str]] = field(default_factory=lambda: {MANAGE_AS_APP})
    """(resource app id, app role id) the stack requests and consents."""
    federated: set[tuple[str, str]] = field(default_factory=set)
    """(issuer, subject) of federated credentials the stack declares."""
    adopted: set[str] = field(default_factory=set)
    """Thumbprints of hand-made certificates `exoctl adopt` recorded."""
    managed_identities: set[str] = field(default_factory=set)
    """Object ids of the managed identities the stack grants Exchange access."""


def thumbprint_of(credential: dict[str, Any]) -> str:
    """The certificate's SHA-1 thumbprint, uppercase hex, or "" if it cannot be told.

    Graph's customKeyIdentifier defaults to the thumbprint, base64; tools that set
    their own may write it as hex, or put something else there. Only 20 bytes are a
    thumbprint; otherwise the certificate itself (`key`, base64 DER) decides.
    """
    identifier = str(credential.get("customKeyIdentifier") or "").strip()
    if re.fullmatch(r"[0-9A-Fa-f]{40}", identifier):
        return identifier.upper()
    try:
        raw = base64.b64decode(identifier, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) == _THUMBPRINT_BYTES:
        return raw.hex().upper()
    try:
        der = base64.b64decode(str(credential.get("key") or ""), validate=True)
    except (binascii.Error, ValueError):
        return ""
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper() if der else ""


def _role_name(template_id: str) -> str:
    role = ROLES_BY_TEMPLATE_ID.get(template_id.lower())
    return f"{role.name} ({template_id})" if role else template_id


class _Audit:
    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.errors: list[str] = []

    def add(self, *args: str, severity: str = "high") -> None:
        self.findings.append(Finding(*args, severity=severity))

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        try:
            yield
        except GraphError as error:
            self.errors.append(f"{name}: {error}")


def _secrets(audit: _Audit, kind: str, owner_id: str, credentials: Iterable[dict]) -> None:
    for credential in credentials:
        audit.add(
            "password_credential",
            kind,
            owner_id,
            f"client secret {credential.get('displayName') or credential.get('keyId')} "
            f"(expires {str(credential.get('endDateTime', '?'))[:10]})",
            "remove it in Entra ID (Certificates & secrets); this app signs in with certificates",
        )


def _certificates(audit: _Audit, app: dict, sp: dict, expected: Expected) -> None:
    for credential in app.get("keyCredentials") or []:
        thumbprint = thumbprint_of(credential)
        if thumbprint and thumbprint in expected.thumbprints:
            continue
        ends = str(credential.get("endDateTime", "?"))[:10]
        if thumbprint and thumbprint in expected.adopted:
            audit.add(
                "adopted_certificate",
                "application",
                app["id"],
                f"certificate {thumbprint} ({credential.get('displayName') or 'no name'}, ends "
                f"{ends}) was made by hand before the app was adopted; it keeps working",
                "move its scripts to the stack's certificate (`exoctl export-pfx`), then delete it "
                "in Entra ID (Certificates & secrets) and from exo-cba:adoptedCertificates",
                severity="low",
            )
            continue
        audit.add(
            "unmanaged_certificate",
            "application",
            app["id"],
            f"certificate {thumbprint or credential.get('keyId')} "
            f"({credential.get('displayName') or 'no name'}, ends {ends}) is not one the stack "
            "registered",
            "remove it, or bring it under the stack (certificate.publicCertificates)",
        )
    for credential in sp.get("keyCredentials") or []:
        audit.add(
            "unmanaged_certificate",
            "servicePrincipal",
            sp["id"],
            f"certificate {thumbprint_of(credential) or credential.get('keyId')} on the "
            "service principal",
            "remove it; the stack registers certificates on the application only",
        )


def _permissions(audit: _Audit, app: dict, expected: Expected) -> None:
    for resource in app.get("requiredResourceAccess") or []:
        resource_app = str(resource.get("resourceAppId", "")).lower()
        for access in resource.get("resourceAccess") or []:
            role, kind = str(access.get("id", "")).lower(), access.get("type")
            if (resource_app, role) in expected.consents and kind == "Role":
                continue
            if (resource_app, role) in expected.consents:
                detail = (
                    f"API permission {role} on {resource_app} is requested as a delegated "
                    f"permission ({kind}), not as the application permission (Role)"
                )
            else:
                detail = f"API permission {role} ({kind}) on {resource_app}"
            audit.add(
                "extra_permission",
                "application",
                app["id"],
                detail,
                "remove it under API permissions; `pulumi up` also resets the list",
            )


def _consents(
    graph: Graph,
    audit: _Audit,
    principal_id: str,
    consents: set[tuple[str, str]],
    kind: str = "servicePrincipal",
) -> None:
    resources = {}
    for resource_app, _ in consents:
        found = graph.get(f"servicePrincipals(appId='{resource_app}')?$select=id")
        resources[found["id"]] = resource_app
    wanted = {(sp, role) for sp, app in resources.items() for a, role in consents if a == app}
    for assignment in graph.list(f"servicePrincipals/{principal_id}/appRoleAssignments"):
        key = (assignment.get("resourceId"), str(assignment.get("appRoleId", "")).lower())
        if key in wanted:
            continue
        audit.add(
            "extra_app_role_assignment",
            kind,
            principal_id,
            f"consented app role {assignment.get('appRoleId')} on "
            f"{assignment.get('resourceDisplayName') or assignment.get('resourceId')}",
            "revoke the admin consent (Enterprise applications > Permissions)",
        )


def _roles(
    graph: Graph,
    audit: _Audit,
    principal_id: str,
    expected: Expected,
    kind: str = "servicePrincipal",
) -> None:
    principal = f"$filter=principalId eq '{principal_id}'"
    for assignment in graph.list(f"roleManagement/directory/roleAssignments?{principal}"):
        role = str(assignment.get("roleDefinitionId", "")).lower()
        scope = assignment.get("directoryScopeId") or TENANT_WIDE
        if role in expected.role_template_ids and scope == TENANT_WIDE:
            continue
        where = "tenant-wide" if scope == TENANT_WIDE else f"at scope {scope}"
        audit.add(
            "extra_directory_role",
            kind,
            principal_id,
            f"directory role {_role_name(role)} {where} is not in exo-cba:roles"
            if scope == TENANT_WIDE
            else f"directory role {_role_name(role)} {where}: exo-cba:roles are tenant-wide",
            "remove the assignment, or add the role to exo-cba:roles",
        )


def _eligible(graph: Graph, audit: _Audit, sp_id: str) -> None:
    principal = f"$filter=principalId eq '{sp_id}'"
    for schedule in graph.list(f"roleManagement/directory/roleEligibilitySchedules?{principal}"):
        audit.add(
            "eligible_directory_role",
            "servicePrincipal",
            sp_id,
            f"PIM-eligible for {_role_name(str(schedule.get('roleDefinitionId', '')).lower())}",
            "remove the eligibility in Privileged Identity Management",
        )


def _federated(graph: Graph, audit: _Audit, app_id: str, expected: Expected) -> None:
    for credential in graph.list(f"applications/{app_id}/federatedIdentityCredentials"):
        if (credential.get("issuer"), credential.get("subject")) in expected.federated:
            continue
        audit.add(
            "federated_credential",
            "application",
            app_id,
            f"federated credential {credential.get('name')}: issuer {credential.get('issuer')}, "
            f"subject {credential.get('subject')}: a sign-in without secret or certificate",
            "remove it (Certificates & secrets > Federated credentials) unless you declare it",
        )


def _delegated(graph: Graph, audit: _Audit, sp_id: str) -> None:
    for grant in graph.list(f"servicePrincipals/{sp_id}/oauth2PermissionGrants"):
        audit.add(
            "delegated_grant",
            "servicePrincipal",
            sp_id,
            f"delegated grant of '{grant.get('scope')}' on {grant.get('resourceId')} "
            f"({grant.get('consentType')})",
            "revoke it (Enterprise applications > Permissions); app-only access needs none",
        )


def _owners(graph: Graph, audit: _Audit, kind: str, object_id: str, expected: Expected) -> None:
    collection = "applications" if kind == "application" else "servicePrincipals"
    for owner in graph.list(f"{collection}/{object_id}/owners?$select=id"):
        if str(owner.get("id", "")).lower() not in expected.owners:
            audit.add(
                "extra_owner",
                kind,
                object_id,
                f"owner {owner.get('id')} is not in exo-cba:owners",
                "remove the owner; owners can add credentials to the app",
            )


def audit(graph: Graph, expected: Expected) -> tuple[list[Finding], list[str]]:
    """(findings, errors). The app and its service principal must be readable."""
    key = f"(appId='{quote(expected.app_id)}')"
    app = graph.get(
        f"applications{key}?$select=id,appId,displayName,passwordCredentials,keyCredentials,"
        "requiredResourceAccess"
    )
    sp = graph.get(f"servicePrincipals{key}?$select=id,passwordCredentials,keyCredentials")
    result = _Audit()
    _secrets(result, "application", app["id"], app.get("passwordCredentials") or [])
    _secrets(result, "servicePrincipal", sp["id"], sp.get("passwordCredentials") or [])
    _certificates(result, app, sp, expected)
    _permissions(result, app, expected)
    with result.section("federated credentials"):
        _federated(graph, result, app["id"], expected)
    with result.section("consents"):
        _consents(graph, result, sp["id"], expected.consents)
    with result.section("delegated grants"):
        _delegated(graph, result, sp["id"])
    with result.section("directory roles"):
        _roles(graph, result, sp["id"], expected)
    with result.section("PIM-eligible roles"):
        _eligible(graph, result, sp["id"])
    for kind, object_id in (("application", app["id"]), ("servicePrincipal", sp["id"])):
        with result.section(f"{kind} owners"):
            _owners(graph, result, kind, object_id, expected)
    manage_as_app = {MANAGE_AS_APP}
    for identity in sorted(expected.managed_identities):
        with result.section(f"managed identity {identity} consents"):
            _consents(graph, result, identity, manage_as_app, "managedIdentity")
        with result.section(f"managed identity {identity} roles"):
            _roles(graph, result, identity, expected, "managedIdentity")
    return result.findings, result.errors


def document(stack: str, findings: list[Finding] | None, errors: list[str]) -> dict[str, Any]:
    """Errors outrank findings: a section that could not be read is no pass. Low-severity
    findings (known leftovers) are listed but leave the audit clean."""
    serious = [f for f in findings or [] if f.severity not in ("low", "info")]
    status = "error" if errors else ("findings" if serious else "clean")
    return {
        "status": status,
        "stack": stack,
        "findings": [asdict(f) for f in findings or []],
        "errors": errors,
    }
