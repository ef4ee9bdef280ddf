"""The engine's side of Python dynamic providers, for the SDK's mock engine.

Dynamic resources register as `pulumi-python:dynamic…` with their provider serialized in
the `__provider` input. The real engine hands such a resource to the dynamic provider
process (pulumi/dynamic/__main__.py), which unpickles `__provider` and calls its check,
diff, create, update, read or delete. DynamicMocks does the same in-process, with the
engine's rules: a preview calls no create; a resource in state is diffed, then updated,
replaced or left alone; what a successful update no longer declares is deleted; a
refresh reads each resource and drops the ones read back without an id.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import dill
import pulumi

from exocba import naming
from exoctl import engine
from tests.conftest import EntraMocks

DYNAMIC = naming.DYNAMIC
PROVIDER_KEY = "__provider"


def load_provider(serialized: str) -> Any:
    return dill.loads(base64.b64decode(serialized))


@dataclass
class DynamicMocks(EntraMocks):
    ops: list[tuple[str, str]] = field(default_factory=list)
    """(op, resource name) of every provider call that changes something."""
    dynamic: dict[tuple[str, str], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    """(type, name) -> (id, outputs) as state holds them."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        if not args.typ.startswith(DYNAMIC):
            return super().new_resource(args)
        news = {k: v for k, v in engine.reveal(dict(args.inputs)).items() if v is not None}
        key = (args.typ, args.name)
        self.registered.add(key)
        kept = self.dynamic.get(key)
        if pulumi.runtime.is_dry_run():
            return kept if kept else ("", news)
        provider = load_provider(news[PROVIDER_KEY])
        if kept is None:
            checked = provider.check({}, news)
            result = provider.create(checked.inputs)
            resource_id, outs, op = result.id, result.outs, "create"
        else:
            resource_id, olds = kept
            diff = provider.diff(resource_id, olds, news)
            if not diff.changes:
                return kept
            if diff.replaces:
                provider.delete(resource_id, olds)
                result = provider.create(news)
                resource_id, outs, op = result.id, result.outs, "replace"
            else:
                outs, op = provider.update(resource_id, olds, news).outs, "update"
        self.ops.append((op, args.name))
        state = (resource_id, {**outs, PROVIDER_KEY: news[PROVIDER_KEY]})
        self.dynamic[key] = state
        return state

    def delete_unregistered(self) -> None:
        """The deletes of a successful `pulumi up` (or a destroy, when nothing registered),
        dependents first: state lists resources in the order they were made."""
        for key in reversed([k for k in self.dynamic if k not in self.registered]):
            resource_id, outs = self.dynamic.pop(key)
            load_provider(outs[PROVIDER_KEY]).delete(resource_id, outs)
            self.ops.append(("delete", key[1]))

    def refresh(self) -> list[tuple[str, str, list[str]]]:
        """`pulumi refresh`: (op, name, changed keys) for each resource that differs."""
        steps: list[tuple[str, str, list[str]]] = []
        for key, (resource_id, outs) in list(self.dynamic.items()):
            result = load_provider(outs[PROVIDER_KEY]).read(resource_id, outs)
            if not result.id:
                del self.dynamic[key]
                steps.append(("delete", key[1], []))
                continue
            read = {**result.outs, PROVIDER_KEY: outs[PROVIDER_KEY]}
            changed = sorted(k for k in set(read) | set(outs) if read.get(k) != outs.get(k))
            if changed:
                self.dynamic[key] = (result.id, read)
                steps.append(("update", key[1], changed))
        return steps
