"""Schemas of what the service does by itself: reminder rules (R1), escalation proposals
(R3) and the job engine's jobs."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas import examples as ex
from app.api.schemas.common import Day, Flag, InputModel, LongText, OutputModel, Whole, omittable
from app.domain.reminders import MAX_OFFSETS, Channel, Recipient, ReminderRuleCode

PROPOSAL_ID = "0193a5c2-4a1b-7c2d-8e3f-4a5b6c7d8e9f"

RULE_EXAMPLE = {
    "code": "hazard_deadline",
    "enabled": True,
    "offsets_days": [7, 1],
    "recipients": ["enterprise_principal", "enterprise_users", "village_officers", "lead_department_officers"],
    "channels": ["in_app", "sms"],
    "repeat_every_days": None,
}


class ReminderRuleRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [RULE_EXAMPLE]})

    code: ReminderRuleCode = Field(description="The rule (R1): what it reminds of.")
    enabled: bool
    offsets_days: list[int] = Field(
        description="Days before the deadline, due date or period end (0 = that day); for the overdue rules, the "
        "overdue days (1 = the day after the deadline); for `targets_weekly`, days after Monday."
    )
    recipients: list[Recipient]
    channels: list[Channel]
    repeat_every_days: int | None = Field(
        description="The overdue rules only: after the last offset, again every this many days while overdue."
    )


class ReminderRuleList(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [RULE_EXAMPLE]}]})

    items: list[ReminderRuleRead]


Offset = Annotated[Whole, Field(ge=0, le=365)]


def _unique_no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    schema["uniqueItems"] = True


def _listed(**kwargs: Any) -> Any:
    """A PATCH list that may be left out but not set to null; no item twice."""
    return Field(default=None, json_schema_extra=_unique_no_default, **kwargs)


class ReminderRuleChange(InputModel):
    """Only the fields given change; each is checked against the rule (R1)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"offsets_days": [10, 3, 1], "channels": ["in_app"]}]})

    enabled: Flag = omittable(description="Turn the rule on or off.")
    offsets_days: list[Offset] = _listed(
        min_length=1, max_length=MAX_OFFSETS,
        description="Whole days, none negative and none twice (their meaning: see the rule's `offsets_days`).",
    )
    recipients: list[Recipient] = _listed(
        min_length=1, max_length=len(Recipient), description="Who is reminded; each must apply to the rule's subject."
    )
    channels: list[Channel] = _listed(min_length=1, max_length=len(Channel), description="in_app always works.")
    repeat_every_days: Annotated[Whole, Field(ge=1, le=365)] | None = Field(
        default=None, description="The overdue rules only; null for the others."
    )


class ProposalStep(StrEnum):
    letter = "letter"
    circular = "circular"
    interview = "interview"
    exposure = "exposure"
    listing = "listing"


class ProposalStatus(StrEnum):
    open = "open"
    accepted = "accepted"
    dismissed = "dismissed"


PROPOSAL_EXAMPLE = {
    "id": PROPOSAL_ID,
    "hazard_id": ex.HAZARD_ID,
    "step": "circular",
    "episode": "2025-04-30",
    "overdue_days": 16,
    "reason": "重大事故隐患逾期16天，建议通报",
    "status": "open",
    "escalation_id": None,
    "proposed_on": "2025-05-16",
    "decided_by": None,
    "decided_at": None,
    "dismissed_reason": None,
    "created_at": "2025-05-16T00:30:00Z",
}


class EscalationProposalRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PROPOSAL_EXAMPLE]})

    id: UUID
    hazard_id: UUID
    step: ProposalStep = Field(description="函告 letter, 通报 circular, 约谈 interview, 曝光 exposure, 挂牌督办 listing.")
    episode: str = Field(description="The overdue episode: the deadline it is overdue against (and a reopening).")
    overdue_days: int = Field(description="Days overdue when it was proposed.")
    reason: str = Field(description="Why it was proposed.")
    status: ProposalStatus
    escalation_id: UUID | None = Field(description="The H9 escalation it became, once accepted (listing: none).")
    proposed_on: date
    decided_by: UUID | None
    decided_at: datetime | None
    dismissed_reason: str | None
    created_at: datetime


class EscalationProposalPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [PROPOSAL_EXAMPLE], "next_cursor": None}]})

    items: list[EscalationProposalRead]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class AcceptProposal(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "逾期未改，予以通报", "effective_on": "2025-05-16"}]})

    note: LongText | None = Field(default=None, description="The escalation's note; the proposal's reason when left out.")
    effective_on: Day | None = Field(default=None, description="Business date of the escalation (default today).")


class DismissProposal(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "企业已提交整改验收申请，暂不通报"}]})

    reason: LongText = Field(description="Why the step is not taken; required.")


class JobStatus(StrEnum):
    queued = "queued"
    picked = "picked"
    failed = "failed"


JOB_EXAMPLE = {
    "id": 4711,
    "task": "reminders.deliver",
    "status": "failed",
    "attempts": 5,
    "error": "the SMS gateway answered 503",
    "error_type": "RuntimeError",
    "created_at": "2025-05-16T01:00:00Z",
    "updated_at": "2025-05-16T01:40:00Z",
    "execute_after": "2025-05-16T01:35:00Z",
}


class JobRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [JOB_EXAMPLE]})

    id: int
    task: str = Field(description="The task's name.")
    status: JobStatus = Field(description="queued (waiting), picked (running), failed (after its last attempt).")
    attempts: int = Field(description="Tries made, the running one included.")
    error: str | None = Field(description="The last error, as the task raised it.")
    error_type: str | None
    created_at: datetime
    updated_at: datetime
    execute_after: datetime = Field(description="Not run before this instant (a retry's delay).")


class JobPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [JOB_EXAMPLE], "next_cursor": None}]})

    items: list[JobRead]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")
