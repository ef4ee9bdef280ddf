"""Shared mocks that answer like Entra ID and the tls provider would.

- Object ids, app ids and resource ids have Entra's shapes and are stable per
  resource name (uuid5), so two runs of the program see the same tenant.
- tls.PrivateKey returns a real RSA key of the requested size; tls.SelfSignedCert
  returns a real X.509 certificate signed by that key, valid from the mock's own
  clock (the provider's: never the program's EXO_CBA_NOW), with exactly the key
  usages and extended key usages `allowedUses` asks for.
- Like engine state, a resource registered again with the same inputs keeps
  what it was created with (a certificate keeps its dates); `forget` drops what
  a successful run no longer declares.
- `failing` names resources whose creation the provider refuses, as a failed
  `pulumi up` would meet them.
- Data sources answer only what the tenant would: an unknown client id is
  "not found", as Graph would say.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from exocba.wellknown import (  # noqa: E402
    EXCHANGE_ONLINE_APP_ID,
    MICROSOFT_GRAPH_APP_ID,
    SECURITY_COMPLIANCE_APP_ID,
)
from exoctl import engine  # noqa: E402

TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
# Every stack names its tenant (components/settings.py refuses one that does not).
TENANT_CONFIG = {"azuread:tenantId": TENANT_ID}
DEPLOYER_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
DEPLOYER_OBJECT_ID = "5a2f0c13-7a3e-4b51-9d6b-0c1f6b1f3e21"
INITIAL_DOMAIN = "contoso.onmicrosoft.com"
# GCC High's Exchange host and token resource ("Connect-ExchangeOnline", -ConnectionUri).
GCC_HIGH_EXCHANGE = "https://outlook.office365.us"
# Per-tenant object ids of Microsoft's service principals (they differ per tenant).
TENANT_SERVICE_PRINCIPALS = {
    EXCHANGE_ONLINE_APP_ID: ("9d3e55ba-79e0-4b7c-af50-dc460b81dca1", "Office 365 Exchange Online"),
    MICROSOFT_GRAPH_APP_ID: ("1c48f923-4fbb-4d37-b772-4d5dc2c6b4ac", "Microsoft Graph"),
    # The resource Security & Compliance app-only access uses in GCC High and DoD.
    SECURITY_COMPLIANCE_APP_ID: ("3b6a3f5e-2c8e-4f0b-9a53-7d6e1f2c4b88", "(GCC High/DoD)"),
}
EXCHANGE_SP_OBJECT_ID = TENANT_SERVICE_PRINCIPALS[EXCHANGE_ONLINE_APP_ID][0]

MOCK_CLOCK = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)
# The provider stamps a certificate when it creates it, a little after the program
# read its clock: tests never let the two clocks agree by construction.
PROVIDER_LAG = dt.timedelta(minutes=7, seconds=13, microseconds=128026)
PROVIDER_CLOCK = MOCK_CLOCK + PROVIDER_LAG
_NAMESPACE = uuid.UUID("6f1c2a8e-2f43-4d1e-9a55-5c7d0f0e6b11")


def stable_guid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


@functools.cache
def rsa_key(bits: int, label: str = "") -> rsa.RSAPrivateKey:
    """A real key per (size, label), kept for the session: key generation is slow.

    Like the tls provider, distinct PrivateKey resources get distinct keys.
    """
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def rsa_key_pem(bits: int, label: str = "", pkcs8: bool = True) -> str:
    """PKCS#8 (`-----BEGIN PRIVATE KEY-----`), or PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`),
    which is what pulumi-tls's private_key_pem holds for an RSA key."""
    return (
        rsa_key(bits, label)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8
            if pkcs8
            else serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        .decode()
    )


# pulumi-tls allowed_uses -> X.509 (terraform-provider-tls internal/provider/types.go).
_KEY_USAGES = {
    "digital_signature": "digital_signature",
    "content_commitment": "content_commitment",
    "key_encipherment": "key_encipherment",
    "data_encipherment": "data_encipherment",
    "key_agreement": "key_agreement",
    "cert_signing": "key_cert_sign",
    "crl_signing": "crl_sign",
    "encipher_only": "encipher_only",
    "decipher_only": "decipher_only",
}
_EXTENDED_KEY_USAGES = {
    "server_auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client_auth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code_signing": ExtendedKeyUsageOID.CODE_SIGNING,
    "email_protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp_signing": ExtendedKeyUsageOID.OCSP_SIGNING,
}
DEFAULT_USES = ("digital_signature", "key_encipherment", "client_auth")


def self_signed_pem(
    key_pem: str,
    common_name: str,
    not_before: dt.datetime,
    hours: int,
    key: Any = None,
    uses: tuple[str, ...] | list[str] = DEFAULT_USES,
) -> str:
    """A real self-signed certificate; `key` overrides key_pem (e.g. an EC key)."""
    key = key or serialization.load_pem_private_key(key_pem.encode(), password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    serial = int(uuid.uuid5(_NAMESPACE, f"{common_name}/{not_before.isoformat()}").int >> 1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(hours=hours))
    )
    unknown = set(uses) - set(_KEY_USAGES) - set(_EXTENDED_KEY_USAGES)
    if unknown:
        raise ValueError(f"pulumi-tls has no allowed use {sorted(unknown)}")
    key_usage = {flag: False for flag in _KEY_USAGES.values()}
    for use in uses:
        if use in _KEY_USAGES:
            key_usage[_KEY_USAGES[use]] = True
    if any(key_usage.values()):
        builder = builder.add_extension(x509.KeyUsage(**key_usage), critical=True)
    extended = [_EXTENDED_KEY_USAGES[use] for use in uses if use in _EXTENDED_KEY_USAGES]
    if extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def sha1_hex(der: bytes) -> str:
    """Uppercase hex SHA-1: the X.509 thumbprint Key Vault reports."""
    digest = hashes.Hash(hashes.SHA1())
    digest.update(der)
    return digest.finalize().hex().upper()


def rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def go_time_text(moment: dt.datetime) -> str:
    """Go's time.Time.MarshalText in UTC: RFC 3339, fraction without trailing zeros."""
    fraction = f"{moment.microsecond:06d}000".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


@dataclass
class EntraMocks(pulumi.runtime.Mocks):
    """A tenant as the azuread and tls providers would present it."""

    clock: dt.datetime = PROVIDER_CLOCK
    created: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    previous_outputs: dict[str, Any] = field(default_factory=dict)
    previous_outputs_failure: str | None = None
    # Names the "organization/project/stack" form is refused for (DIY legacy layout).
    refuse_qualified_stack_names: bool = False
    failing: set[str] = field(default_factory=set)
    state: dict[tuple[str, str], tuple[str, dict[str, Any], dict[str, Any]]] = field(
        default_factory=dict
    )
    registered: set[tuple[str, str]] = field(default_factory=set)
    initial_domain: str = INITIAL_DOMAIN
    # Service principals looked up by object id: object id -> (client id, type, name).
    principals: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        inputs = engine.reveal(dict(args.inputs))
        key = (args.typ, args.name)
        self.registered.add(key)
        kept = self.state.get(key)
        if kept is not None and kept[1] == inputs:
            return kept[0], kept[2]
        if args.name in self.failing:
            raise RuntimeError(f"creating {args.name}: the provider refused the request")
        self.created.append((args.typ, args.name, inputs))
        handler = getattr(self, "_" + args.typ.split(":")[-1], None)
        if handler is None:
            resource_id, outputs = stable_guid(args.typ, args.name), inputs
        else:
            resource_id, outputs = handler(args.name, inputs)
        self.state[key] = (resource_id, inputs, outputs)
        return resource_id, outputs

    def forget_unregistered(self) -> None:
        """What the engine deletes after a successful update: what was not declared."""
        self.state = {k: v for k, v in self.state.items() if k in self.registered}

    def start_run(self, clock: dt.datetime) -> None:
        self.clock = clock
        self.registered = set()

    def _Application(self, name: str, inputs: dict) -> tuple[str, dict]:
        object_id = stable_guid("application", name)
        client_id = stable_guid("client", name)
        return f"/applications/{object_id}", {
            **inputs,
            "objectId": object_id,
            "clientId": client_id,
            "publisherDomain": INITIAL_DOMAIN,
            "signInAudience": inputs.get("signInAudience", "AzureADMyOrg"),
        }

    def _ServicePrincipal(self, name: str, inputs: dict) -> tuple[str, dict]:
        object_id = stable_guid("servicePrincipal", name)
        return f"/servicePrincipals/{object_id}", {
            **inputs,
            "objectId": object_id,
            "applicationTenantId": TENANT_ID,
            "type": "Application",
        }

    def _AppRoleAssignment(self, name: str, inputs: dict) -> tuple[str, dict]:
        assignment = stable_guid("appRoleAssignment", name)
        resource = inputs["resourceObjectId"]
        return f"/servicePrincipals/{resource}/appRoleAssignedTo/{assignment}", {
            **inputs,
            "principalType": "ServicePrincipal",
            "resourceDisplayName": "Office 365 Exchange Online",
        }

    def _DirectoryRoleAssignment(self, name: str, inputs: dict) -> tuple[str, dict]:
        # terraform-provider-azuread v3's id form (its v0 ids were the bare Graph id).
        assignment = stable_guid("roleAssignment", name)
        return f"/roleManagement/directory/roleAssignments/{assignment}", inputs

    def _PrivateKey(self, name: str, inputs: dict) -> tuple[str, dict]:
        # terraform-provider-tls: private_key_pem is PKCS#1 for RSA (x509.MarshalPKCS1PrivateKey),
        # private_key_pem_pkcs8 the same key as PKCS#8.
        bits = int(inputs.get("rsaBits", 2048))
        return stable_guid("key", name), {
            **inputs,
            "privateKeyPem": rsa_key_pem(bits, name, pkcs8=False),
            "privateKeyPemPkcs8": rsa_key_pem(bits, name),
        }

    def _SelfSignedCert(self, name: str, inputs: dict) -> tuple[str, dict]:
        hours = int(inputs["validityPeriodHours"])
        pem = self_signed_pem(
            inputs["privateKeyPem"],
            inputs["subject"]["commonName"],
            self.clock,
            hours,
            uses=inputs.get("allowedUses") or [],
        )
        return stable_guid("cert", name), {
            **inputs,
            "certPem": pem,
            # terraform-provider-tls writes these with Go's time.MarshalText (RFC 3339
            # with nanoseconds) from its clock; the certificate holds whole seconds.
            "validityStartTime": go_time_text(self.clock),
            "validityEndTime": go_time_text(self.clock + dt.timedelta(hours=hours)),
            "keyAlgorithm": "RSA",
            "readyForRenewal": False,
        }

    def _ApplicationCertificate(self, name: str, inputs: dict) -> tuple[str, dict]:
        key_id = inputs.get("keyId") or stable_guid("keyCredential", name)
        object_id = inputs["applicationId"].removeprefix("/applications/")
        return f"{object_id}/certificate/{key_id}", {**inputs, "keyId": key_id}

    def _Secret(self, name: str, inputs: dict) -> tuple[str, dict]:
        # Key Vault: a new value is a new version of the same secret; ids are URLs.
        vault = inputs["keyVaultId"].rsplit("/", 1)[-1]
        version = stable_guid("secretVersion", inputs["value"]).replace("-", "")
        base = f"https://{vault}.vault.azure.net/secrets/{inputs['name']}"
        arm = f"{inputs['keyVaultId']}/secrets/{inputs['name']}"
        return f"{base}/{version}", {
            **inputs,
            "version": version,
            "versionlessId": base,
            "resourceId": f"{arm}/versions/{version}",
            "resourceVersionlessId": arm,
        }

    def _Certificate(self, name: str, inputs: dict) -> tuple[str, dict]:
        # Key Vault certificate import (azurerm_key_vault_certificate): new contents are a
        # new version of the same certificate, and of the secret Key Vault keeps beside it.
        vault = inputs["keyVaultId"].rsplit("/", 1)[-1]
        contents = inputs["certificate"]["contents"]
        version = stable_guid("certificateVersion", contents).replace("-", "")
        base = f"https://{vault}.vault.azure.net"
        pem = contents[: contents.index("-----END CERTIFICATE-----")] + "-----END CERTIFICATE-----"
        der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
        return f"{base}/certificates/{inputs['name']}/{version}", {
            **inputs,
            "version": version,
            "versionlessId": f"{base}/certificates/{inputs['name']}",
            "secretId": f"{base}/secrets/{inputs['name']}/{version}",
            "versionlessSecretId": f"{base}/secrets/{inputs['name']}",
            "thumbprint": sha1_hex(der),
        }

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        self.calls.append((args.token, dict(args.args)))
        if args.token == "pulumi:pulumi:readStackOutputs":
            if self.previous_outputs_failure:
                return {}, [("name", self.previous_outputs_failure)]
            if self.refuse_qualified_stack_names and "/" in args.args["name"]:
                # pkg/backend/diy: the legacy layout has no organization or project.
                return {}, [("name", "stack names may not contain slashes")]
            return {
                "name": args.args["name"],
                "outputs": self.previous_outputs,
                "secretOutputNames": [],
            }
        if args.token == "azuread:index/getClientConfig:getClientConfig":
            return {
                "tenantId": TENANT_ID,
                "clientId": DEPLOYER_CLIENT_ID,
                "objectId": DEPLOYER_OBJECT_ID,
            }
        if args.token == "azuread:index/getDomains:getDomains":
            domains = [
                {
                    "domainName": self.initial_domain,
                    "initial": True,
                    "authenticationType": "Managed",
                },
                {"domainName": "contoso.com", "initial": False, "authenticationType": "Managed"},
            ]
            if args.args.get("onlyInitial"):
                domains = [d for d in domains if d["initial"]]
            return {"domains": domains}
        if args.token == "azuread:index/getServicePrincipal:getServicePrincipal" and args.args.get(
            "objectId"
        ):
            object_id = args.args["objectId"]
            if object_id not in self.principals:
                # Graph: Request_ResourceNotFound for an unknown object id.
                return {}, [("objectId", f"service principal with object ID {object_id} not found")]
            client_id, kind, display_name = self.principals[object_id]
            return {
                "objectId": object_id,
                "clientId": client_id,
                "type": kind,
                "displayName": display_name,
            }
        if args.token == "azuread:index/getServicePrincipal:getServicePrincipal":
            client_id = args.args.get("clientId")
            if client_id not in TENANT_SERVICE_PRINCIPALS:
                return {}, [("clientId", f"service principal with client ID {client_id} not found")]
            object_id, display_name = TENANT_SERVICE_PRINCIPALS[client_id]
            return {"clientId": client_id, "objectId": object_id, "displayName": display_name}
        return {}, [("", f"unexpected invoke {args.token}")]


def run_stack(config: dict[str, str] | None = None, **kwargs: Any) -> engine.ProgramRun:
    """Run __main__.py with `exo-cba:` keys given without namespace."""
    mocks = kwargs.pop("mocks", None) or EntraMocks()
    full = dict(TENANT_CONFIG)
    for key, value in (config or {}).items():
        full[key if ":" in key else f"exo-cba:{key}"] = value
    run = engine.run_program(full, mocks, **kwargs)
    run.mocks = mocks  # type: ignore[attr-defined]
    return run


@pytest.fixture
def entra() -> EntraMocks:
    return EntraMocks()


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """The program reads the clock once, for the rotation window; pin it."""
    monkeypatch.setenv("EXO_CBA_NOW", rfc3339(MOCK_CLOCK))
    return MOCK_CLOCK


@pytest.fixture
def cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Entra ID and Exchange Online stand-ins on local HTTPS, trusted through
    REQUESTS_CA_BUNDLE (which requests, and so MSAL, honour over session settings)."""
    from tests.fakes.entra import FakeMicrosoftCloud

    with FakeMicrosoftCloud(TENANT_ID, INITIAL_DOMAIN, tmp_path) as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
        yield fake


@pytest.fixture
def gcc_high_cloud(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The `cloud` stand-ins for a GCC High tenant: Entra issues tokens for, and Exchange
    accepts, only the GCC High Exchange resource."""
    from tests.fakes.entra import FakeMicrosoftCloud

    with FakeMicrosoftCloud(
        TENANT_ID, "contoso.onmicrosoft.us", tmp_path, exchange_resource=GCC_HIGH_EXCHANGE
    ) as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
        yield fake


@pytest.fixture
def vault(cloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A Key Vault stand-in beside the Entra/Exchange one; both CAs trusted."""
    from tests.fakes.key_vault import FakeKeyVault

    with FakeKeyVault(tmp_path, TENANT_ID, cloud.base_url) as fake:
        bundle = tmp_path / "both-ca.pem"
        bundle.write_text(cloud.ca_bundle.read_text() + fake.ca_bundle.read_text())
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
        yield fake
