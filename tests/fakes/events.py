"""Engine events and preview digests for exo-cba's own resources, in Pulumi's shapes.

The shapes follow pkg/engine events as the `--event-log` file carries them
(`{"sequence", "timestamp", <event>}` per line; `metadata` with op, urn, type,
old, new, diffs, detailedDiff {diffKind, inputDiff}, provider) and the
PreviewDigest `--json` prints (steps with op, urn, detailedDiff {kind,
inputDiff}, diffReasons; diagnostics; changeSummary). URNs are real ones: the
full parent type chain, without the root stack.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from exocba import naming

PROJECT = "exo-cba"
APP = naming.EXCHANGE_ONLINE_APP
CREDENTIALS = naming.CERTIFICATE_CREDENTIALS
GENERATION = naming.APP_CERTIFICATE
AZUREAD_PROVIDER_ID = "0c8a1d57-4b8e-4a9b-9a3c-2f1d6e7a8b90"

# (parent type chain, type, name suffix); name prefix is the component's.
_APP_CHILDREN = [
    ("azuread:index/application:Application", "exo-app"),
    ("azuread:index/servicePrincipal:ServicePrincipal", "exo-sp"),
    ("azuread:index/appRoleAssignment:AppRoleAssignment", "exo-exchange-consent"),
    (
        "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
        "exo-role-exchange-administrator",
    ),
]


def urn(stack: str, chain: list[str], name: str) -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{'$'.join(chain)}::{name}"


def provider_urn(stack: str, package: str) -> str:
    return (
        f"urn:pulumi:{stack}::{PROJECT}::pulumi:providers:{package}::default::{AZUREAD_PROVIDER_ID}"
    )


HAND_OFF = naming.KEY_VAULT_HAND_OFF
_HAND_OFF_CHILDREN = [
    ("azure:keyvault/secret:Secret", "exo-keyvault-secret"),
    (
        "azure:authorization/assignment:Assignment",
        "exo-keyvault-reader-5d6e7f80-91a2-4b3c-8d4e-5f6071829304",
    ),
]
# With keyVault.certificate.
_HAND_OFF_CERTIFICATE_CHILDREN = [
    ("azure:keyvault/certificate:Certificate", "exo-keyvault-certificate"),
    (
        "azure:authorization/assignment:Assignment",
        "exo-keyvault-certificate-reader-5d6e7f80-91a2-4b3c-8d4e-5f6071829304",
    ),
]


def stack_resources(
    stack: str, generations: list[str], key_vault: bool = False, certificate: bool = False
) -> list[dict[str, Any]]:
    """Every resource of a deployed exo-cba stack: urn, type, parent, custom."""
    resources = [{"urn": urn(stack, [APP], "exo"), "type": APP, "parent": "", "custom": False}]
    app_urn = resources[0]["urn"]
    for type_, name in _APP_CHILDREN:
        resources.append(
            {
                "urn": urn(stack, [APP, type_], name),
                "type": type_,
                "parent": app_urn,
                "custom": True,
            }
        )
    credentials_urn = urn(stack, [CREDENTIALS], "exo-cert")
    resources.append({"urn": credentials_urn, "type": CREDENTIALS, "parent": "", "custom": False})
    for generation in generations:
        resources += generation_resources(stack, generation)
    if key_vault:
        hand_off = urn(stack, [HAND_OFF], "exo-keyvault")
        resources.append({"urn": hand_off, "type": HAND_OFF, "parent": "", "custom": False})
        children = _HAND_OFF_CHILDREN + (_HAND_OFF_CERTIFICATE_CHILDREN if certificate else [])
        for type_, name in children:
            resources.append(
                {
                    "urn": urn(stack, [HAND_OFF, type_], name),
                    "type": type_,
                    "parent": hand_off,
                    "custom": True,
                }
            )
    return resources


def generation_resources(stack: str, generation: str) -> list[dict[str, Any]]:
    name = f"exo-cert-{generation}"
    parent = urn(stack, [CREDENTIALS], "exo-cert")
    component = urn(stack, [CREDENTIALS, GENERATION], name)
    out = [{"urn": component, "type": GENERATION, "parent": parent, "custom": False}]
    for type_, suffix in (
        ("tls:index/privateKey:PrivateKey", "key"),
        ("tls:index/selfSignedCert:SelfSignedCert", "cert"),
        ("azuread:index/applicationCertificate:ApplicationCertificate", "credential"),
    ):
        out.append(
            {
                "urn": urn(stack, [CREDENTIALS, GENERATION, type_], f"{name}-{suffix}"),
                "type": type_,
                "parent": component,
                "custom": True,
            }
        )
    return out


def _state(stack: str, resource: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    state = {
        "type": resource["type"],
        "urn": resource["urn"],
        "custom": resource["custom"],
        "parent": resource["parent"],
        "inputs": inputs,
        "outputs": inputs,
    }
    if resource["custom"]:
        package = resource["type"].split(":")[0]
        state["id"] = f"/{resource['urn'].rsplit('::', 1)[1]}"
        state["provider"] = provider_urn(stack, package)
    return state


def _metadata(
    stack: str,
    resource: dict[str, Any],
    op: str,
    old_inputs: dict[str, Any] | None,
    new_inputs: dict[str, Any] | None,
    diffs: list[str] | None = None,
    kinds: dict[str, str] | None = None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "op": op,
        "urn": resource["urn"],
        "type": resource["type"],
        "old": None if old_inputs is None else _state(stack, resource, old_inputs),
        "new": None if new_inputs is None else _state(stack, resource, new_inputs),
        "detailedDiff": None,
        "provider": provider_urn(stack, resource["type"].split(":")[0])
        if resource["custom"]
        else "",
    }
    if diffs:
        metadata["diffs"] = diffs
        metadata["keys"] = diffs
        metadata["detailedDiff"] = {
            prop: {"diffKind": (kinds or {}).get(prop, "update"), "inputDiff": True}
            for prop in diffs
        }
        metadata["logical"] = True
    return metadata


def prelude() -> dict[str, Any]:
    return {
        "preludeEvent": {"config": {"azuread:tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47"}}
    }


def summary(changes: dict[str, int], preview: bool = True, result: str = "succeeded") -> dict:
    return {
        "summaryEvent": {
            "maybeCorrupt": False,
            "durationSeconds": 4,
            "resourceChanges": changes,
            "PolicyPacks": {},
            "isPreview": preview,
            "result": result,
        }
    }


def refresh_preview(
    stack: str,
    generations: list[str],
    drifted: dict[str, tuple[str, list[str]]] | None = None,
    key_vault: bool = False,
    certificate: bool = False,
) -> list[dict[str, Any]]:
    """`pulumi refresh --preview-only`: every custom resource read back from the tenant.

    `drifted` maps a resource name to (op, changed properties); op is update or delete.
    """
    drifted = drifted or {}
    events = [prelude()]
    counts: dict[str, int] = {}
    for resource in stack_resources(stack, generations, key_vault, certificate):
        if not resource["custom"]:
            continue
        name = resource["urn"].rsplit("::", 1)[1]
        inputs = {"name": name}
        events.append(
            {
                "resourcePreEvent": {
                    "metadata": _metadata(stack, resource, "refresh", inputs, inputs),
                    "planning": True,
                }
            }
        )
        op, props = drifted.get(name, ("same", []))
        new = None if op == "delete" else {**inputs, **{p: "changed in the portal" for p in props}}
        metadata = _metadata(stack, resource, op, inputs, new, props or None)
        events.append({"resOutputsEvent": {"metadata": metadata, "planning": True}})
        counts[op] = counts.get(op, 0) + 1
    events += [summary(counts), {"cancelEvent": {}}]
    return events


def program_preview(
    stack: str,
    generations: list[str],
    created: list[str] | None = None,
    retired: list[str] | None = None,
    updated: dict[str, list[str]] | None = None,
    replaced: dict[str, list[str]] | None = None,
    error: str | None = None,
    key_vault: bool = False,
    certificate: bool = False,
) -> list[dict[str, Any]]:
    """`pulumi preview`: state against the program.

    created/retired: certificate generations (window dates, e.g. "20261203");
    updated/replaced: resource name -> changed properties.
    """
    created, retired = created or [], retired or []
    updated, replaced = updated or {}, replaced or {}
    events = [prelude()]
    counts: dict[str, int] = {}

    def emit(
        resource: dict[str, Any], op: str, old: Any, new: Any, props: list[str] | None
    ) -> None:
        metadata = _metadata(stack, resource, op, old, new, props)
        events.append({"resourcePreEvent": {"metadata": metadata, "planning": True}})
        events.append({"resOutputsEvent": {"metadata": metadata, "planning": True}})

    current = [g for g in generations if g not in created]
    for resource in stack_resources(stack, current, key_vault, certificate):
        name = resource["urn"].rsplit("::", 1)[1]
        inputs = {"name": name}
        generation = next((g for g in retired if f"exo-cert-{g}" in name), None)
        if generation:
            emit(resource, "delete", inputs, None, None)
            counts["delete"] = counts.get("delete", 0) + 1
        elif name in replaced:
            props = replaced[name]
            new = {**inputs, **dict.fromkeys(props, "new")}
            for op in ("replace", "create-replacement", "delete-replaced"):
                emit(resource, op, inputs, new, props)
            counts["replace"] = counts.get("replace", 0) + 1
        elif name in updated:
            props = updated[name]
            emit(resource, "update", inputs, {**inputs, **dict.fromkeys(props, "new")}, props)
            counts["update"] = counts.get("update", 0) + 1
        else:
            emit(resource, "same", inputs, inputs, None)
            counts["same"] = counts.get("same", 0) + 1
    for generation in created:
        for resource in generation_resources(stack, generation):
            emit(resource, "create", None, {"name": resource["urn"].rsplit("::", 1)[1]}, None)
            counts["create"] = counts.get("create", 0) + 1
    if error:
        events.append(
            {
                "diagnosticEvent": {
                    "message": f"error: {error}\n",
                    "color": "never",
                    "severity": "error",
                }
            }
        )
    events += [summary(counts, result="failed" if error else "succeeded"), {"cancelEvent": {}}]
    return events


def write_log(path: Path, events: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as log:
        for sequence, event in enumerate(events):
            log.write(
                json.dumps({"sequence": sequence, "timestamp": 1763800000 + sequence, **event})
            )
            log.write("\n")
    return path


def digest_from_events(events: list[dict[str, Any]], refresh: bool) -> dict[str, Any]:
    """The PreviewDigest the same run prints with --json (sames left out, as by default)."""
    steps, diagnostics, summary_counts = [], [], {}
    for event in events:
        if "resOutputsEvent" in event:
            meta = event["resOutputsEvent"]["metadata"]
            op = meta["op"]
            if op == "same":
                if not refresh:
                    continue
                op = "refresh"  # unchanged resources stay "refresh" in a refresh digest
            step = {
                "op": op,
                "urn": meta["urn"],
                "provider": meta["provider"],
                "oldState": meta["old"],
                "newState": meta["new"],
            }
            if meta.get("diffs"):
                step["diffReasons"] = meta["diffs"]
                step["detailedDiff"] = {
                    k: {"kind": v["diffKind"], "inputDiff": v["inputDiff"]}
                    for k, v in meta["detailedDiff"].items()
                }
            steps.append(step)
        elif "diagnosticEvent" in event:
            diagnostics.append(
                {
                    "message": event["diagnosticEvent"]["message"],
                    "severity": event["diagnosticEvent"]["severity"],
                }
            )
        elif "summaryEvent" in event:
            summary_counts = event["summaryEvent"]["resourceChanges"]
    return {
        "config": {},
        "steps": steps,
        "diagnostics": diagnostics,
        "duration": 4_000_000_000,
        "changeSummary": summary_counts,
    }
