"""Rotation schedule: window arithmetic, the ledger, and the four guarantees replayed."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

import pytest

from components.clock import NowError, current_time
from exocba.rotation import Ledger, plan_generations, window_start

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


def test_windows_are_counted_from_an_anchor() -> None:
    anchor = d("2026-11-21")
    assert window_start(dt.datetime(2026, 11, 21, tzinfo=dt.UTC), 90, anchor) == anchor
    assert window_start(dt.datetime(2027, 2, 18, 23, 59, tzinfo=dt.UTC), 90, anchor) == anchor
    assert window_start(dt.datetime(2027, 2, 19, tzinfo=dt.UTC), 90, anchor) == d("2027-02-19")


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
    anchored = Ledger((d("2026-01-05"),), d("2026-01-05"), 90, anchor=d("2026-01-05"))
    assert anchored.to_output()["anchor"] == "2026-01-05"
    assert Ledger.from_output(anchored.to_output()) == anchored
    # A ledger written before anchors were recorded has none, and writes none.
    assert "anchor" not in ledger.to_output()
    assert Ledger.from_output(None) is None
    for bad in (
        "x",
        {"generations": ["2026-01-01"]},
        {**ledger.to_output(), "active": "2020-01-01"},
        {**ledger.to_output(), "anchor": "soon"},
        {**ledger.to_output(), "rotationDays": 0},
    ):
        with pytest.raises(ValueError, match="rotationLedger"):
            Ledger.from_output(bad)


# ---------------------------------------------------------------- transitions


def test_first_run_creates_one_active_generation_anchored_on_its_own_day() -> None:
    ledger = plan_generations(None, T0, 30)
    assert ledger.generations == (T0.date(),)
    assert ledger.active == T0.date()
    assert ledger.anchor == T0.date()


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
    assert after_gap.active == window_start(T0 + 400 * DAY, 30, T0.date())
    assert len(after_gap.generations) == 2


def test_clock_moved_back_changes_nothing() -> None:
    ledger = plan_generations(None, T0 + 100 * DAY, 30)
    assert plan_generations(ledger, T0, 30) == ledger


# ---------------------------------------------------------------- replay


@dataclass(frozen=True)
class Handover:
    previous: dt.date
    at: dt.datetime
    rotation_days: int
    """The period in force when it happened."""


@dataclass
class Replay:
    """Emulates the engine's state between runs: which generations exist, their validity.

    `rotation_days` is the stack's config at the next run; a test may change it between
    runs. The replay keeps its own record of each generation's creation and period, so
    the guarantees are checked against what happened, not against the ledger.
    """

    validity: dt.timedelta
    rotation_days: int
    ledger: Ledger | None = None
    certs: dict[dt.date, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)
    periods: dict[dt.date, int] = field(default_factory=dict)
    """rotationDays in force at the run that created each generation."""
    handovers: list[Handover] = field(default_factory=list)
    retired: dict[dt.date, dt.datetime] = field(default_factory=dict)
    first_run: dt.datetime | None = None
    violations: list[str] = field(default_factory=list)

    def run(self, now: dt.datetime) -> None:
        period = self.rotation_days
        rotation = dt.timedelta(days=period)
        today = now.date()
        before = self.ledger
        after = plan_generations(before, now, period)
        created = set(after.generations) - set(self.certs)
        deleted = set(self.certs) - set(after.generations)
        for generation in created:  # the engine creates before it deletes
            self.certs[generation] = (now, now + self.validity)
            self.periods[generation] = period
        for generation in deleted:
            del self.certs[generation]
            self.retired[generation] = now
        self.ledger = after

        def violation(text: str) -> None:
            self.violations.append(f"{now:%Y-%m-%d %H:%M}: {text}")

        # 1. the active certificate is registered with >= rotationDays left
        if after.active not in self.certs:
            violation("active generation not registered")
        elif self.certs[after.active][1] - now < rotation:
            violation(f"active has only {self.certs[after.active][1] - now} left")
        # 2. the previously active stays registered and valid a rotation period after
        # its handover: the period then, or the new one if shorter.
        if before is not None and after.active != before.active:
            self.handovers.append(Handover(before.active, now, period))
            if self.certs[before.active][1] < now + rotation:
                violation(f"previous {before.active} expires before handover + rotation")
        longest = dt.timedelta(days=max(self.periods.values()))
        for handover in reversed(self.handovers):
            if now - handover.at > longest:
                break  # handovers are in time order; no older one is still overlapping
            overlap = dt.timedelta(days=min(handover.rotation_days, period))
            if now < handover.at + overlap and handover.previous not in self.certs:
                violation(
                    f"previous {handover.previous} retired {now - handover.at} after handover"
                )
        # 3. the calendar: the first generation is the first run's day; later, a run
        # changes something only when the active generation's window (its date plus the
        # period it was made with) has ended, and then adds the generation of the window
        # containing now, windows of the present period counted from that end.
        if before is None:
            self.first_run = now
            if created != {today}:
                violation(f"first run created {created}, not {today}")
        else:
            window_end = before.active + dt.timedelta(days=self.periods[before.active])
            if today < window_end and (created or deleted):
                violation(f"run inside {before.active}'s window changed {created or deleted}")
            if today >= window_end:
                offset = (today - window_end).days
                expected = window_end + dt.timedelta(days=offset - offset % period)
                if created != {expected}:
                    violation(f"boundary created {created}, not {expected}")
            if len(deleted) > 1:
                violation(f"one run retired {len(deleted)}")
        if len(after.generations) > 3:
            violation(f"{len(after.generations)} generations registered, more than three")
        # 4. never retire what was active before this run
        if before is not None and before.active in deleted:
            violation(f"retired the previously active {before.active}")
        # A run repeated at the same moment changes nothing.
        if plan_generations(after, now, period) != after:
            violation("a repeated run changed the ledger")


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
    """First run at the start of its day (the first window's start), then gaps of just
    under rotationDays: the first run of each next window comes as late as the rule allows."""
    gap = dt.timedelta(days=rotation_days) - dt.timedelta(minutes=1)
    first = dt.datetime.combine(start.date(), dt.time(), dt.UTC)
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


# ---------------------------------------------------------------- the first generation


@pytest.mark.parametrize(("validity_days", "rotation_days"), [(365, 90), (90, 30)])
def test_a_first_deploy_on_any_day_of_a_window_is_active_a_full_period(
    validity_days: int, rotation_days: int
) -> None:
    """Counted from 1970, a stack first deployed on a window's last day rotated the next
    day. Counted from its own first generation, the first certificate always serves a
    full period: replayed with a first deploy on each day of an epoch window."""
    epoch_window = dt.datetime.combine(window_start(T0, rotation_days), dt.time(8), dt.UTC)
    for offset in range(rotation_days):
        first = epoch_window + offset * DAY
        replay = Replay(dt.timedelta(days=validity_days), rotation_days)
        for now in daily(first, 2):
            replay.run(now)
        assert replay.violations == [], f"day {offset}: {replay.violations[:3]}"
        assert replay.ledger is not None and replay.ledger.anchor == first.date()
        handover = replay.handovers[0]
        assert handover.previous == first.date()
        assert handover.at - first == rotation_days * DAY, f"day {offset}"
        assert len(replay.handovers) >= 7


def test_a_ledger_without_anchor_keeps_its_epoch_calendar() -> None:
    """Stacks deployed before anchors were recorded: the upgrade rotates nothing, and
    later generations still fall on the windows counted from 1970."""
    now = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)
    active = window_start(now, 90)  # 2026-09-04
    # Its predecessor is from a 30-day calendar the stack used before (also from 1970).
    legacy = Ledger((active - 30 * DAY, active), active, 90)
    assert plan_generations(legacy, now, 90).to_output() == legacy.to_output()
    replay = Replay(dt.timedelta(days=365), 90, ledger=legacy)
    made = {g: dt.datetime.combine(g, dt.time(), dt.UTC) for g in legacy.generations}
    replay.certs = {g: (start, start + 365 * DAY) for g, start in made.items()}
    replay.periods = {active - 30 * DAY: 30, active: 90}
    for moment in daily(now, 2):
        replay.run(moment)
    assert replay.violations == []
    created = sorted(replay.periods)[2:]
    assert len(created) == 8
    assert all(window_start(dt.datetime.combine(g, dt.time(), dt.UTC), 90) == g for g in created)
    assert created[0] == d("2026-12-03")  # the epoch window after 2026-09-04
    assert replay.ledger is not None and replay.ledger.anchor is None
    assert "anchor" not in replay.ledger.to_output()


# ---------------------------------------------------------------- retirement boundary


def test_the_predecessor_is_retired_exactly_two_periods_after_the_active_began() -> None:
    """After a skipped window, the predecessor goes at active + 2 x rotationDays, not a
    window later; inside the window before, it stays."""
    anchor = d("2026-01-05")
    predecessor, active = anchor, anchor + 30 * DAY
    ledger = Ledger((predecessor, active), active, 30, anchor=anchor)
    at_boundary = dt.datetime.combine(active + 60 * DAY, dt.time(), dt.UTC)
    after_skip = plan_generations(ledger, at_boundary, 30)
    assert after_skip.generations == (active, active + 60 * DAY)
    just_before = plan_generations(ledger, at_boundary - dt.timedelta(minutes=1), 30)
    assert just_before.generations == (predecessor, active, active + 30 * DAY)
    # The same when the period shrinks at that run: the new period counts.
    long = Ledger((anchor, anchor + 90 * DAY), anchor + 90 * DAY, 90, anchor=anchor)
    due = anchor + 180 * DAY
    skipped = plan_generations(long, dt.datetime.combine(due + 30 * DAY, dt.time(), dt.UTC), 30)
    assert skipped.generations == (anchor + 90 * DAY, due + 30 * DAY)
    late = plan_generations(long, dt.datetime.combine(due, dt.time(23), dt.UTC), 30)
    assert late.generations == (anchor, anchor + 90 * DAY, due)


# ---------------------------------------------------------------- rotationDays changed


def switched(old: int, new: int, switch_offset: int, runs: list[dt.datetime]) -> Replay:
    """A replay (validityDays 365) that runs with `old` until `switch_offset` days after
    its first handover, then with `new`."""
    replay = Replay(dt.timedelta(days=365), old)
    switch: dt.datetime | None = None
    for now in runs:
        if switch is None and replay.handovers:
            switch = replay.handovers[0].at + switch_offset * DAY
        if switch is not None and now >= switch:
            replay.rotation_days = new
        replay.run(now)
    assert switch is not None
    replay.switch = switch  # type: ignore[attr-defined]
    return replay


@pytest.mark.parametrize(("old", "new"), [(90, 30), (30, 90)])
def test_changing_rotation_days_never_retires_a_certificate_early(old: int, new: int) -> None:
    """rotationDays changed mid-life, in both directions, on each day of the active
    generation's window, replayed over two years with daily runs and with random gaps
    (at most the shorter period): every guarantee holds (a certificate handed over keeps
    the shorter of its own and the new period), and the first certificate handed over
    under the new period stays registered a full new period."""
    for offset in range(old):
        patterns = {"daily": daily(T0, 2)}
        if offset % 10 == 0:
            patterns["random"] = random_gaps(offset, T0, 2, min(old, new))
        for label, runs in patterns.items():
            replay = switched(old, new, offset, runs)
            where = f"{label}, switch on day {offset}"
            assert replay.violations == [], f"{where}: {replay.violations[:3]}"
            after = [h for h in replay.handovers if h.at > replay.switch]
            assert len(after) >= 3, where
            assert after[0].rotation_days == new, where
            overlap = replay.retired[after[0].previous] - after[0].at
            assert overlap >= new * DAY, f"{where}: retired {overlap} after its handover"


def test_a_shorter_period_keeps_the_certificate_handed_over_before_the_switch() -> None:
    """The audit's case: 90 -> 30 days six days after a late handover. Using the new
    period where the ledger's old one belongs retired the handed-over certificate at
    the switch; it must stay at least the new period after its handover."""
    start = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    replay = Replay(dt.timedelta(days=365), 90)
    for day in (0, 85, 170):  # the second window's first run comes late, on day 170
        replay.run(start + day * DAY)
    (handover,) = replay.handovers
    assert (handover.previous, handover.at) == (start.date(), start + 170 * DAY)
    replay.rotation_days = 30
    for day in range(176, 400):
        replay.run(start + day * DAY)
    assert replay.violations == []
    assert replay.retired[start.date()] - handover.at >= 30 * DAY
    # The generation active at the switch keeps its 90-day window: the next one
    # starts the 30-day calendar where that window ends.
    assert replay.handovers[1].at == start + 180 * DAY
    assert sorted(replay.periods)[2:4] == [start.date() + 180 * DAY, start.date() + 210 * DAY]
