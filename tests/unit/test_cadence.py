"""Cadences C1–C4 (docs/rules.md §4, docs/examples.md 1–9) and the regime rule of app.domain.cadence."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.cadence import (
    FOCUS_TRAINING,
    CadenceResult,
    CadenceStatus,
    EnterpriseState,
    TrainingCoverage,
    c1_kind,
    c2_kind,
    evaluate_c1,
    evaluate_c2,
    evaluate_c3,
    evaluate_cadence,
    is_focus_enterprise,
    training_coverage,
    training_covers,
)
from app.domain.calendar import CAMPAIGN_START, PeriodKind, business_date, period_of

DONE, DUE, NA = CadenceStatus.done, CadenceStatus.due, CadenceStatus.not_applicable


def active(on: date, high_risk: bool = False) -> EnterpriseState:
    return EnterpriseState(on, "active", high_risk)


def suspended(on: date, high_risk: bool = False) -> EnterpriseState:
    return EnterpriseState(on, "suspended", high_risk)


def closed(on: date, high_risk: bool = False) -> EnterpriseState:
    return EnterpriseState(on, "closed", high_risk)


def insp(*days: date) -> list[tuple[date, str, bool]]:
    """Inspections that count for C1: principal_self, led by the principal."""
    return [(d, "principal_self", True) for d in days]


def drill(*days: date) -> list[tuple[date, str]]:
    return [(d, "evacuation") for d in days]


def result(period, status, missed=(), done=()) -> CadenceResult:
    return CadenceResult(
        period=period, status=status, missed_periods=len(missed), missed=tuple(missed),
        done=tuple(done),
    )


def test_cadence_status_values():
    assert [s.value for s in CadenceStatus] == ["done", "due", "missed", "not_applicable"]


@pytest.mark.parametrize(
    ("high_risk", "c1", "c2"),
    [(False, PeriodKind.quarter, PeriodKind.year), (True, PeriodKind.month, PeriodKind.half_year)],
)
def test_c1_c2_kinds(high_risk, c1, c2):
    assert c1_kind(high_risk) == c1
    assert c2_kind(high_risk) == c2


# --- worked examples ---------------------------------------------------------------------

EX1_STATES = [active(date(2024, 2, 10))]
EX1_INSPECTIONS = insp(date(2024, 3, 30), date(2024, 5, 6))


def test_c1_example_1():
    got = evaluate_c1(EX1_STATES, EX1_INSPECTIONS, date(2024, 11, 20))
    assert got == result("2024-Q4", DUE, missed=["2024-Q3"], done=["2024-Q2"])


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (
            date(2024, 12, 31),
            result("2024-Q4", DONE, missed=["2024-Q3"], done=["2024-Q2", "2024-Q4"]),
        ),
        (date(2025, 1, 1), result("2025-Q1", DUE, missed=["2024-Q3"], done=["2024-Q2", "2024-Q4"])),
        # Q4 done on its last day stays done; the December inspection is before as_of here
        (date(2024, 12, 30), result("2024-Q4", DUE, missed=["2024-Q3"], done=["2024-Q2"])),
    ],
)
def test_c1_example_2(as_of, expected):
    inspections = EX1_INSPECTIONS + insp(date(2024, 12, 31))
    assert evaluate_c1(EX1_STATES, inspections, as_of) == expected


@pytest.mark.parametrize(
    "inspection",
    [
        (date(2024, 8, 1), "principal_self", False),
        (date(2024, 8, 1), "village_patrol", True),
        (date(2024, 8, 1), "village_patrol", False),
        (date(2024, 8, 1), "department_check", True),
        (date(2024, 8, 1), "principal_self", None),
    ],
)
def test_c1_example_3(inspection):
    got = evaluate_c1(EX1_STATES, EX1_INSPECTIONS + [inspection], date(2024, 11, 20))
    assert got == result("2024-Q4", DUE, missed=["2024-Q3"], done=["2024-Q2"])
    # the same date as a qualifying inspection does satisfy Q3
    got = evaluate_c1(EX1_STATES, EX1_INSPECTIONS + insp(inspection[0]), date(2024, 11, 20))
    assert got == result("2024-Q4", DUE, done=["2024-Q2", "2024-Q3"])


def test_c1_example_4():
    states = [active(date(2025, 1, 15), high_risk=True)]
    got = evaluate_c1(states, insp(date(2025, 2, 3), date(2025, 4, 10)), date(2025, 5, 20))
    assert got == result("2025-05", DUE, missed=["2025-03"], done=["2025-02", "2025-04"])


@pytest.mark.parametrize(
    ("high_risk", "period"), [(True, "2025-04"), (False, "2025-Q2")]
)
def test_c1_example_5(high_risk, period):
    as_of = business_date(datetime(2025, 3, 31, 16, 30, tzinfo=UTC))
    assert as_of == date(2025, 4, 1)
    states = [active(date(2024, 1, 1), high_risk)]
    got = evaluate_c1(states, insp(date(2025, 3, 31)), as_of)
    assert got.period == period
    assert got.status == DUE  # the 31 March inspection belongs to the previous period


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2025, 12, 31), result("2025", DUE, done=["2024"])),
        (date(2026, 1, 1), result("2026", DUE, missed=["2025"], done=["2024"])),
        (date(2024, 11, 10), result("2024", DUE)),
        (date(2024, 11, 11), result("2024", DONE, done=["2024"])),
    ],
)
def test_c2_example_6(as_of, expected):
    states = [active(date(2023, 5, 1))]
    assert evaluate_c2(states, drill(date(2024, 11, 11)), as_of) == expected


def test_c2_example_7():
    states = [active(date(2024, 7, 1), high_risk=True)]
    got = evaluate_c2(states, drill(date(2024, 9, 9)), date(2025, 8, 1))
    assert got == result("2025-H2", DUE, missed=["2025-H1"], done=["2024-H2"])


def test_c3_example_8():
    # the third round is only `submitted`, so the caller does not pass its date
    got = evaluate_c3([date(2024, 6, 28), date(2025, 1, 15)], date(2025, 9, 1))
    assert got == result("2025-H2", DUE, missed=["2024-H2"], done=["2024-H1", "2025-H1"])


# --- C1 / C2 boundaries ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inspected_on", "missed", "done"),
    [
        (date(2024, 6, 30), ["2024-Q3"], ["2024-Q2"]),  # last day of Q2
        (date(2024, 7, 1), ["2024-Q2"], ["2024-Q3"]),  # first day of Q3
        (date(2024, 9, 30), ["2024-Q2"], ["2024-Q3"]),
        (date(2024, 3, 31), ["2024-Q2", "2024-Q3"], []),  # before obligations: nothing
    ],
)
def test_c1_inspection_on_last_and_first_day_of_quarter(inspected_on, missed, done):
    got = evaluate_c1([active(date(2024, 4, 1))], insp(inspected_on), date(2024, 10, 1))
    assert got == result("2024-Q4", DUE, missed=missed, done=done)


@pytest.mark.parametrize(
    ("inspected_on", "done", "missed"),
    [
        (date(2024, 2, 29), ["2024-02"], ["2024-03"]),  # leap day is in February
        (date(2024, 3, 1), ["2024-03"], ["2024-02"]),
        (date(2024, 1, 31), [], ["2024-02", "2024-03"]),  # January not owed
    ],
)
def test_c1_monthly_leap_day(inspected_on, done, missed):
    states = [active(date(2024, 1, 15), high_risk=True)]
    got = evaluate_c1(states, insp(inspected_on), date(2024, 4, 1))
    assert got == result("2024-04", DUE, missed=missed, done=done)


def test_c1_as_of_leap_day_is_current_february():
    states = [active(date(2024, 2, 1), high_risk=True)]
    assert evaluate_c1(states, insp(date(2024, 2, 29)), date(2024, 2, 29)) == result(
        "2024-02", DONE, done=["2024-02"]
    )
    # not high-risk: the leap day is in Q1 2024
    states = [active(date(2024, 1, 1))]
    assert evaluate_c1(states, insp(date(2024, 2, 29)), date(2024, 2, 29)) == result(
        "2024-Q1", DONE, done=["2024-Q1"]
    )


@pytest.mark.parametrize(
    ("evaluate", "high_risk", "first_day", "as_of", "period"),
    [
        (evaluate_c1, False, date(2024, 4, 1), date(2024, 5, 15), "2024-Q2"),
        (evaluate_c1, True, date(2024, 5, 1), date(2024, 5, 15), "2024-05"),
        (evaluate_c2, False, date(2025, 1, 1), date(2025, 5, 15), "2025"),
        (evaluate_c2, True, date(2024, 7, 1), date(2024, 8, 15), "2024-H2"),
    ],
)
def test_registered_on_first_day_owes_that_period_second_day_does_not(
    evaluate, high_risk, first_day, as_of, period
):
    on_first = evaluate([active(first_day, high_risk)], [], as_of)
    assert on_first == result(period, DUE)
    on_second = evaluate([active(first_day + timedelta(days=1), high_risk)], [], as_of)
    assert on_second == result(period, NA)


def test_registered_on_first_day_past_period_missed_vs_not_owed():
    as_of = date(2024, 7, 2)
    assert evaluate_c1([active(date(2024, 4, 1))], [], as_of) == result(
        "2024-Q3", DUE, missed=["2024-Q2"]
    )
    assert evaluate_c1([active(date(2024, 4, 2))], [], as_of) == result("2024-Q3", DUE)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2023, 12, 31), result("2023-Q4", NA)),  # before the campaign: nothing owed
        (date(2024, 1, 1), result("2024-Q1", DUE)),
        (date(2024, 4, 1), result("2024-Q2", DUE, missed=["2024-Q1"])),
    ],
)
def test_c1_registered_before_2024_starts_with_2024(as_of, expected):
    states = [active(date(2020, 5, 5))]
    inspections = insp(date(2023, 12, 31), date(2023, 6, 1))  # before obligations: ignored
    assert evaluate_c1(states, inspections, as_of) == expected


def test_c2_registered_before_2024_high_risk_starts_with_h1_2024():
    states = [active(date(2023, 8, 8), high_risk=True)]
    got = evaluate_c2(states, drill(date(2023, 12, 1), date(2024, 8, 1)), date(2025, 1, 1))
    assert got == result("2025-H1", DUE, missed=["2024-H1"], done=["2024-H2"])


def test_not_yet_registered_on_as_of():
    states = [active(date(2025, 1, 15))]
    assert evaluate_c1(states, insp(date(2025, 1, 1)), date(2025, 1, 10)) == result(None, NA)


# Non-high-risk from 2024-01-01, high-risk from 2025-05-10 (the module docstring's example).
TO_HIGH_RISK = [active(date(2024, 1, 1)), active(date(2025, 5, 10), high_risk=True)]
QUARTERS_2024_Q1_2025 = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2025, 5, 9), result("2025-Q2", DUE, missed=QUARTERS_2024_Q1_2025)),
        # the regime changed inside Q2 and inside May: neither is owed
        (date(2025, 5, 10), result("2025-05", NA, missed=QUARTERS_2024_Q1_2025)),
        (date(2025, 5, 31), result("2025-05", NA, missed=QUARTERS_2024_Q1_2025)),
        (date(2025, 6, 1), result("2025-06", DUE, missed=QUARTERS_2024_Q1_2025)),
        (date(2025, 7, 15), result("2025-07", DUE, missed=QUARTERS_2024_Q1_2025 + ["2025-06"])),
    ],
)
def test_c1_change_to_high_risk_mid_quarter(as_of, expected):
    assert evaluate_c1(TO_HIGH_RISK, [], as_of) == expected


def test_c1_change_to_high_risk_events_in_the_gap_count_for_nothing():
    inspections = insp(date(2025, 4, 2), date(2025, 5, 20), date(2025, 6, 30), date(2025, 7, 1))
    got = evaluate_c1(TO_HIGH_RISK, inspections, date(2025, 7, 15))
    assert got == result("2025-07", DONE, missed=QUARTERS_2024_Q1_2025, done=["2025-06", "2025-07"])


def test_c1_change_to_high_risk_on_a_quarter_start_keeps_both():
    states = [active(date(2024, 1, 1)), active(date(2025, 7, 1), high_risk=True)]
    got = evaluate_c1(states, insp(date(2025, 6, 30)), date(2025, 8, 1))
    assert got == result(
        "2025-08", DUE, missed=QUARTERS_2024_Q1_2025 + ["2025-07"], done=["2025-Q2"]
    )


# High-risk from 2025-01-01, back to non-high-risk on 2025-08-15.
CHANGE_BACK = [active(date(2025, 1, 1), high_risk=True), active(date(2025, 8, 15))]
MONTHS_TO_JULY = [f"2025-{m:02d}" for m in range(1, 8)]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2025, 8, 14), result("2025-08", DUE, missed=MONTHS_TO_JULY)),
        # August (partly high-risk) and Q3 (partly high-risk) are not owed
        (date(2025, 8, 15), result("2025-Q3", NA, missed=MONTHS_TO_JULY)),
        (date(2025, 9, 30), result("2025-Q3", NA, missed=MONTHS_TO_JULY)),
        (date(2025, 10, 1), result("2025-Q4", DUE, missed=MONTHS_TO_JULY)),
        (date(2026, 1, 1), result("2026-Q1", DUE, missed=MONTHS_TO_JULY + ["2025-Q4"])),
    ],
)
def test_c1_change_back_from_high_risk(as_of, expected):
    assert evaluate_c1(CHANGE_BACK, [], as_of) == expected


def test_c2_change_to_high_risk_mid_year():
    states = [active(date(2024, 1, 1)), active(date(2025, 3, 1), high_risk=True)]
    # 2025 (partly high-risk) and H1 2025 (partly non-high-risk) are not owed
    drills = drill(date(2024, 5, 5), date(2025, 2, 1), date(2025, 8, 1))
    assert evaluate_c2(states, drills, date(2025, 6, 30)) == result("2025-H1", NA, done=["2024"])
    assert evaluate_c2(states, drills, date(2026, 1, 1)) == result(
        "2026-H1", DUE, done=["2024", "2025-H2"]
    )


# Active from 2024-01-01, suspended 2024-05-10 (停产整顿), active again 2024-08-20.
SUSPENSION = [
    active(date(2024, 1, 1)),
    suspended(date(2024, 5, 10)),
    active(date(2024, 8, 20)),
]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2024, 5, 9), result("2024-Q2", DUE, missed=["2024-Q1"])),
        (date(2024, 5, 10), result(None, NA, missed=["2024-Q1"])),
        (date(2024, 8, 19), result(None, NA, missed=["2024-Q1"])),
        (date(2024, 8, 20), result("2024-Q3", NA, missed=["2024-Q1"])),
        (date(2024, 10, 1), result("2024-Q4", DUE, missed=["2024-Q1"])),
        (date(2025, 1, 1), result("2025-Q1", DUE, missed=["2024-Q1", "2024-Q4"])),
    ],
)
def test_c1_suspension_for_part_of_quarters(as_of, expected):
    assert evaluate_c1(SUSPENSION, [], as_of) == expected


def test_c1_suspension_events_while_suspended_or_in_partial_quarters_ignored():
    inspections = insp(date(2024, 4, 1), date(2024, 6, 1), date(2024, 9, 1), date(2024, 12, 31))
    got = evaluate_c1(SUSPENSION, inspections, date(2025, 1, 1))
    assert got == result("2025-Q1", DUE, missed=["2024-Q1"], done=["2024-Q4"])


def test_c1_suspension_of_exactly_one_full_quarter():
    states = [active(date(2024, 1, 1)), suspended(date(2024, 4, 1)), active(date(2024, 7, 1))]
    got = evaluate_c1(states, insp(date(2024, 3, 31)), date(2024, 10, 1))
    assert got == result("2024-Q4", DUE, missed=["2024-Q3"], done=["2024-Q1"])


def test_c1_registered_while_suspended_starts_when_active():
    states = [suspended(date(2024, 1, 1)), active(date(2024, 2, 2))]
    assert evaluate_c1(states, [], date(2024, 7, 1)) == result("2024-Q3", DUE, missed=["2024-Q2"])


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # closure is unknown before it takes effect
        (date(2024, 7, 31), result("2024-Q3", DUE, missed=["2024-Q2"], done=["2024-Q1"])),
        (
            date(2024, 8, 4),
            result("2024-Q3", DONE, missed=["2024-Q2"], done=["2024-Q1", "2024-Q3"]),
        ),
        # Q3 was cut short by the closure: no longer owed, its inspection counts for nothing
        (date(2024, 8, 5), result(None, NA, missed=["2024-Q2"], done=["2024-Q1"])),
        (date(2026, 3, 1), result(None, NA, missed=["2024-Q2"], done=["2024-Q1"])),
    ],
)
def test_c1_closed_enterprise(as_of, expected):
    states = [active(date(2024, 1, 1)), closed(date(2024, 8, 5))]
    inspections = insp(date(2024, 2, 1), date(2024, 8, 1), date(2024, 9, 1))
    assert evaluate_c1(states, inspections, as_of) == expected


def test_c1_closed_on_a_quarter_start_keeps_previous_quarter():
    states = [active(date(2024, 1, 1)), closed(date(2024, 7, 1))]
    got = evaluate_c1(states, insp(date(2024, 2, 1)), date(2025, 1, 1))
    assert got == result(None, NA, missed=["2024-Q2"], done=["2024-Q1"])


def test_c2_closed_enterprise_with_missed_years():
    states = [active(date(2023, 1, 1)), closed(date(2026, 2, 1))]
    got = evaluate_c2(states, drill(date(2025, 12, 31)), date(2026, 6, 1))
    assert got == result(None, NA, missed=["2024"], done=["2025"])


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2024, 11, 20), result("2024-Q4", DUE, missed=["2024-Q3"], done=["2024-Q2"])),
        (
            date(2024, 11, 21),
            result("2024-Q4", DONE, missed=["2024-Q3"], done=["2024-Q2", "2024-Q4"]),
        ),
    ],
)
def test_c1_events_after_as_of_ignored(as_of, expected):
    inspections = EX1_INSPECTIONS + insp(date(2024, 11, 21), date(2025, 1, 5))
    assert evaluate_c1(EX1_STATES, inspections, as_of) == expected


def test_c1_many_events_in_one_period_count_once():
    got = evaluate_c1(EX1_STATES, insp(*[date(2024, 5, d) for d in range(1, 31)]), date(2024, 7, 1))
    assert got == result("2024-Q3", DUE, done=["2024-Q2"])


def test_c1_event_order_does_not_matter():
    inspections = insp(date(2024, 12, 31), date(2024, 5, 6), date(2024, 3, 30))
    got = evaluate_c1(EX1_STATES, inspections, date(2025, 1, 1))
    assert got == result("2025-Q1", DUE, missed=["2024-Q3"], done=["2024-Q2", "2024-Q4"])


def test_c2_only_evacuation_drills_count():
    states = [active(date(2024, 1, 1))]
    drills = [(date(2024, 3, 3), "fire"), (date(2024, 4, 4), "tabletop")]
    assert evaluate_c2(states, drills, date(2025, 1, 1)) == result("2025", DUE, missed=["2024"])
    assert evaluate_c2(states, drills + drill(date(2024, 12, 31)), date(2025, 1, 1)) == result(
        "2025", DUE, done=["2024"]
    )


def test_state_changes_after_as_of_are_ignored():
    states = [active(date(2024, 1, 1)), active(date(2024, 12, 1), high_risk=True)]
    assert evaluate_c1(states, [], date(2024, 11, 30)) == result(
        "2024-Q4", DUE, missed=["2024-Q1", "2024-Q2", "2024-Q3"]
    )


def test_a_change_that_keeps_the_regime_does_not_break_the_stretch():
    states = [active(date(2024, 1, 1)), active(date(2024, 5, 5)), active(date(2024, 5, 6))]
    got = evaluate_c1(states, insp(date(2024, 5, 5)), date(2024, 7, 1))
    assert got == result("2024-Q3", DUE, missed=["2024-Q1"], done=["2024-Q2"])


def test_two_changes_on_one_day_the_later_listed_wins():
    states = [active(date(2024, 1, 1)), suspended(date(2024, 4, 1)), active(date(2024, 4, 1))]
    assert evaluate_c1(states, [], date(2024, 7, 1)) == result(
        "2024-Q3", DUE, missed=["2024-Q1", "2024-Q2"]
    )


def test_unsorted_states_are_sorted():
    states = [active(date(2024, 8, 20)), suspended(date(2024, 5, 10)), active(date(2024, 1, 1))]
    as_of = date(2025, 1, 1)
    assert evaluate_c1(states, [], as_of) == evaluate_c1(SUSPENSION, [], as_of)


@pytest.mark.parametrize(
    "states", [[], [EnterpriseState(date(2024, 1, 1), "bankrupt", False)]]
)
def test_invalid_states_rejected(states):
    with pytest.raises(ValueError):
        evaluate_c1(states, [], date(2024, 6, 1))


# --- regime rule cross-checked day by day ------------------------------------------------


def _brute_force(states, kind_for, events, as_of):
    """The regime rule read literally: a period is owed when every one of its days up to
    as_of had the enterprise active under the regime yielding its kind."""
    ordered = sorted(states, key=lambda s: s.effective_on)

    def in_force(d):
        current = None
        for s in ordered:
            if s.effective_on <= d:
                current = s
        return current

    owed = []
    for kind in {kind_for(False), kind_for(True)}:
        p = period_of(kind, CAMPAIGN_START)
        while p.start <= as_of:
            day, ok = p.start, True
            while day <= min(p.end, as_of):
                s = in_force(day)
                if s is None or s.status != "active" or kind_for(s.high_risk) != kind:
                    ok = False
                    break
                day += timedelta(days=1)
            if ok:
                owed.append(p)
            p = period_of(kind, p.end + timedelta(days=1))
    owed.sort()
    hit = {p for p in owed for e in events if e <= as_of and p.contains(e)}
    current = next((p for p in owed if p.contains(as_of)), None)
    missed = tuple(p.label for p in owed if p != current and p not in hit)
    done = tuple(p.label for p in owed if p in hit)
    if current is not None:
        return result(current.label, DONE if current in hit else DUE, missed, done)
    s = in_force(as_of)
    label = period_of(kind_for(s.high_risk), as_of).label if s and s.status == "active" else None
    return result(label, NA, missed, done)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("kind_for", [c1_kind, c2_kind])
def test_regime_rule_matches_day_by_day_reading(seed, kind_for):
    rng = random.Random(seed)
    day = date(2023, 6, 1) + timedelta(days=rng.randrange(500))
    statuses = ["active", "active", "suspended"]
    states = [EnterpriseState(day, rng.choice(statuses), rng.random() < 0.5)]
    for _ in range(rng.randrange(5)):
        day += timedelta(days=rng.randrange(1, 200))
        states.append(EnterpriseState(day, rng.choice([*statuses, "closed"]), rng.random() < 0.5))
    events = [
        date(2023, 10, 1) + timedelta(days=rng.randrange(1000)) for _ in range(rng.randrange(25))
    ]
    for _ in range(3):
        as_of = date(2023, 11, 1) + timedelta(days=rng.randrange(1000))
        got = evaluate_cadence(states, kind_for, events, as_of)
        assert got == _brute_force(states, kind_for, events, as_of), (states, as_of)


# --- C3 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completed", "as_of", "expected"),
    [
        ([], date(2024, 1, 1), result("2024-H1", DUE)),
        ([], date(2023, 12, 31), result(None, NA)),
        ([date(2023, 12, 20)], date(2024, 7, 1), result("2024-H2", DUE, missed=["2024-H1"])),
        ([date(2024, 6, 30)], date(2024, 7, 1), result("2024-H2", DUE, done=["2024-H1"])),
        (
            [date(2024, 7, 1)],
            date(2024, 7, 1),
            result("2024-H2", DONE, missed=["2024-H1"], done=["2024-H2"]),
        ),
        ([date(2024, 7, 2)], date(2024, 7, 1), result("2024-H2", DUE, missed=["2024-H1"])),
        (
            [date(2024, 12, 31)],
            date(2025, 1, 1),
            result("2025-H1", DUE, missed=["2024-H1"], done=["2024-H2"]),
        ),
        (
            [],
            date(2026, 12, 31),
            result("2026-H2", DUE, missed=["2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"]),
        ),
    ],
)
def test_c3_half_year_boundaries(completed, as_of, expected):
    assert evaluate_c3(completed, as_of) == expected


# --- C4 ----------------------------------------------------------------------------------


def test_c4_focus_table():
    assert FOCUS_TRAINING == {
        2024: (
            frozenset({"hospital_grade2", "hospital_grade3"}),
            frozenset({"fire_safety_responsible"}),
        ),
        2025: (frozenset({"dust_explosion"}), frozenset({"principal", "fire_safety_responsible"})),
        2026: (frozenset({"large_commercial_complex"}), frozenset({"fire_safety_responsible"})),
    }


def _example_9(a_passed=True):
    dust = {"dust_explosion"}
    return [
        ("A", dust, "active", [("principal", date(2025, 3, 1), a_passed)]),
        ("B", dust, "active", [("fire_safety_responsible", date(2025, 6, 1), True)]),
        ("C", dust, "active", [("employee", date(2025, 4, 1), True)]),
        ("D", dust, "active", [("principal", date(2024, 12, 20), True)]),
        ("E", dust, "closed", [("principal", date(2025, 3, 1), True)]),
    ]


def test_c4_example_9():
    assert training_coverage(2025, _example_9()) == TrainingCoverage(
        year=2025, total=4, covered=2, rate=0.5, uncovered=("C", "D")
    )
    assert training_coverage(2025, _example_9(a_passed=False)) == TrainingCoverage(
        year=2025, total=4, covered=1, rate=0.25, uncovered=("A", "C", "D")
    )


@pytest.mark.parametrize(
    ("year", "tags", "status", "expected"),
    [
        (2024, {"hospital_grade2"}, "active", True),
        (2024, {"hospital_grade3"}, "active", True),
        (2024, {"hospital_grade2", "hospital_grade3"}, "active", True),
        (2024, {"dust_explosion"}, "active", False),
        (2024, {"hospital_grade2"}, "suspended", False),
        (2024, {"hospital_grade2"}, "closed", False),
        (2025, {"dust_explosion", "confined_space"}, "active", True),
        (2025, {"ammonia_refrigeration"}, "active", False),
        (2025, set(), "active", False),
        (2026, {"large_commercial_complex"}, "active", True),
        (2026, {"hospital_grade3"}, "active", False),
        (2026, ["large_commercial_complex"], "active", True),
    ],
)
def test_c4_is_focus_enterprise(year, tags, status, expected):
    assert is_focus_enterprise(year, tags, status) is expected


@pytest.mark.parametrize(
    ("year", "role", "held_on", "passed", "expected"),
    [
        (2024, "fire_safety_responsible", date(2024, 1, 1), True, True),
        (2024, "fire_safety_responsible", date(2024, 12, 31), True, True),
        (2024, "fire_safety_responsible", date(2025, 1, 1), True, False),
        (2024, "fire_safety_responsible", date(2023, 12, 31), True, False),
        (2024, "principal", date(2024, 6, 1), True, False),
        (2025, "principal", date(2025, 6, 1), True, True),
        (2025, "fire_safety_responsible", date(2025, 6, 1), True, True),
        (2025, "employee", date(2025, 6, 1), True, False),
        (2025, "principal", date(2025, 6, 1), False, False),
        (2025, "principal", date(2025, 6, 1), None, False),
        (2026, "fire_safety_responsible", date(2026, 12, 31), True, True),
        (2026, "principal", date(2026, 6, 1), True, False),
    ],
)
def test_c4_training_covers(year, role, held_on, passed, expected):
    assert training_covers(year, role, held_on, passed) is expected


def test_c4_no_focus_enterprise_rate_is_none():
    got = training_coverage(2026, [("X", {"dust_explosion"}, "active", [])])
    assert got == TrainingCoverage(year=2026, total=0, covered=0, rate=None, uncovered=())


def test_c4_one_of_several_trainings_suffices_and_counts_once():
    trainings = [
        ("employee", date(2024, 2, 2), True),
        ("fire_safety_responsible", date(2024, 3, 3), False),
        ("fire_safety_responsible", date(2024, 4, 4), True),
        ("fire_safety_responsible", date(2024, 5, 5), True),
    ]
    got = training_coverage(2024, [(1, {"hospital_grade2", "hospital_grade3"}, "active", trainings),
                                   (2, {"hospital_grade3"}, "active", [])])
    assert got == TrainingCoverage(year=2024, total=2, covered=1, rate=0.5, uncovered=(2,))


@pytest.mark.parametrize("year", [2023, 2027])
def test_c4_unknown_year_rejected(year):
    with pytest.raises(ValueError):
        training_coverage(year, [])
    with pytest.raises(ValueError):
        is_focus_enterprise(year, {"dust_explosion"}, "active")
    with pytest.raises(ValueError):
        training_covers(year, "principal", date(year, 1, 1), True)
