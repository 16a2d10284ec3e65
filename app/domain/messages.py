"""The Chinese texts the service sends (R1, R3, R4, R5, R6), all in one place, and phone
masking for logs.

Every text is rendered by a pure function from plain values. Texts that may go out as a
text message (reminders, H8's major-hazard notice, escalation proposals) are at most
`SMS_MAX_CHARS` (64) characters: one SMS segment holds 70 characters when the text is not
pure GSM-7 (any Chinese character makes it UCS-2), and the gateway adds its signature
(签名, e.g. 【街道安办】, up to 6 characters). Names and titles are shortened with "…" to fit;
dates are written 2025年4月30日. The weekly targets digest and the webhook notice go in-app
and by e-mail and have no such limit.

Phone numbers never appear in full in a log: `mask_phone("13812345678") == "138****5678"`,
and `mask_phones(text)` masks every number inside a log line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date

from app.domain.calendar import PeriodKind, parse_period
from app.domain.labels import ESCALATION_STEP_LABELS, TARGET_LABELS, TARGET_STATUS_LABELS
from app.domain.reminders import DueReminder, ReminderRuleCode
from app.domain.targets import TARGET_YEAR, TargetCode

SMS_SEGMENT_CHARS = 70
SMS_SIGNATURE_RESERVE = 6
SMS_MAX_CHARS = SMS_SEGMENT_CHARS - SMS_SIGNATURE_RESERVE
# A shortened name keeps at least this many characters before its "…".
_MIN_KEPT = 4
ELLIPSIS = "…"


def zh_date(d: date) -> str:
    """2025年4月30日."""
    return f"{d.year}年{d.month}月{d.day}日"


def zh_period(label: str) -> str:
    """A period label in words: 2025年3月, 2025年第2季度, 2025年上半年, 2025年度."""
    p = parse_period(label)
    y = p.start.year
    match p.kind:
        case PeriodKind.month:
            return f"{y}年{p.start.month}月"
        case PeriodKind.quarter:
            return f"{y}年第{(p.start.month - 1) // 3 + 1}季度"
        case PeriodKind.half_year:
            return f"{y}年{'上' if p.start.month == 1 else '下'}半年"
    return f"{y}年度"


def _one_line(value: object) -> str:
    """A value as one line of printable text: controls and line breaks become spaces."""
    text = "".join(" " if unicodedata.category(c)[0] == "C" or c in "\u2028\u2029" else c for c in str(value))
    return re.sub(r"\s+", " ", text).strip()


def fit(template: str, max_chars: int, elastic: Sequence[str], **values: object) -> str:
    """`template` filled with `values`, the `elastic` ones shortened (longest first, "…")
    until the text is at most `max_chars` characters. ValueError when it cannot fit."""
    full = {k: _one_line(v) for k, v in values.items()}
    kept = {name: len(full[name]) for name in elastic}

    def render() -> str:
        shown = dict(full)
        for name, n in kept.items():
            if n < len(full[name]):
                shown[name] = full[name][: n - 1] + ELLIPSIS
        return template.format(**shown)

    text = render()
    while len(text) > max_chars:
        candidates = [name for name in elastic if kept[name] > _MIN_KEPT]
        if not candidates:
            raise ValueError(f"text cannot fit in {max_chars} characters: {text!r}")
        longest = max(candidates, key=lambda name: kept[name])
        kept[longest] -= 1
        text = render()
    return text


def _sms(template: str, elastic: Sequence[str], **values: object) -> str:
    return fit(template, SMS_MAX_CHARS, elastic, **values)


def _hazard_word(grade: str) -> str:
    return "重大事故隐患" if grade == "major" else "隐患"


# --- R1 reminders -----------------------------------------------------------------------------


def hazard_deadline_text(*, enterprise: str, title: str, grade: str, deadline: date, days_left: int) -> str:
    """R1 `hazard_deadline`: the deadline is near."""
    when = "今天到期" if days_left <= 0 else f"还剩{days_left}天"
    return _sms(
        "{enterprise}：{word}“{title}”整改期限{deadline}，{when}，请按期完成整改。",
        ("title", "enterprise"),
        enterprise=enterprise, title=title, word=_hazard_word(grade), deadline=zh_date(deadline), when=when,
    )


def hazard_overdue_text(*, enterprise: str, title: str, grade: str, deadline: date, overdue_days: int) -> str:
    """R1 `hazard_overdue`: past the deadline (H6)."""
    return _sms(
        "{enterprise}：{word}“{title}”已超过整改期限（{deadline}）{days}天，请立即整改。",
        ("title", "enterprise"),
        enterprise=enterprise, title=title, word=_hazard_word(grade), deadline=zh_date(deadline), days=overdue_days,
    )


_PERIOD_DUTY = {
    ReminderRuleCode.c1_period_end: "主要负责人带队安全检查",
    ReminderRuleCode.c2_period_end: "应急疏散演练",
}


def period_end_text(*, rule: ReminderRuleCode | str, enterprise: str, period: str, period_end: date) -> str:
    """R1 `c1_period_end` / `c2_period_end`: nothing recorded yet in the current period."""
    duty = _PERIOD_DUTY[ReminderRuleCode(rule)]
    return _sms(
        "{enterprise}：{period}尚无{duty}记录，{end}截止，请及时开展并录入。",
        ("enterprise",),
        enterprise=enterprise, period=zh_period(period), duty=duty, end=zh_date(period_end),
    )


def task_due_text(*, title: str, due_on: date, days_left: int) -> str:
    """R1 `task_due`."""
    when = "今天到期" if days_left <= 0 else f"还剩{days_left}天"
    return _sms(
        "督导任务“{title}”完成期限{due}，{when}，请按时完成并提交。",
        ("title",),
        title=title, due=zh_date(due_on), when=when,
    )


def task_overdue_text(*, title: str, due_on: date, overdue_days: int) -> str:
    """R1 `task_overdue` (S2)."""
    return _sms(
        "督导任务“{title}”已超过完成期限（{due}）{days}天，请尽快完成并提交。",
        ("title",),
        title=title, due=zh_date(due_on), days=overdue_days,
    )


def reminder_text(
    reminder: DueReminder,
    *,
    enterprise: str | None = None,
    hazard_title: str | None = None,
    hazard_grade: str = "general",
    task_title: str | None = None,
) -> str:
    """The text of a due reminder (R1) with the names it needs; the digest has its own."""

    def need(value: str | None, name: str) -> str:
        if value is None:
            raise ValueError(f"{reminder.rule.value} needs {name}")
        return value

    match reminder.rule:
        case ReminderRuleCode.hazard_deadline:
            return hazard_deadline_text(
                enterprise=need(enterprise, "enterprise"), title=need(hazard_title, "hazard_title"),
                grade=hazard_grade, deadline=reminder.reference_on, days_left=reminder.days,
            )
        case ReminderRuleCode.hazard_overdue:
            return hazard_overdue_text(
                enterprise=need(enterprise, "enterprise"), title=need(hazard_title, "hazard_title"),
                grade=hazard_grade, deadline=reminder.reference_on, overdue_days=reminder.days,
            )
        case ReminderRuleCode.c1_period_end | ReminderRuleCode.c2_period_end:
            return period_end_text(
                rule=reminder.rule, enterprise=need(enterprise, "enterprise"), period=need(reminder.period, "period"),
                period_end=reminder.reference_on,
            )
        case ReminderRuleCode.task_due:
            return task_due_text(title=need(task_title, "task_title"), due_on=reminder.reference_on, days_left=reminder.days)
        case ReminderRuleCode.task_overdue:
            return task_overdue_text(
                title=need(task_title, "task_title"), due_on=reminder.reference_on, overdue_days=reminder.days
            )
    raise ValueError(f"{reminder.rule.value} has no single-reminder text; use targets_digest_text")


# --- R4 / H8: the major-hazard notice to the principal and the actual controller -------------

PERSON_ROLE_LABELS = {"principal": "主要负责人", "actual_controller": "实际控制人"}


def major_hazard_sms(*, person: str, role: str, enterprise: str, title: str, discovered_on: date) -> str:
    """H8/R4: a new major hazard, to the enterprise's principal or actual controller (§16)."""
    return _sms(
        "{person}（{role}）：{enterprise}{discovered}被登记重大事故隐患“{title}”，请立即组织整改。",
        ("title", "enterprise", "person"),
        person=person, role=PERSON_ROLE_LABELS[role], enterprise=enterprise, title=title,
        discovered=zh_date(discovered_on),
    )


# --- R3: escalation proposals -----------------------------------------------------------------


def escalation_reason(*, step: str, overdue_days: int, extensions: int = 0) -> str:
    """R3: why a step is proposed, in a few words (the proposal's `reason`)."""
    label = ESCALATION_STEP_LABELS[step]
    if step == "listing":
        return f"整改期限已延期{extensions}次，仍逾期{overdue_days}天，建议{label}"
    return f"逾期{overdue_days}天，建议{label}"


def escalation_proposal_text(*, step: str, enterprise: str, title: str, overdue_days: int, extensions: int = 0) -> str:
    """R3: the notice of a new proposal for the street office."""
    return _sms(
        "{enterprise}重大事故隐患“{title}”{reason}。",
        ("title", "enterprise"),
        enterprise=enterprise, title=title,
        reason=escalation_reason(step=step, overdue_days=overdue_days, extensions=extensions),
    )


# --- R1: the weekly targets digest (in-app, e-mail) ------------------------------------------


def _target_figures_line(code: TargetCode, figures: Mapping[str, int]) -> str:
    f = {k: int(v) for k, v in figures.items()}
    match code:
        case TargetCode.stock_cleared:
            return f"存量重大事故隐患{f.get('stock_total', 0)}项，未销号{f.get('open_stock', 0)}项，其中逾期{f.get('overdue_open_stock', 0)}项"
        case TargetCode.increment_reduced:
            return (
                f"今年新增重大事故隐患{f.get('count_ytd', 0)}项，上年同期{f.get('count_prev_same_dates', 0)}项"
                f"（2024年全年{f.get('count_2024', 0)}项）"
            )
    return f"未销号重大事故隐患{f.get('open_major', 0)}项，其中逾期{f.get('overdue_open_major', 0)}项"


def targets_digest_text(
    week: str,
    targets: Mapping[TargetCode | str, tuple[str, Mapping[str, int]]],
    *,
    risks: Sequence[str] = (),
) -> str:
    """R1 `targets_weekly`: T1–T3 with their status and figures (app.domain.targets'
    `evaluate_targets` shape: code -> (status, figures)), then what puts them at risk
    (`risks`, one line each, e.g. the overdue major hazards by village)."""
    lines = [f"治本攻坚三年行动年度目标周报（{week}）"]
    for code in TargetCode:
        if code not in targets and code.value not in targets:
            continue
        status, figures = targets[code] if code in targets else targets[code.value]
        lines.append(
            f"· {TARGET_YEAR[code]}年{TARGET_LABELS[code.value]}：{TARGET_STATUS_LABELS[str(status)]}。"
            f"{_target_figures_line(code, figures)}。"
        )
    if risks:
        lines.append("需关注：")
        lines.extend(f"· {_one_line(r)}" for r in risks)
    return "\n".join(lines)


# --- R6: a webhook subscription disabled -----------------------------------------------------

MAX_URL_IN_TEXT = 120


def webhook_disabled_text(*, url: str, failing_since: date, last_error: str, days: int = 3) -> str:
    """R6: a subscription failing for `days` days has been disabled; what and why."""
    shown = _one_line(url)
    if len(shown) > MAX_URL_IN_TEXT:
        shown = shown[: MAX_URL_IN_TEXT - 1] + ELLIPSIS
    error = _one_line(last_error)[:200]
    return (
        f"Webhook 订阅已停用：{shown} 自{zh_date(failing_since)}起连续{days}天推送失败"
        f"（最近一次：{error}）。请检查接收地址后重新启用。"
    )


# --- phone masking (R5: numbers never logged in full) ----------------------------------------


def _mask_tail(s: str) -> str:
    if len(s) <= 4:
        return "*" * len(s)
    if len(s) < 8:
        return "*" * (len(s) - 4) + s[-4:]
    return s[:-8] + "****" + s[-4:]


def mask_phone(phone: str) -> str:
    """138****5678; 0551-****5678; +86138****5678. The last four digits stay, the four
    before them are hidden (all but the last four of a short number)."""
    s = phone.strip()
    if "-" in s:
        area, local = s.rsplit("-", 1)
        return f"{area}-{_mask_tail(local)}"
    return _mask_tail(s)


_PHONE_IN_TEXT = re.compile(r"(?<![0-9])(?:(?:\+?86)?1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[0-9]{7,8})(?![0-9])")


def mask_phones(text: str) -> str:
    """Every mainland mobile or landline number inside `text`, masked (for log lines)."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
