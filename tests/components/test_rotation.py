"""Rotation schedule: window arithmetic, the ledger, and the four guarantees replayed."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

import pytest

from components.rotation import (
    Ledger,
    NowError,
    current_time,
    plan_generations,
    window_start,
)

DAY = dt.timedelta(days=1)
T0 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


# ---------------------------------------------------------------- arithmetic


def test_windows_are_counted_from_the_unix_epoch_in_utc() -> None:
    assert window_start(dt.datetime(1970, 1, 1, tzinfo=dt.UTC), 90) == d("1970-01-01")
    assert window_start(dt.datetime(1970, 3, 31, 23, 59, tzinfo=dt.UTC), 90) == d("1970-01-01")
    assert window_start(dt.datetime(1970, 4, 1, tzinfo=dt.UTC), 90) == d("1970-04-01")
    # 2026-11-22 is day 20779; 20779 - 20779 % 90 = 20700 -> 2026-09-04.
    assert window_start(dt.datetime(2026, 11, 22, tzinfo=dt.UTC), 90) == d("2026-09-04")
    # A local time just after midnight in +02:00 is still the previous UTC day.
    moment = dt.datetime(1970, 4, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert window_start(moment, 90) == d("1970-01-01")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2027-03-01", dt.datetime(2027, 3, 1, tzinfo=dt.UTC)),
        ("2027-03-01T12:00:00Z", dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC)),
        ("2027-03-01T12:00:00+02:00", dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)),
    ],
)
def test_exo_cba_now_overrides_the_clock(text: str, expected: dt.datetime) -> None:
    assert current_time({"EXO_CBA_NOW": text}) == expected


def test_without_override_the_clock_is_utc_now() -> None:
    before = dt.datetime.now(dt.UTC)
    assert before <= current_time({}) <= dt.datetime.now(dt.UTC)


def test_bad_exo_cba_now_names_the_variable() -> None:
    with pytest.raises(NowError, match=r"^EXO_CBA_NOW: 'next tuesday' is not an ISO 8601"):
        current_time({"EXO_CBA_NOW": "next tuesday"})


def test_ledger_round_trips_and_refuses_garbage() -> None:
    ledger = Ledger((d("2026-01-01"), d("2026-04-01")), d("2026-04-01"), 90)
    assert Ledger.from_output(ledger.to_output()) == ledger
    assert Ledger.from_output(None) is None
    for bad in (
        "x",
        {"generations": ["2026-01-01"]},
        {**ledger.to_output(), "active": "2020-01-01"},
    ):
        with pytest.raises(ValueError, match="rotationLedger"):
            Ledger.from_output(bad)


# ---------------------------------------------------------------- transitions


def test_first_run_creates_one_active_generation() -> None:
    ledger = plan_generations(None, T0, 30)
    assert ledger.generations == (window_start(T0, 30),)
    assert ledger.active == window_start(T0, 30)


def test_steady_state_keeps_three_generations_and_moves_by_one() -> None:
    ledger = plan_generations(None, T0, 30)
    history = [ledger]
    for step in range(1, 6):
        ledger = plan_generations(ledger, T0 + step * 30 * DAY, 30)
        history.append(ledger)
    assert [len(h.generations) for h in history] == [1, 2, 3, 3, 3, 3]
    for before, after in itertools.pairwise(history):
        assert len(set(after.generations) - set(before.generations)) == 1
        assert len(set(before.generations) - set(after.generations)) <= 1
        assert after.active == max(after.generations)


def test_long_gap_keeps_the_previously_active_generation() -> None:
    ledger = plan_generations(None, T0, 30)
    for step in (1, 2):
        ledger = plan_generations(ledger, T0 + step * 30 * DAY, 30)
    after_gap = plan_generations(ledger, T0 + 400 * DAY, 30)
    assert ledger.active in after_gap.generations
    assert after_gap.active == window_start(T0 + 400 * DAY, 30)
    assert len(after_gap.generations) == 2


def test_clock_moved_back_changes_nothing() -> None:
    ledger = plan_generations(None, T0 + 100 * DAY, 30)
    assert plan_generations(ledger, T0, 30) == ledger


# ---------------------------------------------------------------- replay


@dataclass
class Replay:
    """Emulates the engine's state between runs: which generations exist, their validity."""

    validity: dt.timedelta
    rotation_days: int
    ledger: Ledger | None = None
    certs: dict[dt.date, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)
    handovers: list[tuple[dt.date, dt.datetime]] = field(default_factory=list)
    last_run: dt.datetime | None = None
    violations: list[str] = field(default_factory=list)

    def run(self, now: dt.datetime) -> None:
        rotation = dt.timedelta(days=self.rotation_days)
        before = self.ledger
        after = plan_generations(before, now, self.rotation_days)
        created = set(after.generations) - set(self.certs)
        deleted = set(self.certs) - set(after.generations)
        for generation in created:  # the engine creates before it deletes
            self.certs[generation] = (now, now + self.validity)
        for generation in deleted:
            del self.certs[generation]
        self.ledger = after

        def violation(text: str) -> None:
            self.violations.append(f"{now:%Y-%m-%d %H:%M}: {text}")

        # 1. the active certificate is registered with >= rotationDays left
        if after.active not in self.certs:
            violation("active generation not registered")
        elif self.certs[after.active][1] - now < rotation:
            violation(f"active has only {self.certs[after.active][1] - now} left")
        # 2. the previously active stays registered and valid rotationDays after handover
        if before is not None and after.active != before.active:
            self.handovers.append((before.active, now))
            if self.certs[before.active][1] < now + rotation:
                violation(f"previous {before.active} expires before handover + rotation")
        for previous, handed_over in self.handovers:
            if now < handed_over + rotation and previous not in self.certs:
                violation(f"previous {previous} retired {now - handed_over} after handover")
        # 3. same window: nothing changes; a boundary: one in, at most one out
        if self.last_run is not None:
            same = window_start(now, self.rotation_days) == window_start(
                self.last_run, self.rotation_days
            )
            if same and (created or deleted):
                violation(f"run inside one window changed {created or deleted}")
            if not same and (len(created) > 1 or len(deleted) > 1):
                violation(f"boundary replaced {len(created)} in / {len(deleted)} out")
        # 4. never retire what was active before this run
        if before is not None and before.active in deleted:
            violation(f"retired the previously active {before.active}")
        self.last_run = now


def daily(start: dt.datetime, years: int) -> list[dt.datetime]:
    return [start + i * DAY for i in range(365 * years)]


def random_gaps(seed: int, start: dt.datetime, years: int, max_gap_days: int) -> list[dt.datetime]:
    rng = random.Random(seed)
    runs, now = [], start
    end = start + years * 365 * DAY
    while now < end:
        runs.append(now)
        now += dt.timedelta(seconds=rng.randint(60, max_gap_days * 86400))
    return runs


def adversarial(start: dt.datetime, years: int, rotation_days: int) -> list[dt.datetime]:
    """First run at a window start, then gaps of just under rotationDays: the first run of
    each next window comes as late as the rule allows."""
    gap = dt.timedelta(days=rotation_days) - dt.timedelta(minutes=1)
    first = dt.datetime.combine(window_start(start, rotation_days), dt.time(), dt.UTC)
    count = years * 365 // rotation_days * 2
    return [first + i * gap for i in range(count)]


SCHEDULES = [(365, 90), (365, 121), (90, 30), (30, 10), (9, 3), (3, 1)]


@pytest.mark.parametrize(("validity_days", "rotation_days"), SCHEDULES)
def test_guarantees_hold_for_every_run_pattern(validity_days: int, rotation_days: int) -> None:
    patterns = {
        "daily for four years": daily(T0, 4),
        "adversarial": adversarial(T0, 4, rotation_days),
        "every rotationDays exactly": [T0 + i * rotation_days * DAY for i in range(60)],
    }
    for seed in range(8):
        patterns[f"random gaps, seed {seed}"] = random_gaps(seed, T0, 4, rotation_days)
    for label, runs in patterns.items():
        replay = Replay(dt.timedelta(days=validity_days), rotation_days)
        for now in runs:
            replay.run(now)
        assert replay.violations == [], f"{label}: {replay.violations[:3]}"
        assert len(replay.handovers) >= 3, f"{label}: the replay never rotated"


def test_long_gaps_never_retire_the_previously_active_credential() -> None:
    rng = random.Random(42)
    replay = Replay(dt.timedelta(days=365), 90)
    now = T0
    for _ in range(200):
        replay.run(now)
        now += dt.timedelta(days=rng.choice([1, 30, 95, 200, 400, 1000]))
    assert not [v for v in replay.violations if "retired the previously active" in v]
    assert not [v for v in replay.violations if "not registered" in v]


def test_half_validity_cannot_keep_guarantee_two() -> None:
    """Why rotationDays is capped at validityDays / 3, not / 2: the adversarial pattern
    respects 'a run at least every rotationDays' and still breaks guarantee 2."""
    replay = Replay(dt.timedelta(days=180), 90)
    for now in adversarial(T0, 2, 90):
        replay.run(now)
    assert any("expires before handover + rotation" in v for v in replay.violations)
