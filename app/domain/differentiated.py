"""Differentiated supervision, cadence C5 (K5; plan §6 分类化排查、差异化监管).

The lead department inspects each enterprise (an inspection of kind `department`) at least
once per period of the kind its risk level (K4) sets: `red` monthly, `orange` quarterly,
`yellow` half-yearly, `blue` yearly. Periods are calendar periods in Asia/Shanghai, as for
C1–C4, and the answer has C1–C4's shape (`CadenceResult`).

Level changes: a period's cadence is fixed on its first day. A period of kind K is owed
when

- the level in force on the period's first day yields K (no level yet: nothing is owed);
- the enterprise was `active` from that first day to the period's end (to `as_of` for the
  current period): a period during any part of which it was suspended or closed is not
  owed, and periods that began before `registered_on` (its first state) or before
  2024-01-01 are not owed — the registration and suspension rules of C1/C2;
- and, once begun, it stays owed whatever the level does later in it.

This is the spirit of C1/C2's regime rule (whole calendar periods, nothing owed for a
period a change has cut into under the new regime), with one difference that matters
because a risk level, unlike the high-risk flag, can change several times a year: the
period a change falls in is kept under the level it began with, so a change never wipes
out a begun obligation and a level that flips back and forth cannot make an enterprise
escape supervision. For a red enterprise that becomes yellow on 10 May 2025: January to
May 2025 are owed monthly (May began red), June is not owed (it began yellow, and the
yellow half-year H1 began red), and half-years are owed from H2 2025. The reverse, yellow
to red on 10 May: H1 2025 stays owed, May is not owed, and months are owed from June; an
inspection in June counts for both June and H1 (periods nest, and an inspection counts for
every owed period it falls in). Tightening thus takes effect with the next month, quarter or
half-year; loosening leaves at most the rest of the new, longer period already begun
uncovered, a period in which the stricter cadence's periods were owed.

The current period reported is the shortest owed period containing `as_of` (any
inspection in it also falls in the longer ones); if none is owed, the status is
`not_applicable` and `period` is the current period of the cadence in force on `as_of`
(None when the enterprise is not active or has no level then). State and level changes
effective after `as_of` are ignored, so a past `as_of` gives what was true then.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from app.domain.cadence import ACTIVE, ENTERPRISE_STATUSES, CadenceResult, CadenceStatus, EnterpriseState
from app.domain.calendar import CAMPAIGN_START, Period, PeriodKind, next_period, period_of
from app.domain.risk import RiskLevel

C5_INSPECTION_KIND = "department"

C5_KIND: dict[RiskLevel, PeriodKind] = {
    RiskLevel.red: PeriodKind.month,
    RiskLevel.orange: PeriodKind.quarter,
    RiskLevel.yellow: PeriodKind.half_year,
    RiskLevel.blue: PeriodKind.year,
}


def c5_kind(level: RiskLevel | str) -> PeriodKind:
    """C5: monthly for red, quarterly for orange, half-yearly for yellow, yearly for blue."""
    return C5_KIND[RiskLevel(level)]


@dataclass(frozen=True)
class LevelState:
    """The enterprise's risk level (K4, after any override) from `effective_on` on."""

    effective_on: date
    level: RiskLevel

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", RiskLevel(self.level))


def level_history(
    computed: RiskLevel | str, overrides: Sequence[tuple[RiskLevel | str | None, date]], as_of: date
) -> list[LevelState]:
    """C5's level history from K4: `overrides` are (level, the Asia/Shanghai day it was
    made) in the order they were made, a level None returning to the computed level.

    The computed level of a past day is not reconstructed: the level K4 computes on
    `as_of` stands for every day on which no override is in force — before the first
    override and after one returning to the computed level. An override takes effect on
    the day it was made; of several on one day the last made wins. Overrides made after
    `as_of` are ignored."""
    computed = RiskLevel(computed)
    history = [LevelState(date.min, computed)]
    for level, day in overrides:
        if day <= as_of:
            history.append(LevelState(day, RiskLevel(level) if level is not None else computed))
    return history


def _in_force(changes: Sequence[tuple[date, object]], d: date) -> object | None:
    """The value of the last change effective on or before `d` (ascending, stable)."""
    value = None
    for effective_on, v in changes:
        if effective_on > d:
            break
        value = v
    return value


def _active_stretches(states: Sequence[EnterpriseState], as_of: date) -> list[tuple[date, date | None]]:
    known = sorted((s for s in states if s.effective_on <= as_of), key=lambda s: s.effective_on)
    stretches: list[tuple[date, date | None]] = []
    start: date | None = None
    for state in known:
        if state.status == ACTIVE and start is None:
            start = state.effective_on
        elif state.status != ACTIVE and start is not None:
            # of two changes on one day, the later-listed one wins
            if state.effective_on > start:
                stretches.append((start, date.fromordinal(state.effective_on.toordinal() - 1)))
            start = None
    if start is not None:
        stretches.append((start, None))
    return stretches


def _active_throughout(stretches: Sequence[tuple[date, date | None]], first: date, last: date) -> bool:
    return any(s <= first and (e is None or e >= last) for s, e in stretches)


def _validate(states: Sequence[EnterpriseState]) -> None:
    if not states:
        raise ValueError("an enterprise has at least one state (its registration)")
    for state in states:
        if state.status not in ENTERPRISE_STATUSES:
            raise ValueError(f"unknown enterprise status {state.status!r}")


def c5_owed_periods(states: Sequence[EnterpriseState], levels: Sequence[LevelState], as_of: date) -> list[Period]:
    """C5: the periods owed through `as_of` under this module's rule, by start then length."""
    _validate(states)
    stretches = _active_stretches(states, as_of)
    level_changes = sorted(((s.effective_on, s.level) for s in levels if s.effective_on <= as_of), key=lambda c: c[0])
    owed: list[Period] = []
    for kind in C5_KIND.values():
        p = period_of(kind, CAMPAIGN_START)
        while p.start <= as_of:
            level = _in_force(level_changes, p.start)
            if (
                level is not None
                and C5_KIND[level] is kind  # type: ignore[index]
                and _active_throughout(stretches, p.start, min(p.end, as_of))
            ):
                owed.append(p)
            p = next_period(p)
    owed.sort(key=lambda p: (p.start, p.end))
    return owed


def evaluate_c5(
    states: Sequence[EnterpriseState],
    levels: Sequence[LevelState],
    inspections: Iterable[tuple[date, str]],
    as_of: date,
) -> CadenceResult:
    """C5 on `as_of`. `states` as for C1/C2 (the first is the registration); `levels` the
    risk-level history; `inspections` (performed_on, kind) — only `department` counts."""
    owed = c5_owed_periods(states, levels, as_of)
    dates = sorted(d for d, kind in inspections if kind == C5_INSPECTION_KIND and d <= as_of)

    def hit(p: Period) -> bool:
        i = bisect_left(dates, p.start)
        return i < len(dates) and dates[i] <= p.end

    done_set = {p for p in owed if hit(p)}
    current = [p for p in owed if p.contains(as_of)]
    past = [p for p in owed if p.end < as_of]
    missed = tuple(p.label for p in past if p not in done_set)
    done = tuple(p.label for p in owed if p in done_set)
    if current:
        shortest = min(current, key=lambda p: p.end - p.start)
        status = CadenceStatus.done if shortest in done_set else CadenceStatus.due
        label: str | None = shortest.label
    else:
        status = CadenceStatus.not_applicable
        label = _label_in_force(states, levels, as_of)
    return CadenceResult(period=label, status=status, missed_periods=len(missed), missed=missed, done=done)


def _label_in_force(states: Sequence[EnterpriseState], levels: Sequence[LevelState], as_of: date) -> str | None:
    status = _in_force(sorted(((s.effective_on, s.status) for s in states), key=lambda c: c[0]), as_of)
    level = _in_force(sorted(((s.effective_on, s.level) for s in levels), key=lambda c: c[0]), as_of)
    if status != ACTIVE or level is None:
        return None
    return period_of(c5_kind(level), as_of).label  # type: ignore[arg-type]
