"""Reminders R1 and R2 (app.domain.reminders): the rules and their defaults, the occasions
due on a business day and their keys, causes that have gone, and quiet hours."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.cadence import EnterpriseState, evaluate_c1, evaluate_c2
from app.domain.calendar import SHANGHAI, business_date
from app.domain.errors import RuleViolation
from app.domain.reminders import (
    DEFAULT_QUIET_HOURS,
    DEFAULT_RULES,
    DIGEST_LAST_DAY,
    Channel,
    HazardFacts,
    QuietHours,
    Recipient,
    ReminderRule,
    ReminderRuleCode,
    Subject,
    TaskFacts,
    apply_rule_change,
    hazard_reminders,
    is_quiet,
    iso_week_label,
    next_allowed_at,
    overdue_occasion_day,
    period_end_reminder,
    send_at,
    send_window_problems,
    still_due,
    targets_digest_reminder,
    task_reminders,
)

R = ReminderRuleCode
D = date(2025, 4, 30)  # a deadline


def day(n: int) -> date:
    return D + timedelta(days=n)


def hazard(status="rectifying", deadline=D, grade="major", hazard_id="h1") -> HazardFacts:
    return HazardFacts(hazard_id=hazard_id, status=status, deadline=deadline, grade=grade)


def keys(reminders) -> list[str]:
    return [r.occasion for r in reminders]


def with_rule(code, **changes):
    rules = dict(DEFAULT_RULES)
    rules[code] = apply_rule_change(DEFAULT_RULES[code], changes)
    return rules


def field_names(exc: pytest.ExceptionInfo[RuleViolation]) -> list[str]:
    return [e.field for e in exc.value.errors]


# --- R1 defaults ----------------------------------------------------------------------------


def test_r1_rule_codes():
    assert [c.value for c in R] == [
        "hazard_deadline", "hazard_overdue", "c1_period_end", "c2_period_end", "task_due", "task_overdue",
        "targets_weekly",
    ]
    assert set(DEFAULT_RULES) == set(R)
    assert all(rule.enabled for rule in DEFAULT_RULES.values())


def test_r1_default_hazard_deadline_rule():
    rule = DEFAULT_RULES[R.hazard_deadline]
    assert rule.offsets_days == (7, 1)
    assert set(rule.recipients) == {
        Recipient.enterprise_principal, Recipient.enterprise_users, Recipient.village_officers,
        Recipient.lead_department_officers,
    }
    assert rule.repeat_every_days is None


def test_r1_default_hazard_overdue_rule_adds_street_office_and_repeats_weekly():
    rule = DEFAULT_RULES[R.hazard_overdue]
    assert rule.offsets_days == (1,)
    assert rule.repeat_every_days == 7
    assert set(rule.recipients) == set(DEFAULT_RULES[R.hazard_deadline].recipients) | {Recipient.street_office}


@pytest.mark.parametrize("code", [R.c1_period_end, R.c2_period_end])
def test_r1_default_period_end_rules(code):
    rule = DEFAULT_RULES[code]
    assert rule.offsets_days == (10,)
    assert set(rule.recipients) == {Recipient.enterprise_principal, Recipient.enterprise_users}
    assert rule.subject is Subject.enterprise


def test_r1_default_task_and_digest_rules():
    assert DEFAULT_RULES[R.task_due].offsets_days == (3,)
    assert DEFAULT_RULES[R.task_due].recipients == (Recipient.assignee_unit_users,)
    assert DEFAULT_RULES[R.task_overdue].recipients == (Recipient.assignee_unit_users,)
    assert DEFAULT_RULES[R.task_overdue].repeat_every_days == 7
    assert DEFAULT_RULES[R.targets_weekly].offsets_days == (0,)  # Monday
    assert DEFAULT_RULES[R.targets_weekly].recipients == (Recipient.street_admins,)


def test_r1_channels_are_r5s():
    assert [c.value for c in Channel] == ["in_app", "sms", "email", "wecom", "dingtalk"]


# --- R1 rule changes and their validation ---------------------------------------------------


def test_r1_rule_change_applies_and_keeps_the_rest():
    current = DEFAULT_RULES[R.hazard_deadline]
    changed = apply_rule_change(current, {"offsets_days": [14, 3, 0], "channels": ["in_app", "wecom"]})
    assert changed.offsets_days == (14, 3, 0)
    assert changed.channels == (Channel.in_app, Channel.wecom)
    assert changed.recipients == current.recipients
    assert changed.enabled is True
    assert current.offsets_days == (7, 1)  # frozen: the original is unchanged


def test_r1_rule_change_turns_off():
    assert apply_rule_change(DEFAULT_RULES[R.task_due], {"enabled": False}).enabled is False


@pytest.mark.parametrize(
    ("code", "changes", "fields"),
    [
        (R.hazard_deadline, {"offsets_days": [-1]}, ["offsets_days[0]"]),
        (R.hazard_deadline, {"offsets_days": [7, -3]}, ["offsets_days[1]"]),
        (R.hazard_deadline, {"offsets_days": []}, ["offsets_days"]),
        (R.hazard_deadline, {"offsets_days": "7"}, ["offsets_days"]),
        (R.hazard_deadline, {"offsets_days": [True]}, ["offsets_days[0]"]),
        (R.hazard_deadline, {"offsets_days": [1.5]}, ["offsets_days[0]"]),
        (R.hazard_deadline, {"offsets_days": [7, 7]}, ["offsets_days[1]"]),
        (R.hazard_deadline, {"offsets_days": [366]}, ["offsets_days[0]"]),
        (R.hazard_deadline, {"offsets_days": list(range(11))}, ["offsets_days"]),
        (R.hazard_overdue, {"offsets_days": [0]}, ["offsets_days[0]"]),  # day 0 is not overdue
        (R.targets_weekly, {"offsets_days": [7]}, ["offsets_days[0]"]),  # a week has 7 days
        (R.hazard_deadline, {"recipients": []}, ["recipients"]),
        (R.hazard_deadline, {"recipients": ["mayor"]}, ["recipients[0]"]),
        (R.hazard_deadline, {"recipients": ["assignee_unit_users"]}, ["recipients[0]"]),
        (R.task_due, {"recipients": ["enterprise_principal"]}, ["recipients[0]"]),
        (R.targets_weekly, {"recipients": ["village_officers"]}, ["recipients[0]"]),
        (R.hazard_deadline, {"recipients": ["street_office", "street_office"]}, ["recipients[1]"]),
        (R.hazard_deadline, {"channels": []}, ["channels"]),
        (R.hazard_deadline, {"channels": ["fax"]}, ["channels[0]"]),
        (R.hazard_deadline, {"channels": ["sms", "sms"]}, ["channels[1]"]),
        (R.hazard_deadline, {"enabled": "yes"}, ["enabled"]),
        (R.hazard_deadline, {"enabled": None}, ["enabled"]),
        (R.hazard_deadline, {"offsets_days": None}, ["offsets_days"]),
        (R.hazard_deadline, {"code": "task_due"}, ["code"]),
        (R.hazard_deadline, {"colour": "red"}, ["colour"]),
        (R.hazard_deadline, {"repeat_every_days": 7}, ["repeat_every_days"]),
        (R.hazard_overdue, {"repeat_every_days": 0}, ["repeat_every_days"]),
        (R.hazard_overdue, {"repeat_every_days": -7}, ["repeat_every_days"]),
        (R.hazard_overdue, {"repeat_every_days": "7"}, ["repeat_every_days"]),
        (R.hazard_deadline, {"offsets_days": [-1], "channels": [], "recipients": ["x"]},
         ["offsets_days[0]", "recipients[0]", "channels"]),
    ],
)
def test_r1_invalid_rule_change_names_the_fields(code, changes, fields):
    with pytest.raises(RuleViolation) as exc:
        apply_rule_change(DEFAULT_RULES[code], changes)
    assert field_names(exc) == fields


def test_r1_negative_offset_message():
    with pytest.raises(RuleViolation) as exc:
        apply_rule_change(DEFAULT_RULES[R.hazard_deadline], {"offsets_days": [-7]})
    assert exc.value.errors[0].message == "may not be negative"


def test_r1_overdue_rule_may_stop_repeating():
    rule = apply_rule_change(DEFAULT_RULES[R.hazard_overdue], {"repeat_every_days": None})
    assert rule.repeat_every_days is None


def test_r1_rule_constructed_from_plain_values_is_typed():
    rule = ReminderRule("task_due", True, [2], ["assignee_unit_users"], ["in_app"])  # type: ignore[arg-type]
    assert rule.code is R.task_due and rule.offsets_days == (2,)
    assert rule.recipients == (Recipient.assignee_unit_users,) and rule.channels == (Channel.in_app,)


def test_r1_invalid_rule_cannot_be_constructed():
    with pytest.raises(RuleViolation):
        ReminderRule(R.task_due, True, (-1,), (Recipient.assignee_unit_users,), (Channel.in_app,))
    with pytest.raises(RuleViolation):
        replace(DEFAULT_RULES[R.task_due], channels=())


# --- hazard deadline reminders ----------------------------------------------------------------


def test_r1_deadline_reminder_7_days_before():
    [r] = hazard_reminders(hazard(), day(-7))
    assert r.rule is R.hazard_deadline and r.subject is Subject.hazard and r.subject_id == "h1"
    assert r.occasion == "deadline:2025-04-30:-7"
    assert r.key == "hazard_deadline|hazard|h1|deadline:2025-04-30:-7"
    assert (r.occasion_on, r.reference_on, r.days) == (day(-7), D, 7)
    assert r.recipients == DEFAULT_RULES[R.hazard_deadline].recipients
    assert r.channels == (Channel.in_app, Channel.sms)


def test_r1_deadline_reminder_1_day_before_and_on_the_day():
    [r] = hazard_reminders(hazard(), day(-1))
    assert (r.occasion, r.days) == ("deadline:2025-04-30:-1", 1)
    [r] = hazard_reminders(hazard(), D)
    assert (r.occasion, r.days) == ("deadline:2025-04-30:-1", 0)  # the same occasion: sent once


def test_r1_nothing_before_the_first_occasion():
    assert hazard_reminders(hazard(), day(-8)) == []
    assert hazard_reminders(hazard(), day(-60)) == []


def test_r2_catch_up_keeps_the_key_and_counts_days_on_the_day():
    for n, left in ((-6, 6), (-5, 5), (-4, 4)):  # up to 3 days after the occasion
        [r] = hazard_reminders(hazard(), day(n))
        assert (r.occasion, r.days) == ("deadline:2025-04-30:-7", left)
    assert hazard_reminders(hazard(), day(-3)) == []  # 4 days old: stale, not sent
    assert hazard_reminders(hazard(), day(-2)) == []


def test_r2_catch_up_zero_gives_the_exact_days_only():
    on = [n for n in range(-30, 40) if hazard_reminders(hazard(), day(n), catch_up_days=0)]
    assert on == [-7, -1, 1, 8, 15, 22, 29, 36]


def test_r1_overdue_day_1_then_every_7_days():
    [r] = hazard_reminders(hazard(), day(1))
    assert r.rule is R.hazard_overdue
    assert (r.occasion, r.days, r.occasion_on) == ("overdue:2025-04-30:day1", 1, date(2025, 5, 1))
    assert set(r.recipients) >= {Recipient.street_office}
    [r] = hazard_reminders(hazard(), day(8))
    assert r.occasion == "overdue:2025-04-30:day8"
    [r] = hazard_reminders(hazard(), day(10))
    assert (r.occasion, r.days) == ("overdue:2025-04-30:day8", 10)
    assert hazard_reminders(hazard(), day(12)) == []
    [r] = hazard_reminders(hazard(), day(15))
    assert r.occasion == "overdue:2025-04-30:day15"


def test_r2_daily_scans_send_each_occasion_once():
    """A scan every day from 40 days before to 100 days after: the set of keys is exactly the
    schedule, and a store that keeps keys unique sends each once."""
    sent: dict[str, date] = {}
    for n in range(-40, 101):
        for r in hazard_reminders(hazard(), day(n)):
            sent.setdefault(r.key, day(n))
    occasions = sorted(k.split("|")[-1] for k in sent)
    expected = sorted(
        ["deadline:2025-04-30:-7", "deadline:2025-04-30:-1"] + [f"overdue:2025-04-30:day{d}" for d in range(1, 101, 7)]
    )
    assert occasions == expected
    assert sent["hazard_overdue|hazard|h1|overdue:2025-04-30:day8"] == day(8)


def test_r2_outage_sends_the_missed_occasion_once_when_back():
    # no scan on days 8 and 9; back on day 10: day 8's reminder goes out, once
    [r] = hazard_reminders(hazard(), day(10))
    assert r.occasion == "overdue:2025-04-30:day8"
    # back only on day 12: day 8 is stale, day 15 not there yet
    assert hazard_reminders(hazard(), day(12)) == []


@pytest.mark.parametrize("status", ["reported", "rectifying", "pending_review"])
def test_r1_every_open_state_is_reminded(status):
    assert keys(hazard_reminders(hazard(status), day(-7))) == ["deadline:2025-04-30:-7"]
    assert keys(hazard_reminders(hazard(status), day(1))) == ["overdue:2025-04-30:day1"]


@pytest.mark.parametrize("status", ["closed", "void"])
def test_r2_cause_gone_closed_or_void_gives_nothing(status):
    assert all(hazard_reminders(hazard(status), day(n)) == [] for n in range(-10, 60))


def test_r2_no_deadline_no_reminder():
    assert hazard_reminders(hazard(deadline=None), day(1)) == []


def test_r1_general_hazards_are_reminded_too():
    assert keys(hazard_reminders(hazard(grade="general"), day(-1))) == ["deadline:2025-04-30:-1"]


def test_r2_extension_gives_fresh_occasions_and_the_old_ones_are_no_longer_due():
    [old] = hazard_reminders(hazard(), day(1))
    extended = hazard(deadline=date(2025, 5, 31))
    assert not still_due(old, hazard_reminders(extended, day(1)))
    [new] = hazard_reminders(extended, date(2025, 5, 24))
    assert new.occasion == "deadline:2025-05-31:-7"


def test_r2_still_due_after_a_night_and_not_after_closing():
    [r] = hazard_reminders(hazard(), day(-7))
    assert still_due(r, hazard_reminders(hazard(), day(-6)))
    assert not still_due(r, hazard_reminders(hazard("closed"), day(-6)))


def test_r2_running_twice_gives_the_same_keys():
    assert hazard_reminders(hazard(), day(8)) == hazard_reminders(hazard(), day(8))


def test_r1_disabled_rule_gives_nothing_the_other_still_runs():
    rules = with_rule(R.hazard_deadline, enabled=False)
    assert hazard_reminders(hazard(), day(-7), rules) == []
    assert keys(hazard_reminders(hazard(), day(1), rules)) == ["overdue:2025-04-30:day1"]
    rules = dict(DEFAULT_RULES)
    del rules[R.hazard_overdue]
    assert hazard_reminders(hazard(), day(1), rules) == []


def test_r1_changed_offsets_are_used():
    rules = with_rule(R.hazard_deadline, offsets_days=[14, 3, 0])
    on = [n for n in range(-30, 1) if hazard_reminders(hazard(), day(n), rules, catch_up_days=0)]
    assert on == [-14, -3, 0]
    [r] = hazard_reminders(hazard(), D, rules)
    assert r.occasion == "deadline:2025-04-30:-0"


def test_r1_changed_overdue_cadence():
    rules = with_rule(R.hazard_overdue, offsets_days=[1, 3], repeat_every_days=5)
    on = [n for n in range(1, 30) if hazard_reminders(hazard(), day(n), rules, catch_up_days=0)]
    assert on == [1, 3, 8, 13, 18, 23, 28]
    rules = with_rule(R.hazard_overdue, repeat_every_days=None)
    on = [n for n in range(1, 30) if hazard_reminders(hazard(), day(n), rules, catch_up_days=0)]
    assert on == [1]


def test_r1_overdue_occasion_day():
    assert overdue_occasion_day(0, (1,), 7) is None
    assert [overdue_occasion_day(n, (1,), 7) for n in (1, 7, 8, 14, 15)] == [1, 1, 8, 8, 15]
    assert overdue_occasion_day(100, (1,), None) == 1


def test_r1_deadline_occasions_across_a_year_end():
    h = hazard(deadline=date(2025, 1, 3))
    [r] = hazard_reminders(h, date(2024, 12, 27))
    assert (r.occasion, r.days) == ("deadline:2025-01-03:-7", 7)


@pytest.mark.parametrize(
    ("deadline", "one_day_before"),
    [(date(2024, 3, 1), date(2024, 2, 29)), (date(2025, 3, 1), date(2025, 2, 28))],
)
def test_r1_one_day_before_across_february(deadline, one_day_before):
    h = hazard(deadline=deadline)
    assert hazard_reminders(h, one_day_before - timedelta(days=1), catch_up_days=0) == []
    [r] = hazard_reminders(h, one_day_before, catch_up_days=0)
    assert r.occasion == f"deadline:{deadline.isoformat()}:-1"


def test_r1_overdue_day_8_counts_the_leap_day():
    [r] = hazard_reminders(hazard(deadline=date(2024, 2, 25)), date(2024, 3, 4), catch_up_days=0)
    assert r.occasion == "overdue:2024-02-25:day8"


def test_r1_the_scan_day_is_the_shanghai_date():
    # 2025-04-22T16:00Z is already 23 April in Asia/Shanghai: 7 days before the deadline
    today = business_date(datetime(2025, 4, 22, 16, 0, tzinfo=UTC))
    assert keys(hazard_reminders(hazard(), today)) == ["deadline:2025-04-30:-7"]
    today = business_date(datetime(2025, 4, 22, 15, 59, 59, tzinfo=UTC))
    assert hazard_reminders(hazard(), today) == []


def test_r2_negative_catch_up_is_refused():
    with pytest.raises(ValueError):
        hazard_reminders(hazard(), day(-7), catch_up_days=-1)


# --- C1 / C2 period-end reminders ------------------------------------------------------------


def states(high_risk=False, since=date(2023, 6, 1)):
    return [EnterpriseState(since, "active", high_risk)]


def c1(today, inspections=(), high_risk=False, st=None):
    return evaluate_c1(st or states(high_risk), [(d, "principal_self", True) for d in inspections], today)


def c1_reminder(today, **kw):
    return period_end_reminder(R.c1_period_end, "e1", c1(today, **kw), today)


def test_r1_c1_ten_days_before_the_quarter_ends_with_nothing_recorded():
    r = c1_reminder(date(2025, 6, 20))
    assert r is not None
    assert (r.rule, r.subject, r.subject_id) == (R.c1_period_end, Subject.enterprise, "e1")
    assert (r.occasion, r.period, r.reference_on, r.days) == ("period:2025-Q2:-10", "2025-Q2", date(2025, 6, 30), 10)
    assert r.key == "c1_period_end|enterprise|e1|period:2025-Q2:-10"
    assert c1_reminder(date(2025, 6, 19)) is None


def test_r1_c1_catch_up_then_stale_then_the_next_period():
    r = c1_reminder(date(2025, 6, 23))
    assert r is not None and (r.occasion, r.days) == ("period:2025-Q2:-10", 7)
    assert c1_reminder(date(2025, 6, 24)) is None
    assert c1_reminder(date(2025, 7, 1)) is None  # Q3: its occasion is 20 September
    today = date(2025, 6, 30)
    rules = with_rule(R.c1_period_end, offsets_days=[10, 0])
    r = period_end_reminder(R.c1_period_end, "e1", c1(today), today, rules)
    assert r is not None and (r.occasion, r.days) == ("period:2025-Q2:-0", 0)


def test_r2_c1_done_gives_nothing():
    assert c1_reminder(date(2025, 6, 20), inspections=[date(2025, 4, 2)]) is None
    # recorded after the reminder went out: a delayed send is no longer due
    before = c1_reminder(date(2025, 6, 20))
    after = c1_reminder(date(2025, 6, 21), inspections=[date(2025, 6, 21)])
    assert before is not None and after is None


def test_r2_c1_suspended_enterprise_gives_nothing():
    st = [EnterpriseState(date(2023, 6, 1), "active", False), EnterpriseState(date(2025, 5, 1), "suspended", False)]
    assert c1_reminder(date(2025, 6, 20), st=st) is None


def test_r1_c1_high_risk_month_february():
    assert c1_reminder(date(2025, 2, 17), high_risk=True) is None
    r = c1_reminder(date(2025, 2, 18), high_risk=True)
    assert r is not None and (r.occasion, r.days) == ("period:2025-02:-10", 10)
    assert c1_reminder(date(2024, 2, 18), high_risk=True) is None  # leap year: 29 days
    r = c1_reminder(date(2024, 2, 19), high_risk=True)
    assert r is not None and r.reference_on == date(2024, 2, 29)


def test_r1_c2_year_and_half_year():
    today = date(2025, 12, 21)
    r = period_end_reminder(R.c2_period_end, "e1", evaluate_c2(states(), [], today), today)
    assert r is not None and (r.occasion, r.rule) == ("period:2025:-10", R.c2_period_end)
    today = date(2025, 6, 20)
    r = period_end_reminder(R.c2_period_end, "e1", evaluate_c2(states(True), [], today), today)
    assert r is not None and r.occasion == "period:2025-H1:-10"
    assert period_end_reminder(R.c2_period_end, "e1", evaluate_c2(states(True), [(date(2025, 3, 1), "evacuation")], today), today) is None


def test_r1_period_offset_longer_than_the_period_reminds_on_its_first_day():
    rules = with_rule(R.c1_period_end, offsets_days=[40])
    today = date(2025, 2, 1)
    r = period_end_reminder(R.c1_period_end, "e1", c1(today, high_risk=True), today, rules)
    assert r is not None and (r.occasion, r.occasion_on) == ("period:2025-02:-40", date(2025, 2, 1))


def test_r1_period_reminder_at_the_shanghai_midnight_edge():
    # 2025-06-19T16:00Z is 20 June in Asia/Shanghai
    today = business_date(datetime(2025, 6, 19, 16, 0, tzinfo=UTC))
    assert c1_reminder(today) is not None
    today = business_date(datetime(2025, 6, 19, 15, 59, tzinfo=UTC))
    assert c1_reminder(today) is None


def test_r1_period_rule_disabled_or_wrong_code():
    today = date(2025, 6, 20)
    rules = with_rule(R.c1_period_end, enabled=False)
    assert period_end_reminder(R.c1_period_end, "e1", c1(today), today, rules) is None
    with pytest.raises(ValueError):
        period_end_reminder(R.hazard_deadline, "e1", c1(today), today)


def test_r1_period_result_of_another_day_gives_nothing():
    # a result evaluated for a day in another period is not today's obligation
    assert period_end_reminder(R.c1_period_end, "e1", c1(date(2025, 6, 25)), date(2025, 7, 2)) is None


# --- supervision task reminders ----------------------------------------------------------------

DUE = date(2025, 7, 10)


def task(status="open", due_on=DUE) -> TaskFacts:
    return TaskFacts(task_id="t1", status=status, due_on=due_on)


def test_r1_task_due_in_3_days():
    assert task_reminders(task(), date(2025, 7, 6)) == []
    [r] = task_reminders(task(), date(2025, 7, 7))
    assert (r.rule, r.subject, r.occasion, r.days) == (R.task_due, Subject.supervision_task, "due:2025-07-10:-3", 3)
    assert r.recipients == (Recipient.assignee_unit_users,)


def test_r1_task_overdue_day_1_then_weekly():
    on = [n for n in range(0, 30) if task_reminders(task(), DUE + timedelta(days=n), catch_up_days=0)]
    assert on == [1, 8, 15, 22, 29]
    [r] = task_reminders(task(), date(2025, 7, 11))
    assert (r.rule, r.occasion) == (R.task_overdue, "overdue:2025-07-10:day1")


def test_r1_returned_task_is_reminded():
    assert keys(task_reminders(task("returned"), date(2025, 7, 7))) == ["due:2025-07-10:-3"]


@pytest.mark.parametrize("status", ["submitted", "accepted"])
def test_r2_task_not_waiting_for_its_assignee_gives_nothing(status):
    assert all(task_reminders(task(status), DUE + timedelta(days=n)) == [] for n in range(-5, 30))


# --- weekly targets digest ----------------------------------------------------------------------


def test_r1_weekly_digest_on_monday():
    r = targets_digest_reminder(date(2025, 4, 28))  # a Monday
    assert r is not None
    assert (r.rule, r.subject, r.subject_id, r.period) == (R.targets_weekly, Subject.street, "street", "2025-W18")
    assert r.occasion == "week:2025-W18:+0"
    assert r.recipients == (Recipient.street_admins,)


def test_r1_weekly_digest_catch_up_and_not_later_in_the_week():
    assert targets_digest_reminder(date(2025, 4, 30)).occasion == "week:2025-W18:+0"  # Wednesday
    assert targets_digest_reminder(date(2025, 5, 2)) is None  # Friday: stale
    assert targets_digest_reminder(date(2025, 4, 27)) is None  # Sunday: 6 days after its Monday
    assert targets_digest_reminder(date(2025, 4, 29), catch_up_days=0) is None


def test_r1_weekly_digest_across_the_iso_year():
    assert targets_digest_reminder(date(2024, 12, 30)).occasion == "week:2025-W01:+0"
    assert iso_week_label(date(2026, 12, 31)) == "2026-W53"
    assert targets_digest_reminder(date(2026, 12, 28)).occasion == "week:2026-W53:+0"


def test_r1_weekly_digest_within_the_campaign():
    assert targets_digest_reminder(date(2023, 12, 25)) is None
    assert targets_digest_reminder(date(2027, 1, 4)) is not None
    assert DIGEST_LAST_DAY == date(2027, 1, 7)
    assert targets_digest_reminder(date(2027, 1, 11)) is None


def test_r1_weekly_digest_on_another_day():
    rules = with_rule(R.targets_weekly, offsets_days=[0, 3])
    assert targets_digest_reminder(date(2025, 5, 1), rules, catch_up_days=0).occasion == "week:2025-W18:+3"
    assert targets_digest_reminder(date(2025, 4, 29), rules, catch_up_days=0) is None


# --- quiet hours and the send time (R1) ----------------------------------------------------------


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "quiet"),
    [
        (utc(2025, 4, 29, 12, 59, 59), False),  # 20:59:59 in Shanghai
        (utc(2025, 4, 29, 13, 0, 0), True),  # 21:00
        (utc(2025, 4, 29, 15, 59, 59), True),  # 23:59:59
        (utc(2025, 4, 29, 16, 0, 0), True),  # 00:00 on the 30th
        (utc(2025, 4, 29, 23, 59, 59), True),  # 07:59:59
        (utc(2025, 4, 30, 0, 0, 0), False),  # 08:00
        (utc(2025, 4, 30, 1, 0, 0), False),  # 09:00
    ],
)
def test_r1_quiet_hours_21_to_08_shanghai(now, quiet):
    assert is_quiet(now) is quiet


@pytest.mark.parametrize(
    ("now", "allowed"),
    [
        (utc(2025, 4, 29, 13, 30), sh(2025, 4, 30, 8, 0)),  # 21:30 → the next morning
        (utc(2025, 4, 29, 15, 59, 59), sh(2025, 4, 30, 8, 0)),
        (utc(2025, 4, 29, 16, 0), sh(2025, 4, 30, 8, 0)),  # Shanghai midnight: same morning
        (utc(2025, 4, 29, 22, 0), sh(2025, 4, 30, 8, 0)),  # 06:00
        (utc(2025, 4, 30, 2, 15), sh(2025, 4, 30, 10, 15)),  # daytime: now
        (utc(2025, 12, 31, 13, 0), sh(2026, 1, 1, 8, 0)),  # across the year
        (utc(2024, 2, 28, 14, 0), sh(2024, 2, 29, 8, 0)),  # leap day
    ],
)
def test_r1_next_allowed_instant(now, allowed):
    got = next_allowed_at(now)
    assert got == allowed
    assert got.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("occasion_on", "now", "expected"),
    [
        (date(2025, 4, 30), utc(2025, 4, 29, 20, 0), sh(2025, 4, 30, 9, 0)),  # 04:00 → 09:00
        (date(2025, 4, 30), utc(2025, 4, 29, 16, 0), sh(2025, 4, 30, 9, 0)),  # midnight → 09:00
        (date(2025, 4, 30), utc(2025, 4, 30, 1, 0), sh(2025, 4, 30, 9, 0)),  # exactly 09:00
        (date(2025, 4, 30), utc(2025, 4, 30, 3, 0), sh(2025, 4, 30, 11, 0)),  # late: now
        (date(2025, 4, 30), utc(2025, 4, 30, 13, 30), sh(2025, 5, 1, 8, 0)),  # 21:30 → morning
        (date(2025, 4, 30), utc(2025, 4, 20, 1, 0), sh(2025, 4, 30, 9, 0)),  # computed early
        (date(2025, 12, 31), utc(2025, 12, 31, 13, 0), sh(2026, 1, 1, 8, 0)),
    ],
)
def test_r1_send_at_the_send_hour_never_at_night(occasion_on, now, expected):
    assert send_at(occasion_on, now) == expected


def test_r1_send_at_another_send_time():
    assert send_at(date(2025, 4, 30), utc(2025, 4, 29, 20, 0), send_time=time(8, 30)) == sh(2025, 4, 30, 8, 30)


def test_r1_send_time_inside_the_quiet_hours_is_refused():
    assert [e.field for e in send_window_problems(time(22, 0))] == ["send_time"]
    assert send_window_problems(time(9, 0)) == []
    with pytest.raises(ValueError):
        send_at(date(2025, 4, 30), utc(2025, 4, 29, 20, 0), send_time=time(7, 0))


def test_r1_naive_now_is_refused():
    with pytest.raises(ValueError):
        is_quiet(datetime(2025, 4, 30, 9, 0))
    with pytest.raises(ValueError):
        send_at(date(2025, 4, 30), datetime(2025, 4, 30, 9, 0))


def test_r1_a_daytime_quiet_window():
    lunch = QuietHours(time(12, 0), time(14, 0))
    assert is_quiet(sh(2025, 4, 30, 12, 0), lunch)
    assert not is_quiet(sh(2025, 4, 30, 14, 0), lunch)
    assert not is_quiet(sh(2025, 4, 30, 23, 0), lunch)
    assert next_allowed_at(sh(2025, 4, 30, 13, 0), lunch) == sh(2025, 4, 30, 14, 0)


def test_r1_quiet_hours_need_two_local_times():
    with pytest.raises(ValueError):
        QuietHours(time(8, 0), time(8, 0))
    with pytest.raises(ValueError):
        QuietHours(time(21, 0, tzinfo=UTC), time(8, 0))


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_r1_next_allowed_is_never_quiet_and_never_earlier(now):
    allowed = next_allowed_at(now)
    assert allowed >= now
    assert not is_quiet(allowed, DEFAULT_QUIET_HOURS)
    assert allowed - now <= timedelta(hours=11)
    if not is_quiet(now):
        assert allowed == now


@pytest.mark.parametrize(
    ("high_risk", "first_day", "label", "end"),
    [
        (False, date(2025, 3, 21), "2025-Q1", date(2025, 3, 31)),
        (False, date(2025, 6, 20), "2025-Q2", date(2025, 6, 30)),
        (False, date(2025, 9, 20), "2025-Q3", date(2025, 9, 30)),
        (False, date(2025, 12, 21), "2025-Q4", date(2025, 12, 31)),
        (True, date(2025, 1, 21), "2025-01", date(2025, 1, 31)),
        (True, date(2025, 4, 20), "2025-04", date(2025, 4, 30)),
        (True, date(2025, 12, 21), "2025-12", date(2025, 12, 31)),
    ],
)
def test_r1_c1_period_ends_through_the_year(high_risk, first_day, label, end):
    assert c1_reminder(first_day - timedelta(days=1), high_risk=high_risk) is None
    r = c1_reminder(first_day, high_risk=high_risk)
    assert r is not None and (r.period, r.reference_on, r.days) == (label, end, 10)
    # the next period starts afresh on the first day after the end
    assert c1_reminder(end + timedelta(days=1), high_risk=high_risk) is None


@pytest.mark.parametrize(
    ("high_risk", "first_day", "label"),
    [(True, date(2025, 6, 20), "2025-H1"), (True, date(2025, 12, 21), "2025-H2"), (False, date(2024, 12, 21), "2024")],
)
def test_r1_c2_half_year_and_year_ends(high_risk, first_day, label):
    def c2_reminder(today):
        return period_end_reminder(R.c2_period_end, "e1", evaluate_c2(states(high_risk), [], today), today)

    assert c2_reminder(first_day - timedelta(days=1)) is None
    r = c2_reminder(first_day)
    assert r is not None and r.period == label and r.occasion == f"period:{label}:-10"
