"""Enterprise risk level K4 (app.domain.risk): the documented default score, its parts,
the thresholds, the overdue-major floor, overrides, and the validation of a scoring."""

from datetime import date

import pytest

from app.domain.errors import RuleViolation
from app.domain.risk import (
    RiskFacts,
    RiskLevel,
    RiskOverride,
    RiskScoring,
    RiskThresholds,
    assess_risk,
    missed_in_last_12_months,
    more_severe,
    override_problems,
    score_parts,
)
from app.domain.sectors import SECTORS

RED, ORANGE, YELLOW, BLUE = RiskLevel.red, RiskLevel.orange, RiskLevel.yellow, RiskLevel.blue


def parts(a) -> dict[str, int]:
    return {p.factor: p.points for p in a.parts}


def test_k4_levels():
    assert [level.value for level in RiskLevel] == ["red", "orange", "yellow", "blue"]
    assert more_severe("blue", "orange") is ORANGE and more_severe(RED, YELLOW) is RED


def test_k4_docstring_example():
    a = assess_risk(RiskFacts("hazardous_chemicals", True, standardization_level="3", open_major=1, overdue_major=1))
    assert (a.level, a.score, a.overridden) == (ORANGE, 70, False)
    assert parts(a) == {
        "sector": 35, "high_risk": 15, "open_major_hazards": 15, "overdue_major_hazards": 10, "standardization": -5,
    }
    assert [p.why for p in a.parts] == [
        "行业领域：危险化学品",
        "高危行业领域",
        "未销号重大事故隐患1项（每项15分，最多45分）",
        "其中逾期未整改1项（每项另加10分，最多30分）",
        "安全生产标准化三级",
    ]
    assert a.why == "按评分为较大风险（70分）"


def test_k4_every_sector_scores_and_says_its_name():
    for sector in SECTORS:
        a = assess_risk(RiskFacts(sector.code, False))
        [part] = a.parts
        assert part.factor == "sector" and part.points > 0 and part.why == f"行业领域：{sector.name}"
    assert assess_risk(RiskFacts("commerce", False)).score == 5
    assert assess_risk(RiskFacts("gas", False)).score == 25


def test_k4_tags():
    a = assess_risk(RiskFacts("industry_trade", False, tags=frozenset({"dust_explosion", "confined_space"})))
    assert parts(a) == {"sector": 15, "tag:confined_space": 10, "tag:dust_explosion": 15}
    assert a.score == 40 and a.level is YELLOW
    assert [p.why for p in a.parts][1:] == ["重点对象：有限空间", "重点对象：粉尘涉爆"]


@pytest.mark.parametrize(
    ("open_major", "overdue_major", "open_general", "missed", "expected"),
    [
        (1, 0, 0, 0, {"open_major_hazards": 15}),
        (3, 0, 0, 0, {"open_major_hazards": 45}),
        (5, 0, 0, 0, {"open_major_hazards": 45}),  # capped
        (4, 4, 0, 0, {"open_major_hazards": 45, "overdue_major_hazards": 30}),  # both capped
        (0, 0, 3, 0, {"open_general_hazards": 6}),
        (0, 0, 9, 0, {"open_general_hazards": 10}),
        (0, 0, 0, 2, {"missed_periods": 10}),
        (0, 0, 0, 12, {"missed_periods": 20}),
    ],
)
def test_k4_condition_points_and_caps(open_major, overdue_major, open_general, missed, expected):
    facts = RiskFacts("hazardous_chemicals", False, open_major=open_major, overdue_major=overdue_major,
                      open_general=open_general, missed_periods=missed)
    got = parts(assess_risk(facts))
    del got["sector"]
    assert got == expected


@pytest.mark.parametrize(("level", "points", "why"), [("3", -5, "三级"), ("2", -10, "二级"), ("1", -15, "一级")])
def test_k4_standardization(level, points, why):
    a = assess_risk(RiskFacts("gas", False, standardization_level=level))
    assert parts(a)["standardization"] == points
    assert a.parts[-1].why == f"安全生产标准化{why}"
    assert "standardization" not in parts(assess_risk(RiskFacts("gas", False)))


def test_k4_benchmark():
    a = assess_risk(RiskFacts("gas", False, standardization_level="1", benchmark=True))
    assert parts(a) == {"sector": 25, "standardization": -15, "benchmark": -5}
    assert a.score == 5 and a.level is BLUE


def test_k4_management_can_make_the_score_negative_and_the_parts_still_add_up():
    a = assess_risk(RiskFacts("commerce", False, standardization_level="1", benchmark=True))
    assert a.score == -15 == sum(p.points for p in a.parts) and a.level is BLUE


@pytest.mark.parametrize(
    ("score", "level"),
    [(-20, BLUE), (24, BLUE), (25, YELLOW), (49, YELLOW), (50, ORANGE), (74, ORANGE), (75, RED), (500, RED)],
)
def test_k4_thresholds(score, level):
    assert RiskThresholds().level(score) is level


def test_k4_boundaries_through_the_score():
    # gas 25 → yellow; with level 3 standardization 20 → blue; +2 general hazards 24 → blue; +3 → 26 yellow
    assert assess_risk(RiskFacts("gas", False)).level is YELLOW
    assert assess_risk(RiskFacts("gas", False, standardization_level="3", open_general=2)).level is BLUE
    assert assess_risk(RiskFacts("gas", False, standardization_level="3", open_general=3)).level is YELLOW
    # hazardous chemicals high-risk 50 → orange; open major 65; overdue 75 → red
    assert assess_risk(RiskFacts("hazardous_chemicals", True)).level is ORANGE
    assert assess_risk(RiskFacts("hazardous_chemicals", True, open_major=1)).score == 65
    assert assess_risk(RiskFacts("hazardous_chemicals", True, open_major=1, overdue_major=1)).level is RED


def test_k4_an_overdue_major_hazard_lifts_a_small_enterprise_to_orange():
    a = assess_risk(RiskFacts("commerce", False, open_major=1, overdue_major=1))
    assert (a.level, a.score) == (ORANGE, 50)
    assert parts(a)["overdue_major_floor"] == 20
    assert a.parts[-1].why == "存在逾期未整改的重大事故隐患，风险等级不低于较大风险"
    # open but not overdue: no floor
    a = assess_risk(RiskFacts("commerce", False, open_major=1))
    assert (a.level, a.score) == (BLUE, 20) and "overdue_major_floor" not in parts(a)
    # already above the floor: nothing added
    a = assess_risk(RiskFacts("hazardous_chemicals", True, open_major=1, overdue_major=1))
    assert "overdue_major_floor" not in parts(a)


def test_k4_the_floor_is_configurable():
    no_floor = RiskScoring(overdue_major_floor=None)
    a = assess_risk(RiskFacts("commerce", False, open_major=1, overdue_major=1), no_floor)
    assert (a.level, a.score) == (YELLOW, 30)
    red_floor = RiskScoring(overdue_major_floor=RED)
    assert assess_risk(RiskFacts("commerce", False, open_major=1, overdue_major=1), red_floor).score == 75


def test_k4_override_wins_and_says_so():
    facts = RiskFacts("commerce", False)
    a = assess_risk(facts, override=RiskOverride(RED, "  近期发生火灾事故  "))
    assert (a.level, a.computed_level, a.overridden, a.override_reason) == (RED, BLUE, True, "近期发生火灾事故")
    assert a.score == 5 and parts(a) == {"sector": 5}  # the parts still explain the score
    assert a.why == "人工认定为重大风险，理由：近期发生火灾事故；按评分为低风险（5分）"


def test_k4_override_may_lower_the_level():
    facts = RiskFacts("hazardous_chemicals", True, open_major=3, overdue_major=3)
    a = assess_risk(facts, override=RiskOverride("yellow", "隐患已现场整改，待销号"))  # type: ignore[arg-type]
    assert (a.level, a.computed_level) == (YELLOW, RED)


@pytest.mark.parametrize(
    ("level", "reason", "fields"),
    [
        ("purple", "x", ["level"]),
        (None, "x", ["level"]),
        ("red", "", ["reason"]),
        ("red", "   ", ["reason"]),
        ("red", None, ["reason"]),
        ("red", "x" * 1001, ["reason"]),
        ("pink", None, ["level", "reason"]),
    ],
)
def test_k4_invalid_override_names_the_fields(level, reason, fields):
    assert [e.field for e in override_problems(level, reason)] == fields
    with pytest.raises(RuleViolation):
        RiskOverride(level, reason)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"sector_points": {"bakery": 10}}, ["sector_points.bakery"]),
        ({"sector_points": {"gas": "10"}}, ["sector_points.gas"]),
        ({"sector_points": {"gas": True}}, ["sector_points.gas"]),
        ({"sector_points": {"gas": 5000}}, ["sector_points.gas"]),
        ({"sector_points": []}, ["sector_points"]),
        ({"tag_points": {"haunted": 5}}, ["tag_points.haunted"]),
        ({"standardization_points": {"none": 0, "3": -5, "2": -10}}, ["standardization_points.1"]),
        ({"high_risk_points": 1.5}, ["high_risk_points"]),
        ({"open_major_cap": -1}, ["open_major_cap"]),
        ({"thresholds": (75, 50, 25)}, ["thresholds"]),
        ({"overdue_major_floor": "purple"}, ["overdue_major_floor"]),
    ],
)
def test_k4_invalid_scoring_names_the_fields(changes, fields):
    with pytest.raises(RuleViolation) as exc:
        RiskScoring(**changes)
    assert [e.field for e in exc.value.errors] == fields


@pytest.mark.parametrize(
    ("red", "orange", "yellow", "fields"),
    [
        (50, 50, 25, ["orange"]),
        (75, 20, 25, ["yellow"]),
        (75, 50, "25", ["yellow"]),
        (75, 50, 50, ["yellow"]),
        (True, 50, 25, ["red"]),
    ],
)
def test_k4_invalid_thresholds(red, orange, yellow, fields):
    with pytest.raises(RuleViolation) as exc:
        RiskThresholds(red, orange, yellow)
    assert [e.field for e in exc.value.errors] == fields


def test_k4_configured_scoring():
    s = RiskScoring(sector_points={"gas": 60}, thresholds=RiskThresholds(90, 60, 30))
    a = assess_risk(RiskFacts("gas", False), s)
    assert (a.score, a.level) == (60, ORANGE)
    assert assess_risk(RiskFacts("fire", False), s).score == 5  # not listed: the other sectors' points


def test_k4_scoring_tables_are_frozen():
    s = RiskScoring(sector_points={"gas": 60})
    with pytest.raises(TypeError):
        s.sector_points["gas"] = 1  # type: ignore[index]


@pytest.mark.parametrize(
    "kwargs", [{"open_major": -1}, {"open_major": 1, "overdue_major": 2}, {"missed_periods": True}, {"open_general": 1.0}]
)
def test_k4_facts_are_counts(kwargs):
    with pytest.raises(ValueError):
        RiskFacts("gas", False, **kwargs)


def test_k4_parts_add_up_to_the_score():
    for sector in SECTORS:
        for om in range(0, 5):
            for od in range(0, om + 1):
                f = RiskFacts(sector.code, om % 2 == 0, frozenset({"dust_explosion"}), "2", od == 1, om, od, om * 2, od * 3)
                a = assess_risk(f)
                assert a.score == sum(p.points for p in a.parts)
                assert all(p.points != 0 for p in a.parts)
                assert a.parts == tuple(score_parts(f))


@pytest.mark.parametrize(
    ("labels", "today", "count"),
    [
        (["2024-Q2", "2024-Q3", "2025-Q1"], date(2025, 7, 1), 2),  # Q2 2024 ended 2024-06-30: too old
        (["2024-Q2"], date(2025, 6, 30), 0),  # ended on the very day a year before: outside
        (["2024-Q3"], date(2025, 6, 30), 1),
        (["2024-06", "2024-07"], date(2025, 7, 1), 1),
        (["2024", "2024-H2"], date(2025, 1, 1), 2),
        (["2023-02", "2023-03"], date(2024, 2, 29), 1),  # leap day: a year before is 28 February
        ([], date(2025, 1, 1), 0),
    ],
)
def test_k4_missed_periods_in_the_last_12_months(labels, today, count):
    assert missed_in_last_12_months(labels, today) == count
