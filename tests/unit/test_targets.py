"""Year-end targets T1–T3, stock/increment H10 and overdue H6 (docs/rules.md §5, docs/examples.md 10–13)."""

import random
from datetime import date, timedelta

import pytest

from app.domain.targets import (
    STOCK_CUTOFF,
    TARGET_YEAR,
    HazardTimeline,
    TargetCode,
    TargetStatus,
    deadline_on,
    evaluate_targets,
    increment_year,
    is_open,
    is_overdue_on,
    is_stock,
    same_dates_previous_year,
    status_on,
    t1_status,
    t2_status,
    t3_status,
)

MET, ON_TRACK, AT_RISK, MISSED = (
    TargetStatus.met, TargetStatus.on_track, TargetStatus.at_risk, TargetStatus.missed,
)
T1, T2, T3 = TargetCode.stock_cleared, TargetCode.increment_reduced, TargetCode.dynamic_zero


def major(discovered_on, steps=(), deadlines=()):
    return HazardTimeline("major", discovered_on, tuple(steps), tuple(deadlines))


def general(discovered_on, steps=(), deadlines=()):
    return HazardTimeline("general", discovered_on, tuple(steps), tuple(deadlines))


def test_constants():
    assert TARGET_YEAR == {T1: 2024, T2: 2025, T3: 2026}
    assert STOCK_CUTOFF == date(2023, 12, 31)
    assert [s.value for s in TargetStatus] == ["met", "on_track", "at_risk", "missed"]
    assert [c.value for c in TargetCode] == ["stock_cleared", "increment_reduced", "dynamic_zero"]


# --- H10 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grade", "discovered_on", "stock", "year"),
    [
        ("major", date(2023, 12, 31), True, None),
        ("major", date(2024, 1, 1), False, 2024),
        ("major", date(2019, 5, 5), True, None),
        ("major", date(2025, 12, 31), False, 2025),
        ("major", date(2026, 1, 1), False, 2026),
        ("general", date(2023, 3, 1), False, None),
        ("general", date(2025, 3, 1), False, None),
    ],
)
def test_h10_stock_and_increment(grade, discovered_on, stock, year):
    assert is_stock(grade, discovered_on) is stock
    assert increment_year(grade, discovered_on) == year


# --- reference timeline ------------------------------------------------------------------


def test_status_and_deadline_on_follow_effective_dates():
    h = major(
        date(2024, 3, 1),
        steps=[(date(2024, 3, 5), "rectifying"), (date(2024, 4, 1), "pending_review"),
               (date(2024, 4, 3), "rectifying"), (date(2024, 5, 1), "closed")],
        deadlines=[(date(2024, 3, 5), date(2024, 3, 31)), (date(2024, 3, 30), date(2024, 4, 30))],
    )
    assert status_on(h, date(2024, 2, 29)) is None
    assert deadline_on(h, date(2024, 2, 29)) is None
    assert status_on(h, date(2024, 3, 1)) == "reported"
    assert deadline_on(h, date(2024, 3, 4)) is None
    assert status_on(h, date(2024, 3, 5)) == "rectifying"
    assert deadline_on(h, date(2024, 3, 5)) == date(2024, 3, 31)
    assert deadline_on(h, date(2024, 3, 30)) == date(2024, 4, 30)
    assert status_on(h, date(2024, 4, 2)) == "pending_review"
    assert status_on(h, date(2024, 4, 3)) == "rectifying"
    assert status_on(h, date(2024, 4, 30)) == "rectifying"
    assert status_on(h, date(2024, 5, 1)) == "closed"
    assert status_on(h, date(2030, 1, 1)) == "closed"


def test_two_steps_on_one_day_the_later_wins():
    h = major(
        date(2024, 3, 1), steps=[(date(2024, 3, 5), "rectifying"), (date(2024, 3, 5), "void")]
    )
    assert status_on(h, date(2024, 3, 5)) == "void"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("reported", True), ("rectifying", True), ("pending_review", True),
     ("closed", False), ("void", False), (None, False)],
)
def test_is_open(status, expected):
    assert is_open(status) is expected


H6 = major(
    date(2025, 1, 10),
    steps=[(date(2025, 1, 12), "rectifying")],
    deadlines=[(date(2025, 1, 12), date(2025, 3, 31))],
)


@pytest.mark.parametrize(
    ("d", "overdue"),
    [(date(2025, 3, 30), False), (date(2025, 3, 31), False), (date(2025, 4, 1), True),
     (date(2025, 1, 9), False)],
)
def test_h6_example_13(d, overdue):
    assert is_overdue_on(H6, d) is overdue


def test_h6_example_13_extension_and_closed_or_void():
    def extend(effective_on):
        extension = ((effective_on, date(2025, 4, 30)),)
        return major(H6.discovered_on, H6.steps, H6.deadlines + extension)

    extended = extend(date(2025, 4, 1))
    assert is_overdue_on(extended, date(2025, 4, 1)) is False
    assert is_overdue_on(extended, date(2025, 4, 30)) is False
    assert is_overdue_on(extended, date(2025, 5, 1)) is True
    # the extension is not known before it takes effect: overdue on that earlier date
    late_extension = extend(date(2025, 4, 5))
    assert is_overdue_on(late_extension, date(2025, 4, 2)) is True
    for end in ("closed", "void"):
        h = major(H6.discovered_on, H6.steps + ((date(2025, 4, 10), end),), H6.deadlines)
        assert is_overdue_on(h, date(2025, 4, 9)) is True
        assert is_overdue_on(h, date(2025, 4, 10)) is False
        assert is_overdue_on(h, date(2026, 1, 1)) is False


def test_h6_no_deadline_is_never_overdue():
    assert is_overdue_on(major(date(2024, 1, 1)), date(2030, 1, 1)) is False


# --- T1 ----------------------------------------------------------------------------------

M1 = major(
    date(2023, 3, 1),
    steps=[(date(2024, 3, 1), "rectifying"), (date(2024, 6, 10), "closed")],
    deadlines=[(date(2024, 3, 1), date(2024, 6, 30))],
)
M2 = major(
    date(2023, 11, 20),
    steps=[(date(2024, 2, 1), "rectifying"), (date(2025, 1, 8), "closed")],
    deadlines=[(date(2024, 2, 1), date(2024, 10, 31))],
)
M3 = major(date(2024, 2, 1))
G2023 = general(date(2023, 5, 5))  # a general hazard never counts
EX10 = [M1, M2, M3, G2023]


def test_t1_example_10_june_on_track():
    status, figures = evaluate_targets(EX10, date(2024, 6, 1))[T1]
    assert status == ON_TRACK
    assert figures == {"stock_total": 2, "open_stock": 2, "closed_by_deadline": 0,
                       "open_at_deadline": 0, "overdue_open_stock": 0}


def test_t1_example_10_june_without_deadline_at_risk():
    m1_no_deadline = major(M1.discovered_on, M1.steps)
    status, figures = evaluate_targets([m1_no_deadline, M2, M3], date(2024, 6, 1))[T1]
    assert status == AT_RISK
    assert figures["open_stock"] == 2 and figures["overdue_open_stock"] == 0


def test_t1_example_10_june_deadline_after_year_end_at_risk():
    late = major(M1.discovered_on, M1.steps, [(date(2024, 3, 1), date(2025, 1, 1))])
    assert evaluate_targets([late, M2], date(2024, 6, 1))[T1][0] == AT_RISK


def test_t1_example_10_november_at_risk():
    status, figures = evaluate_targets(EX10, date(2024, 11, 15))[T1]
    assert status == AT_RISK
    assert figures == {"stock_total": 2, "open_stock": 1, "closed_by_deadline": 0,
                       "open_at_deadline": 0, "overdue_open_stock": 1}


@pytest.mark.parametrize(("as_of", "overdue"), [(date(2024, 10, 31), 0), (date(2024, 11, 1), 1)])
def test_t1_example_10_overdue_since_november_first(as_of, overdue):
    status, figures = evaluate_targets(EX10, as_of)[T1]
    assert figures["overdue_open_stock"] == overdue
    assert status == (ON_TRACK if overdue == 0 else AT_RISK)


def test_t1_example_10_january_missed():
    status, figures = evaluate_targets(EX10, date(2025, 1, 10))[T1]
    assert status == MISSED
    assert figures == {"stock_total": 2, "open_stock": 0, "closed_by_deadline": 1,
                       "open_at_deadline": 1, "overdue_open_stock": 0}


def test_t1_example_10_general_2023_hazard_never_counts():
    open_general = general(date(2023, 5, 5), deadlines=[(date(2023, 5, 5), date(2023, 6, 1))])
    status, figures = evaluate_targets([M1, open_general], date(2025, 1, 10))[T1]
    assert status == MET
    assert figures == {"stock_total": 1, "open_stock": 0, "closed_by_deadline": 1,
                       "open_at_deadline": 0, "overdue_open_stock": 0}


@pytest.mark.parametrize(
    ("closed_on", "as_of", "expected"),
    [
        (date(2024, 12, 31), date(2024, 12, 30), ON_TRACK),
        (date(2024, 12, 31), date(2024, 12, 31), MET),
        (date(2024, 12, 31), date(2025, 1, 1), MET),
        (date(2025, 1, 1), date(2024, 12, 31), ON_TRACK),
        (date(2025, 1, 1), date(2025, 1, 1), MISSED),  # closed a day late
        (date(2025, 1, 1), date(2027, 1, 1), MISSED),
    ],
)
def test_t1_year_end_boundary(closed_on, as_of, expected):
    deadlines = [(date(2024, 1, 5), date(2024, 12, 31))]
    h = major(date(2023, 6, 1), steps=[(closed_on, "closed")], deadlines=deadlines)
    assert evaluate_targets([h], as_of)[T1][0] == expected


def test_t1_late_entered_stock_hazard_counts_where_it_belongs():
    # a 2023 hazard recorded only in 2025 with no steps was open on 2024-12-31
    assert evaluate_targets([major(date(2023, 7, 7))], date(2025, 3, 1))[T1] == (
        MISSED,
        {"stock_total": 1, "open_stock": 1, "closed_by_deadline": 0, "open_at_deadline": 1,
         "overdue_open_stock": 0},
    )


def test_t1_void_stock_hazard():
    h = major(date(2023, 7, 7), steps=[(date(2024, 5, 5), "void")])
    assert evaluate_targets([h], date(2025, 3, 1))[T1] == (
        MET,
        {"stock_total": 0, "open_stock": 0, "closed_by_deadline": 0, "open_at_deadline": 0,
         "overdue_open_stock": 0},
    )


@pytest.mark.parametrize(
    ("as_of", "figures", "expected"),
    [
        # (open_now, open_at_year_end, without_deadline, overdue_now)
        (date(2024, 6, 1), (0, 0, 0, 0), MET),
        (date(2024, 6, 1), (2, 0, 0, 0), ON_TRACK),
        (date(2024, 6, 1), (2, 0, 1, 0), AT_RISK),
        (date(2024, 6, 1), (2, 0, 0, 1), AT_RISK),
        (date(2024, 12, 31), (1, 0, 0, 0), ON_TRACK),
        (date(2024, 12, 31), (0, 0, 0, 0), MET),
        (date(2023, 12, 31), (1, 0, 0, 0), ON_TRACK),
        (date(2025, 1, 1), (0, 0, 0, 0), MET),
        (date(2025, 1, 1), (0, 1, 0, 0), MISSED),
        (date(2025, 1, 1), (3, 0, 3, 3), MET),  # only the year-end figure matters afterwards
        (date(2026, 6, 1), (0, 2, 0, 0), MISSED),
    ],
)
def test_t1_status_table(as_of, figures, expected):
    open_now, at_end, without, overdue = figures
    assert t1_status(as_of, open_stock_now=open_now, open_stock_at_year_end=at_end,
                     open_without_deadline_by_year_end=without,
                     overdue_open_stock_now=overdue) == expected


# --- T2 ----------------------------------------------------------------------------------

EX11 = [
    major(d)
    for d in (
        date(2024, 1, 10), date(2024, 3, 5), date(2024, 8, 1), date(2024, 9, 15),
        date(2024, 12, 30), date(2025, 2, 1), date(2025, 5, 20), date(2025, 11, 11),
    )
]
EX11 += [general(date(2025, 1, 2)), major(date(2023, 12, 31))]  # neither is 2024/2025 increment


def test_t2_example_11_june_at_risk():
    assert evaluate_targets(EX11, date(2025, 6, 30))[T2] == (
        AT_RISK, {"count_2024": 5, "count_2025": 2, "count_ytd": 2, "count_prev_same_dates": 2},
    )


def test_t2_example_11_after_year_met():
    assert evaluate_targets(EX11, date(2026, 1, 5))[T2] == (
        MET, {"count_2024": 5, "count_2025": 3, "count_ytd": 3, "count_prev_same_dates": 5},
    )


@pytest.mark.parametrize(
    ("as_of", "ytd", "prev", "expected"),
    [
        (date(2025, 1, 31), 0, 1, ON_TRACK),
        (date(2025, 2, 1), 1, 1, AT_RISK),
        (date(2025, 3, 4), 1, 1, AT_RISK),
        (date(2025, 3, 5), 1, 2, ON_TRACK),
        (date(2025, 12, 31), 3, 5, ON_TRACK),
    ],
)
def test_t2_example_11_during_2025(as_of, ytd, prev, expected):
    status, figures = evaluate_targets(EX11, as_of)[T2]
    assert (figures["count_ytd"], figures["count_prev_same_dates"], status) == (ytd, prev, expected)


def test_t2_example_11_during_2024_on_track():
    assert evaluate_targets(EX11, date(2024, 8, 1))[T2] == (
        ON_TRACK, {"count_2024": 3, "count_2025": 0, "count_ytd": 0, "count_prev_same_dates": 0},
    )


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2025, 2, 28), date(2024, 2, 28)),
        (date(2025, 3, 1), date(2024, 3, 1)),
        (date(2024, 2, 29), date(2023, 2, 28)),
        (date(2028, 2, 29), date(2027, 2, 28)),
        (date(2025, 12, 31), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2024, 1, 1)),
    ],
)
def test_t2_same_dates_previous_year(as_of, expected):
    assert same_dates_previous_year(as_of) == expected


def test_t2_leap_day_2024_is_outside_same_dates_of_2025_02_28():
    hazards = [major(date(2024, 2, 29)), major(date(2025, 1, 5))]
    _, figures = evaluate_targets(hazards, date(2025, 2, 28))[T2]
    assert (figures["count_ytd"], figures["count_prev_same_dates"]) == (1, 0)
    _, figures = evaluate_targets(hazards, date(2025, 3, 1))[T2]
    assert (figures["count_ytd"], figures["count_prev_same_dates"]) == (1, 1)


def test_t2_late_entered_and_void_hazards():
    voided = major(date(2025, 4, 1), steps=[(date(2025, 4, 20), "void")])
    hazards = [major(date(2024, 4, 1)), voided]
    assert evaluate_targets(hazards, date(2025, 4, 19))[T2][1]["count_ytd"] == 1
    # found not to be a hazard: no longer counted
    assert evaluate_targets(hazards, date(2025, 4, 20))[T2][1]["count_ytd"] == 0
    assert evaluate_targets(hazards, date(2026, 1, 1))[T2][0] == MET


@pytest.mark.parametrize(
    ("as_of", "counts", "expected"),
    [
        # (ytd, prev_same_dates, count_2025, count_2024)
        (date(2024, 12, 31), (0, 0, 0, 9), ON_TRACK),
        (date(2025, 1, 1), (0, 0, 0, 0), AT_RISK),  # not below
        (date(2025, 1, 1), (0, 1, 0, 1), ON_TRACK),
        (date(2025, 6, 30), (2, 2, 2, 5), AT_RISK),
        (date(2025, 6, 30), (3, 2, 3, 5), AT_RISK),
        (date(2025, 12, 31), (4, 5, 4, 5), ON_TRACK),
        (date(2026, 1, 1), (4, 5, 4, 5), MET),
        (date(2026, 1, 1), (5, 5, 5, 5), MISSED),
        (date(2026, 1, 1), (9, 0, 6, 5), MISSED),
        (date(2026, 1, 1), (9, 9, 0, 0), MISSED),  # 0 is not fewer than 0
        (date(2027, 5, 1), (0, 0, 1, 2), MET),  # only whole years matter afterwards
    ],
)
def test_t2_status_table(as_of, counts, expected):
    ytd, prev, c25, c24 = counts
    assert t2_status(as_of, count_ytd=ytd, count_prev_same_dates=prev, count_2025=c25,
                     count_2024=c24) == expected


# --- T3 ----------------------------------------------------------------------------------


def _ex12(extension_on=None):
    deadlines = [(date(2026, 3, 1), date(2026, 4, 30))]
    if extension_on is not None:
        deadlines.append((extension_on, date(2026, 5, 31)))
    return major(date(2026, 3, 1), steps=[(date(2026, 3, 1), "rectifying")], deadlines=deadlines)


def test_t3_example_12_overdue_at_risk():
    assert evaluate_targets([_ex12()], date(2026, 5, 1))[T3] == (
        AT_RISK, {"open_major": 1, "overdue_open_major": 1, "overdue_open_major_at_year_end": 0},
    )


@pytest.mark.parametrize("extension_on", [date(2026, 4, 28), date(2026, 5, 1)])
def test_t3_example_12_extended_on_track(extension_on):
    assert evaluate_targets([_ex12(extension_on)], date(2026, 5, 1))[T3] == (
        ON_TRACK, {"open_major": 1, "overdue_open_major": 0, "overdue_open_major_at_year_end": 0},
    )


def test_t3_example_12_after_year_end_met():
    closed_in_june = major(
        date(2026, 3, 1),
        steps=[(date(2026, 3, 1), "rectifying"), (date(2026, 6, 1), "closed")],
        deadlines=[(date(2026, 3, 1), date(2026, 4, 30))],
    )
    open_not_due = major(date(2026, 12, 1), deadlines=[(date(2026, 12, 1), date(2027, 3, 1))])
    assert evaluate_targets([closed_in_june, open_not_due], date(2027, 1, 1))[T3] == (
        MET, {"open_major": 1, "overdue_open_major": 0, "overdue_open_major_at_year_end": 0},
    )


def test_t3_example_12_after_year_end_missed():
    assert evaluate_targets([_ex12()], date(2027, 1, 1))[T3] == (
        MISSED, {"open_major": 1, "overdue_open_major": 1, "overdue_open_major_at_year_end": 1},
    )


def test_t3_year_end_boundary():
    h = major(date(2026, 11, 1), deadlines=[(date(2026, 11, 1), date(2026, 12, 30))])
    assert evaluate_targets([h], date(2026, 12, 30))[T3][0] == ON_TRACK
    assert evaluate_targets([h], date(2026, 12, 31))[T3] == (
        AT_RISK, {"open_major": 1, "overdue_open_major": 1, "overdue_open_major_at_year_end": 1},
    )
    # closed on 2027-01-01: still overdue on 2026-12-31, so missed for good
    closed_late = major(h.discovered_on, [(date(2027, 1, 1), "closed")], h.deadlines)
    assert evaluate_targets([closed_late], date(2027, 1, 1))[T3] == (
        MISSED, {"open_major": 0, "overdue_open_major": 0, "overdue_open_major_at_year_end": 1},
    )


def test_t3_counts_stock_and_ignores_general():
    stock = major(date(2023, 1, 1), deadlines=[(date(2024, 1, 1), date(2025, 6, 30))])
    overdue_general = general(date(2026, 1, 1), deadlines=[(date(2026, 1, 1), date(2026, 1, 31))])
    assert evaluate_targets([stock, overdue_general], date(2026, 3, 1))[T3] == (
        AT_RISK, {"open_major": 1, "overdue_open_major": 1, "overdue_open_major_at_year_end": 0},
    )


@pytest.mark.parametrize(
    ("as_of", "now", "at_end", "expected"),
    [
        (date(2025, 6, 1), 0, 0, ON_TRACK),
        (date(2025, 6, 1), 1, 0, AT_RISK),
        (date(2026, 12, 31), 0, 0, ON_TRACK),
        (date(2026, 12, 31), 2, 2, AT_RISK),
        (date(2027, 1, 1), 0, 0, MET),
        (date(2027, 1, 1), 5, 0, MET),  # only the year-end figure matters afterwards
        (date(2027, 1, 1), 0, 1, MISSED),
    ],
)
def test_t3_status_table(as_of, now, at_end, expected):
    got = t3_status(as_of, overdue_open_major_now=now, overdue_open_major_at_year_end=at_end)
    assert got == expected


# --- figures cross-checked against an independent reading --------------------------------


def _random_hazard(rng):
    discovered = date(2022, 6, 1) + timedelta(days=rng.randrange(1700))
    day = discovered
    steps, deadlines = [], []
    for _ in range(rng.randrange(4)):
        day += timedelta(days=rng.randrange(0, 200))
        to_status = rng.choice(["rectifying", "pending_review", "closed", "void", "rectifying"])
        steps.append((day, to_status))
    day = discovered
    for _ in range(rng.randrange(3)):
        day += timedelta(days=rng.randrange(0, 150))
        deadlines.append((day, day + timedelta(days=rng.randrange(-10, 200))))
    grade = rng.choice(["major", "major", "general"])
    return HazardTimeline(grade, discovered, tuple(steps), tuple(deadlines))


OPEN = ("reported", "rectifying", "pending_review")


@pytest.mark.parametrize("seed", range(30))
def test_targets_figures_agree_with_day_sets(seed):
    """Each figure recomputed as a plain filter over (grade, discovered_on, state on a day)."""
    rng = random.Random(seed)
    hazards = [_random_hazard(rng) for _ in range(40)]
    as_of = date(2023, 6, 1) + timedelta(days=rng.randrange(1500))
    got = evaluate_targets(hazards, as_of)

    majors = [h for h in hazards if h.grade == "major"]
    exists = [h for h in majors if status_on(h, as_of) not in (None, "void")]
    stock = [h for h in majors if h.discovered_on.year <= 2023]
    end24, end26 = date(2024, 12, 31), date(2026, 12, 31)

    def count(rows, pred):
        return sum(1 for h in rows if pred(h))

    t1 = got[T1][1]
    assert t1 == {
        "stock_total": count(stock, lambda h: h in exists),
        "open_stock": count(stock, lambda h: status_on(h, as_of) in OPEN),
        "closed_by_deadline": (
            count(stock, lambda h: status_on(h, end24) == "closed") if as_of >= end24 else 0
        ),
        "open_at_deadline": (
            count(stock, lambda h: status_on(h, end24) in OPEN) if as_of >= end24 else 0
        ),
        "overdue_open_stock": count(stock, lambda h: is_overdue_on(h, as_of)),
    }
    in_2024 = count(exists, lambda h: h.discovered_on.year == 2024)
    in_2025 = count(exists, lambda h: h.discovered_on.year == 2025)
    if as_of.year == 2025:
        ytd = in_2025
        # every 2025 date exists in 2024 (a leap year)
        same_day_2024 = as_of.replace(year=2024)
        prev = count(exists, lambda h: date(2024, 1, 1) <= h.discovered_on <= same_day_2024)
    elif as_of.year > 2025:
        ytd, prev = in_2025, in_2024
    else:
        ytd = prev = 0
    t2 = got[T2][1]
    assert t2 == {"count_2024": in_2024, "count_2025": in_2025, "count_ytd": ytd,
                  "count_prev_same_dates": prev}
    t3 = got[T3][1]
    assert t3 == {
        "open_major": count(majors, lambda h: status_on(h, as_of) in OPEN),
        "overdue_open_major": count(majors, lambda h: is_overdue_on(h, as_of)),
        "overdue_open_major_at_year_end": (
            count(majors, lambda h: is_overdue_on(h, end26)) if as_of >= end26 else 0
        ),
    }

    # statuses are exactly the status functions applied to the figures
    def late_or_none(h):
        deadline = deadline_on(h, as_of)
        return status_on(h, as_of) in OPEN and (deadline is None or deadline > end24)

    assert got[T1][0] == t1_status(
        as_of,
        open_stock_now=t1["open_stock"],
        open_stock_at_year_end=t1["open_at_deadline"],
        open_without_deadline_by_year_end=count(stock, late_or_none),
        overdue_open_stock_now=t1["overdue_open_stock"],
    )
    assert got[T2][0] == t2_status(
        as_of,
        count_ytd=ytd,
        count_prev_same_dates=prev,
        count_2025=in_2025,
        count_2024=in_2024,
    )
    assert got[T3][0] == t3_status(
        as_of,
        overdue_open_major_now=t3["overdue_open_major"],
        overdue_open_major_at_year_end=t3["overdue_open_major_at_year_end"],
    )
