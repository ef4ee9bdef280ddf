"""The CLI minimum, declared twice, and the program under Pulumi's documented unit-test mocks.

The program under `set_mocks` is run as a user's own tests run it.

`pulumi.runtime.set_mocks` installs the SDK's MockEngine, which does not answer the
RequirePulumiVersion RPC (pulumi/pulumi#21337 asked for that; the SDK has not done
it). `exoctl plan` swaps in an engine that does (exoctl/engine.py); this test does
not, so it sees what Pulumi's documentation leads users to write.
"""

from __future__ import annotations

import runpy
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings

from components.stack_state import MINIMUM_PULUMI_VERSION
from tests.conftest import PROJECT_ROOT, TENANT_ID, EntraMocks, stable_guid


class Recording(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.types: list[str] = []

    def RegisterResource(self, request: Any) -> Any:
        self.types.append(request.type)
        return super().RegisterResource(request)


def test_the_program_runs_under_the_sdks_own_mock_engine() -> None:
    mocks = EntraMocks()
    monitor = Recording(mocks)
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config(
        {"azuread:tenantId": TENANT_ID, "exo-cba:roles": '["Exchange Administrator"]'}
    )
    pulumi.runtime.set_mocks(mocks, project="exo-cba", stack="dev", preview=False, monitor=monitor)
    assert type(settings.SETTINGS.engine) is pulumi_mocks.MockEngine
    root = settings.get_root_resource()

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(PROJECT_ROOT / "__main__.py"), run_name="__main__")
        return pulumi.Output.all(*root.outputs.values())

    program()
    app_id = pulumi.Output.from_input(root.outputs["appId"])
    seen: list[str] = []
    pulumi.runtime.test(lambda: app_id.apply(seen.append))()
    assert seen == [stable_guid("client", "exo-app")]
    for expected in (
        "azuread:index/application:Application",
        "azuread:index/servicePrincipal:ServicePrincipal",
        "azuread:index/appRoleAssignment:AppRoleAssignment",
        "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment",
        "azuread:index/applicationCertificate:ApplicationCertificate",
    ):
        assert expected in monitor.types


def test_pulumi_yaml_declares_the_programs_minimum() -> None:
    project = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())
    assert project["requiredPulumiVersion"] == f">={MINIMUM_PULUMI_VERSION}"
