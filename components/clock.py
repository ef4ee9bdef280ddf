"""The program's one clock: now, or the moment EXO_CBA_NOW names.

Apart from the pure schedule (exocba/rotation.py) because its error is a Pulumi
RunError, which Pulumi prints without a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping

import pulumi

NOW_VARIABLE = "EXO_CBA_NOW"


class NowError(pulumi.RunError):
    """EXO_CBA_NOW is set but unreadable (RunError: Pulumi prints it without a traceback)."""


def current_time(environ: Mapping[str, str] | None = None) -> dt.datetime:
    """Now in UTC, or the moment EXO_CBA_NOW names (ISO 8601) to rehearse a rotation.

    This is the program's only use of the clock: it picks the rotation window.
    """
    env = os.environ if environ is None else environ
    text = env.get(NOW_VARIABLE, "").strip()
    if not text:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise NowError(
            f"{NOW_VARIABLE}: {text!r} is not an ISO 8601 date or time; "
            "allowed: e.g. 2027-03-01 or 2027-03-01T12:00:00Z"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)
