"""Escalation proposals R3 (app.domain.escalation): the ladder 函告/通报/约谈/曝光, listing
after two extensions, once per overdue episode, configurable thresholds."""

from datetime import date, timedelta

import pytest

from app.domain.errors import RuleViolation
from app.domain.escalation import (
    DEFAULT_THRESHOLDS,
    LADDER,
    EscalationFacts,
    EscalationStep,
    EscalationThresholds,
    episode_key,
    overdue_days,
    proposals_due,
    thresholds_from,
)

S = EscalationStep
D = date(2025, 4, 30)


def facts(**kw) -> EscalationFacts:
    values = {"hazard_id": "h1", "grade": "major", "status": "rectifying", "deadline": D}
    values.update(kw)
    return EscalationFacts(**values)


def steps(proposals) -> list[str]:
    return [p.step.value for p in proposals]


def after(n: int) -> date:
    return D + timedelta(days=n)


def test_r3_steps_and_ladder():
    assert [s.value for s in S] == ["letter", "circular", "interview", "exposure", "listing"]
    assert LADDER == (S.letter, S.circular, S.interview, S.exposure)
    t = DEFAULT_THRESHOLDS
    assert (t.letter, t.circular, t.interview, t.exposure, t.listing_extensions) == (1, 15, 30, 60, 2)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (-5, []),
        (0, []),  # the deadline day is not overdue (H6)
        (1, ["letter"]),
        (14, ["letter"]),
        (15, ["letter", "circular"]),
        (29, ["letter", "circular"]),
        (30, ["letter", "circular", "interview"]),
        (59, ["letter", "circular", "interview"]),
        (60, ["letter", "circular", "interview", "exposure"]),
        (400, ["letter", "circular", "interview", "exposure"]),
    ],
)
def test_r3_every_threshold_reached_is_proposed(days, expected):
    assert steps(proposals_due(facts(), after(days))) == expected


@pytest.mark.parametrize(
    ("days", "already", "expected"),
    [
        (1, ["letter"], []),
        (15, ["letter"], ["circular"]),
        (30, ["letter", "circular"], ["interview"]),
        (60, ["letter", "circular", "interview"], ["exposure"]),
        (60, ["letter", "circular", "interview", "exposure"], []),
    ],
)
def test_r3_a_step_already_proposed_in_the_episode_is_not_proposed_again(days, already, expected):
    assert steps(proposals_due(facts(), after(days), already)) == expected


def test_r3_proposal_fields():
    [p] = proposals_due(facts(), after(3))
    assert (p.hazard_id, p.step, p.episode, p.overdue_days) == ("h1", S.letter, "2025-04-30", 3)
    assert p.reason == "逾期3天，建议函告"
    assert p.key == "h1|2025-04-30|letter"


def test_r3_only_major_hazards():
    assert proposals_due(facts(grade="general"), after(100)) == []


@pytest.mark.parametrize("status", ["closed", "void"])
def test_r3_closed_or_void_hazards_get_nothing(status):
    assert proposals_due(facts(status=status, extensions=3), after(100)) == []


@pytest.mark.parametrize("status", ["reported", "rectifying", "pending_review"])
def test_r3_open_states_count(status):
    assert steps(proposals_due(facts(status=status), after(1))) == ["letter"]


def test_r3_no_deadline_no_proposal():
    assert proposals_due(facts(deadline=None), after(100)) == []
    assert episode_key(facts(deadline=None)) is None


def test_r3_listing_after_two_extensions_and_overdue_again():
    assert steps(proposals_due(facts(extensions=2), after(1))) == ["letter", "listing"]
    assert steps(proposals_due(facts(extensions=3), after(1))) == ["letter", "listing"]
    assert steps(proposals_due(facts(extensions=1), after(1))) == ["letter"]
    assert proposals_due(facts(extensions=2), D) == []  # not overdue (yet)
    [p] = proposals_due(facts(extensions=2), after(4), ["letter"])
    assert (p.step, p.reason) == (S.listing, "整改期限已延期2次，仍逾期4天，建议挂牌督办")


def test_r3_listed_hazard_is_not_proposed_for_listing():
    assert steps(proposals_due(facts(extensions=2, listed=True), after(1))) == ["letter"]


def test_r3_overdue_days():
    assert overdue_days(D, after(15)) == 15
    assert overdue_days(D, D) == 0
    assert overdue_days(D, after(-3)) == 0
    assert overdue_days(None, D) == 0


@pytest.mark.parametrize(
    ("deadline", "today", "expected"),
    [
        (date(2025, 1, 31), date(2025, 2, 15), ["letter", "circular"]),  # 15 days across a month
        (date(2024, 2, 14), date(2024, 2, 29), ["letter", "circular"]),  # leap day: 15 days
        (date(2025, 2, 14), date(2025, 3, 1), ["letter", "circular"]),  # no leap day: 15 days
        (date(2025, 2, 14), date(2025, 2, 28), ["letter"]),  # 14 days
        (date(2024, 12, 2), date(2024, 12, 31), ["letter", "circular"]),  # 29 days
        (date(2024, 12, 2), date(2025, 1, 1), ["letter", "circular", "interview"]),  # 30 across the year
        (date(2024, 11, 1), date(2024, 12, 31), ["letter", "circular", "interview", "exposure"]),  # 60
    ],
)
def test_r3_thresholds_across_period_ends(deadline, today, expected):
    assert steps(proposals_due(facts(deadline=deadline), today)) == expected


def run_schedule(days, hazard_on, proposed):
    """The daily job: store each proposal under its key (unique), as the service would."""
    for n in days:
        f = hazard_on(n)
        episode = episode_key(f)
        already = [step for (hid, ep, step) in proposed if hid == f.hazard_id and ep == episode]
        for p in proposals_due(f, after(n), already):
            key = (p.hazard_id, p.episode, p.step.value)
            assert key not in proposed, "proposed twice"
            proposed[key] = n
    return proposed


def test_r3_running_the_schedule_daily_and_twice_proposes_each_step_once():
    proposed: dict = {}
    run_schedule(range(0, 120), lambda n: facts(), proposed)
    run_schedule(range(0, 120), lambda n: facts(), proposed)  # a second worker, the same days
    assert proposed == {
        ("h1", "2025-04-30", "letter"): 1,
        ("h1", "2025-04-30", "circular"): 15,
        ("h1", "2025-04-30", "interview"): 30,
        ("h1", "2025-04-30", "exposure"): 60,
    }


def test_r3_an_extension_ends_the_episode_and_the_ladder_starts_again():
    new_deadline = after(40)

    def hazard_on(n):
        # extended on day 20 (the second extension): a new deadline 20 days later
        return facts() if n < 20 else facts(deadline=new_deadline, extensions=2)

    proposed = run_schedule(range(0, 80), hazard_on, {})
    assert proposed == {
        ("h1", "2025-04-30", "letter"): 1,
        ("h1", "2025-04-30", "circular"): 15,
        ("h1", "2025-06-09", "letter"): 41,
        ("h1", "2025-06-09", "listing"): 41,
        ("h1", "2025-06-09", "circular"): 55,
        ("h1", "2025-06-09", "interview"): 70,
    }


def test_r3_dismissed_steps_stay_dismissed_for_the_episode():
    # the street office dismissed the letter: the service still passes it as proposed
    assert steps(proposals_due(facts(), after(20), ["letter"])) == ["circular"]


def test_r3_closing_ends_the_episode_a_reopened_hazard_starts_a_new_one():
    before = facts()
    reopened = facts(reopened_on=date(2025, 6, 2))
    assert episode_key(before) == "2025-04-30"
    assert episode_key(reopened) == "2025-04-30/reopened:2025-06-02"
    # the steps proposed before closing belong to the old episode: all come again
    assert steps(proposals_due(reopened, after(40), [])) == ["letter", "circular", "interview"]


def test_r3_configured_thresholds():
    t = thresholds_from({"letter": 3, "circular": 7, "interview": 14, "exposure": 21, "listing_extensions": 1})
    assert steps(proposals_due(facts(), after(2), thresholds=t)) == []
    assert steps(proposals_due(facts(), after(7), thresholds=t)) == ["letter", "circular"]
    assert steps(proposals_due(facts(), after(21), thresholds=t)) == ["letter", "circular", "interview", "exposure"]
    assert steps(proposals_due(facts(extensions=1), after(1), thresholds=t)) == ["listing"]
    t = thresholds_from({"listing_overdue_days": 10})
    assert steps(proposals_due(facts(extensions=2), after(9), thresholds=t)) == ["letter"]
    assert steps(proposals_due(facts(extensions=2), after(10), thresholds=t)) == ["letter", "listing"]


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"letter": 0}, ["letter"]),
        ({"letter": -1}, ["letter"]),
        ({"circular": True}, ["circular"]),
        ({"circular": "15"}, ["circular"]),
        ({"circular": 1.5}, ["circular"]),
        ({"interview": 10}, ["interview"]),  # not after circular (15)
        ({"circular": 1}, ["circular"]),  # not after letter (1)
        ({"exposure": 30}, ["exposure"]),
        ({"exposure": 4000}, ["exposure"]),
        ({"listing_extensions": 0}, ["listing_extensions"]),
        ({"listing_extensions": 21}, ["listing_extensions"]),
        ({"listing_overdue_days": None}, ["listing_overdue_days"]),
        ({"colour": 1}, ["colour"]),
    ],
)
def test_r3_invalid_thresholds_name_the_field(changes, fields):
    with pytest.raises(RuleViolation) as exc:
        thresholds_from(changes)
    assert [e.field for e in exc.value.errors] == fields


def test_r3_thresholds_cannot_be_constructed_invalid():
    with pytest.raises(RuleViolation):
        EscalationThresholds(letter=20)  # after circular
    assert thresholds_from({}) == DEFAULT_THRESHOLDS
    assert DEFAULT_THRESHOLDS.of(S.listing) == 1 and DEFAULT_THRESHOLDS.of(S.exposure) == 60


def test_r3_overdue_days_count_shanghai_dates():
    from datetime import UTC, datetime

    from app.domain.calendar import business_date

    # deadline 30 April; 15 May 15:59Z is still 15 May in Shanghai (15 days), 16:00Z is 16 May
    assert steps(proposals_due(facts(), business_date(datetime(2025, 5, 14, 15, 59, tzinfo=UTC)))) == ["letter"]
    assert steps(proposals_due(facts(), business_date(datetime(2025, 5, 14, 16, 0, tzinfo=UTC)))) == ["letter", "circular"]
