"""Reminders (R1, R2): the rules and their defaults, which reminders are due on a business
day, and when one may be sent (quiet hours).

Rules. Each rule has a `code`, `enabled`, `offsets_days`, `recipients` and `channels`
(R1; `street_admin` changes them through `apply_rule_change`); the overdue rules also have
`repeat_every_days`. What an offset means depends on the rule:

| code | offsets_days | default |
|---|---|---|
| `hazard_deadline` | days before the hazard's deadline (0 = the deadline day) | 7, 1 |
| `hazard_overdue` | overdue days (day 1 = the day after the deadline), then every `repeat_every_days` | 1, every 7 |
| `c1_period_end`, `c2_period_end` | days before the current C1 / C2 period ends, while nothing is recorded in it | 10 |
| `task_due` | days before a supervision task's `due_on` | 3 |
| `task_overdue` | overdue days of a task, then every `repeat_every_days` | 1, every 7 |
| `targets_weekly` | days after the start of the week (0 = Monday) | 0 |

Occasions (R2). Every reminder a rule schedules for an object is an *occasion* with a
stable text key, e.g. `deadline:2025-04-30:-7` (7 days before the 30 April deadline),
`overdue:2025-04-30:day8` (eighth day past it), `period:2025-Q2:-10`, `due:2025-06-30:-3`,
`week:2025-W18:+0`. `DueReminder.key` = rule | subject | object | occasion is what the
notifications store keeps unique, so a reminder goes out once however many workers run and
however often they restart. Deadlines are part of the keys: after an extension, the new
deadline has occasions of its own.

Which occasion is due. On a business day, for each (rule, object), the due occasion is the
latest one on or before that day, provided it is at most `catch_up_days` old (default 3)
and its cause is still there. So a scan that did not run for a day or two (an outage; an
operator runs it by hand) still sends what it missed, once, and never floods an object with
stale reminders: a newer occasion supersedes an older one. Each reminder states the days
left (or overdue) counted on the day it is computed, not on the occasion's day.

Causes (R2: a reminder whose cause has gone is not sent). Deadline reminders: the hazard is
open (reported, rectifying, pending_review: H6 counts them all) and the deadline has not
passed; overdue reminders: the hazard is overdue (H6). C1/C2: the current period is owed and
nothing is recorded in it (`CadenceStatus.due`). Tasks: the task is `open` or `returned`
(waiting for its assignee; a submitted task waits for the street office, an accepted one is
done) and, for `task_due`, `due_on` has not passed. The weekly digest runs on the campaign's
weeks, through the first week after its last target year (2027-01-07). A delivery job
recomputes the due reminders of its object and sends only when its key is still among them
(`still_due`).

Sending (R1). A reminder of business day D goes out at D's send time (default 09:00
Asia/Shanghai), or at once if that has passed; never inside the quiet hours (default
21:00–08:00), where it waits for the window's end (`send_at`). Pure: time is passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID

from app.domain.cadence import CadenceResult, CadenceStatus
from app.domain.calendar import CAMPAIGN_START, SHANGHAI, parse_period
from app.domain.errors import FieldError, RuleViolation
from app.domain.hazards import OPEN_STATES
from app.domain.hazards import is_overdue as hazard_is_overdue


class ReminderRuleCode(StrEnum):
    hazard_deadline = "hazard_deadline"
    hazard_overdue = "hazard_overdue"
    c1_period_end = "c1_period_end"
    c2_period_end = "c2_period_end"
    task_due = "task_due"
    task_overdue = "task_overdue"
    targets_weekly = "targets_weekly"


class Recipient(StrEnum):
    """Who receives a reminder, as a role or relationship the notifications service resolves.

    `enterprise_principal` is a person (a phone, not a user account: in-app does not reach
    them); `street_office` is the street office as a unit (its users and its group robot);
    `street_admins` are the users with the role `street_admin`.
    """

    enterprise_principal = "enterprise_principal"
    enterprise_users = "enterprise_users"
    village_officers = "village_officers"
    lead_department_officers = "lead_department_officers"
    street_office = "street_office"
    assignee_unit_users = "assignee_unit_users"
    street_admins = "street_admins"


class Channel(StrEnum):
    """R5 channels. `in_app` always works; the others are skipped when not configured."""

    in_app = "in_app"
    sms = "sms"
    email = "email"
    wecom = "wecom"
    dingtalk = "dingtalk"


class Subject(StrEnum):
    """What a reminder is about (the cause's resource)."""

    hazard = "hazard"
    enterprise = "enterprise"
    supervision_task = "supervision_task"
    street = "street"


RULE_SUBJECT: Mapping[ReminderRuleCode, Subject] = MappingProxyType(
    {
        ReminderRuleCode.hazard_deadline: Subject.hazard,
        ReminderRuleCode.hazard_overdue: Subject.hazard,
        ReminderRuleCode.c1_period_end: Subject.enterprise,
        ReminderRuleCode.c2_period_end: Subject.enterprise,
        ReminderRuleCode.task_due: Subject.supervision_task,
        ReminderRuleCode.task_overdue: Subject.supervision_task,
        ReminderRuleCode.targets_weekly: Subject.street,
    }
)

_ENTERPRISE_SIDE = frozenset(
    {
        Recipient.enterprise_principal,
        Recipient.enterprise_users,
        Recipient.village_officers,
        Recipient.lead_department_officers,
        Recipient.street_office,
        Recipient.street_admins,
    }
)
_STREET = frozenset({Recipient.street_office, Recipient.street_admins})

# Recipients that mean something for each subject: a hazard has no assignee unit, a task no
# principal.
APPLICABLE_RECIPIENTS: Mapping[Subject, frozenset[Recipient]] = MappingProxyType(
    {
        Subject.hazard: _ENTERPRISE_SIDE,
        Subject.enterprise: _ENTERPRISE_SIDE,
        Subject.supervision_task: _STREET | {Recipient.assignee_unit_users},
        Subject.street: _STREET,
    }
)

# Allowed offsets per rule, inclusive; a year is the longest period any rule looks at.
OFFSET_RANGE: Mapping[ReminderRuleCode, tuple[int, int]] = MappingProxyType(
    {
        ReminderRuleCode.hazard_deadline: (0, 365),
        ReminderRuleCode.hazard_overdue: (1, 365),
        ReminderRuleCode.c1_period_end: (0, 365),
        ReminderRuleCode.c2_period_end: (0, 365),
        ReminderRuleCode.task_due: (0, 365),
        ReminderRuleCode.task_overdue: (1, 365),
        ReminderRuleCode.targets_weekly: (0, 6),
    }
)
REPEATING_RULES = frozenset({ReminderRuleCode.hazard_overdue, ReminderRuleCode.task_overdue})
REPEAT_RANGE = (1, 365)
MAX_OFFSETS = 10

DEFAULT_CATCH_UP_DAYS = 3
DEFAULT_SEND_TIME = time(9, 0)
# The weekly digest's last week: the one after the last target year (T3, 2026) ends.
DIGEST_LAST_DAY = date(2027, 1, 7)

# Tasks waiting for their assignee (S2): open, or returned to it.
TASK_WAITING_STATES = frozenset({"open", "returned"})


@dataclass(frozen=True)
class ReminderRule:
    """One reminder rule (R1). Construction validates it (RuleViolation naming the fields)."""

    code: ReminderRuleCode
    enabled: bool
    offsets_days: tuple[int, ...]
    recipients: tuple[Recipient, ...]
    channels: tuple[Channel, ...]
    repeat_every_days: int | None = None

    def __post_init__(self) -> None:
        errors = rule_problems(self)
        if errors:
            raise RuleViolation("invalid reminder rule", errors, code="invalid_reminder_rule")
        # Plain strings and lists in, enums and tuples kept.
        object.__setattr__(self, "code", ReminderRuleCode(self.code))
        object.__setattr__(self, "offsets_days", tuple(self.offsets_days))
        object.__setattr__(self, "recipients", tuple(Recipient(r) for r in self.recipients))
        object.__setattr__(self, "channels", tuple(Channel(c) for c in self.channels))

    @property
    def subject(self) -> Subject:
        return RULE_SUBJECT[self.code]


# --- validation of a rule (R1: street_admin changes offsets, recipients, channels, on/off) ---


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_offsets(code: ReminderRuleCode, offsets: object) -> list[FieldError]:
    if isinstance(offsets, (str, bytes)) or not isinstance(offsets, Sequence):
        return [FieldError("offsets_days", "must be a list of whole days")]
    if not offsets:
        return [FieldError("offsets_days", "must name at least one day")]
    if len(offsets) > MAX_OFFSETS:
        return [FieldError("offsets_days", f"at most {MAX_OFFSETS} days")]
    low, high = OFFSET_RANGE[code]
    errors: list[FieldError] = []
    seen: set[int] = set()
    for i, value in enumerate(offsets):
        name = f"offsets_days[{i}]"
        if not _is_int(value):
            errors.append(FieldError(name, "must be a whole number of days"))
        elif value < 0:
            errors.append(FieldError(name, "may not be negative"))
        elif not low <= value <= high:
            errors.append(FieldError(name, f"must lie between {low} and {high} for {code.value}"))
        elif value in seen:
            errors.append(FieldError(name, f"{value} is listed twice"))
        else:
            seen.add(value)
    return errors


def _check_members(
    field: str, values: object, enum: type[StrEnum], allowed: Iterable[StrEnum], what: str
) -> list[FieldError]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        return [FieldError(field, f"must be a list of {what}")]
    if not values:
        return [FieldError(field, f"must name at least one of {what}")]
    allowed_values = sorted(a.value for a in allowed)
    errors: list[FieldError] = []
    seen: set[object] = set()
    for i, value in enumerate(values):
        name = f"{field}[{i}]"
        known = isinstance(value, str) and value in enum.__members__.values()
        if not known:
            errors.append(FieldError(name, f"unknown {what[:-1]} {value!r}; expected one of: {', '.join(allowed_values)}"))
        elif value not in allowed_values:
            errors.append(FieldError(name, f"{value} does not apply here; expected one of: {', '.join(allowed_values)}"))
        elif value in seen:
            errors.append(FieldError(name, f"{value} is listed twice"))
        else:
            seen.add(value)
    return errors


def _check_repeat(code: ReminderRuleCode, repeat: object) -> list[FieldError]:
    if repeat is None:
        return []
    if code not in REPEATING_RULES:
        return [FieldError("repeat_every_days", f"only the overdue rules repeat; must be null for {code.value}")]
    low, high = REPEAT_RANGE
    if not _is_int(repeat):
        return [FieldError("repeat_every_days", "must be a whole number of days or null")]
    if repeat < 0:  # type: ignore[operator]
        return [FieldError("repeat_every_days", "may not be negative")]
    if not low <= repeat <= high:  # type: ignore[operator]
        return [FieldError("repeat_every_days", f"must lie between {low} and {high}")]
    return []


def rule_value_problems(
    code: ReminderRuleCode | str,
    *,
    enabled: object,
    offsets_days: object,
    recipients: object,
    channels: object,
    repeat_every_days: object = None,
) -> list[FieldError]:
    """R1: what is wrong with a rule's raw values (JSON-like), one FieldError per problem."""
    code = ReminderRuleCode(code)
    errors: list[FieldError] = []
    if not isinstance(enabled, bool):
        errors.append(FieldError("enabled", "must be true or false"))
    errors += _check_offsets(code, offsets_days)
    errors += _check_members("recipients", recipients, Recipient, APPLICABLE_RECIPIENTS[RULE_SUBJECT[code]], "recipients")
    errors += _check_members("channels", channels, Channel, Channel, "channels")
    errors += _check_repeat(code, repeat_every_days)
    return errors


def rule_problems(rule: ReminderRule) -> list[FieldError]:
    if not isinstance(rule.code, str) or rule.code not in ReminderRuleCode.__members__.values():
        return [FieldError("code", f"unknown reminder rule {rule.code!r}")]
    return rule_value_problems(
        rule.code,
        enabled=rule.enabled,
        offsets_days=rule.offsets_days,
        recipients=rule.recipients,
        channels=rule.channels,
        repeat_every_days=rule.repeat_every_days,
    )


CHANGEABLE = ("enabled", "offsets_days", "recipients", "channels", "repeat_every_days")


def apply_rule_change(current: ReminderRule, changes: Mapping[str, object]) -> ReminderRule:
    """R1: `current` with the PATCH `changes` applied (keys left out stay), validated.

    Raises RuleViolation with a FieldError per problem: an unknown or unchangeable key,
    null where a value is needed, negative or out-of-range offsets, empty lists, unknown or
    inapplicable recipients and channels, duplicates.
    """
    errors = [
        FieldError(key, "cannot be changed" if key == "code" else "unknown field")
        for key in changes
        if key not in CHANGEABLE
    ]
    for key in ("enabled", "offsets_days", "recipients", "channels"):
        if key in changes and changes[key] is None:
            errors.append(FieldError(key, "may not be null"))
    if errors:
        raise RuleViolation("invalid reminder rule change", errors, code="invalid_reminder_rule")
    merged: dict[str, object] = {
        "enabled": current.enabled,
        "offsets_days": current.offsets_days,
        "recipients": current.recipients,
        "channels": current.channels,
        "repeat_every_days": current.repeat_every_days,
    }
    merged.update(changes)
    errors = rule_value_problems(current.code, **merged)
    if errors:
        raise RuleViolation("invalid reminder rule change", errors, code="invalid_reminder_rule")
    return ReminderRule(code=current.code, **merged)  # type: ignore[arg-type]


# --- the defaults of R1 ----------------------------------------------------------------------

_HAZARD_PEOPLE = (
    Recipient.enterprise_principal,
    Recipient.enterprise_users,
    Recipient.village_officers,
    Recipient.lead_department_officers,
)

DEFAULT_RULES: Mapping[ReminderRuleCode, ReminderRule] = MappingProxyType(
    {
        ReminderRuleCode.hazard_deadline: ReminderRule(
            ReminderRuleCode.hazard_deadline, True, (7, 1), _HAZARD_PEOPLE, (Channel.in_app, Channel.sms)
        ),
        ReminderRuleCode.hazard_overdue: ReminderRule(
            ReminderRuleCode.hazard_overdue,
            True,
            (1,),
            (*_HAZARD_PEOPLE, Recipient.street_office),
            (Channel.in_app, Channel.sms),
            repeat_every_days=7,
        ),
        ReminderRuleCode.c1_period_end: ReminderRule(
            ReminderRuleCode.c1_period_end,
            True,
            (10,),
            (Recipient.enterprise_principal, Recipient.enterprise_users),
            (Channel.in_app, Channel.sms),
        ),
        ReminderRuleCode.c2_period_end: ReminderRule(
            ReminderRuleCode.c2_period_end,
            True,
            (10,),
            (Recipient.enterprise_principal, Recipient.enterprise_users),
            (Channel.in_app, Channel.sms),
        ),
        ReminderRuleCode.task_due: ReminderRule(
            ReminderRuleCode.task_due, True, (3,), (Recipient.assignee_unit_users,), (Channel.in_app,)
        ),
        ReminderRuleCode.task_overdue: ReminderRule(
            ReminderRuleCode.task_overdue,
            True,
            (1,),
            (Recipient.assignee_unit_users,),
            (Channel.in_app,),
            repeat_every_days=7,
        ),
        ReminderRuleCode.targets_weekly: ReminderRule(
            ReminderRuleCode.targets_weekly, True, (0,), (Recipient.street_admins,), (Channel.in_app, Channel.email)
        ),
    }
)


# --- which reminders are due (R1, R2) ---------------------------------------------------------


@dataclass(frozen=True)
class HazardFacts:
    """What the hazard reminders read: H6's status and deadline in force on the day."""

    hazard_id: UUID | str
    status: str
    deadline: date | None
    grade: str = "general"


@dataclass(frozen=True)
class TaskFacts:
    """What the task reminders read (S2)."""

    task_id: UUID | str
    status: str
    due_on: date


@dataclass(frozen=True)
class DueReminder:
    """A reminder due for one (rule, object, occasion); `key` is its R2 identity.

    `reference_on` is the date the reminder is about (the deadline, the due date, the
    period's last day or the week's Monday); `days` the days left before it (deadline,
    period and due reminders) or the days overdue (overdue reminders), counted on the day
    it was computed; `period` the C1/C2 period or the digest's ISO week label.
    """

    rule: ReminderRuleCode
    subject: Subject
    subject_id: str
    occasion: str
    occasion_on: date
    recipients: tuple[Recipient, ...]
    channels: tuple[Channel, ...]
    reference_on: date
    days: int
    period: str | None = None

    @property
    def key(self) -> str:
        return f"{self.rule.value}|{self.subject.value}|{self.subject_id}|{self.occasion}"


def _latest(candidates: Iterable[tuple[date, str]], today: date, catch_up_days: int) -> tuple[date, str] | None:
    """The latest (day, occasion) on or before today, if at most `catch_up_days` old.

    Of two occasions on one day, the later-listed one wins (callers list the nearer first
    for before-offsets, so ties keep it deterministic).
    """
    if catch_up_days < 0:
        raise ValueError("catch_up_days may not be negative")
    best: tuple[date, str] | None = None
    for on, occasion in candidates:
        if on <= today and (best is None or on >= best[0]):
            best = (on, occasion)
    if best is None or (today - best[0]).days > catch_up_days:
        return None
    return best


def _before(reference: date, offsets: Iterable[int], prefix: str, floor: date | None = None) -> list[tuple[date, str]]:
    # Sorted by offset descending, so equal days (clamped to `floor`) keep the nearer offset.
    out = []
    for offset in sorted(offsets, reverse=True):
        on = reference - timedelta(days=offset)
        if floor is not None and on < floor:
            on = floor
        out.append((on, f"{prefix}:-{offset}"))
    return out


def overdue_occasion_day(overdue_days: int, offsets: Iterable[int], repeat_every_days: int | None) -> int | None:
    """The latest overdue day ≤ `overdue_days` on which the rule reminds: each offset, then
    every `repeat_every_days` after the last one (1, 8, 15 … for the defaults). None if
    none has come yet."""
    ordered = sorted(offsets)
    reached = [o for o in ordered if o <= overdue_days]
    if not reached:
        return None
    latest = reached[-1]
    if repeat_every_days and overdue_days >= ordered[-1]:
        latest = ordered[-1] + (overdue_days - ordered[-1]) // repeat_every_days * repeat_every_days
    return latest


def _overdue_candidates(reference: date, today: date, rule: ReminderRule, prefix: str) -> list[tuple[date, str]]:
    overdue_days = (today - reference).days
    out: list[tuple[date, str]] = []
    day = overdue_occasion_day(overdue_days, rule.offsets_days, rule.repeat_every_days)
    if day is not None:
        out.append((reference + timedelta(days=day), f"{prefix}:day{day}"))
    return out


def _make(rule: ReminderRule, subject_id: object, found: tuple[date, str], reference_on: date, days: int,
          period: str | None = None) -> DueReminder:
    return DueReminder(
        rule=rule.code,
        subject=rule.subject,
        subject_id=str(subject_id),
        occasion=found[1],
        occasion_on=found[0],
        recipients=rule.recipients,
        channels=rule.channels,
        reference_on=reference_on,
        days=days,
        period=period,
    )


def _rule(rules: Mapping[ReminderRuleCode, ReminderRule], code: ReminderRuleCode) -> ReminderRule | None:
    rule = rules.get(code)
    return rule if rule is not None and rule.enabled else None


def hazard_reminders(
    hazard: HazardFacts,
    today: date,
    rules: Mapping[ReminderRuleCode, ReminderRule] = DEFAULT_RULES,
    *,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> list[DueReminder]:
    """R1: the deadline or overdue reminder due for a hazard on `today` (at most one of each).

    Nothing for a closed or void hazard, or one without a deadline (R2: the cause has gone).
    """
    if hazard.deadline is None or hazard.status not in OPEN_STATES:
        return []
    deadline = hazard.deadline
    out: list[DueReminder] = []
    if today <= deadline and (rule := _rule(rules, ReminderRuleCode.hazard_deadline)):
        found = _latest(_before(deadline, rule.offsets_days, f"deadline:{deadline.isoformat()}"), today, catch_up_days)
        if found:
            out.append(_make(rule, hazard.hazard_id, found, deadline, (deadline - today).days))
    if hazard_is_overdue(hazard.status, deadline, today) and (rule := _rule(rules, ReminderRuleCode.hazard_overdue)):
        found = _latest(_overdue_candidates(deadline, today, rule, f"overdue:{deadline.isoformat()}"), today, catch_up_days)
        if found:
            out.append(_make(rule, hazard.hazard_id, found, deadline, (today - deadline).days))
    return out


def period_end_reminder(
    code: ReminderRuleCode | str,
    enterprise_id: UUID | str,
    result: CadenceResult,
    today: date,
    rules: Mapping[ReminderRuleCode, ReminderRule] = DEFAULT_RULES,
    *,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> DueReminder | None:
    """R1 for C1 (`c1_period_end`) or C2 (`c2_period_end`): `result` is the cadence evaluated
    with `as_of = today` (app.domain.cadence.evaluate_c1 / evaluate_c2).

    Due from `offset` days before the current period's last day while the period is owed and
    nothing is recorded in it (`due`); an offset longer than the period reminds on its first
    day. Nothing once it is `done`, not owed, or over.
    """
    code = ReminderRuleCode(code)
    if code not in (ReminderRuleCode.c1_period_end, ReminderRuleCode.c2_period_end):
        raise ValueError(f"{code.value} is not a period-end rule")
    rule = _rule(rules, code)
    if rule is None or result.status is not CadenceStatus.due or result.period is None:
        return None
    period = parse_period(result.period)
    if not period.contains(today):
        return None
    found = _latest(_before(period.end, rule.offsets_days, f"period:{period.label}", floor=period.start), today, catch_up_days)
    if found is None:
        return None
    return _make(rule, enterprise_id, found, period.end, (period.end - today).days, period=period.label)


def task_reminders(
    task: TaskFacts,
    today: date,
    rules: Mapping[ReminderRuleCode, ReminderRule] = DEFAULT_RULES,
    *,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> list[DueReminder]:
    """R1: the due or overdue reminder of a supervision task waiting for its assignee."""
    if task.status not in TASK_WAITING_STATES:
        return []
    due_on = task.due_on
    out: list[DueReminder] = []
    if today <= due_on and (rule := _rule(rules, ReminderRuleCode.task_due)):
        found = _latest(_before(due_on, rule.offsets_days, f"due:{due_on.isoformat()}"), today, catch_up_days)
        if found:
            out.append(_make(rule, task.task_id, found, due_on, (due_on - today).days))
    if today > due_on and (rule := _rule(rules, ReminderRuleCode.task_overdue)):
        found = _latest(_overdue_candidates(due_on, today, rule, f"overdue:{due_on.isoformat()}"), today, catch_up_days)
        if found:
            out.append(_make(rule, task.task_id, found, due_on, (today - due_on).days))
    return out


STREET_SUBJECT_ID = "street"


def iso_week_label(d: date) -> str:
    """"2025-W18": the ISO week (Monday first) containing `d`."""
    year, week, _ = d.isocalendar()
    return f"{year:04d}-W{week:02d}"


def targets_digest_reminder(
    today: date,
    rules: Mapping[ReminderRuleCode, ReminderRule] = DEFAULT_RULES,
    *,
    catch_up_days: int = DEFAULT_CATCH_UP_DAYS,
) -> DueReminder | None:
    """R1: the weekly T1–T3 digest for the street admins (Monday by default)."""
    rule = _rule(rules, ReminderRuleCode.targets_weekly)
    if rule is None or not CAMPAIGN_START <= today <= DIGEST_LAST_DAY:
        return None
    monday = today - timedelta(days=today.weekday())
    week = iso_week_label(monday)
    candidates = [(monday + timedelta(days=o), f"week:{week}:+{o}") for o in sorted(rule.offsets_days)]
    found = _latest(candidates, today, catch_up_days)
    if found is None:
        return None
    return _make(rule, STREET_SUBJECT_ID, found, monday, (today - monday).days, period=week)


def still_due(reminder: DueReminder, due_now: Iterable[DueReminder]) -> bool:
    """R2: send only when the same (rule, object, occasion) is still due when recomputed
    from the object's current facts (a closed hazard, an extended deadline: not)."""
    return any(r.key == reminder.key for r in due_now)


# --- when a reminder may be sent (R1: business hours, quiet hours) --------------------------


@dataclass(frozen=True)
class QuietHours:
    """Local Asia/Shanghai times [start, end) during which nothing is sent (R1: 21:00–08:00).

    A window with start > end runs across midnight.
    """

    start: time = time(21, 0)
    end: time = time(8, 0)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are local Asia/Shanghai times, without tzinfo")
        if self.start == self.end:
            raise ValueError("quiet hours need a start different from their end")

    def contains(self, t: time) -> bool:
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


DEFAULT_QUIET_HOURS = QuietHours()


def _local(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("need an aware datetime, got a naive one")
    return now.astimezone(SHANGHAI)


def is_quiet(now: datetime, quiet: QuietHours = DEFAULT_QUIET_HOURS) -> bool:
    """R1: whether `now` (aware) falls in the quiet hours, Asia/Shanghai."""
    return quiet.contains(_local(now).time().replace(tzinfo=None))


def next_allowed_at(now: datetime, quiet: QuietHours = DEFAULT_QUIET_HOURS) -> datetime:
    """R1: `now` (in Asia/Shanghai) if outside the quiet hours, else the end of the window."""
    local = _local(now)
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return local
    end_today = datetime.combine(local.date(), quiet.end, tzinfo=SHANGHAI)
    return end_today if end_today > local else end_today + timedelta(days=1)


def send_window_problems(send_time: time, quiet: QuietHours = DEFAULT_QUIET_HOURS) -> list[FieldError]:
    """A send time must be a local time outside the quiet hours."""
    if send_time.tzinfo is not None:
        return [FieldError("send_time", "a local Asia/Shanghai time, without an offset")]
    if quiet.contains(send_time):
        return [FieldError("send_time", f"falls in the quiet hours {quiet.start:%H:%M}–{quiet.end:%H:%M}")]
    return []


def send_at(
    occasion_on: date,
    now: datetime,
    *,
    send_time: time = DEFAULT_SEND_TIME,
    quiet: QuietHours = DEFAULT_QUIET_HOURS,
) -> datetime:
    """R1: the first instant a reminder of business day `occasion_on` may go out, seen at
    `now`: the day's send time (09:00), or now if later, moved past the quiet hours."""
    errors = send_window_problems(send_time, quiet)
    if errors:
        raise ValueError(errors[0].message)
    scheduled = datetime.combine(occasion_on, send_time, tzinfo=SHANGHAI)
    return next_allowed_at(max(scheduled, _local(now)), quiet)
