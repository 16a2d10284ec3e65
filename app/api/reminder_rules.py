"""/reminder-rules: the reminder rules of R1 (defaults until street_admin changes them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.deps import Ctx
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import Idempotent
from app.api.routing import TransactionalRoute
from app.api.schemas.automation import ReminderRuleChange, ReminderRuleList, ReminderRuleRead
from app.domain.reminders import ReminderRule, ReminderRuleCode
from app.services import reminders as service

router = APIRouter(prefix="/api/v1/reminder-rules", tags=["automation"], route_class=TransactionalRoute)

RuleCode = Annotated[ReminderRuleCode, Path(description="The rule's code.", examples=["hazard_deadline"])]


def to_read(rule: ReminderRule) -> ReminderRuleRead:
    return ReminderRuleRead(
        code=rule.code, enabled=rule.enabled, offsets_days=list(rule.offsets_days), recipients=list(rule.recipients),
        channels=list(rule.channels), repeat_every_days=rule.repeat_every_days,
    )


@router.get(
    "",
    response_model=ReminderRuleList,
    summary="List the reminder rules",
    description=(
        "Every reminder rule of R1 as it is in force: its defaults until a street_admin changed it. street_admin only. "
        "Reminders go out at 09:00 Asia/Shanghai on their day, never between 21:00 and 08:00."
    ),
    responses={**answer("Every rule, in a fixed order."), **problem_responses(401, 403)},
)
async def list_reminder_rules(ctx: Ctx) -> ReminderRuleList:
    return ReminderRuleList(items=[to_read(r) for r in await service.list_rules(ctx)])


@router.get(
    "/{code}",
    response_model=ReminderRuleRead,
    summary="Read a reminder rule",
    description="One reminder rule of R1 as it is in force. street_admin only.",
    responses={**answer("The rule."), **problem_responses(401, 403, 404, 422)},
)
async def get_reminder_rule(ctx: Ctx, code: RuleCode) -> ReminderRuleRead:
    return to_read(await service.get_rule(ctx, code))


@router.patch(
    "/{code}",
    response_model=ReminderRuleRead,
    summary="Change a reminder rule",
    description=(
        "street_admin changes a rule's offsets, recipients, channels, repeat or turns it off (R1); fields left out "
        "stay. Offsets are whole days, none negative, none twice, within the rule's range; recipients must apply to "
        "the rule's subject. A bad value answers 422 naming the field. Reminders already made are not changed."
    ),
    responses={**answer("The rule as changed."), **problem_responses(401, 403, 404, 422)},
    dependencies=[Idempotent],
)
async def change_reminder_rule(ctx: Ctx, code: RuleCode, body: ReminderRuleChange) -> ReminderRuleRead:
    return to_read(await service.change_rule(ctx, code, body.model_dump(exclude_unset=True)))
