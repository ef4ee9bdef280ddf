"""`exoctl plan`: evaluate the program offline for one stack and show what it declares.

No Pulumi CLI, no credentials, no network: the program runs on the SDK's mock
engine in preview mode. Whatever only the tenant or a provider can know (object
ids, the app id, the certificate itself) stays unknown and is shown as computed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pulumi

from exocba import naming
from exocba.naming import LEDGER_OUTPUT
from exocba.rotation import Ledger, generation_name
from exocba.wellknown import MANAGED_IDENTITY_TYPE
from exoctl import engine
from exoctl.errors import ExoctlError
from exoctl.stackfiles import load_stack_config

CREDENTIALS_TYPE = naming.CERTIFICATE_CREDENTIALS


class PlanMocks(pulumi.runtime.Mocks):
    """Answers nothing the tenant would have to answer.

    Resources echo their inputs only, so every provider-computed output is unknown
    in preview. Data sources cannot return unknowns through the mock engine, so
    they return the COMPUTED marker, except the tenant id a stack file sets.
    """

    def __init__(self, config: dict[str, str], previous_outputs: dict[str, Any] | None) -> None:
        self.tenant_id = config.get("azuread:tenantId") or engine.COMPUTED
        self.previous_outputs = previous_outputs or {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return "", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list] | dict:
        invoked = args.token
        if invoked == "pulumi:pulumi:readStackOutputs":
            # Offline there is no state: a first deployment, unless --previous
            # supplies `pulumi stack output --json` of the real stack.
            return {"name": args.args.get("name"), "outputs": self.previous_outputs}
        if invoked == "azuread:index/getClientConfig:getClientConfig":
            return {
                "tenantId": self.tenant_id,
                "clientId": engine.COMPUTED,
                "objectId": engine.COMPUTED,
            }
        if invoked == "azuread:index/getDomains:getDomains":
            return {
                "domains": [
                    {
                        "domainName": engine.COMPUTED,
                        "initial": True,
                        "authenticationType": "Managed",
                    }
                ]
            }
        if invoked == "azuread:index/getServicePrincipal:getServicePrincipal" and args.args.get(
            "objectId"
        ):
            # A managed identity named in config: offline, taken at its word; `pulumi
            # preview` reads the directory and refuses one that is not.
            return {
                "objectId": args.args["objectId"],
                "clientId": engine.COMPUTED,
                "type": MANAGED_IDENTITY_TYPE,
                "displayName": engine.COMPUTED,
            }
        if invoked == "azuread:index/getServicePrincipal:getServicePrincipal":
            return {
                "clientId": args.args.get("clientId", engine.COMPUTED),
                "objectId": engine.COMPUTED,
                "displayName": engine.COMPUTED,
            }
        return {}, [("", f"exoctl plan has no offline answer for data source {invoked}")]


def load_previous_outputs(path: Path) -> dict[str, Any]:
    """`pulumi stack output --json` of the real stack, for rehearsing a rotation."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ExoctlError(f"cannot read --previous {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ExoctlError(f"--previous {path} is not JSON (line {error.lineno})") from None
    if not isinstance(document, dict):
        raise ExoctlError(f"--previous {path} must hold `pulumi stack output --json`")
    # A rehearsal compares against the deployed ledger; without one the program would
    # plan a first deployment and the plan would claim every generation is new.
    if LEDGER_OUTPUT not in document:
        raise ExoctlError(
            f"--previous {path} has no {LEDGER_OUTPUT} output, which a rotation rehearsal "
            "compares against: give `pulumi stack output --json` of a stack that generates "
            "its certificates and has been deployed (bring-your-own stacks rotate nothing)"
        )
    try:
        Ledger.from_output(document[LEDGER_OUTPUT])
    except ValueError as error:
        raise ExoctlError(f"--previous {path}: {error}") from None
    return document


def evaluate(
    project_dir: Path, stack: str, previous_outputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The plan document: resources sorted by URN, outputs, warnings."""
    config = load_stack_config(project_dir, stack)
    run = engine.run_program(
        config,
        PlanMocks(config, previous_outputs),
        stack=stack,
        preview=True,
        program_dir=project_dir,
    )
    urn_to_name = {resource.urn: resource.name for resource in run.resources}
    planned = run.component_output(CREDENTIALS_TYPE, "plannedLedger")
    return {
        "stack": stack,
        "resources": [
            {
                "type": resource.type,
                "name": resource.name,
                "urn": resource.urn,
                "parent": urn_to_name.get(resource.parent),
                "protect": resource.protect,
                "inputs": engine.redact(resource.inputs),
            }
            # Registration is concurrent; sort so two plans of one stack are identical.
            for resource in sorted(run.resources, key=lambda r: r.urn)
        ],
        "outputs": engine.redact(run.outputs),
        "rotation": planned,
        "rotationChanges": rotation_changes(
            (previous_outputs or {}).get(LEDGER_OUTPUT), planned, _credentials_name(run)
        ),
        "notes": run.notes,
        "warnings": run.warnings,
    }


def _credentials_name(run: engine.ProgramRun) -> str | None:
    found = run.by_type(CREDENTIALS_TYPE)
    return found[0].name if found else None


def rotation_changes(
    previous: dict[str, Any] | None, planned: Any, component: str | None
) -> dict[str, list[dict[str, Any]]] | None:
    """Which generations this run would create, retire and keep, with their resource
    names: the planned ledger against the deployed one (none: a first deployment)."""
    if not isinstance(planned, dict) or component is None:
        return None  # bring your own certificate: nothing rotates
    before = set(previous["generations"]) if previous else set()
    after = set(planned["generations"])

    def named(dates: set[str]) -> list[dict[str, Any]]:
        return [
            {
                "generation": date,
                "name": f"{component}-{generation_name(dt.date.fromisoformat(date))}",
                "active": date == planned["active"],
                "wasActive": bool(previous) and date == previous["active"],
            }
            for date in sorted(dates, reverse=True)
        ]

    return {
        "create": named(after - before),
        "retire": named(before - after),
        "unchanged": named(after & before),
    }


def _format_value(value: Any) -> str:
    if isinstance(value, str):
        lines = value.strip().splitlines()
        # PEM and other blocks: one line in the text view; --json has them whole.
        return value if len(lines) <= 1 else f"{lines[0]} … ({len(lines)} lines)"
    return json.dumps(value, sort_keys=True)


def rotation_summary(ledger: dict[str, Any]) -> str:
    active = dt.date.fromisoformat(ledger["active"])
    days = int(ledger["rotationDays"])
    registered = ", ".join(ledger["generations"])
    return (
        f"Rotation: generation {active} is active (every {days} days); registered: "
        f"{registered}; the next generation becomes active on the first run from "
        f"{active + dt.timedelta(days=days)}"
    )


def rotation_lines(changes: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Each generation, newest first, marked as `pulumi preview` marks resources."""
    marks = {
        "create": ("+", "to create"),
        "retire": ("-", "to retire"),
        "unchanged": (" ", "unchanged"),
    }
    rows = sorted(
        ((entry, kind) for kind in marks for entry in changes[kind]),
        key=lambda row: row[0]["generation"],
        reverse=True,
    )
    lines = []
    for entry, kind in rows:
        mark, what = marks[kind]
        if entry["active"]:
            what += ", active"
        elif entry["wasActive"]:
            what += ", was active"
        lines.append(f"  {mark} {entry['name']}  {what}")
    return lines


def summary_line(changes: dict[str, list[dict[str, Any]]]) -> str:
    """`Generations: + 1 to create, - 1 to retire, 2 unchanged`, as pulumi preview counts."""
    parts = [
        f"{sign}{len(changes[kind])} {label}"
        for kind, sign, label in (
            ("create", "+ ", "to create"),
            ("retire", "- ", "to retire"),
            ("unchanged", "", "unchanged"),
        )
        if changes[kind]
    ]
    return "Generations: " + ", ".join(parts or ["no change"])


def render_text(plan: dict[str, Any]) -> str:
    from exocba.clouds import CLOUDS_BY_NAME

    lines = [
        f"Plan for stack {plan['stack']} (offline; {engine.COMPUTED} = known only after "
        "`pulumi up` in the tenant, [secret] = kept as a Pulumi secret)",
    ]
    cloud = CLOUDS_BY_NAME.get(str(plan["outputs"].get("cloud")))
    if cloud is not None:
        lines.append(
            f"Cloud: {cloud.title} (azuread:environment {cloud.azuread_environments[0]}; "
            f"Graph {cloud.graph_url}, Exchange {cloud.exchange_url})"
        )
    lines += [f"Note: {note}" for note in plan.get("notes", [])]
    lines += [
        "",
        f"Resources ({len(plan['resources'])}):",
    ]
    children: dict[str | None, list[dict[str, Any]]] = {}
    for resource in plan["resources"]:
        children.setdefault(resource["parent"], []).append(resource)

    def walk(parent: str | None, depth: int) -> None:
        for resource in children.get(parent, []):
            indent = "    " * depth
            flags = " (protected)" if resource["protect"] else ""
            lines.append(f"{indent}  + {resource['type']}  {resource['name']}{flags}")
            for key in sorted(resource["inputs"]):
                value = _format_value(resource["inputs"][key])
                lines.append(f"{indent}        {key}: {value}")
            walk(resource["name"], depth + 1)

    walk(None, 0)
    lines += ["", "Outputs:"]
    for key in sorted(plan["outputs"]):
        lines.append(f"  {key}: {_format_value(plan['outputs'][key])}")
    for warning in plan["warnings"]:
        lines.append(f"warning: {warning}")
    ledger, changes = plan.get("rotation"), plan.get("rotationChanges")
    if isinstance(ledger, dict) and changes:
        lines += ["", f"Generations (a new one every {int(ledger['rotationDays'])} days):"]
        lines += rotation_lines(changes)
        lines += [rotation_summary(ledger), "", summary_line(changes)]
    return "\n".join(lines)
