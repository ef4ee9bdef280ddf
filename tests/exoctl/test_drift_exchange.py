"""`exoctl drift` names an Exchange role group membership removed by hand: the refresh of the
dynamic resource, read by the provider from the stand-in, as the engine's events carry it."""

from __future__ import annotations

from pathlib import Path

from exoctl.errors import EXIT_DRIFT
from tests.fakes import events as ev
from tests.fakes.drift import GENERATIONS, drift, log
from tests.fakes.dynamic import DynamicMocks
from tests.fakes.role_groups import COMPONENT, MEMBER_TYPE, NARROW, online, up

__all__ = ["online"]  # the fixture, used by name
STACK = "contoso"


def refresh_events(steps: list[tuple[str, str, list[str]]], names: dict[str, str]) -> list[dict]:
    """The app's usual refresh, plus one read per role-group resource (name -> type)."""
    events = ev.refresh_preview(STACK, GENERATIONS)[:-2]
    parent = ev.urn(STACK, [COMPONENT], "exo-rbac")
    outcome = {name: (op, props) for op, name, props in steps}
    for name, type_ in names.items():
        resource = {
            "urn": ev.urn(STACK, [COMPONENT, type_], name),
            "type": type_,
            "parent": parent,
            "custom": True,
        }
        inputs = {"name": name}
        op, props = outcome.get(name, ("same", []))
        events.append(
            {
                "resourcePreEvent": {
                    "metadata": ev._metadata(STACK, resource, "refresh", inputs, inputs),
                    "planning": True,
                }
            }
        )
        new = None if op == "delete" else {**inputs, **dict.fromkeys(props, "changed")}
        metadata = ev._metadata(STACK, resource, op, inputs, new, props or None)
        events.append({"resOutputsEvent": {"metadata": metadata, "planning": True}})
    return [*events, ev.summary({"same": 9, "delete": 1}), {"cancelEvent": {}}]


def test_a_membership_removed_by_hand_is_drift_named_by_its_resource(
    tmp_path: Path, capsys, online
) -> None:
    mocks = DynamicMocks()
    up(mocks, NARROW)
    online.groups["exo-cba mail recipients"].members.clear()
    steps = mocks.refresh()
    names = {key[1]: key[0] for key in mocks.dynamic} | {n: MEMBER_TYPE for _, n, _ in steps}
    code, report = drift(capsys, "--from", log(tmp_path, refresh_events(steps, names)))
    assert (code, report["status"]) == (EXIT_DRIFT, "drift")
    assert [(c["name"], c["op"], c["kind"], c["type"]) for c in report["changes"]] == [
        ("exo-rbac-member-exo-cba-mail-recipients", "delete", "drift", MEMBER_TYPE)
    ]
