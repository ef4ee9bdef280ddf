"""What `exoctl verify` found: one step after another, each pass, fail, warn or skipped."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Step:
    name: str
    status: str  # pass | fail | warn | skipped
    detail: str


@dataclass
class Verification:
    app_id: str
    tenant_id: str
    organization: str
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.status in ("pass", "warn") for step in self.steps)

    def add(self, name: str, status: str, detail: str) -> None:
        self.steps.append(Step(name, status, detail))

    def document(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "appId": self.app_id,
            "tenantId": self.tenant_id,
            "organization": self.organization,
            "steps": [asdict(step) for step in self.steps],
        }
