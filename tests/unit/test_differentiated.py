"""Differentiated supervision, cadence C5 (K5; app.domain.differentiated): the lead
department's `department` inspections, monthly for red, quarterly for orange, half-yearly
for yellow, yearly for blue, and what a change of level owes."""

import random
from datetime import date, timedelta

import pytest

from app.domain.cadence import CadenceResult, CadenceStatus, EnterpriseState, evaluate_cadence
from app.domain.calendar import PeriodKind
from app.domain.differentiated import C5_KIND, LevelState, c5_kind, c5_owed_periods, evaluate_c5, level_history
from app.domain.risk import RiskLevel

DONE, DUE, NA = CadenceStatus.done, CadenceStatus.due, CadenceStatus.not_applicable
RED, ORANGE, YELLOW, BLUE = RiskLevel.red, RiskLevel.orange, RiskLevel.yellow, RiskLevel.blue
REGISTERED = [EnterpriseState(date(2020, 1, 1), "active", False)]


def dept(*days: date) -> list[tuple[date, str]]:
    return [(d, "department") for d in days]


def lv(*changes) -> list[LevelState]:
    return [LevelState(on, level) for on, level in changes]


def result(period, status, missed=(), done=()) -> CadenceResult:
    return CadenceResult(period=period, status=status, missed_periods=len(missed), missed=tuple(missed), done=tuple(done))


def labels(periods) -> list[str]:
    return [p.label for p in periods]


@pytest.mark.parametrize(
    ("level", "kind"),
    [(RED, PeriodKind.month), (ORANGE, PeriodKind.quarter), (YELLOW, PeriodKind.half_year), (BLUE, PeriodKind.year)],
)
def test_c5_kinds(level, kind):
    assert c5_kind(level) is kind and c5_kind(level.value) is kind
    assert C5_KIND[level] is kind


# --- worked examples ---------------------------------------------------------------------------

# 1. Red since it was first graded on 2025-01-01: monthly. Department inspections on
#    2025-01-10 and 2025-03-05; a village patrol and a principal's self-inspection in
#    February count for nothing. as_of 2025-04-15 → January and March done, February
#    missed, April due.
EX1_LEVELS = lv((date(2025, 1, 1), RED))
EX1_INSPECTIONS = dept(date(2025, 1, 10), date(2025, 3, 5)) + [
    (date(2025, 2, 3), "village_patrol"), (date(2025, 2, 4), "principal_self"), (date(2025, 2, 5), "enforcement"),
]


def test_c5_example_1():
    got = evaluate_c5(REGISTERED, EX1_LEVELS, EX1_INSPECTIONS, date(2025, 4, 15))
    assert got == result("2025-04", DUE, missed=["2025-02"], done=["2025-01", "2025-03"])


# 2. Red from 2025-01-01, yellow from 2025-05-10 (loosening). Owed: 2025-01 … 2025-05
#    (May began red and stays owed), not June (it began yellow; the half-year H1 began red),
#    then half-years from H2 2025. Inspections on the 5th of January to May.
EX2_LEVELS = lv((date(2025, 1, 1), RED), (date(2025, 5, 10), YELLOW))
EX2_INSPECTIONS = dept(*(date(2025, m, 5) for m in range(1, 6)))
EX2_MONTHS = [f"2025-0{m}" for m in range(1, 6)]


def test_c5_example_2_owed_periods():
    assert labels(c5_owed_periods(REGISTERED, EX2_LEVELS, date(2026, 1, 1))) == [*EX2_MONTHS, "2025-H2", "2026-H1"]


def test_c5_example_2_may_is_owed_after_the_change():
    got = evaluate_c5(REGISTERED, EX2_LEVELS, EX2_INSPECTIONS, date(2025, 5, 20))
    assert got == result("2025-05", DONE, done=EX2_MONTHS)
    got = evaluate_c5(REGISTERED, EX2_LEVELS, EX2_INSPECTIONS[:4], date(2025, 5, 20))
    assert got == result("2025-05", DUE, done=EX2_MONTHS[:4])


def test_c5_example_2_june_is_not_owed():
    got = evaluate_c5(REGISTERED, EX2_LEVELS, EX2_INSPECTIONS, date(2025, 6, 15))
    assert got == result("2025-H1", NA, done=EX2_MONTHS)


def test_c5_example_2_half_years_from_h2():
    got = evaluate_c5(REGISTERED, EX2_LEVELS, EX2_INSPECTIONS, date(2025, 12, 31))
    assert got == result("2025-H2", DUE, done=EX2_MONTHS)
    got = evaluate_c5(REGISTERED, EX2_LEVELS, EX2_INSPECTIONS + dept(date(2025, 9, 1)), date(2025, 12, 31))
    assert got == result("2025-H2", DONE, done=[*EX2_MONTHS, "2025-H2"])
    got = evaluate_c5(REGISTERED, EX2_LEVELS, EX2_INSPECTIONS, date(2026, 1, 1))
    assert got == result("2026-H1", DUE, missed=["2025-H2"], done=EX2_MONTHS)


# 3. Yellow from 2025-01-01, red from 2025-05-10 (tightening). H1 2025 stays owed, May is not
#    owed (it began yellow), months are owed from June. One inspection on 2025-06-05 counts
#    for June and for H1.
EX3_LEVELS = lv((date(2025, 1, 1), YELLOW), (date(2025, 5, 10), RED))


def test_c5_example_3_owed_periods():
    owed = c5_owed_periods(REGISTERED, EX3_LEVELS, date(2025, 8, 1))
    assert labels(owed) == ["2025-H1", "2025-06", "2025-07", "2025-08"]


def test_c5_example_3_one_inspection_counts_for_both():
    got = evaluate_c5(REGISTERED, EX3_LEVELS, dept(date(2025, 6, 5)), date(2025, 6, 20))
    assert got == result("2025-06", DONE, done=["2025-H1", "2025-06"])
    got = evaluate_c5(REGISTERED, EX3_LEVELS, dept(date(2025, 6, 5)), date(2025, 7, 15))
    assert got == result("2025-07", DUE, done=["2025-H1", "2025-06"])


def test_c5_example_3_without_inspections():
    got = evaluate_c5(REGISTERED, EX3_LEVELS, [], date(2025, 5, 20))
    assert got == result("2025-H1", DUE)  # the shortest owed period containing 20 May
    got = evaluate_c5(REGISTERED, EX3_LEVELS, [], date(2025, 7, 15))
    assert got == result("2025-07", DUE, missed=["2025-H1", "2025-06"])


def test_c5_example_3_an_inspection_in_may_counts_for_h1_only():
    got = evaluate_c5(REGISTERED, EX3_LEVELS, dept(date(2025, 5, 20)), date(2025, 6, 10))
    assert got == result("2025-06", DUE, done=["2025-H1"])


# 4. Blue, registered 2024-03-15 (graded blue that day): the year 2024 began before the
#    registration, so the first year owed is 2025.
EX4_STATES = [EnterpriseState(date(2024, 3, 15), "active", False)]
EX4_LEVELS = lv((date(2024, 3, 15), BLUE))


def test_c5_example_4():
    assert evaluate_c5(EX4_STATES, EX4_LEVELS, dept(date(2024, 6, 1)), date(2024, 12, 31)) == result("2024", NA)
    assert evaluate_c5(EX4_STATES, EX4_LEVELS, dept(date(2024, 6, 1)), date(2025, 6, 1)) == result("2025", DUE)
    assert evaluate_c5(EX4_STATES, EX4_LEVELS, [], date(2026, 1, 1)) == result("2026", DUE, missed=["2025"])


# 5. Orange, suspended (停产整顿) from 2025-05-01, active again from 2025-06-15: Q2 2025 is not
#    owed, Q3 is. No inspection in Q1.
EX5_STATES = [
    EnterpriseState(date(2020, 1, 1), "active", False),
    EnterpriseState(date(2025, 5, 1), "suspended", False),
    EnterpriseState(date(2025, 6, 15), "active", False),
]
EX5_LEVELS = lv((date(2024, 12, 1), ORANGE))


def test_c5_example_5():
    assert evaluate_c5(EX5_STATES, EX5_LEVELS, [], date(2025, 5, 20)) == result(None, NA, missed=["2025-Q1"])
    assert evaluate_c5(EX5_STATES, EX5_LEVELS, [], date(2025, 6, 20)) == result("2025-Q2", NA, missed=["2025-Q1"])
    assert evaluate_c5(EX5_STATES, EX5_LEVELS, [], date(2025, 7, 1)) == result("2025-Q3", DUE, missed=["2025-Q1"])


# 6. A level that flips: red, orange from 2025-05-10, red again from 2025-06-20. Months to
#    May are owed, June is not (it began orange; Q2 began red), July is; no quarter is owed.
EX6_LEVELS = lv((date(2025, 1, 1), RED), (date(2025, 5, 10), ORANGE), (date(2025, 6, 20), RED))


def test_c5_example_6():
    owed = c5_owed_periods(REGISTERED, EX6_LEVELS, date(2025, 7, 31))
    assert labels(owed) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-07"]
    assert evaluate_c5(REGISTERED, EX6_LEVELS, dept(date(2025, 7, 2)), date(2025, 7, 31)).period == "2025-07"


# 7. First graded red on 2025-03-10: nothing is owed before April 2025.
EX7_LEVELS = lv((date(2025, 3, 10), RED))


def test_c5_example_7():
    assert evaluate_c5(REGISTERED, EX7_LEVELS, [], date(2025, 3, 20)) == result("2025-03", NA)
    assert evaluate_c5(REGISTERED, EX7_LEVELS, [], date(2025, 2, 20)) == result(None, NA)  # no level yet
    assert evaluate_c5(REGISTERED, EX7_LEVELS, [], date(2025, 5, 2)) == result("2025-05", DUE, missed=["2025-04"])


# 8. Red, then blue from 2025-02-10: January and February are owed, the year 2025 is not (it
#    began red), 2026 is.
EX8_LEVELS = lv((date(2025, 1, 1), RED), (date(2025, 2, 10), BLUE))


def test_c5_example_8():
    owed = c5_owed_periods(REGISTERED, EX8_LEVELS, date(2026, 3, 1))
    assert labels(owed) == ["2025-01", "2025-02", "2026"]
    got = evaluate_c5(REGISTERED, EX8_LEVELS, dept(date(2025, 1, 3), date(2025, 2, 20)), date(2025, 11, 1))
    assert got == result("2025", NA, done=["2025-01", "2025-02"])


# 9. Past as_of: later inspections, state and level changes are ignored.
def test_c5_example_9():
    levels = lv((date(2025, 1, 1), RED), (date(2025, 3, 15), BLUE))
    states = [*REGISTERED, EnterpriseState(date(2025, 3, 20), "closed", False)]
    got = evaluate_c5(states, levels, dept(date(2025, 2, 10), date(2025, 3, 5)), date(2025, 2, 28))
    assert got == result("2025-02", DONE, missed=["2025-01"], done=["2025-02"])


# --- the rule's edges ------------------------------------------------------------------------------


def test_c5_nothing_before_the_campaign():
    levels = lv((date(2023, 1, 1), ORANGE))
    got = evaluate_c5(REGISTERED, levels, dept(date(2023, 11, 1)), date(2024, 2, 1))
    assert got == result("2024-Q1", DUE)


def test_c5_closed_enterprise_owes_nothing_more():
    states = [*REGISTERED, EnterpriseState(date(2025, 2, 15), "closed", False)]
    got = evaluate_c5(states, lv((date(2025, 1, 1), RED)), [], date(2025, 6, 1))
    assert got == result(None, NA, missed=["2025-01"])


def test_c5_two_level_changes_on_one_day_the_later_listed_wins():
    levels = lv((date(2025, 1, 1), RED), (date(2025, 4, 1), BLUE), (date(2025, 4, 1), ORANGE))
    assert labels(c5_owed_periods(REGISTERED, levels, date(2025, 4, 2))) == ["2025-01", "2025-02", "2025-03", "2025-Q2"]


def test_c5_leap_february_and_year_end():
    levels = lv((date(2024, 1, 1), RED))
    got = evaluate_c5(REGISTERED, levels, dept(date(2024, 2, 29)), date(2024, 2, 29))
    assert got.period == "2024-02" and got.status is DONE
    got = evaluate_c5(REGISTERED, levels, dept(date(2024, 12, 31)), date(2025, 1, 1))
    assert (got.period, got.status, got.done[-1]) == ("2025-01", DUE, "2024-12")


def test_c5_level_states_accept_plain_values():
    assert LevelState(date(2025, 1, 1), "red").level is RED  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        LevelState(date(2025, 1, 1), "purple")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        evaluate_c5([], lv((date(2025, 1, 1), RED)), [], date(2025, 2, 1))
    with pytest.raises(ValueError):
        evaluate_c5([EnterpriseState(date(2025, 1, 1), "sleeping", False)], [], [], date(2025, 2, 1))


def random_history(rng: random.Random):
    start = date(2023, 6, 1) + timedelta(days=rng.randrange(0, 700))
    states = [EnterpriseState(start, "active", False)]
    d = start
    for _ in range(rng.randrange(0, 4)):
        d += timedelta(days=rng.randrange(1, 200))
        states.append(EnterpriseState(d, rng.choice(["active", "suspended", "closed", "active"]), False))
    events = [(start + timedelta(days=rng.randrange(-30, 900)), rng.choice(["department", "department", "enforcement"]))
              for _ in range(rng.randrange(0, 15))]
    as_of = start + timedelta(days=rng.randrange(0, 900))
    return states, events, as_of


@pytest.mark.parametrize("level", list(RiskLevel))
def test_c5_with_an_unchanging_level_agrees_with_the_c1_c2_engine(level):
    """Graded once before registration and never changed, C5's rule and C1/C2's regime rule
    owe the same periods: the cadence engine is the reference."""
    rng = random.Random(f"c5-{level}")
    for _ in range(400):
        states, events, as_of = random_history(rng)
        levels = lv((date(2020, 1, 1), level))
        expected = evaluate_cadence(
            states, lambda _high_risk: c5_kind(level), (d for d, k in events if k == "department"), as_of
        )
        assert evaluate_c5(states, levels, events, as_of) == expected


def test_c5_invariants_with_changing_levels():
    rng = random.Random("c5-changes")
    for _ in range(400):
        states, events, as_of = random_history(rng)
        levels = [LevelState(states[0].effective_on + timedelta(days=rng.randrange(-100, 600)), rng.choice(list(RiskLevel)))
                  for _ in range(rng.randrange(1, 6))]
        got = evaluate_c5(states, levels, events, as_of)
        owed = {p.label: p for p in c5_owed_periods(states, levels, as_of)}
        counted = [d for d, k in events if k == "department" and d <= as_of]
        assert set(got.done) | set(got.missed) <= set(owed)
        for label in got.done:
            assert any(owed[label].contains(d) for d in counted)
        for label in got.missed:
            assert owed[label].end < as_of and not any(owed[label].contains(d) for d in counted)
        if got.status in (DONE, DUE):
            assert owed[got.period].contains(as_of)
        # every owed period began under a level of its own kind
        for p in owed.values():
            in_force = [s for s in sorted(levels, key=lambda s: s.effective_on) if s.effective_on <= p.start]
            assert in_force and c5_kind(in_force[-1].level) is p.kind


def test_c5_as_of_is_the_shanghai_date():
    from datetime import UTC, datetime

    from app.domain.calendar import business_date

    levels = lv((date(2025, 1, 1), RED))
    inspections = dept(date(2025, 5, 31))
    before = business_date(datetime(2025, 5, 31, 15, 59, tzinfo=UTC))  # still 31 May in Shanghai
    after = business_date(datetime(2025, 5, 31, 16, 0, tzinfo=UTC))  # 1 June
    assert evaluate_c5(REGISTERED, levels, inspections, before).period == "2025-05"
    got = evaluate_c5(REGISTERED, levels, inspections, after)
    assert (got.period, got.status) == ("2025-06", DUE)


@pytest.mark.parametrize(
    ("level", "as_of", "period"),
    [
        (ORANGE, date(2025, 3, 31), "2025-Q1"), (ORANGE, date(2025, 4, 1), "2025-Q2"),
        (ORANGE, date(2025, 12, 31), "2025-Q4"), (ORANGE, date(2026, 1, 1), "2026-Q1"),
        (YELLOW, date(2025, 6, 30), "2025-H1"), (YELLOW, date(2025, 7, 1), "2025-H2"), (YELLOW, date(2026, 1, 1), "2026-H1"),
        (BLUE, date(2025, 12, 31), "2025"), (BLUE, date(2026, 1, 1), "2026"),
        (RED, date(2024, 2, 29), "2024-02"), (RED, date(2024, 3, 1), "2024-03"),
    ],
)
def test_c5_period_rollovers(level, as_of, period):
    got = evaluate_c5(REGISTERED, lv((date(2024, 1, 1), level)), [], as_of)
    assert (got.period, got.status) == (period, DUE)


def test_level_history_computed_level_where_no_override_is_in_force():
    got = level_history(RED, [(YELLOW, date(2025, 5, 10)), (None, date(2025, 8, 3)), (BLUE, date(2026, 2, 1))],
                        date(2025, 12, 31))
    assert [(s.effective_on, s.level) for s in got] == [
        (date.min, RiskLevel.red), (date(2025, 5, 10), RiskLevel.yellow), (date(2025, 8, 3), RiskLevel.red),
    ]


def test_level_history_last_override_of_a_day_wins():
    history = level_history(BLUE, [(RED, date(2025, 5, 10)), (ORANGE, date(2025, 5, 10))], date(2025, 12, 31))
    owed = c5_owed_periods(REGISTERED, history, date(2025, 12, 31))
    assert [p.label for p in owed if p.start >= date(2025, 5, 1)] == ["2025-Q3", "2025-Q4"]


def test_c5_red_becomes_yellow_in_may_from_the_level_history():
    history = level_history(RED, [(YELLOW, date(2025, 5, 10))], date(2025, 12, 31))
    got = evaluate_c5(REGISTERED, history, dept(date(2025, 3, 3), date(2025, 5, 20), date(2025, 9, 1)), date(2025, 12, 31))
    owed_2025 = [p for p in got.missed + got.done if p.startswith("2025")]
    assert sorted(owed_2025) == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-H2"]
    assert set(got.done) >= {"2025-03", "2025-05", "2025-H2"}
    assert (got.period, got.status) == ("2025-H2", DONE)
