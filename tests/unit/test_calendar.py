"""Business calendar: Asia/Shanghai dates and calendar periods (docs/rules.md §4)."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app.domain.calendar import (
    CAMPAIGN_START,
    SHANGHAI,
    Period,
    PeriodKind,
    business_date,
    first_full_period_start,
    next_period,
    parse_period,
    period_of,
    periods_from,
    previous_period,
)

M, Q, H, Y = PeriodKind.month, PeriodKind.quarter, PeriodKind.half_year, PeriodKind.year


def test_constants():
    assert str(SHANGHAI) == "Asia/Shanghai"
    assert CAMPAIGN_START == date(2024, 1, 1)
    assert [k.value for k in PeriodKind] == ["month", "quarter", "half_year", "year"]


# --- business_date -----------------------------------------------------------------------


def test_c1_example_5_business_date_is_shanghai_date():
    assert business_date(datetime(2025, 3, 31, 16, 30, tzinfo=UTC)) == date(2025, 4, 1)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # 23:59:59 and 00:00:00 in Shanghai (UTC+8) at each boundary
        (datetime(2025, 3, 31, 15, 59, 59, tzinfo=UTC), date(2025, 3, 31)),
        (datetime(2025, 3, 31, 16, 0, 0, tzinfo=UTC), date(2025, 4, 1)),
        (datetime(2024, 6, 30, 15, 59, 59, tzinfo=UTC), date(2024, 6, 30)),
        (datetime(2024, 6, 30, 16, 0, 0, tzinfo=UTC), date(2024, 7, 1)),
        (datetime(2024, 12, 31, 15, 59, 59, tzinfo=UTC), date(2024, 12, 31)),
        (datetime(2024, 12, 31, 16, 0, 0, tzinfo=UTC), date(2025, 1, 1)),
        (datetime(2023, 12, 31, 16, 0, 0, tzinfo=UTC), date(2024, 1, 1)),
        (datetime(2024, 2, 28, 16, 0, 0, tzinfo=UTC), date(2024, 2, 29)),
        (datetime(2024, 2, 29, 15, 59, 59, tzinfo=UTC), date(2024, 2, 29)),
        (datetime(2024, 2, 29, 16, 0, 0, tzinfo=UTC), date(2024, 3, 1)),
        (datetime(2025, 2, 28, 16, 0, 0, tzinfo=UTC), date(2025, 3, 1)),
        # other offsets are converted, not read literally
        (datetime(2025, 4, 1, 0, 0, 0, tzinfo=SHANGHAI), date(2025, 4, 1)),
        (datetime(2025, 3, 31, 23, 59, 59, tzinfo=SHANGHAI), date(2025, 3, 31)),
        (datetime(2025, 3, 31, 12, 0, tzinfo=timezone(timedelta(hours=-5))), date(2025, 4, 1)),
        (datetime(2025, 3, 31, 10, 59, tzinfo=timezone(timedelta(hours=-5))), date(2025, 3, 31)),
    ],
)
def test_business_date_boundaries(instant, expected):
    assert business_date(instant) == expected


def test_business_date_refuses_naive():
    with pytest.raises(ValueError):
        business_date(datetime(2025, 3, 31, 16, 30))


# --- periods -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "d", "start", "end", "label"),
    [
        (M, date(2025, 2, 14), date(2025, 2, 1), date(2025, 2, 28), "2025-02"),
        (M, date(2024, 2, 29), date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        (M, date(2024, 2, 1), date(2024, 2, 1), date(2024, 2, 29), "2024-02"),
        (M, date(2024, 12, 31), date(2024, 12, 1), date(2024, 12, 31), "2024-12"),
        (M, date(2025, 1, 1), date(2025, 1, 1), date(2025, 1, 31), "2025-01"),
        (M, date(2025, 4, 30), date(2025, 4, 1), date(2025, 4, 30), "2025-04"),
        (Q, date(2024, 2, 29), date(2024, 1, 1), date(2024, 3, 31), "2024-Q1"),
        (Q, date(2025, 3, 31), date(2025, 1, 1), date(2025, 3, 31), "2025-Q1"),
        (Q, date(2025, 4, 1), date(2025, 4, 1), date(2025, 6, 30), "2025-Q2"),
        (Q, date(2024, 6, 30), date(2024, 4, 1), date(2024, 6, 30), "2024-Q2"),
        (Q, date(2024, 7, 1), date(2024, 7, 1), date(2024, 9, 30), "2024-Q3"),
        (Q, date(2024, 11, 20), date(2024, 10, 1), date(2024, 12, 31), "2024-Q4"),
        (H, date(2024, 6, 30), date(2024, 1, 1), date(2024, 6, 30), "2024-H1"),
        (H, date(2024, 7, 1), date(2024, 7, 1), date(2024, 12, 31), "2024-H2"),
        (H, date(2024, 12, 31), date(2024, 7, 1), date(2024, 12, 31), "2024-H2"),
        (Y, date(2025, 1, 1), date(2025, 1, 1), date(2025, 12, 31), "2025"),
        (Y, date(2024, 12, 31), date(2024, 1, 1), date(2024, 12, 31), "2024"),
    ],
)
def test_period_of(kind, d, start, end, label):
    p = period_of(kind, d)
    assert p == Period(start, end, kind)
    assert p.label == label
    assert p.contains(d)
    assert p.contains(start) and p.contains(end)
    assert not p.contains(start - timedelta(days=1))
    assert not p.contains(end + timedelta(days=1))


@pytest.mark.parametrize("kind", list(PeriodKind))
def test_periods_tile_the_calendar_2023_to_2027(kind):
    """Every day lies in exactly one period; next/previous are inverse and contiguous."""
    d = date(2023, 1, 1)
    p = period_of(kind, d)
    while d <= date(2027, 12, 31):
        if not p.contains(d):
            nxt = next_period(p)
            assert nxt.start == p.end + timedelta(days=1)
            assert previous_period(nxt) == p
            p = nxt
        assert period_of(kind, d) == p
        assert parse_period(p.label) == p
        d += timedelta(days=1)


@pytest.mark.parametrize(
    ("label", "prev_label", "next_label"),
    [
        ("2024-01", "2023-12", "2024-02"),
        ("2024-12", "2024-11", "2025-01"),
        ("2024-Q1", "2023-Q4", "2024-Q2"),
        ("2024-Q4", "2024-Q3", "2025-Q1"),
        ("2024-H1", "2023-H2", "2024-H2"),
        ("2024-H2", "2024-H1", "2025-H1"),
        ("2024", "2023", "2025"),
    ],
)
def test_next_and_previous_across_year_end(label, prev_label, next_label):
    p = parse_period(label)
    assert previous_period(p).label == prev_label
    assert next_period(p).label == next_label


@pytest.mark.parametrize(
    ("label", "start", "end", "kind"),
    [
        ("2025-02", date(2025, 2, 1), date(2025, 2, 28), M),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), M),
        ("2024-Q4", date(2024, 10, 1), date(2024, 12, 31), Q),
        ("2024-H2", date(2024, 7, 1), date(2024, 12, 31), H),
        ("2025", date(2025, 1, 1), date(2025, 12, 31), Y),
    ],
)
def test_parse_period(label, start, end, kind):
    assert parse_period(label) == Period(start, end, kind)


@pytest.mark.parametrize(
    "junk",
    ["", "2025-13", "2025-00", "2025-2", "2025-Q0", "2025-Q5", "2025-H0", "2025-H3",
     "25", "2025-", "2025-q1", "2025-h1", " 2025", "2025-Q1 ", "2025/02", "0000",
     "2025-02-01", "abcd", "2025-W01"],
)
def test_parse_period_rejects_junk(junk):
    with pytest.raises(ValueError):
        parse_period(junk)


def test_periods_order_by_start():
    ps = [parse_period(x) for x in ["2025-03", "2024-Q4", "2024-02", "2025-01"]]
    assert [p.label for p in sorted(ps)] == ["2024-02", "2024-Q4", "2025-01", "2025-03"]


@pytest.mark.parametrize(
    ("kind", "d", "expected"),
    [
        (Q, date(2024, 2, 10), date(2024, 4, 1)),  # docs/examples.md 1
        (Q, date(2024, 4, 1), date(2024, 4, 1)),  # a period's first day starts it
        (Q, date(2024, 4, 2), date(2024, 7, 1)),  # its second day does not
        (Q, date(2024, 12, 31), date(2025, 1, 1)),
        (M, date(2025, 1, 15), date(2025, 2, 1)),  # docs/examples.md 4
        (M, date(2024, 2, 29), date(2024, 3, 1)),
        (M, date(2024, 3, 1), date(2024, 3, 1)),
        (H, date(2024, 7, 1), date(2024, 7, 1)),  # docs/examples.md 7
        (H, date(2024, 7, 2), date(2025, 1, 1)),
        (Y, date(2023, 5, 1), date(2024, 1, 1)),  # docs/examples.md 6
        (Y, date(2024, 1, 1), date(2024, 1, 1)),
    ],
)
def test_first_full_period_start(kind, d, expected):
    assert first_full_period_start(kind, d) == expected


@pytest.mark.parametrize(
    ("kind", "first_start", "last", "labels"),
    [
        (Q, date(2024, 4, 1), date(2024, 11, 20), ["2024-Q2", "2024-Q3", "2024-Q4"]),
        (Q, date(2024, 4, 1), date(2024, 4, 1), ["2024-Q2"]),
        (Q, date(2024, 4, 1), date(2024, 3, 31), []),
        (M, date(2024, 11, 1), date(2025, 2, 1), ["2024-11", "2024-12", "2025-01", "2025-02"]),
        (H, date(2024, 1, 1), date(2025, 9, 1), ["2024-H1", "2024-H2", "2025-H1", "2025-H2"]),
        (Y, date(2024, 1, 1), date(2026, 1, 1), ["2024", "2025", "2026"]),
        (Y, date(2024, 1, 1), date(2025, 12, 31), ["2024", "2025"]),
    ],
)
def test_periods_from(kind, first_start, last, labels):
    assert [p.label for p in periods_from(kind, first_start, last)] == labels


def test_periods_from_needs_a_period_start():
    with pytest.raises(ValueError):
        periods_from(Q, date(2024, 4, 2), date(2024, 12, 31))
