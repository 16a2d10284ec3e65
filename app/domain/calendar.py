"""Business calendar: Asia/Shanghai dates and calendar periods (docs/rules.md §4, §5).

All cadences (C1–C4) and targets (T1–T3) are evaluated on business dates, i.e. the
calendar date in Asia/Shanghai, over calendar months, quarters, half-years and years.
Pure: no clock reads; the caller passes instants and dates in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The three-year campaign (2024–2026) starts here; no obligation is older.
CAMPAIGN_START = date(2024, 1, 1)

_ONE_DAY = timedelta(days=1)


def business_date(instant: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware instant (H6, H7 `effective_on`, C1–C4).

    A naive datetime is ambiguous (server local time? UTC?) and is refused.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("business_date needs an aware datetime, got a naive one")
    return instant.astimezone(SHANGHAI).date()


class PeriodKind(StrEnum):
    month = "month"
    quarter = "quarter"
    half_year = "half_year"
    year = "year"


# Length of each kind in months; every kind is aligned on 1 January.
_MONTHS: dict[PeriodKind, int] = {
    PeriodKind.month: 1,
    PeriodKind.quarter: 3,
    PeriodKind.half_year: 6,
    PeriodKind.year: 12,
}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period; `end` is its last day (inclusive). Orders by `start`."""

    start: date
    end: date
    kind: PeriodKind

    @property
    def label(self) -> str:
        """"2025-02", "2024-Q4", "2024-H2" or "2025" (the inverse of `parse_period`)."""
        y, m = self.start.year, self.start.month
        match self.kind:
            case PeriodKind.month:
                return f"{y:04d}-{m:02d}"
            case PeriodKind.quarter:
                return f"{y:04d}-Q{(m - 1) // 3 + 1}"
            case PeriodKind.half_year:
                return f"{y:04d}-H{(m - 1) // 6 + 1}"
            case PeriodKind.year:
                return f"{y:04d}"
        raise ValueError(f"unknown period kind {self.kind!r}")  # pragma: no cover

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


def _period_starting(kind: PeriodKind, year: int, month: int) -> Period:
    months = _MONTHS[PeriodKind(kind)]
    start = date(year, month, 1)
    end_month = month + months  # first month after the period
    if end_month > 12:
        after = date(year + 1, end_month - 12, 1)
    else:
        after = date(year, end_month, 1)
    return Period(start=start, end=after - _ONE_DAY, kind=PeriodKind(kind))


def period_of(kind: PeriodKind, d: date) -> Period:
    """The period of `kind` that contains `d`."""
    months = _MONTHS[PeriodKind(kind)]
    first_month = (d.month - 1) // months * months + 1
    return _period_starting(kind, d.year, first_month)


def next_period(p: Period) -> Period:
    return period_of(p.kind, p.end + _ONE_DAY)


def previous_period(p: Period) -> Period:
    return period_of(p.kind, p.start - _ONE_DAY)


_LABEL = re.compile(r"(?P<y>\d{4})(?:-(?:(?P<m>\d{2})|Q(?P<q>\d)|H(?P<h>\d)))?")


def parse_period(label: str) -> Period:
    """Parse "2025-02", "2024-Q4", "2024-H2" or "2025"; ValueError on anything else."""
    match = _LABEL.fullmatch(label) if isinstance(label, str) else None
    if match is None:
        raise ValueError(f"not a period label: {label!r}")
    year = int(match["y"])
    if match["m"] is not None:
        kind, index, count = PeriodKind.month, int(match["m"]), 12
    elif match["q"] is not None:
        kind, index, count = PeriodKind.quarter, int(match["q"]), 4
    elif match["h"] is not None:
        kind, index, count = PeriodKind.half_year, int(match["h"]), 2
    else:
        kind, index, count = PeriodKind.year, 1, 1
    if not 1 <= index <= count:
        raise ValueError(f"not a period label: {label!r}")
    # date() itself refuses year 0
    return _period_starting(kind, year, (index - 1) * _MONTHS[kind] + 1)


def first_full_period_start(kind: PeriodKind, d: date) -> date:
    """Start of the first full period of `kind` beginning on or after `d` (§4 registration rule)."""
    p = period_of(kind, d)
    return d if p.start == d else next_period(p).start


def periods_from(kind: PeriodKind, first_start: date, last: date) -> list[Period]:
    """Periods of `kind` from the one starting at `first_start` through the one containing `last`.

    Empty if `last` < `first_start`. `first_start` must begin a period of `kind`.
    """
    p = period_of(kind, first_start)
    if p.start != first_start:
        raise ValueError(f"{first_start} does not start a {PeriodKind(kind)} period")
    out: list[Period] = []
    while p.start <= last:
        out.append(p)
        p = next_period(p)
    return out
