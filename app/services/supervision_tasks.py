"""Supervision task use cases (S1–S3): create, the submit/accept/return lifecycle, a round's
findings as hazards and its referrals, each in the one transaction of the request."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from app.db.ids import uuid7
from app.db.models import Hazard, SupervisionTask, TaskReferral
from app.db.repositories import enterprises as enterprises_repo
from app.db.repositories import hazards as hazards_repo
from app.db.repositories import org_units as org_units_repo
from app.db.repositories import supervision_tasks as repo
from app.domain import supervision as rules
from app.domain.calendar import business_date
from app.domain.enums import OrgUnitKind
from app.domain.errors import FieldError, NotFound, RuleViolation
from app.domain.hazards import OPEN_STATES, HazardStatus, Source
from app.domain.supervision import TaskAction, TaskStatus
from app.services import hazards
from app.services.events import EventType
from app.services.context import Context

RESOURCE = "supervision-tasks"  # the audit trail's name for them
SUPERVISED_KINDS = (OrgUnitKind.village.value, OrgUnitKind.department.value)


async def load(ctx: Context, task_id: uuid.UUID, *, for_update: bool = False) -> SupervisionTask:
    task = await repo.get(ctx.session, rules.task_audience(ctx.principal), task_id, for_update=for_update)
    if task is None:
        raise NotFound(f"no supervision task {task_id}")
    return task


def created_on(task: SupervisionTask) -> date:
    """The business date (Asia/Shanghai) the task was created."""
    return business_date(task.created_at)


def _event(ctx: Context, task: SupervisionTask, type: str, data: dict[str, Any]) -> None:
    # Tasks belong to no enterprise: the feed shows them to street office staff and district systems.
    ctx.event(type, "supervision_task", task.id, data=data)


async def _org_unit_problem(ctx: Context, field: str, org_unit_id: uuid.UUID) -> FieldError | None:
    unit = await org_units_repo.get(ctx.session, org_unit_id)
    if unit is None:
        return FieldError(field, "no such org unit")
    if unit.kind not in SUPERVISED_KINDS:
        return FieldError(field, "must be a village or a department")
    return None


async def create(ctx: Context, data: dict[str, Any]) -> SupervisionTask:
    """S1/S2: the street office hands a task to a village or department."""
    rules.check_manager(ctx.principal, "create supervision tasks")
    errors = rules.kind_problems(data["kind"], target_org_unit_id=data["target_org_unit_id"], hazard_id=data["hazard_id"])
    problem = await _org_unit_problem(ctx, "assignee_org_unit_id", data["assignee_org_unit_id"])
    if problem:
        errors.append(problem)
    if data["target_org_unit_id"] is not None:
        problem = await _org_unit_problem(ctx, "target_org_unit_id", data["target_org_unit_id"])
        if problem:
            errors.append(problem)
    if data["hazard_id"] is not None:
        hazard = await hazards_repo.get(ctx.session, ctx.scope, data["hazard_id"])
        if hazard is None:
            errors.append(FieldError("hazard_id", "no hazard with this id is visible to you"))
        elif HazardStatus(hazard.status) not in OPEN_STATES:
            errors.append(FieldError("hazard_id", f"the hazard is {hazard.status}; only open hazards are overseen"))
    if data["due_on"] < ctx.today:
        errors.append(FieldError("due_on", "may not be in the past"))
    if errors:
        raise RuleViolation("invalid supervision task", errors)
    task = SupervisionTask(
        id=uuid7(),
        kind=data["kind"],
        title=data["title"],
        description=data.get("description"),
        assignee_org_unit_id=data["assignee_org_unit_id"],
        target_org_unit_id=data["target_org_unit_id"],
        hazard_id=data["hazard_id"],
        due_on=data["due_on"],
        status=TaskStatus.open.value,
        created_by=ctx.principal.user_id,
        version=1,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(task)
    await ctx.session.flush()
    _event(ctx, task, EventType.supervision_task_created, {"kind": task.kind, "due_on": task.due_on.isoformat()})
    ctx.audit("supervision_task.create", RESOURCE, task.id)
    return task


def _touch(ctx: Context, task: SupervisionTask) -> None:
    task.version += 1
    task.updated_at = ctx.now


async def act(
    ctx: Context,
    task: SupervisionTask,
    action: TaskAction,
    *,
    report: str | None = None,
    comment: str | None = None,
    completed_on: date | None = None,
) -> SupervisionTask:
    """S2: one step of the lifecycle; accepting sets `completed_on`, the date C3 counts."""
    rules.check_actor(action, ctx.principal, assignee_org_unit_id=task.assignee_org_unit_id)
    from_status = TaskStatus(task.status)
    to_status = rules.next_status(action, from_status)
    if action is TaskAction.submit:
        task.submission = report
        task.submitted_at = ctx.now
    elif action is TaskAction.accept:
        done = completed_on or ctx.today
        rules.check_completed_on(done, today=ctx.today, created_on=created_on(task))
        task.completed_on = done
        task.review_comment = comment
    else:
        task.review_comment = comment
    task.status = to_status.value
    _touch(ctx, task)
    data: dict[str, Any] = {"from": from_status.value, "to": to_status.value, "action": action.value}
    if task.completed_on is not None:
        data["completed_on"] = task.completed_on.isoformat()
    _event(ctx, task, EventType.supervision_task_status_changed, data)
    ctx.audit(f"supervision_task.{action.value}", RESOURCE, task.id)
    await ctx.session.flush()
    return task


def _on_or_after_creation(task: SupervisionTask, field: str, value: date, today: date) -> FieldError | None:
    if value > today:
        return FieldError(field, "may not be in the future")
    if value < created_on(task):
        return FieldError(field, f"may not be before the task was created ({created_on(task).isoformat()})")
    return None


async def record_findings(ctx: Context, task: SupervisionTask, findings: list[dict[str, Any]]) -> list[Hazard]:
    """S3: each finding becomes a hazard (source `supervision`) of the task, all or nothing."""
    rules.check_manager(ctx.principal, "record a supervision task's findings")
    errors: list[FieldError] = []
    enterprises: dict[uuid.UUID, Any] = {}
    for i, finding in enumerate(findings):
        eid = finding["enterprise_id"]
        if eid not in enterprises:
            enterprises[eid] = await enterprises_repo.get(ctx.session, ctx.scope, eid)
        if enterprises[eid] is None:
            errors.append(FieldError(f"findings[{i}].enterprise_id", "no enterprise with this id is visible to you"))
        discovered_on = finding["discovered_on"] = finding.get("discovered_on") or ctx.today
        problem = _on_or_after_creation(task, f"findings[{i}].discovered_on", discovered_on, ctx.today)
        if problem:
            errors.append(problem)
        if finding.get("deadline") is not None and finding["deadline"] < discovered_on:
            errors.append(FieldError(f"findings[{i}].deadline", "may not be before discovered_on"))
    if errors:
        raise RuleViolation("invalid findings", errors)
    created = []
    for i, finding in enumerate(findings):
        try:
            hazard = await hazards.add(
                ctx,
                hazards.NewHazard(
                    enterprise_id=finding["enterprise_id"],
                    grade=finding["grade"],
                    source=Source.supervision.value,
                    title=finding["title"],
                    description=finding.get("description"),
                    criterion_ref=finding.get("criterion_ref"),
                    discovered_on=finding["discovered_on"],
                    deadline=finding.get("deadline"),
                ),
                enterprise=enterprises[finding["enterprise_id"]],
            )
        except RuleViolation as exc:  # name the finding that failed; the request rolls back
            for e in exc.errors:
                e.field = f"findings[{i}].{e.field}"
            raise
        hazard.supervision_task_id = task.id
        created.append(hazard)
    _touch(ctx, task)
    _event(ctx, task, EventType.supervision_task_findings_recorded, {"hazard_ids": [str(h.id) for h in created]})
    ctx.audit("supervision_task.record_findings", RESOURCE, task.id)
    await ctx.session.flush()
    return created


async def refer(ctx: Context, task: SupervisionTask, data: dict[str, Any]) -> TaskReferral:
    """S3: misconduct found is handed over (移交) to the competent body, recorded on the task."""
    rules.check_manager(ctx.principal, "record referrals")
    referred_on = data.get("referred_on") or ctx.today
    problem = _on_or_after_creation(task, "referred_on", referred_on, ctx.today)
    if problem:
        raise RuleViolation("invalid referral", [problem])
    referral = TaskReferral(
        id=uuid7(),
        task_id=task.id,
        referred_to=data["referred_to"],
        subject=data["subject"],
        facts=data["facts"],
        referred_on=referred_on,
        created_by=ctx.principal.user_id,
        created_at=ctx.now,
    )
    ctx.session.add(referral)
    _touch(ctx, task)
    _event(ctx, task, EventType.supervision_task_referral_recorded, {"referral_id": str(referral.id)})
    ctx.audit("supervision_task.refer", RESOURCE, task.id)
    await ctx.session.flush()
    return referral
