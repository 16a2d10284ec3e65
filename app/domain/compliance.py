"""Turning the database's period numbers into the contract's period labels (C1–C3)."""

from __future__ import annotations

from datetime import date

from app.domain.calendar import PeriodKind, period_of

KIND_OF_MONTHS = {1: PeriodKind.month, 3: PeriodKind.quarter, 6: PeriodKind.half_year, 12: PeriodKind.year}


def period_label(months: int, index: int) -> str:
    """The label of period `index` of length `months`, counted from year 0 month 1."""
    first_month = index * months
    return period_of(KIND_OF_MONTHS[months], date(first_month // 12, first_month % 12 + 1, 1)).label


def rate(done: int, total: int) -> float | None:
    return round(done / total, 4) if total else None
