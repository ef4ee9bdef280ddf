"""Names written once: the components' type tokens, the program's resource names, the
Key Vault secret names and tags, and the stack output the rotation ledger is read from.

The components register under these tokens; exoctl (plan, drift, adopt) and the tests
find the same resources by them, so a token renamed here is renamed everywhere.
Hash-based names of brought certificates and federated credentials live with the
settings rules (exocba/settings/).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from exocba.wellknown import DirectoryRole

# Type tokens: `exo:index:<Component>` (Pulumi's package:module:type form).
EXCHANGE_ONLINE_APP = "exo:index:ExchangeOnlineApp"
CERTIFICATE_CREDENTIALS = "exo:index:CertificateCredentials"
APP_CERTIFICATE = "exo:index:AppCertificate"
UPLOADED_CERTIFICATE = "exo:index:UploadedCertificate"
EXCHANGE_ROLE_GROUPS = "exo:index:ExchangeRoleGroups"
MANAGED_IDENTITY_ACCESS = "exo:index:ManagedIdentityAccess"
FEDERATED_CREDENTIALS = "exo:index:FederatedCredentials"
KEY_VAULT_HAND_OFF = "exo:index:KeyVaultHandOff"

# The Exchange objects' dynamic resources (components/exchange_rbac_provider.py): the SDK
# registers them as `pulumi-python:dynamic/<module>:<kind>`; the kind also tells
# exocba/exchange_objects.py which Exchange object a resource is.
DYNAMIC = "pulumi-python:dynamic"
EXCHANGE_MODULE = "exchange"
SERVICE_PRINCIPAL_KIND = "ServicePrincipal"
MANAGEMENT_SCOPE_KIND = "ManagementScope"
ROLE_GROUP_KIND = "RoleGroup"
ROLE_GROUP_MEMBER_KIND = "RoleGroupMember"
EXCHANGE_SERVICE_PRINCIPAL_TYPE = f"{DYNAMIC}/{EXCHANGE_MODULE}:{SERVICE_PRINCIPAL_KIND}"
EXCHANGE_MANAGEMENT_SCOPE_TYPE = f"{DYNAMIC}/{EXCHANGE_MODULE}:{MANAGEMENT_SCOPE_KIND}"
EXCHANGE_ROLE_GROUP_TYPE = f"{DYNAMIC}/{EXCHANGE_MODULE}:{ROLE_GROUP_KIND}"
EXCHANGE_ROLE_GROUP_MEMBER_TYPE = f"{DYNAMIC}/{EXCHANGE_MODULE}:{ROLE_GROUP_MEMBER_KIND}"

# The program's resource names (__main__.py); children are `<name>-<suffix>`.
APP_NAME = "exo"
ROLE_GROUPS_NAME = "exo-rbac"
FEDERATION_NAME = "exo-federation"
CREDENTIALS_NAME = "exo-cert"
KEY_VAULT_NAME = "exo-keyvault"

# The stack output holding the rotation ledger (__main__.py exports it; the program and
# `exoctl plan --previous` read it back).
LEDGER_OUTPUT = "rotationLedger"

# Tags on the Key Vault secret a reader can check without reading the value (exoctl
# verify compares the thumbprint with the certificate it reads).
TAG_THUMBPRINT = "exo-cba-thumbprint"
TAG_NOT_AFTER = "exo-cba-not-after"
TAG_STACK = "exo-cba-stack"
TAG_ENCODING = "exo-cba-encoding"


# Suffixes of the consent resources, which the import file names too (exoctl adopt).
EXCHANGE_CONSENT = "exchange-consent"
COMPLIANCE_CONSENT = "compliance-consent"
# The notes the app and its service principal carry: the portal shows them, and adopt
# announces the change when it brings a hand-made app under a stack.
APP_NOTES = "Managed by Pulumi (exo-cba). Change it through the stack, not the portal."


def application_name(component: str) -> str:
    """The app registration inside an ExchangeOnlineApp."""
    return f"{component}-app"


def service_principal_name(component: str) -> str:
    """The app's service principal inside an ExchangeOnlineApp."""
    return f"{component}-sp"


def exchange_consent_name(component: str) -> str:
    """A principal's admin consent for Exchange.ManageAsApp (the app's, an identity's)."""
    return f"{component}-{EXCHANGE_CONSENT}"


def compliance_consent_name(component: str) -> str:
    """The app's consent for Security & Compliance, in the clouds that need one."""
    return f"{component}-{COMPLIANCE_CONSENT}"


def role_slug(role: DirectoryRole) -> str:
    """Stable resource-name suffix for a role, e.g. 'exchange-administrator'."""
    return re.sub(r"[^a-z0-9]+", "-", role.name.lower()).strip("-")


def role_assignment_name(component: str, role: DirectoryRole) -> str:
    """A principal's tenant-wide assignment of one directory role (components/grants.py)."""
    return f"{component}-role-{role_slug(role)}"


def identity_resource_name(object_id: str) -> str:
    """The ManagedIdentityAccess component of one managed identity."""
    return f"exo-mi-{object_id}"


def secret_name(stack: str) -> str:
    """`exo-cba-<stack>`: secret names allow letters, digits and dashes (1-127)."""
    return re.sub(r"[^0-9A-Za-z-]", "-", f"exo-cba-{stack}")[:127]


def certificate_name(stack: str) -> str:
    """`exo-cba-<stack>-cert`: Key Vault keeps a secret of the certificate's own name beside
    it, so the name must differ from the hand-off secret's."""
    return secret_name(stack)[:122] + "-cert"
