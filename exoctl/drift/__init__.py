"""`exoctl drift`: tell drift, pending changes and a due rotation apart (docs/exoctl.md, "Drift").

- formats: engine event logs and preview digests, as Pulumi writes them;
- classify: drift, pending, rotation or applied, per stack, and the report;
- fleet: live checks of many stacks through the Automation API.
"""

from exoctl.drift.classify import (
    Change,
    StackResult,
    classify,
    document,
    result_from_recordings,
    results_from_recording,
)
from exoctl.drift.fleet import Progress, certificate_warning, check_stack, check_stacks
from exoctl.drift.formats import Recording, load_recording

__all__ = [
    "Change",
    "Progress",
    "Recording",
    "StackResult",
    "certificate_warning",
    "check_stack",
    "check_stacks",
    "classify",
    "document",
    "load_recording",
    "result_from_recordings",
    "results_from_recording",
]
