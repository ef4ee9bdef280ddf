"""`exoctl audit`: what `pulumi refresh` cannot see, read from Microsoft Graph.

Refresh compares the resources a stack declares with the tenant; it cannot see
what someone *added* next to them: a client secret, a certificate uploaded in
the portal, another API permission or consent, another directory role (active
or PIM-eligible), another owner. This reads the app and its service principal
with the deployer's Azure credentials and lists every such addition.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

from components.wellknown import (
    EXCHANGE_MANAGE_AS_APP_ROLE_ID,
    EXCHANGE_ONLINE_APP_ID,
    ROLES_BY_TEMPLATE_ID,
)

DEFAULT_GRAPH_URL = "https://graph.microsoft.com"
TIMEOUT_SECONDS = 30
TENANT_WIDE = "/"


class GraphError(Exception):
    """Graph could not be read; the audit's status is then `error`."""


@dataclass
class Finding:
    category: str
    object: str  # "application" | "servicePrincipal"
    id: str
    detail: str
    fix: str


@dataclass
class Expected:
    """What the stack declares, from its outputs and config."""

    app_id: str
    thumbprints: set[str]
    role_template_ids: set[str]
    owners: set[str]


def _make_credential() -> Any:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(exclude_interactive_browser_credential=True)


# Tests replace this with a credential of their own.
make_credential: Callable[[], Any] = _make_credential


class Graph:
    def __init__(self, graph_url: str, tenant_id: str, credential: Any) -> None:
        import requests

        self.base = graph_url.rstrip("/")
        self.session = requests.Session()
        self.requests = requests
        try:
            token = credential.get_token(f"{self.base}/.default", tenant_id=tenant_id).token
        except Exception as error:  # azure-identity raises many kinds; all mean "no sign-in"
            first = (
                str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            )
            raise GraphError(f"no Azure sign-in for Microsoft Graph: {first}") from None
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str) -> dict[str, Any]:
        url = path if path.startswith("https://") else f"{self.base}/v1.0/{path}"
        try:
            response = self.session.get(url, timeout=TIMEOUT_SECONDS)
        except self.requests.RequestException as error:
            raise GraphError(f"cannot reach {self.base}: {type(error).__name__}") from None
        if response.status_code in (401, 403):
            raise GraphError(
                f"Graph refused {path.split('?')[0]} (HTTP {response.status_code}): the deployer "
                "needs Application.Read.All and RoleManagement.Read.Directory"
            )
        if response.status_code == 404:
            raise GraphError(f"Graph has no {path.split('?')[0]} (HTTP 404)")
        if response.status_code != 200:
            raise GraphError(f"Graph answered HTTP {response.status_code} for {path.split('?')[0]}")
        return response.json()

    def list(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page: str | None = path
        while page:
            document = self.get(page)
            items += document.get("value", [])
            page = document.get("@odata.nextLink")
        return items


def _thumbprint(credential: dict[str, Any]) -> str:
    """Entra stores a certificate's SHA-1 thumbprint, base64, as customKeyIdentifier."""
    try:
        return base64.b64decode(credential.get("customKeyIdentifier") or "").hex().upper()
    except (binascii.Error, ValueError):
        return ""


def _role_name(template_id: str) -> str:
    role = ROLES_BY_TEMPLATE_ID.get(template_id.lower())
    return f"{role.name} ({template_id})" if role else template_id


def _secrets(kind: str, owner_id: str, credentials: Iterable[dict[str, Any]]) -> list[Finding]:
    return [
        Finding(
            "password_credential",
            kind,
            owner_id,
            f"client secret {c.get('displayName') or c.get('keyId')} "
            f"(expires {str(c.get('endDateTime', '?'))[:10]})",
            "remove it in Entra ID (Certificates & secrets); this app signs in with certificates",
        )
        for c in credentials
    ]


def audit(graph: Graph, expected: Expected) -> list[Finding]:
    app_filter = f"(appId='{quote(expected.app_id)}')"
    application = graph.get(
        f"applications{app_filter}?$select=id,appId,passwordCredentials,keyCredentials,"
        "requiredResourceAccess"
    )
    service_principal = graph.get(
        f"servicePrincipals{app_filter}?$select=id,passwordCredentials,keyCredentials"
    )
    exchange = graph.get(f"servicePrincipals(appId='{EXCHANGE_ONLINE_APP_ID}')?$select=id")
    app_id, sp_id = application["id"], service_principal["id"]
    findings: list[Finding] = []

    findings += _secrets("application", app_id, application.get("passwordCredentials") or [])
    findings += _secrets(
        "servicePrincipal", sp_id, service_principal.get("passwordCredentials") or []
    )

    for credential in application.get("keyCredentials") or []:
        thumbprint = _thumbprint(credential)
        if thumbprint not in expected.thumbprints:
            findings.append(
                Finding(
                    "unmanaged_certificate",
                    "application",
                    app_id,
                    f"certificate {thumbprint or credential.get('keyId')} "
                    f"({credential.get('displayName') or 'no name'}) is not one the stack "
                    "registered",
                    "remove it, or bring it under the stack (certificate.publicCertificates)",
                )
            )
    for credential in service_principal.get("keyCredentials") or []:
        findings.append(
            Finding(
                "unmanaged_certificate",
                "servicePrincipal",
                sp_id,
                f"certificate {_thumbprint(credential) or credential.get('keyId')} on the "
                "service principal",
                "remove it; the stack registers certificates on the application only",
            )
        )

    for resource in application.get("requiredResourceAccess") or []:
        for access in resource.get("resourceAccess") or []:
            if (
                resource.get("resourceAppId") == EXCHANGE_ONLINE_APP_ID
                and access.get("id") == EXCHANGE_MANAGE_AS_APP_ROLE_ID
                and access.get("type") == "Role"
            ):
                continue
            findings.append(
                Finding(
                    "extra_permission",
                    "application",
                    app_id,
                    f"API permission {access.get('id')} ({access.get('type')}) on "
                    f"{resource.get('resourceAppId')}",
                    "remove it under API permissions; `pulumi up` also resets the list",
                )
            )

    for assignment in graph.list(f"servicePrincipals/{sp_id}/appRoleAssignments"):
        if (
            assignment.get("resourceId") == exchange["id"]
            and assignment.get("appRoleId") == EXCHANGE_MANAGE_AS_APP_ROLE_ID
        ):
            continue
        findings.append(
            Finding(
                "extra_app_role_assignment",
                "servicePrincipal",
                sp_id,
                f"consented app role {assignment.get('appRoleId')} on "
                f"{assignment.get('resourceDisplayName') or assignment.get('resourceId')}",
                "revoke the admin consent (Enterprise applications > Permissions)",
            )
        )

    principal = f"$filter=principalId eq '{sp_id}'"
    for assignment in graph.list(f"roleManagement/directory/roleAssignments?{principal}"):
        role = str(assignment.get("roleDefinitionId", "")).lower()
        scope = assignment.get("directoryScopeId", TENANT_WIDE)
        if role in expected.role_template_ids and scope == TENANT_WIDE:
            continue
        findings.append(
            Finding(
                "extra_directory_role",
                "servicePrincipal",
                sp_id,
                f"directory role {_role_name(role)} at scope {scope} is not in exo-cba:roles",
                "remove the assignment, or add the role to exo-cba:roles",
            )
        )
    for schedule in graph.list(f"roleManagement/directory/roleEligibilitySchedules?{principal}"):
        role = str(schedule.get("roleDefinitionId", "")).lower()
        findings.append(
            Finding(
                "eligible_directory_role",
                "servicePrincipal",
                sp_id,
                f"PIM-eligible for {_role_name(role)}",
                "remove the eligibility in Privileged Identity Management",
            )
        )

    for kind, object_id, path in (
        ("application", app_id, f"applications/{app_id}/owners?$select=id"),
        ("servicePrincipal", sp_id, f"servicePrincipals/{sp_id}/owners?$select=id"),
    ):
        for owner in graph.list(path):
            if str(owner.get("id", "")).lower() not in expected.owners:
                findings.append(
                    Finding(
                        "extra_owner",
                        kind,
                        object_id,
                        f"owner {owner.get('id')} is not in exo-cba:owners",
                        "remove the owner; owners can add credentials to the app",
                    )
                )
    return findings


def document(stack: str, findings: list[Finding] | None, error: str | None) -> dict[str, Any]:
    status = "error" if error else ("findings" if findings else "clean")
    return {
        "status": status,
        "stack": stack,
        "findings": [asdict(f) for f in findings or []],
        "errors": [error] if error else [],
    }
