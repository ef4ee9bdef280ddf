"""Certificate rotation as desired state: which generations should exist now.

Time is cut into rotation windows of `rotationDays` (UTC dates), counted from the
ledger's *anchor*: the date of the stack's first generation, so the first
certificate is active for a full period whatever the day of the first deploy.
Ledgers written before anchors were recorded count from the Unix epoch, and keep
that calendar. A *generation* is named by the start date of the window it was
created in and becomes active at once. The set of generations to declare is a pure
function of the current time and the previous run's ledger (the stack output
`rotationLedger`), so that:

1. the active certificate always has at least rotationDays of validity left;
2. the previously active one stays registered (and valid) for at least
   rotationDays after a new one becomes active;
3. a run inside the same window changes nothing, and a window boundary adds one
   generation and retires at most one;
4. no run ever retires the generation that was active before it, whatever the gap.

Guarantees 1 and 2 hold for any run pattern with at most rotationDays between
runs if validityDays >= 3 * rotationDays. That factor is a bound, not a choice:
a generation created at the start of a window can stay active until the end of
the next one (runs may be almost rotationDays apart and the first run of a
window may come late), and must then stay valid rotationDays longer, 3 windows
in all. tests/components/test_rotation.py replays years of runs against all
four guarantees and shows a schedule at validityDays / 2 failing guarantee 2.

Guarantee 4 needs memory: the calendar alone cannot know which generation was
active before a long gap. The ledger is read back from the stack's own outputs.

Changing rotationDays never cuts the active generation's window short: the new
calendar starts where that window ends (the anchor moves there), so the active
certificate stays active until then, and a certificate handed over stays
registered for a full period of the new length after its handover, at least. The
shorter of the two periods is the overlap a certificate handed over just before the
change gets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

EPOCH = dt.date(1970, 1, 1)
# validityDays / rotationDays must be at least this (see the module docstring).
OVERLAP_FACTOR = 3


def utc_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


def window_start(moment: dt.datetime, rotation_days: int, anchor: dt.date = EPOCH) -> dt.date:
    """Start date (UTC) of the rotation window that contains `moment`, windows being
    counted from `anchor`."""
    days = (utc_date(moment) - anchor).days
    return anchor + dt.timedelta(days=days - days % rotation_days)


def first_generation(moment: dt.datetime) -> dt.date:
    """A new stack's first generation, and its anchor: the day of the first run."""
    return utc_date(moment)


@dataclass(frozen=True)
class Ledger:
    """Which generations exist and which one is active; exported as `rotationLedger`."""

    generations: tuple[dt.date, ...]
    active: dt.date
    rotation_days: int
    subjects: tuple[tuple[dt.date, str], ...] = ()
    """The certificate subject each generation was created with. A generation keeps
    its subject for life: changing the subject scheme must never replace the
    certificate scripts use. Ledgers written before subjects were recorded have none."""
    anchor: dt.date | None = None
    """The date windows are counted from. None: a ledger written before anchors were
    recorded, whose windows count from the Unix epoch."""

    @property
    def calendar_start(self) -> dt.date:
        return self.anchor or EPOCH

    @property
    def active_until(self) -> dt.date:
        """The end of the active generation's window: the next generation is due from
        then, and the active one's predecessor was handed over before then.

        A generation older than the anchor was active when rotationDays changed; the
        anchor was put where its window ends.
        """
        if self.active < self.calendar_start:
            return self.calendar_start
        return self.active + dt.timedelta(days=self.rotation_days)

    def subject_of(self, generation: dt.date, legacy: str) -> str:
        """The generation's recorded subject; `legacy` for one made before recording."""
        return dict(self.subjects).get(generation, legacy)

    def to_output(self) -> dict[str, object]:
        output: dict[str, object] = {
            "rotationDays": self.rotation_days,
            "generations": [g.isoformat() for g in self.generations],
            "active": self.active.isoformat(),
        }
        if self.subjects:
            output["subjects"] = {g.isoformat(): subject for g, subject in self.subjects}
        if self.anchor is not None:
            output["anchor"] = self.anchor.isoformat()
        return output

    @classmethod
    def from_output(cls, value: object) -> Ledger | None:
        """Parse a previous run's output; None when there was none.

        A ledger that is present but malformed raises ValueError rather than
        being treated as absent: treating it as absent would retire every
        generation the stack holds.
        """
        if value is None:
            return None
        if not isinstance(value, dict):
            raise ValueError(f"rotationLedger is not an object: {value!r}")
        try:
            generations = tuple(sorted(dt.date.fromisoformat(g) for g in value["generations"]))
            active = dt.date.fromisoformat(value["active"])
            rotation_days = int(value["rotationDays"])
            subjects = tuple(
                sorted(
                    (dt.date.fromisoformat(g), str(subject))
                    for g, subject in dict(value.get("subjects") or {}).items()
                )
            )
            anchor = value.get("anchor")
            anchor = None if anchor is None else dt.date.fromisoformat(anchor)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"rotationLedger is malformed: {error}") from None
        if active not in generations:
            raise ValueError("rotationLedger: the active generation is not among generations")
        if rotation_days < 1:
            raise ValueError(f"rotationLedger: rotationDays {rotation_days} is not positive")
        return cls(generations, active, rotation_days, subjects, anchor)


def plan_generations(
    previous: Ledger | None,
    now: dt.datetime,
    rotation_days: int,
    subject: str = "",
    legacy_subject: str = "",
) -> Ledger:
    """The generations to declare in this run, given the last run's ledger.

    A new generation gets `subject`; one the previous ledger holds keeps its recorded
    subject, or `legacy_subject` when the ledger predates recording subjects.
    """
    if previous is None:
        first = first_generation(now)
        return Ledger((first,), first, rotation_days, _subjects([first], None, subject, ""), first)
    active = previous.active
    # The active generation keeps the window it was created with; a new rotationDays
    # counts its windows from where that window ends.
    due = previous.active_until
    same_period = rotation_days == previous.rotation_days
    anchor = previous.anchor if same_period else due
    calendar = previous.calendar_start if same_period else due
    if utc_date(now) < due:
        # The active generation's window, or the clock moved back (EXO_CBA_NOW
        # rehearsal): no change.
        return Ledger(
            previous.generations,
            active,
            rotation_days,
            _subjects(previous.generations, previous, subject, legacy_subject),
            anchor,
        )

    window = window_start(now, rotation_days, calendar)
    keep = {window, active}
    older = [g for g in previous.generations if g < active]
    # The predecessor stopped being active when `active` took over, at the latest by
    # the end of the window `active` was created in (`due`); it stays registered for a
    # full rotation period (the present one) after that.
    if older and window < due + dt.timedelta(days=rotation_days):
        keep.add(older[-1])
    kept = tuple(sorted(keep))
    return Ledger(
        kept, window, rotation_days, _subjects(kept, previous, subject, legacy_subject), anchor
    )


def _subjects(
    generations: tuple[dt.date, ...] | list[dt.date],
    previous: Ledger | None,
    subject: str,
    legacy_subject: str,
) -> tuple[tuple[dt.date, str], ...]:
    if not subject:
        return ()
    known = previous.generations if previous else ()
    return tuple(
        (g, previous.subject_of(g, legacy_subject) if previous and g in known else subject)
        for g in generations
    )


def generation_name(generation: dt.date) -> str:
    return generation.strftime("%Y%m%d")
