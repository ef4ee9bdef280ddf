"""Names written once: the components' type tokens, the program's resource names and
the Key Vault secret names.

The components register under these tokens; exoctl (plan, drift, adopt) and the tests
find the same resources by them, so a token renamed here is renamed everywhere.
Hash-based names for brought certificates and identities live with the settings
(components/settings.py).
"""

from __future__ import annotations

import re

# Type tokens: `exo:index:<Component>` (Pulumi's package:module:type form).
EXCHANGE_ONLINE_APP = "exo:index:ExchangeOnlineApp"
CERTIFICATE_CREDENTIALS = "exo:index:CertificateCredentials"
APP_CERTIFICATE = "exo:index:AppCertificate"
UPLOADED_CERTIFICATE = "exo:index:UploadedCertificate"
EXCHANGE_ROLE_GROUPS = "exo:index:ExchangeRoleGroups"
MANAGED_IDENTITY_ACCESS = "exo:index:ManagedIdentityAccess"
FEDERATED_CREDENTIALS = "exo:index:FederatedCredentials"
KEY_VAULT_HAND_OFF = "exo:index:KeyVaultHandOff"

# The program's resource names (__main__.py); children are `<name>-<suffix>`.
APP_NAME = "exo"
ROLE_GROUPS_NAME = "exo-rbac"
FEDERATION_NAME = "exo-federation"
CREDENTIALS_NAME = "exo-cert"
KEY_VAULT_NAME = "exo-keyvault"


def secret_name(stack: str) -> str:
    """`exo-cba-<stack>`: secret names allow letters, digits and dashes (1-127)."""
    return re.sub(r"[^0-9A-Za-z-]", "-", f"exo-cba-{stack}")[:127]


def certificate_name(stack: str) -> str:
    """`exo-cba-<stack>-cert`: Key Vault keeps a secret of the certificate's own name beside
    it, so the name must differ from the hand-off secret's."""
    return secret_name(stack)[:122] + "-cert"
