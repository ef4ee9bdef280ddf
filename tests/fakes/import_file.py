"""The URNs `pulumi import --file` gives an import file's entries, and its refusals.

A port of `parseImportFile` (pulumi/pulumi pkg/cmd/pulumi/operations/import.go,
commit 1b5949891b3cefcb9974752b24a5ecef0acc86c8, Apache-2.0), for the parts an
import file of exo-cba uses: every entry has a type and a name, a component has no
id and every other entry has one, a parent resolves through `nameTable` or another
entry (never ambiguously), and every URN is unique. The URN is
`resource.NewURN(stack, project, parentType, type, name)`, where parentType is the
parent URN's qualified type (its type chain).
"""

from __future__ import annotations

from typing import Any


class ImportFileError(Exception):
    pass


def _qualified_type(urn: str) -> str:
    return urn.split("::")[2]


def import_urns(document: dict[str, Any], stack: str, project: str) -> dict[str, str]:
    """Entry name -> URN, exactly as the CLI would compute it, or ImportFileError."""
    resources = document.get("resources") or []
    name_table: dict[str, str] = document.get("nameTable") or {}
    errors: list[str] = []
    names = [spec.get("name") or spec.get("logicalName") for spec in resources]
    for index, spec in enumerate(resources):
        label = f"resource {names[index] or index}"
        if not spec.get("type"):
            errors.append(f"{label} has no type")
        if not names[index]:
            errors.append(f"{label} has no name")
        if spec.get("component") and spec.get("id"):
            errors.append(f"{label} has an ID, but is marked as a component")
        if not spec.get("component") and not spec.get("id"):
            errors.append(f"{label} has no ID")
    if errors:
        raise ImportFileError("; ".join(errors))

    ambiguous = {name for name in names if names.count(name) > 1}
    urns: dict[str, str] = {}
    taken = set(name_table.values())
    pending = list(range(len(resources)))
    while pending:
        progressed = False
        for index in list(pending):
            spec = resources[index]
            parent_type = ""
            parent = spec.get("parent")
            if parent:
                if parent in ambiguous:
                    raise ImportFileError(f"resource {names[index]} has an ambiguous parent")
                if parent in name_table:
                    parent_type = _qualified_type(name_table[parent])
                elif parent not in names:
                    raise ImportFileError(
                        f"the parent '{parent}' for resource {names[index]} has no entry in "
                        "'nameTable'"
                    )
                elif parent not in urns:
                    continue
                else:
                    parent_type = _qualified_type(urns[parent])
            chain = f"{parent_type}${spec['type']}" if parent_type else spec["type"]
            urn = (
                f"urn:pulumi:{stack}::{project}::{chain}::{spec.get('logicalName') or names[index]}"
            )
            if urn in taken:
                raise ImportFileError(f"resource {names[index]} has an ambiguous URN")
            taken.add(urn)
            urns[names[index]] = urn
            pending.remove(index)
            progressed = True
        if not progressed:
            raise ImportFileError("the parents of the remaining resources never resolve")
    return urns
