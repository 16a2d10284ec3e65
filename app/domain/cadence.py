"""Compliance cadences C1–C4 (docs/rules.md §4, docs/examples.md 1–9).

Regime rule (C1, C2). An enterprise owes a period of kind K when the WHOLE period lies
on or after max(first full period of K starting on or after `registered_on`,
CAMPAIGN_START) and lies entirely inside a stretch of time in which the enterprise was
`active` under the regime (high-risk or not) that yields K. So:

- obligations start with the first full period beginning on or after `registered_on`,
  and never before 2024-01-01;
- a period during any part of which the enterprise was suspended or closed, or whose
  regime changed inside it, is not owed ("full periods only", the same principle as the
  registration rule). After a change to high-risk on 2025-05-10, monthly C1 starts with
  June 2025 and neither Q2 2025 nor May 2025 is owed;
- the current period (the one containing `as_of`) is owed when the enterprise has been
  active under that regime from the period's start up to `as_of` (the future is
  unknown). It is `done` if a counting event falls in it on or before `as_of`, else
  `due`. Past owed periods are `done` or `missed`;
- if the current period is not owed, the status is `not_applicable` and `period` is the
  label of the current period of the regime in force on `as_of` (None when the
  enterprise is suspended or closed, or not yet registered, on `as_of`).

State changes effective after `as_of` are ignored, so a past `as_of` gives what was
true then. An event counts only for the owed period that contains its date; events
after `as_of`, before the obligations start or outside owed periods count for nothing.

C3 applies the same engine to villages and departments: half-years from H1 2024,
whenever the org unit was entered. C4 is a yearly coverage figure, not a cadence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.calendar import (
    CAMPAIGN_START,
    Period,
    PeriodKind,
    first_full_period_start,
    next_period,
    period_of,
)

ACTIVE = "active"
ENTERPRISE_STATUSES = frozenset({"active", "suspended", "closed"})


class CadenceStatus(StrEnum):
    done = "done"
    due = "due"
    missed = "missed"
    not_applicable = "not_applicable"


@dataclass(frozen=True)
class EnterpriseState:
    """The enterprise's status and high-risk flag from `effective_on` until the next change."""

    effective_on: date
    status: str
    high_risk: bool


@dataclass(frozen=True)
class CadenceResult:
    """Cadence on `as_of`: the current period and its status, plus past misses and dones."""

    period: str | None
    status: CadenceStatus
    missed_periods: int
    missed: tuple[str, ...]
    done: tuple[str, ...]


def c1_kind(high_risk: bool) -> PeriodKind:
    """C1: principal-led inspection per quarter, per month if high-risk."""
    return PeriodKind.month if high_risk else PeriodKind.quarter


def c2_kind(high_risk: bool) -> PeriodKind:
    """C2: evacuation drill per year, per half-year if high-risk."""
    return PeriodKind.half_year if high_risk else PeriodKind.year


def c3_kind(high_risk: bool = False) -> PeriodKind:
    """C3: supervision round per half-year, for every village and department."""
    return PeriodKind.half_year


@dataclass(frozen=True)
class _Stretch:
    """Days [start, end] in which the enterprise was active under one period kind.

    `end` is None for the stretch still running on `as_of`.
    """

    start: date
    end: date | None
    kind: PeriodKind


def _active_stretches(
    states: Sequence[EnterpriseState],
    kind_for: Callable[[bool], PeriodKind],
    as_of: date,
) -> list[_Stretch]:
    # Stable sort: of two changes on one day, the later-listed one wins.
    known = sorted((s for s in states if s.effective_on <= as_of), key=lambda s: s.effective_on)
    stretches: list[_Stretch] = []
    current: tuple[date, PeriodKind] | None = None  # start and kind of the open stretch
    for state in known:
        key = kind_for(state.high_risk) if state.status == ACTIVE else None
        if current is not None and key == current[1]:
            continue  # same regime: e.g. a change of another attribute, no break
        if current is not None:
            last_day = state.effective_on - timedelta(days=1)
            stretches.append(_Stretch(current[0], last_day, current[1]))
        current = (state.effective_on, key) if key is not None else None
    if current is not None:
        stretches.append(_Stretch(current[0], None, current[1]))
    return stretches


def _owed_periods(stretch: _Stretch, as_of: date) -> list[Period]:
    """Full periods of the stretch's kind inside it; for the running stretch, through `as_of`."""
    begin = max(stretch.start, CAMPAIGN_START)
    p = period_of(stretch.kind, first_full_period_start(stretch.kind, begin))
    owed: list[Period] = []
    while p.start <= as_of and (stretch.end is None or p.end <= stretch.end):
        owed.append(p)
        p = next_period(p)
    return owed


def _validate(states: Sequence[EnterpriseState]) -> None:
    if not states:
        raise ValueError("an enterprise has at least one state (its registration)")
    for state in states:
        if state.status not in ENTERPRISE_STATUSES:
            raise ValueError(f"unknown enterprise status {state.status!r}")


def evaluate_cadence(
    states: Sequence[EnterpriseState],
    kind_for: Callable[[bool], PeriodKind],
    event_dates: Iterable[date],
    as_of: date,
) -> CadenceResult:
    """The cadence engine behind C1–C3 under the regime rule of this module's docstring."""
    _validate(states)
    owed: list[Period] = []
    for stretch in _active_stretches(states, kind_for, as_of):
        owed.extend(_owed_periods(stretch, as_of))
    owed.sort()

    # Stretches are disjoint, so each date lies in at most one owed period: the last
    # one starting on or before it, if that one has not ended yet.
    starts = [p.start for p in owed]
    hit: set[Period] = set()
    for d in event_dates:
        if d > as_of:
            continue  # not yet happened on as_of
        i = bisect_right(starts, d) - 1
        if i >= 0 and owed[i].contains(d):
            hit.add(owed[i])

    current = owed[-1] if owed and owed[-1].contains(as_of) else None
    past = [p for p in owed if p != current]
    missed = tuple(p.label for p in past if p not in hit)
    done = tuple(p.label for p in owed if p in hit)

    if current is not None:
        status = CadenceStatus.done if current in hit else CadenceStatus.due
        label: str | None = current.label
    else:
        status = CadenceStatus.not_applicable
        label = _label_in_force(states, kind_for, as_of)
    return CadenceResult(
        period=label, status=status, missed_periods=len(missed), missed=missed, done=done
    )


def _label_in_force(
    states: Sequence[EnterpriseState], kind_for: Callable[[bool], PeriodKind], as_of: date
) -> str | None:
    in_force = None
    for state in sorted(states, key=lambda s: s.effective_on):
        if state.effective_on <= as_of:
            in_force = state
    if in_force is None or in_force.status != ACTIVE:
        return None
    return period_of(kind_for(in_force.high_risk), as_of).label


def evaluate_c1(
    states: Sequence[EnterpriseState],
    inspections: Iterable[tuple[date, str, bool]],
    as_of: date,
) -> CadenceResult:
    """C1: a `principal_self` inspection led by the principal per quarter (month if high-risk).

    Inspections are (performed_on, kind, led_by_principal); others never count (docs/examples.md, C1 example 3).
    """
    dates = (
        performed_on
        for performed_on, kind, led_by_principal in inspections
        if kind == "principal_self" and led_by_principal is True
    )
    return evaluate_cadence(states, c1_kind, dates, as_of)


def evaluate_c2(
    states: Sequence[EnterpriseState],
    drills: Iterable[tuple[date, str]],
    as_of: date,
) -> CadenceResult:
    """C2: an `evacuation` drill per year (half-year if high-risk). Drills are (held_on, kind)."""
    dates = (held_on for held_on, kind in drills if kind == "evacuation")
    return evaluate_cadence(states, c2_kind, dates, as_of)


# Villages and departments owe C3 from H1 2024 whenever they were entered (docs/examples.md, C3 example 8).
_ORG_UNIT_STATES = (EnterpriseState(CAMPAIGN_START, ACTIVE, False),)


def evaluate_c3(completed_on_dates: Iterable[date], as_of: date) -> CadenceResult:
    """C3: an accepted supervision round per half-year for a village or department.

    Pass only the `completed_on` dates of accepted `supervision_round` tasks targeting it.
    """
    return evaluate_cadence(_ORG_UNIT_STATES, c3_kind, completed_on_dates, as_of)


# C4: year -> (focus tags, trainee roles that count). An enterprise with any tag is focus.
FOCUS_TRAINING: dict[int, tuple[frozenset[str], frozenset[str]]] = {
    2024: (
        frozenset({"hospital_grade2", "hospital_grade3"}),
        frozenset({"fire_safety_responsible"}),
    ),
    2025: (frozenset({"dust_explosion"}), frozenset({"principal", "fire_safety_responsible"})),
    2026: (frozenset({"large_commercial_complex"}), frozenset({"fire_safety_responsible"})),
}


def _focus(year: int) -> tuple[frozenset[str], frozenset[str]]:
    try:
        return FOCUS_TRAINING[year]
    except KeyError:
        raise ValueError(f"no focus training defined for {year}") from None


def is_focus_enterprise(year: int, tags: Iterable[str], status: str) -> bool:
    """C4: an active enterprise carrying one of the year's focus tags."""
    focus_tags, _ = _focus(year)
    return status == ACTIVE and not focus_tags.isdisjoint(tags)


def training_covers(year: int, trainee_role: str, held_on: date, passed: bool | None) -> bool:
    """C4: a passed training of one of the year's roles, held in that year."""
    _, roles = _focus(year)
    return held_on.year == year and trainee_role in roles and passed is True


@dataclass(frozen=True)
class TrainingCoverage:
    """C4 coverage: covered / total active focus enterprises; `uncovered` lists their ids."""

    year: int
    total: int
    covered: int
    rate: float | None
    uncovered: tuple[Hashable, ...]


def training_coverage(
    year: int,
    enterprises: Iterable[
        tuple[Hashable, Iterable[str], str, Iterable[tuple[str, date, bool | None]]]
    ],
) -> TrainingCoverage:
    """C4 over (id, tags, status, trainings); trainings are (trainee_role, held_on, passed).

    `uncovered` keeps the input order of the enterprises.
    """
    _focus(year)  # unknown year -> ValueError even with no enterprises
    total = covered = 0
    uncovered: list[Hashable] = []
    for enterprise_id, tags, status, trainings in enterprises:
        if not is_focus_enterprise(year, tags, status):
            continue
        total += 1
        if any(training_covers(year, role, held_on, passed) for role, held_on, passed in trainings):
            covered += 1
        else:
            uncovered.append(enterprise_id)
    rate = covered / total if total else None
    return TrainingCoverage(
        year=year, total=total, covered=covered, rate=rate, uncovered=tuple(uncovered)
    )
