"""The dynamic provider for the Exchange objects of the app's role groups.

The engine serializes each provider instance into state (`__provider`); dill stores these
classes by reference, so the instance is a few bytes and holds nothing: no token, no
session, no config. The work happens in exocba/exchange_objects.py, imported inside
each method because the provider process loads this module for every resource.

`pulumi import` cannot serve these resources: the Python dynamic provider's Read finds
its implementation in the resource's own state, which an import does not have. `exoctl
adopt` writes the config instead, and the first `pulumi up` adopts the existing objects
(create reads first; docs/exchange-role-groups.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import pulumi
from pulumi.dynamic import (
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from exocba import naming

T = TypeVar("T")


class ExchangeFailure(RuntimeError):
    """A failed Exchange step as `pulumi up` shows it. The SDK's provider server prints
    the traceback of whatever a dynamic provider raises (pulumi/dynamic/__main__.py,
    `_abort_with_traceback`); raised from None at the provider's own frame, that is
    three short frames and our message instead of the stack of requests and tenacity."""


def _plainly(step: Callable[[], T]) -> T:
    try:
        return step()
    except ExchangeFailure:
        raise
    except Exception as error:
        from exocba.exchange_rest import ExchangeError

        # Exchange's answers and our own refusals already say what to do; anything else
        # (the network, a bug) is named by its type, or a KeyError would read as 'x'.
        said = isinstance(error, RuntimeError | ExchangeError)
        raise ExchangeFailure(str(error) if said else f"{type(error).__name__}: {error}") from None


def _plain(props: dict[str, Any]) -> dict[str, Any]:
    """Without the engine's own keys (`__provider`)."""
    return {k: v for k, v in props.items() if not k.startswith("__")}


class _ExchangeProvider(ResourceProvider):
    serialize_as_secret_always = False  # it captures nothing secret
    kind: ClassVar[str] = ""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        from exocba import exchange_objects

        changed, replaces = exchange_objects.diff(self.kind, _plain(olds), _plain(news))
        return DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces)
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        from exocba import exchange_objects

        id_, outs = _plainly(lambda: exchange_objects.create(self.kind, _plain(props)))
        return CreateResult(id_, outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        from exocba import exchange_objects

        found, outs = _plainly(lambda: exchange_objects.read(self.kind, id_, _plain(props)))
        return ReadResult(found, outs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        from exocba import exchange_objects

        return UpdateResult(
            _plainly(lambda: exchange_objects.update(self.kind, _plain(olds), _plain(news)))
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        from exocba import exchange_objects

        _plainly(lambda: exchange_objects.delete(self.kind, _plain(props)))


class ServicePrincipalProvider(_ExchangeProvider):
    kind = naming.SERVICE_PRINCIPAL_KIND


class ManagementScopeProvider(_ExchangeProvider):
    kind = naming.MANAGEMENT_SCOPE_KIND


class RoleGroupProvider(_ExchangeProvider):
    kind = naming.ROLE_GROUP_KIND


class RoleGroupMemberProvider(_ExchangeProvider):
    kind = naming.ROLE_GROUP_MEMBER_KIND


# Type tokens: naming.EXCHANGE_*_TYPE, pulumi-python:dynamic/exchange:<Kind>.
# Outputs are attributes named as the properties (camelCase), as the SDK sets them.
class ExchangeServicePrincipal(
    Resource, module=naming.EXCHANGE_MODULE, name=naming.SERVICE_PRINCIPAL_KIND
):
    objectId: pulumi.Output[str]
    identity: pulumi.Output[str]
    madeByStack: pulumi.Output[bool]

    def __init__(
        self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(
            ServicePrincipalProvider(),
            name,
            {**props, "identity": None, "madeByStack": None},
            opts,
        )


class ManagementScope(Resource, module=naming.EXCHANGE_MODULE, name=naming.MANAGEMENT_SCOPE_KIND):
    name: pulumi.Output[str]
    madeByStack: pulumi.Output[bool]

    def __init__(
        self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(ManagementScopeProvider(), name, {**props, "madeByStack": None}, opts)


class RoleGroup(Resource, module=naming.EXCHANGE_MODULE, name=naming.ROLE_GROUP_KIND):
    name: pulumi.Output[str]
    madeByStack: pulumi.Output[bool]

    def __init__(
        self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(RoleGroupProvider(), name, {**props, "madeByStack": None}, opts)


class RoleGroupMember(Resource, module=naming.EXCHANGE_MODULE, name=naming.ROLE_GROUP_MEMBER_KIND):
    group: pulumi.Output[str]
    madeByStack: pulumi.Output[bool]

    def __init__(
        self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(RoleGroupMemberProvider(), name, {**props, "madeByStack": None}, opts)
