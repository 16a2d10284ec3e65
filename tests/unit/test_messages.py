"""Message texts (app.domain.messages): R1 reminders, H8/R4 major-hazard SMS, R3 proposals,
the targets digest, R6's webhook notice; one SMS segment; phone masking (R5)."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import messages as m
from app.domain.cadence import EnterpriseState, evaluate_c1
from app.domain.reminders import (
    HazardFacts,
    ReminderRuleCode,
    TaskFacts,
    hazard_reminders,
    period_end_reminder,
    targets_digest_reminder,
    task_reminders,
)
from app.domain.targets import HazardTimeline, TargetCode, evaluate_targets

ENTERPRISE = "东湖精细化工有限公司"
TITLE = "储罐区可燃气体报警器失效"
LONG_NAME = "东湖经济开发区精细化工与新材料产业园区综合服务有限责任公司第二分公司" * 3
LONG_TITLE = "涉爆粉尘作业区域除尘系统未按规定设置泄爆装置且未采用负压吸尘方式清洁" * 3
WORST_DATE = date(2025, 12, 31)


def test_sms_limits():
    assert m.SMS_SEGMENT_CHARS == 70
    assert m.SMS_MAX_CHARS == 64  # room left for the gateway's signature


def test_zh_date_and_period():
    assert m.zh_date(date(2025, 4, 30)) == "2025年4月30日"
    assert m.zh_period("2025-03") == "2025年3月"
    assert m.zh_period("2025-Q2") == "2025年第2季度"
    assert m.zh_period("2025-H1") == "2025年上半年"
    assert m.zh_period("2024-H2") == "2024年下半年"
    assert m.zh_period("2026") == "2026年度"


def test_r1_deadline_text():
    text = m.hazard_deadline_text(enterprise=ENTERPRISE, title=TITLE, grade="major", deadline=date(2025, 4, 30), days_left=7)
    assert text == "东湖精细化工有限公司：重大事故隐患“储罐区可燃气体报警器失效”整改期限2025年4月30日，还剩7天，请按期完成整改。"
    assert len(text) <= m.SMS_MAX_CHARS
    text = m.hazard_deadline_text(enterprise=ENTERPRISE, title="灭火器压力不足", grade="general", deadline=date(2025, 4, 30), days_left=0)
    assert "隐患“灭火器压力不足”" in text and "重大" not in text and "今天到期" in text


def test_r1_overdue_text():
    text = m.hazard_overdue_text(enterprise=ENTERPRISE, title=TITLE, grade="major", deadline=date(2025, 4, 30), overdue_days=8)
    assert text == "东湖精细化工有限公司：重大事故隐患“储罐区可燃气体报警器失效”已超过整改期限（2025年4月30日）8天，请立即整改。"


def test_r1_period_end_texts():
    c1 = m.period_end_text(rule="c1_period_end", enterprise=ENTERPRISE, period="2025-Q2", period_end=date(2025, 6, 30))
    assert c1 == "东湖精细化工有限公司：2025年第2季度尚无主要负责人带队安全检查记录，2025年6月30日截止，请及时开展并录入。"
    c2 = m.period_end_text(rule="c2_period_end", enterprise=ENTERPRISE, period="2025", period_end=date(2025, 12, 31))
    assert "2025年度尚无应急疏散演练记录" in c2


def test_r1_task_texts():
    assert m.task_due_text(title="东湖村上半年督导", due_on=date(2025, 6, 30), days_left=3) == (
        "督导任务“东湖村上半年督导”完成期限2025年6月30日，还剩3天，请按时完成并提交。"
    )
    assert "已超过完成期限（2025年6月30日）8天" in m.task_overdue_text(title="东湖村上半年督导", due_on=date(2025, 6, 30), overdue_days=8)


def test_h8_major_hazard_sms_to_principal_and_actual_controller():
    text = m.major_hazard_sms(person="王强", role="principal", enterprise=ENTERPRISE, title=TITLE, discovered_on=date(2025, 3, 2))
    assert text == "王强（主要负责人）：东湖精细化工有限公司2025年3月2日被登记重大事故隐患“储罐区可燃气体报警器失效”，请立即组织整改。"
    text = m.major_hazard_sms(person="王建国", role="actual_controller", enterprise=ENTERPRISE, title=TITLE, discovered_on=date(2025, 3, 2))
    assert text.startswith("王建国（实际控制人）：")
    with pytest.raises(KeyError):
        m.major_hazard_sms(person="x", role="mayor", enterprise=ENTERPRISE, title=TITLE, discovered_on=date(2025, 3, 2))


def test_r3_escalation_texts():
    assert m.escalation_reason(step="circular", overdue_days=15) == "逾期15天，建议通报"
    assert m.escalation_reason(step="listing", overdue_days=3, extensions=2) == "整改期限已延期2次，仍逾期3天，建议挂牌督办"
    text = m.escalation_proposal_text(step="interview", enterprise=ENTERPRISE, title=TITLE, overdue_days=30)
    assert text == "东湖精细化工有限公司重大事故隐患“储罐区可燃气体报警器失效”逾期30天，建议约谈。"
    assert [m.escalation_reason(step=s, overdue_days=1) for s in ("letter", "exposure")] == ["逾期1天，建议函告", "逾期1天，建议曝光"]


SMS_TEXTS = {
    "deadline": lambda e, t: m.hazard_deadline_text(enterprise=e, title=t, grade="major", deadline=WORST_DATE, days_left=365),
    "overdue": lambda e, t: m.hazard_overdue_text(enterprise=e, title=t, grade="major", deadline=WORST_DATE, overdue_days=3650),
    "c1": lambda e, t: m.period_end_text(rule="c1_period_end", enterprise=e, period="2025-Q4", period_end=WORST_DATE),
    "c2": lambda e, t: m.period_end_text(rule="c2_period_end", enterprise=e, period="2025-H2", period_end=WORST_DATE),
    "task_due": lambda e, t: m.task_due_text(title=t, due_on=WORST_DATE, days_left=365),
    "task_overdue": lambda e, t: m.task_overdue_text(title=t, due_on=WORST_DATE, overdue_days=3650),
    "h8": lambda e, t: m.major_hazard_sms(person=e[:30], role="actual_controller", enterprise=e, title=t, discovered_on=WORST_DATE),
    "letter": lambda e, t: m.escalation_proposal_text(step="letter", enterprise=e, title=t, overdue_days=3650),
    "listing": lambda e, t: m.escalation_proposal_text(step="listing", enterprise=e, title=t, overdue_days=3650, extensions=20),
}


@pytest.mark.parametrize("name", sorted(SMS_TEXTS))
def test_sms_texts_fit_one_segment_with_the_longest_names(name):
    text = SMS_TEXTS[name](LONG_NAME, LONG_TITLE)
    assert len(text) <= m.SMS_MAX_CHARS <= m.SMS_SEGMENT_CHARS
    assert "…" in text  # shortened, not cut off mid-sentence
    assert text.endswith("。")


@pytest.mark.parametrize("name", sorted(SMS_TEXTS))
def test_sms_texts_keep_short_names_whole(name):
    text = SMS_TEXTS[name]("甲公司", "乙隐患")
    assert "…" not in text and len(text) <= m.SMS_MAX_CHARS


@given(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x9FFF), min_size=1, max_size=200),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x9FFF), min_size=1, max_size=200),
)
def test_sms_texts_always_fit(enterprise, title):
    for render in SMS_TEXTS.values():
        text = render(enterprise, title)
        assert len(text) <= m.SMS_MAX_CHARS
        assert "\n" not in text


def test_values_become_one_line():
    text = m.hazard_deadline_text(enterprise="甲\n公司\x00", title="乙\t隐患\u2028", grade="general", deadline=WORST_DATE, days_left=1)
    assert text.startswith("甲 公司：隐患“乙 隐患”")


def test_braces_in_values_are_text():
    text = m.task_due_text(title="{title} {0}", due_on=WORST_DATE, days_left=1)
    assert "“{title} {0}”" in text


def test_fit_refuses_what_cannot_fit():
    with pytest.raises(ValueError):
        m.fit("{a}" + "字" * 70, 64, ("a",), a="很长的名称很长的名称")


# --- the reminder texts for what the rules say is due --------------------------------------------


def test_r1_reminder_text_for_each_rule():
    h = HazardFacts("h1", "rectifying", date(2025, 4, 30), "major")
    [deadline] = hazard_reminders(h, date(2025, 4, 23))
    assert "还剩7天" in m.reminder_text(deadline, enterprise=ENTERPRISE, hazard_title=TITLE, hazard_grade="major")
    [overdue] = hazard_reminders(h, date(2025, 5, 8))
    assert "8天" in m.reminder_text(overdue, enterprise=ENTERPRISE, hazard_title=TITLE, hazard_grade="major")
    today = date(2025, 6, 20)
    period = period_end_reminder(
        ReminderRuleCode.c1_period_end, "e1", evaluate_c1([EnterpriseState(date(2024, 1, 1), "active", False)], [], today), today
    )
    assert "2025年第2季度" in m.reminder_text(period, enterprise=ENTERPRISE)
    [due] = task_reminders(TaskFacts("t1", "open", date(2025, 7, 10)), date(2025, 7, 7))
    assert "还剩3天" in m.reminder_text(due, task_title="督导")
    [late] = task_reminders(TaskFacts("t1", "open", date(2025, 7, 10)), date(2025, 7, 11))
    assert "1天" in m.reminder_text(late, task_title="督导")
    with pytest.raises(ValueError):
        m.reminder_text(deadline)  # the names are needed
    with pytest.raises(ValueError):
        m.reminder_text(targets_digest_reminder(date(2025, 4, 28)))


# --- the weekly targets digest --------------------------------------------------------------------


def test_r1_targets_digest_text():
    hazards = [
        HazardTimeline("major", date(2023, 3, 1), steps=((date(2024, 6, 10), "closed"),)),
        HazardTimeline("major", date(2023, 11, 20), deadlines=((date(2023, 11, 20), date(2024, 10, 31)),)),
    ]
    results = evaluate_targets(hazards, date(2024, 11, 15))
    text = m.targets_digest_text("2024-W46", results, risks=["东湖村：逾期重大事故隐患1项"])
    lines = text.split("\n")
    assert lines[0] == "治本攻坚三年行动年度目标周报（2024-W46）"
    assert lines[1] == "· 2024年存量重大事故隐患清零：存在风险。存量重大事故隐患2项，未销号1项，其中逾期1项。"
    assert lines[2].startswith("· 2025年增量重大事故隐患下降：按计划推进。")
    assert lines[3].startswith("· 2026年重大事故隐患动态清零：存在风险。未销号重大事故隐患1项，其中逾期1项")
    assert lines[-2:] == ["需关注：", "· 东湖村：逾期重大事故隐患1项"]


def test_r1_targets_digest_accepts_codes_as_strings():
    text = m.targets_digest_text("2025-W01", {"dynamic_zero": ("on_track", {"open_major": 0, "overdue_major": 0})})
    assert "2026年重大事故隐患动态清零：按计划推进" in text
    assert TargetCode.stock_cleared.value not in text


# --- R6 webhook disabled ---------------------------------------------------------------------------


def test_r6_webhook_disabled_text():
    text = m.webhook_disabled_text(url="https://district.example/hook", failing_since=date(2025, 4, 1), last_error="HTTP 500")
    assert text == (
        "Webhook 订阅已停用：https://district.example/hook 自2025年4月1日起连续3天推送失败"
        "（最近一次：HTTP 500）。请检查接收地址后重新启用。"
    )
    long = m.webhook_disabled_text(url="https://x.example/" + "a" * 2000, failing_since=date(2025, 4, 1), last_error="e\n" * 500)
    assert len(long) < 400 and "\n" not in long


# --- phone masking (R5) -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 13812345678 ", "138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("0551-12345678", "0551-****5678"),
        ("010-1234567", "010-***4567"),
        ("055112345678", "0551****5678"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_r5_mask_phone(phone, masked):
    assert m.mask_phone(phone) == masked


def test_r5_mask_phones_in_a_log_line():
    line = "sms to 13812345678 and 0551-12345678 failed; +8613900139000 ok; code 91340100MA2N0K1X2B; n=123456789012"
    assert m.mask_phones(line) == (
        "sms to 138****5678 and 0551-****5678 failed; +86139****9000 ok; code 91340100MA2N0K1X2B; n=123456789012"
    )


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_r5_masked_mobile_keeps_only_seven_digits(phone):
    masked = m.mask_phone(phone)
    assert masked[:3] == phone[:3] and masked[-4:] == phone[-4:] and masked[3:7] == "****"
    assert phone not in m.mask_phones(f"to {phone}.")
