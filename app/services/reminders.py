"""Reminders (R1, R2): the rules street_admin changes, the daily scan that makes each due
reminder once, and its delivery as notifications.

- Rules: a rule without a row in `reminder_rule` has its defaults (DEFAULT_RULES); a change
  is validated by the domain (`apply_rule_change`) and stored whole.
- The scan (schedule `reminders`, 09:00 Asia/Shanghai; `run-scheduled reminders` by hand):
  computes what is due on the business day (app/domain/reminders.py) and inserts one
  `reminder` per (rule, subject, object, occasion) — `ON CONFLICT DO NOTHING` on the unique
  constraint, so two workers or a repeated run make nothing twice. Hazards (deadline,
  overdue), supervision tasks (due, overdue) and C1/C2 (10 days before the current period
  ends with nothing recorded, by the cadence rules of app/domain/cadence.py). It then enqueues, in the
  same transaction, one delivery job for each pending reminder whose send time has come,
  unless it is inside the quiet hours: those wait for the next scan in the morning.
- A delivery job locks its reminder, recomputes what is due for its object from the current
  facts, and cancels the reminder when its cause has gone (R2: a closed hazard, an extended
  deadline, a submitted task); otherwise it writes the notifications (in-app and the rule's
  channels, app/services/notifications.py) and marks the reminder sent. The jobs a worker
  runs at the same moment do this together (`deliver_many`): one unit of work, the rows
  locked in one statement, each reminder still checked and sent on its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.db.hazard_rules import is_open
from app.db.ids import uuid7
from app.db.models import (
    AppUser,
    Drill,
    Enterprise,
    EnterpriseState,
    Hazard,
    Inspection,
    Reminder,
    ReminderRuleSetting,
    Sector,
    SupervisionTask,
)
from app.db.reference import street_office
from app.db.unit_of_work import UnitOfWork
from app.domain import cadence
from app.domain import reminders as rules
from app.domain.calendar import business_date
from app.domain.enums import Role
from app.domain.errors import Forbidden, NotFound
from app.domain.reminders import (
    DueReminder,
    Recipient,
    ReminderRule,
    ReminderRuleCode,
    Subject,
    is_quiet,
    send_at,
    still_due,
)
from app.services.context import Context
from app.services.notifications import Recipient as NotifyRecipient
from app.services.notifications import notify

DELIVER_TASK = "reminders.deliver"
RESOURCE = "reminder-rules"
SUBJECT_RESOURCE = {Subject.hazard: "hazards", Subject.supervision_task: "supervision-tasks",
                    Subject.enterprise: "enterprises", Subject.street: None}


# --- the rules --------------------------------------------------------------------------------


def _rule_of(row: ReminderRuleSetting) -> ReminderRule:
    return ReminderRule(
        code=ReminderRuleCode(row.code), enabled=row.enabled, offsets_days=tuple(row.offsets_days),
        recipients=tuple(row.recipients), channels=tuple(row.channels),  # type: ignore[arg-type]
        repeat_every_days=row.repeat_every_days,
    )


async def load_rules(session) -> dict[ReminderRuleCode, ReminderRule]:  # type: ignore[no-untyped-def]
    """Every rule: the stored ones, the defaults for the rest."""
    out = dict(rules.DEFAULT_RULES)
    for row in (await session.execute(select(ReminderRuleSetting))).scalars():
        out[ReminderRuleCode(row.code)] = _rule_of(row)
    return out


def _require_admin(ctx: Context) -> None:
    if ctx.principal.role is not Role.street_admin:
        raise Forbidden("only street_admin manages the reminder rules (R1)")


async def list_rules(ctx: Context) -> list[ReminderRule]:
    _require_admin(ctx)
    current = await load_rules(ctx.session)
    return [current[code] for code in ReminderRuleCode]


async def get_rule(ctx: Context, code: str) -> ReminderRule:
    _require_admin(ctx)
    try:
        key = ReminderRuleCode(code)
    except ValueError:
        raise NotFound(f"no reminder rule {code!r}") from None
    return (await load_rules(ctx.session))[key]


async def change_rule(ctx: Context, code: str, changes: Mapping[str, Any]) -> ReminderRule:
    """R1: street_admin changes a rule's offsets, recipients, channels, repeat or on/off."""
    current = await get_rule(ctx, code)
    changed = rules.apply_rule_change(current, changes)
    values = {
        "enabled": changed.enabled,
        "offsets_days": list(changed.offsets_days),
        "recipients": [r.value for r in changed.recipients],
        "channels": [c.value for c in changed.channels],
        "repeat_every_days": changed.repeat_every_days,
        "updated_by": ctx.principal.user_id,
        "updated_at": ctx.now,
    }
    stmt = pg_insert(ReminderRuleSetting).values(code=changed.code.value, **values)
    await ctx.session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_=values))
    ctx.audit("reminder_rule.change", RESOURCE, changed.code.value)
    return changed


# --- what is due -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    created: int
    enqueued: int
    quiet: bool

    def __str__(self) -> str:
        waiting = "; inside the quiet hours, nothing sent until the morning" if self.quiet else ""
        return f"{self.created} reminders made, {self.enqueued} sent to the workers{waiting}"


def _hazard_facts(h: Any) -> rules.HazardFacts:
    return rules.HazardFacts(hazard_id=h.id, status=h.status, deadline=h.deadline, grade=h.grade)


def _task_facts(t: Any) -> rules.TaskFacts:
    return rules.TaskFacts(task_id=t.id, status=t.status, due_on=t.due_on)


async def due_reminders(session, today: date, current: Mapping[ReminderRuleCode, ReminderRule]  # type: ignore[no-untyped-def]
                        ) -> list[tuple[DueReminder, uuid.UUID | None]]:
    """(reminder, enterprise id) of every object's reminders due on `today` (R1)."""
    out: list[tuple[DueReminder, uuid.UUID | None]] = []
    deadline_rule = current.get(ReminderRuleCode.hazard_deadline)
    horizon = max(deadline_rule.offsets_days) if deadline_rule and deadline_rule.enabled else 0
    hazards = await session.execute(
        select(Hazard.id, Hazard.status, Hazard.deadline, Hazard.grade, Hazard.enterprise_id).where(
            is_open(), Hazard.deadline.is_not(None),
            Hazard.deadline <= today + timedelta(days=horizon),
        )
    )
    for h in hazards:
        out += [(r, h.enterprise_id) for r in rules.hazard_reminders(_hazard_facts(h), today, current)]
    tasks = await session.execute(
        select(SupervisionTask.id, SupervisionTask.status, SupervisionTask.due_on).where(
            SupervisionTask.status.in_(sorted(rules.TASK_WAITING_STATES))
        )
    )
    for t in tasks:
        out += [(r, None) for r in rules.task_reminders(_task_facts(t), today, current)]
    out += [(r, r_enterprise) for r, r_enterprise in await _period_end_reminders(session, today, current)]
    return out


_PERIOD_RULES = (ReminderRuleCode.c1_period_end, ReminderRuleCode.c2_period_end)


async def _cadences(session, today: date, enterprise_ids: list[uuid.UUID] | None = None  # type: ignore[no-untyped-def]
                    ) -> dict[uuid.UUID, tuple[cadence.CadenceResult, cadence.CadenceResult]]:
    """C1 and C2 of each enterprise (or of those given) on `today`, by the cadence rules."""
    where = [] if enterprise_ids is None else [EnterpriseState.enterprise_id.in_(enterprise_ids)]
    states: dict[uuid.UUID, list[cadence.EnterpriseState]] = {}
    for e_id, on, status, high_risk in await session.execute(
        select(EnterpriseState.enterprise_id, EnterpriseState.effective_on, EnterpriseState.status,
               EnterpriseState.high_risk).where(EnterpriseState.effective_on <= today, *where)
        .order_by(EnterpriseState.enterprise_id, EnterpriseState.effective_on, EnterpriseState.id)
    ):
        states.setdefault(e_id, []).append(cadence.EnterpriseState(on, status, high_risk))
    inspections: dict[uuid.UUID, list[tuple[date, str, bool]]] = {}
    for e_id, on in await session.execute(
        select(Inspection.enterprise_id, Inspection.performed_on).where(
            Inspection.kind == "principal_self", Inspection.led_by_principal.is_(True), Inspection.performed_on <= today,
            *([] if enterprise_ids is None else [Inspection.enterprise_id.in_(enterprise_ids)]),
        )
    ):
        inspections.setdefault(e_id, []).append((on, "principal_self", True))
    drills: dict[uuid.UUID, list[tuple[date, str]]] = {}
    for e_id, on in await session.execute(
        select(Drill.enterprise_id, Drill.held_on).where(
            Drill.kind == "evacuation", Drill.held_on <= today,
            *([] if enterprise_ids is None else [Drill.enterprise_id.in_(enterprise_ids)]),
        )
    ):
        drills.setdefault(e_id, []).append((on, "evacuation"))
    return {
        e_id: (cadence.evaluate_c1(st, inspections.get(e_id, []), today),
               cadence.evaluate_c2(st, drills.get(e_id, []), today))
        for e_id, st in states.items()
    }


async def _period_end_reminders(session, today: date, current: Mapping[ReminderRuleCode, ReminderRule],  # type: ignore[no-untyped-def]
                                enterprise_ids: list[uuid.UUID] | None = None) -> list[tuple[DueReminder, uuid.UUID]]:
    """R1 for C1/C2: 10 days (by default) before the current period ends with nothing recorded."""
    if not any(current[c].enabled for c in _PERIOD_RULES):
        return []
    out = []
    for e_id, (c1, c2) in (await _cadences(session, today, enterprise_ids)).items():
        for code, result in zip(_PERIOD_RULES, (c1, c2), strict=True):
            due = rules.period_end_reminder(code, e_id, result, today, current)
            if due is not None:
                out.append((due, e_id))
    return out


async def scan(uow: UnitOfWork, now: datetime) -> ScanResult:
    """The schedule `reminders`: make the hazard and task reminders due today (once each,
    R2) and send the ones whose time has come to the workers, in this unit of work (R7)."""
    current = await load_rules(uow.session)
    return await _make(uow, now, await due_reminders(uow.session, business_date(now), current))


async def scan_digest(uow: UnitOfWork, now: datetime) -> ScanResult:
    """The schedule `target-digest`: the weekly T1–T3 digest for the street admins (R1)."""
    current = await load_rules(uow.session)
    digest = rules.targets_digest_reminder(business_date(now), current)
    return await _make(uow, now, [(digest, None)] if digest else [])


async def _make(uow: UnitOfWork, now: datetime, due: list[tuple[DueReminder, uuid.UUID | None]]) -> ScanResult:
    session = uow.session
    created = 0
    if due:
        rows = [
            {
                "id": uuid7(), "rule": r.rule.value, "subject": r.subject.value, "subject_id": r.subject_id,
                "occasion": r.occasion, "occasion_on": r.occasion_on, "reference_on": r.reference_on,
                "days": r.days, "period": r.period, "enterprise_id": enterprise_id,
                "send_at": send_at(r.occasion_on, now), "created_at": now,
            }
            for r, enterprise_id in due
        ]
        for i in range(0, len(rows), 1000):
            stmt = pg_insert(Reminder).values(rows[i:i + 1000]).on_conflict_do_nothing(
                constraint="uq_reminder_rule_subject_occasion"
            )
            created += len((await session.execute(stmt.returning(Reminder.id))).all())
    quiet = is_quiet(now)
    enqueued = 0
    if not quiet:
        ready = (await session.execute(
            select(Reminder.id).where(Reminder.status == "pending", Reminder.send_at <= now)
        )).scalars()
        for reminder_id in ready:
            uow.enqueue(DELIVER_TASK, {"reminder_id": str(reminder_id)}, dedupe_key=f"reminder:{reminder_id}")
            enqueued += 1
    return ScanResult(created, enqueued, quiet)


# --- delivery ----------------------------------------------------------------------------------


def _as_due(row: Reminder, current: Mapping[ReminderRuleCode, ReminderRule]) -> DueReminder:
    rule = current[ReminderRuleCode(row.rule)]
    return DueReminder(
        rule=rule.code, subject=Subject(row.subject), subject_id=row.subject_id, occasion=row.occasion,
        occasion_on=row.occasion_on, recipients=rule.recipients, channels=rule.channels,
        reference_on=row.reference_on, days=row.days, period=row.period,
    )


KnownUsers = Mapping[tuple[Recipient, Any], list[NotifyRecipient]]


async def _known_users(session, enterprises: Iterable[Enterprise]) -> KnownUsers:  # type: ignore[no-untyped-def]
    """The users R1 names by an enterprise (its users, its village's officers, its sector's
    lead department's officers) for several enterprises, read in two queries."""
    enterprises = list(enterprises)
    leads = dict((await session.execute(select(Sector.code, Sector.lead_department_id).where(
        Sector.code.in_({e.sector for e in enterprises})))).all())
    known: dict[tuple[Recipient, Any], list[NotifyRecipient]] = {}
    for e in enterprises:
        known[(Recipient.enterprise_users, e.id)] = []
        known[(Recipient.village_officers, e.village_id)] = []
        known[(Recipient.lead_department_officers, e.sector)] = []
    lead_ids = {lead for lead in leads.values() if lead is not None}
    rows = await session.execute(
        select(AppUser.id, AppUser.display_name, AppUser.username, AppUser.role, AppUser.enterprise_id,
               AppUser.org_unit_id).where(
            AppUser.is_active.is_(True),
            or_(and_(AppUser.role == Role.enterprise_user.value, AppUser.enterprise_id.in_([e.id for e in enterprises])),
                and_(AppUser.role == Role.village_officer.value,
                     AppUser.org_unit_id.in_({e.village_id for e in enterprises})),
                and_(AppUser.role == Role.department_officer.value, AppUser.org_unit_id.in_(lead_ids)))))
    by_lead: dict[Any, list[NotifyRecipient]] = {}
    for u in rows:
        r = NotifyRecipient.user(u.id, name=u.display_name or u.username)
        if u.role == Role.enterprise_user.value:
            known[(Recipient.enterprise_users, u.enterprise_id)].append(r)
        elif u.role == Role.village_officer.value:
            known[(Recipient.village_officers, u.org_unit_id)].append(r)
        else:
            by_lead.setdefault(u.org_unit_id, []).append(r)
    for sector, lead in leads.items():
        known[(Recipient.lead_department_officers, sector)] = by_lead.get(lead, []) if lead is not None else []
    return known


async def _recipients(session, wanted: Iterable[Recipient], *, enterprise: Enterprise | None,  # type: ignore[no-untyped-def]
                      task: SupervisionTask | None, known: KnownUsers | None = None) -> list[NotifyRecipient]:
    """R1's recipients as the people, users and units that notify() reaches, in R1's order
    (each once). The users of every kind not in `known` (_known_users) are read in one
    query; a user of several kinds counts where it comes first."""
    parts: list[NotifyRecipient | int | list[NotifyRecipient]] = []  # a recipient, a kind's index, or known users
    kinds: list[Any] = []

    def users(*conditions: Any, known_as: tuple[Recipient, Any] | None = None) -> None:
        if known is not None and known_as in known:
            parts.append(known[known_as])
            return
        parts.append(len(kinds))
        kinds.append(and_(*conditions))

    for who in wanted:
        if who is Recipient.enterprise_principal and enterprise is not None:
            parts.append(NotifyRecipient.person(enterprise.principal_name, role="principal",
                                                phone=enterprise.principal_phone))
        elif who is Recipient.enterprise_users and enterprise is not None:
            users(AppUser.role == Role.enterprise_user.value, AppUser.enterprise_id == enterprise.id,
                  known_as=(who, enterprise.id))
        elif who is Recipient.village_officers and enterprise is not None:
            users(AppUser.role == Role.village_officer.value, AppUser.org_unit_id == enterprise.village_id,
                  known_as=(who, enterprise.village_id))
        elif who is Recipient.lead_department_officers and enterprise is not None:
            lead = select(Sector.lead_department_id).where(Sector.code == enterprise.sector).scalar_subquery()
            users(AppUser.role == Role.department_officer.value, AppUser.org_unit_id == lead,
                  known_as=(who, enterprise.sector))
        elif who is Recipient.street_office:
            office = await street_office(session)
            users(AppUser.org_unit_id == office.id)
            parts.append(NotifyRecipient.org_unit(office.id))
        elif who is Recipient.street_admins:
            users(AppUser.role == Role.street_admin.value)
        elif who is Recipient.assignee_unit_users and task is not None:
            users(AppUser.org_unit_id == task.assignee_org_unit_id)
            parts.append(NotifyRecipient.org_unit(task.assignee_org_unit_id))
    found: dict[int, list[NotifyRecipient]] = {}
    if kinds:
        kind = case(*((c, i) for i, c in enumerate(kinds)))
        stmt = select(AppUser.id, AppUser.display_name, AppUser.username, kind.label("kind")).where(
            AppUser.is_active.is_(True), or_(*kinds))
        for u in await session.execute(stmt):
            found.setdefault(u.kind, []).append(NotifyRecipient.user(u.id, name=u.display_name or u.username))
    seen: set[str] = set()
    unique = []
    for part in parts:
        group = found.get(part, []) if isinstance(part, int) else part if isinstance(part, list) else [part]
        for r in group:
            if r.key not in seen:
                seen.add(r.key)
                unique.append(r)
    return unique


def _cancel(row: Reminder, now: datetime, why: str) -> str:
    row.status, row.outcome, row.sent_at = "cancelled", why, None
    return f"cancelled: {why}"


async def deliver(uow: UnitOfWork, reminder_id: uuid.UUID, now: datetime) -> str:
    """A reminder's delivery job: sent once, or cancelled when its cause has gone (R2)."""
    row = await uow.session.scalar(select(Reminder).where(Reminder.id == reminder_id).with_for_update())
    if row is None:
        return "no such reminder"
    return await _deliver_row(uow, row, now, await load_rules(uow.session))


async def deliver_many(uow: UnitOfWork, reminder_ids: Iterable[uuid.UUID], now: datetime) -> dict[uuid.UUID, str]:
    """deliver() for several reminders in one unit of work (the delivery jobs a worker runs
    at the same moment): their rows locked in one statement (in id order, so two such calls
    never deadlock), the rules read once, their hazards and enterprises read together."""
    session = uow.session
    rows = list((await session.execute(
        select(Reminder).where(Reminder.id.in_(list(reminder_ids))).order_by(Reminder.id).with_for_update()
    )).scalars())
    current = await load_rules(session)
    hazard_ids = [uuid.UUID(r.subject_id) for r in rows if r.status == "pending" and r.subject == Subject.hazard.value]
    loaded: list[Any] = []  # held here: the session's identity map, where session.get() finds them, is weak
    known: KnownUsers | None = None
    if hazard_ids:
        loaded += (await session.execute(select(Hazard).where(Hazard.id.in_(hazard_ids)))).scalars()
        enterprise_ids = list({h.enterprise_id for h in loaded})
        enterprises = list((await session.execute(select(Enterprise).where(Enterprise.id.in_(enterprise_ids)))).scalars())
        loaded += enterprises
        known = await _known_users(session, enterprises)
    out = {r.id: await _deliver_row(uow, r, now, current, known) for r in rows}
    del loaded
    return {rid: out.get(rid, "no such reminder") for rid in reminder_ids}


async def _deliver_row(uow: UnitOfWork, row: Reminder, now: datetime,
                       current: Mapping[ReminderRuleCode, ReminderRule], known: KnownUsers | None = None) -> str:
    session = uow.session
    if row.status != "pending":
        return f"already {row.status}"
    if now < row.send_at or is_quiet(now):
        return "not yet: waits for its send time"
    today = business_date(now)
    reminder = _as_due(row, current)
    enterprise = task = None
    template_args: dict[str, Any]
    if reminder.subject is Subject.hazard:
        hazard = await session.get(Hazard, uuid.UUID(row.subject_id))
        if hazard is None:
            return _cancel(row, now, "the hazard is gone")
        if not still_due(reminder, rules.hazard_reminders(_hazard_facts(hazard), today, current)):
            return _cancel(row, now, f"no longer due: the hazard is {hazard.status}, deadline {hazard.deadline}")
        enterprise = await session.get(Enterprise, hazard.enterprise_id)
        assert enterprise is not None
        subject_id = hazard.id
        template = reminder.rule.value
        if reminder.rule is ReminderRuleCode.hazard_deadline:
            template_args = {"enterprise": enterprise.name, "title": hazard.title, "grade": hazard.grade,
                             "deadline": reminder.reference_on, "days_left": (reminder.reference_on - today).days}
        else:
            template_args = {"enterprise": enterprise.name, "title": hazard.title, "grade": hazard.grade,
                             "deadline": reminder.reference_on, "overdue_days": (today - reminder.reference_on).days}
    elif reminder.subject is Subject.supervision_task:
        task = await session.get(SupervisionTask, uuid.UUID(row.subject_id))
        if task is None:
            return _cancel(row, now, "the task is gone")
        if not still_due(reminder, rules.task_reminders(_task_facts(task), today, current)):
            return _cancel(row, now, f"no longer due: the task is {task.status}, due {task.due_on}")
        subject_id = task.id
        template = reminder.rule.value
        if reminder.rule is ReminderRuleCode.task_due:
            template_args = {"title": task.title, "due_on": task.due_on, "days_left": (task.due_on - today).days}
        else:
            template_args = {"title": task.title, "due_on": task.due_on, "overdue_days": (today - task.due_on).days}
    elif reminder.subject is Subject.enterprise:
        enterprise = await session.get(Enterprise, uuid.UUID(row.subject_id))
        if enterprise is None:
            return _cancel(row, now, "the enterprise is gone")
        due_now = [r for r, _ in await _period_end_reminders(session, today, current, [enterprise.id])]
        if not still_due(reminder, due_now):
            return _cancel(row, now, f"no longer due: {reminder.period} is recorded, not owed or over")
        subject_id = enterprise.id
        template = "period_end"
        template_args = {"rule": reminder.rule.value, "enterprise": enterprise.name, "period": reminder.period,
                         "period_end": reminder.reference_on}
    elif reminder.subject is Subject.street:
        if not still_due(reminder, [d for d in [rules.targets_digest_reminder(today, current)] if d]):
            return _cancel(row, now, "no longer due: the digest's week has passed or the rule is off")
        return await _deliver_digest(uow, row, reminder, today, now)
    else:
        return _cancel(row, now, f"{reminder.subject.value} reminders are not delivered by this job")
    people = await _recipients(session, reminder.recipients, enterprise=enterprise, task=task, known=known)
    made = await notify(
        uow, recipients=people, kind=reminder.rule.value, subject_type=SUBJECT_RESOURCE[reminder.subject],
        subject_id=subject_id, channels=[c.value for c in reminder.channels], template=template,
        template_args=template_args, enterprise_id=enterprise.id if enterprise else None,
        village_id=enterprise.village_id if enterprise else None, sector=enterprise.sector if enterprise else None,
        occasion=reminder.key, now=now,
    )
    row.status, row.sent_at, row.outcome = "sent", now, f"{len(made)} notifications"
    return f"sent: {len(made)} notifications"


async def _deliver_digest(uow: UnitOfWork, row: Reminder, reminder: DueReminder, today: date, now: datetime) -> str:
    from app.domain.access import Scope, ScopeKind
    from app.domain.messages import targets_digest_text
    from app.services.compliance import targets

    figures = await targets(uow.session, Scope(ScopeKind.all), today)
    body = targets_digest_text(reminder.period or "", {t["code"]: (t["status"], t["figures"]) for t in figures})
    people = await _recipients(uow.session, reminder.recipients, enterprise=None, task=None)
    made = await notify(
        uow, recipients=people, kind=reminder.rule.value, subject_type=None, subject_id=None,
        channels=[c.value for c in reminder.channels], text=body, title="年度目标周报", occasion=reminder.key, now=now,
    )
    row.status, row.sent_at, row.outcome = "sent", now, f"{len(made)} notifications"
    return f"sent: {len(made)} notifications"


async def reminders_of(session, subject: str, subject_id: str) -> list[Reminder]:  # type: ignore[no-untyped-def]
    return list((await session.execute(
        select(Reminder).where(Reminder.subject == subject, Reminder.subject_id == subject_id).order_by(Reminder.created_at)
    )).scalars())
