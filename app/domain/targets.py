"""Year-end targets T1–T3 (docs/rules.md §5, H6, H10; docs/examples.md 10–13).

The service computes the figures in SQL (up to a million hazards), so the status
functions take figures. `HazardTimeline` and `evaluate_targets` are the per-hazard
reference model the figures must agree with; tests cross-check the two.

Business dates throughout: a hazard exists from its `discovered_on`, and its state and
deadline on a date D are those of the last history step with `effective_on <= D`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class TargetStatus(StrEnum):
    met = "met"
    on_track = "on_track"
    at_risk = "at_risk"
    missed = "missed"


class TargetCode(StrEnum):
    stock_cleared = "stock_cleared"
    increment_reduced = "increment_reduced"
    dynamic_zero = "dynamic_zero"


TARGET_YEAR: dict[TargetCode, int] = {
    TargetCode.stock_cleared: 2024,
    TargetCode.increment_reduced: 2025,
    TargetCode.dynamic_zero: 2026,
}

# H10: major hazards discovered on or before this day are stock (存量).
STOCK_CUTOFF = date(2023, 12, 31)

MAJOR = "major"
CLOSED_STATUSES = frozenset({"closed", "void"})


def _year_end(code: TargetCode) -> date:
    return date(TARGET_YEAR[code], 12, 31)


def is_stock(grade: str, discovered_on: date) -> bool:
    """H10: a major hazard discovered on or before 2023-12-31."""
    return grade == MAJOR and discovered_on <= STOCK_CUTOFF


def increment_year(grade: str, discovered_on: date) -> int | None:
    """H10: the year whose increment (增量) a hazard is; None for general or stock ones."""
    if grade != MAJOR or discovered_on <= STOCK_CUTOFF:
        return None
    return discovered_on.year


def t1_status(
    as_of: date,
    *,
    open_stock_now: int,
    open_stock_at_year_end: int,
    open_without_deadline_by_year_end: int,
    overdue_open_stock_now: int,
) -> TargetStatus:
    """T1 `stock_cleared`: every stock major hazard closed by 2024-12-31.

    After 2024: met iff none was open on 2024-12-31. Until then: met when none is open
    now; on_track when every open one has a plan deadline on or before 2024-12-31
    (`open_without_deadline_by_year_end` counts those with none or a later one) and none
    is overdue; otherwise at_risk.
    """
    if as_of > _year_end(TargetCode.stock_cleared):
        return TargetStatus.met if open_stock_at_year_end == 0 else TargetStatus.missed
    if open_stock_now == 0:
        return TargetStatus.met
    if open_without_deadline_by_year_end == 0 and overdue_open_stock_now == 0:
        return TargetStatus.on_track
    return TargetStatus.at_risk


def same_dates_previous_year(as_of: date) -> date:
    """T2: the same calendar date one year earlier; 29 February maps to 28 February."""
    if as_of.month == 2 and as_of.day == 29:
        return date(as_of.year - 1, 2, 28)
    return as_of.replace(year=as_of.year - 1)


def t2_status(
    as_of: date,
    *,
    count_ytd: int,
    count_prev_same_dates: int,
    count_2025: int,
    count_2024: int,
) -> TargetStatus:
    """T2 `increment_reduced`: fewer major hazards discovered in 2025 than in 2024.

    After 2025: met iff count_2025 < count_2024, else missed. During 2025: on_track when
    the year-to-date count is below that of the same dates of 2024 (ties are at_risk).
    Before 2025: on_track, nothing to compare yet.
    """
    year_end = _year_end(TargetCode.increment_reduced)
    if as_of > year_end:
        return TargetStatus.met if count_2025 < count_2024 else TargetStatus.missed
    if as_of.year == year_end.year:
        return TargetStatus.on_track if count_ytd < count_prev_same_dates else TargetStatus.at_risk
    return TargetStatus.on_track


def t3_status(
    as_of: date,
    *,
    overdue_open_major_now: int,
    overdue_open_major_at_year_end: int,
) -> TargetStatus:
    """T3 `dynamic_zero`: no open major hazard past its deadline (now, and on 2026-12-31).

    After 2026: met iff none was overdue on 2026-12-31, else missed. Until then:
    on_track when none is overdue now, else at_risk.
    """
    if as_of > _year_end(TargetCode.dynamic_zero):
        return TargetStatus.met if overdue_open_major_at_year_end == 0 else TargetStatus.missed
    return TargetStatus.on_track if overdue_open_major_now == 0 else TargetStatus.at_risk


# --- Reference per-hazard model --------------------------------------------------------


@dataclass(frozen=True)
class HazardTimeline:
    """A hazard's business-date history (H7): state steps and plan deadlines, ascending.

    `steps` are (effective_on, to_status) with status reported | rectifying |
    pending_review | closed | void; `deadlines` are (effective_on, deadline), the plan
    deadline and each extension.
    """

    grade: str
    discovered_on: date
    steps: tuple[tuple[date, str], ...] = ()
    deadlines: tuple[tuple[date, date], ...] = ()


def status_on(h: HazardTimeline, d: date) -> str | None:
    """The state on `d`: last step effective on or before `d`; None before discovery."""
    if d < h.discovered_on:
        return None
    status = "reported"
    for effective_on, to_status in h.steps:
        if effective_on <= d:
            status = to_status  # ascending, so the last one wins
    return status


def deadline_on(h: HazardTimeline, d: date) -> date | None:
    """The plan deadline in force on `d` (after extensions effective by then), if any."""
    if d < h.discovered_on:
        return None
    deadline = None
    for effective_on, value in h.deadlines:
        if effective_on <= d:
            deadline = value
    return deadline


def is_open(status: str | None) -> bool:
    """Open = existing and neither closed nor void."""
    return status is not None and status not in CLOSED_STATUSES


def is_overdue_on(h: HazardTimeline, d: date) -> bool:
    """H6: open on `d` and `d` is past the deadline in force on `d`."""
    if not is_open(status_on(h, d)):
        return False
    deadline = deadline_on(h, d)
    return deadline is not None and d > deadline


def _counts_on(h: HazardTimeline, d: date) -> bool:
    # A hazard counts once discovered, unless found on `d` not to be one (void).
    status = status_on(h, d)
    return status is not None and status != "void"


def evaluate_targets(
    hazards: Iterable[HazardTimeline], as_of: date
) -> dict[TargetCode, tuple[TargetStatus, dict[str, int]]]:
    """T1–T3 computed hazard by hazard: the reference for the SQL figures.

    Figures of a date not yet reached on `as_of` are 0. Hazards void on `as_of` are not
    counted in `stock_total` nor in the T2 counts.
    """
    majors = [h for h in hazards if h.grade == MAJOR]
    t1_end = _year_end(TargetCode.stock_cleared)
    t2_year = TARGET_YEAR[TargetCode.increment_reduced]
    t3_end = _year_end(TargetCode.dynamic_zero)

    # T1
    stock = [h for h in majors if is_stock(h.grade, h.discovered_on)]
    t1_reached = as_of >= t1_end
    open_stock_now = [h for h in stock if is_open(status_on(h, as_of))]
    t1 = {
        "stock_total": sum(_counts_on(h, as_of) for h in stock),
        "open_stock": len(open_stock_now),
        "closed_by_deadline": (
            sum(status_on(h, t1_end) == "closed" for h in stock) if t1_reached else 0
        ),
        "open_at_deadline": sum(is_open(status_on(h, t1_end)) for h in stock) if t1_reached else 0,
        "overdue_open_stock": sum(is_overdue_on(h, as_of) for h in stock),
    }
    without_deadline = sum(
        (dl := deadline_on(h, as_of)) is None or dl > t1_end for h in open_stock_now
    )
    t1_result = t1_status(
        as_of,
        open_stock_now=t1["open_stock"],
        open_stock_at_year_end=t1["open_at_deadline"],
        open_without_deadline_by_year_end=without_deadline,
        overdue_open_stock_now=t1["overdue_open_stock"],
    )

    # T2
    counted = [h for h in majors if _counts_on(h, as_of)]

    def discovered_between(first: date, last: date) -> int:
        return sum(first <= h.discovered_on <= last for h in counted)

    count_2024 = discovered_between(date(t2_year - 1, 1, 1), date(t2_year - 1, 12, 31))
    count_2025 = discovered_between(date(t2_year, 1, 1), date(t2_year, 12, 31))
    if as_of.year < t2_year:
        count_ytd = count_prev = 0
    elif as_of.year == t2_year:
        count_ytd = count_2025
        count_prev = discovered_between(date(t2_year - 1, 1, 1), same_dates_previous_year(as_of))
    else:  # the year is over: the whole years compare
        count_ytd, count_prev = count_2025, count_2024
    t2 = {
        "count_2024": count_2024,
        "count_2025": count_2025,
        "count_ytd": count_ytd,
        "count_prev_same_dates": count_prev,
    }
    t2_result = t2_status(
        as_of,
        count_ytd=count_ytd,
        count_prev_same_dates=count_prev,
        count_2025=count_2025,
        count_2024=count_2024,
    )

    # T3
    t3 = {
        "open_major": sum(is_open(status_on(h, as_of)) for h in majors),
        "overdue_open_major": sum(is_overdue_on(h, as_of) for h in majors),
        "overdue_open_major_at_year_end": (
            sum(is_overdue_on(h, t3_end) for h in majors) if as_of >= t3_end else 0
        ),
    }
    t3_result = t3_status(
        as_of,
        overdue_open_major_now=t3["overdue_open_major"],
        overdue_open_major_at_year_end=t3["overdue_open_major_at_year_end"],
    )

    return {
        TargetCode.stock_cleared: (t1_result, t1),
        TargetCode.increment_reduced: (t2_result, t2),
        TargetCode.dynamic_zero: (t3_result, t3),
    }
