from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas import examples as ex
from app.api.schemas.common import (
    CriterionCode,
    Day,
    Flag,
    Id,
    InputModel,
    LongText,
    OutputModel,
    ShortText,
    fixed_point,
    omittable,
    text,
)
from app.domain.hazards import Action, Grade, HazardStatus, Source

# The lifecycle actions (H2) under a name of their own in the contract.
HazardAction = StrEnum("HazardAction", [(a.name, a.value) for a in Action])  # type: ignore[misc]

Title = text(200)
Funds = fixed_point(
    whole_digits=12,
    places=2,
    minimum=Decimal(0),
    maximum=Decimal("999999999999.99"),
    string_pattern=r"^[0-9]{1,12}(\.[0-9]{1,2})?$",
    description="CNY, at most two decimal places: a string as `\"12000.50\"`, or a number (rounded to cents).",
)
AttachmentIds = Field(default_factory=list, max_length=20, description="Ids from POST /api/v1/attachments.")
EffectiveOn = Field(
    default=None,
    description="Business date the step took effect (default today, Asia/Shanghai); never in the future, "
    "never before the previous step (H7).",
)


class HazardCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "enterprise_id": ex.ENTERPRISE_ID,
                    "grade": "major",
                    "source": "supervision",
                    "title": "涉爆粉尘作业区域未设置泄爆装置",
                    "description": "除尘器未按规定设置泄爆口",
                    "criterion_ref": "工贸企业重大事故隐患判定标准 第十三条",
                    "discovered_on": "2025-03-02",
                    "deadline": "2025-04-30",
                }
            ]
        },
    )

    enterprise_id: Id
    grade: Grade
    source: Source
    title: Title
    description: LongText | None = None
    criterion_ref: text(300) | None = Field(default=None, description="判定标准条款, as free text.")
    criterion_code: CriterionCode | None = Field(
        default=None,
        description="A criterion of the library (`GET /api/v1/criteria`) of the enterprise's sector, in force on "
        "`discovered_on`; citing a major-hazard criterion requires `grade: major` (K2).",
    )
    location: text(300) | None = None
    discovered_on: Day
    deadline: Day | None = Field(default=None, description="整改期限 given on discovery (限期整改), if any.")
    attachment_ids: list[Id] = AttachmentIds


class HazardUpdate(InputModel):
    """Descriptive fields only; state, deadline and plan change through the actions."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"description": "2号储罐区报警器无响应，已联系厂家", "location": "2号储罐区东侧"}]})

    title: Title = omittable()
    description: LongText | None = None
    criterion_ref: text(300) | None = None
    location: text(300) | None = None


class PlanRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.PLAN]})

    responsible_person: str | None
    measures: str | None
    funds: Decimal | None
    deadline: date | None
    contingency_plan: str | None


class HazardRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.HAZARD]})

    id: UUID
    enterprise_id: UUID
    village_id: UUID
    sector: str
    grade: Grade
    source: Source
    title: str
    description: str | None
    criterion_ref: str | None
    criterion_code: str | None
    location: str | None
    discovered_on: date
    status: HazardStatus
    status_effective_on: date
    deadline: date | None
    overdue: bool
    extensions: int
    plan: PlanRead
    evidence: str | None
    listed: bool
    notified_at: datetime | None
    closed_on: date | None
    inspection_id: UUID | None
    report_id: UUID | None
    allowed_actions: list[HazardAction]
    created_at: datetime
    updated_at: datetime


class HazardPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.HAZARD], "next_cursor": "AZOlwG8ufUGbikweLzpbbQ"}]})

    items: list[HazardRead]
    next_cursor: str | None


class PlanRequest(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "responsible_person": "李明",
                    "measures": "加装泄爆片，更换除尘器",
                    "funds": "85000.00",
                    "deadline": "2025-05-31",
                    "contingency_plan": "停用除尘系统，设置警戒区",
                }
            ]
        },
    )

    responsible_person: ShortText | None = None
    measures: LongText | None = None
    funds: Funds | None = None
    deadline: Day | None = None
    contingency_plan: LongText | None = None
    attachment_ids: list[Id] = AttachmentIds
    comment: LongText | None = None
    effective_on: Day | None = EffectiveOn


class SubmitRequest(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"evidence": "已更换报警器并完成联锁调试，附验收照片", "attachment_ids": [ex.ATTACHMENT_ID], "effective_on": "2025-04-28"}]})

    evidence: LongText | None = Field(default=None, description="What was done (H4).")
    attachment_ids: list[Id] = AttachmentIds
    comment: LongText | None = None
    effective_on: Day | None = EffectiveOn


class ReviewDecision(StrEnum):
    """`approve` signs the hazard off (销号); `reject` sends it back to `rectifying`."""

    approve = "approve"
    reject = "reject"


class ReviewRequest(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"decision": "approve", "comment": "现场复核合格，同意销号", "effective_on": "2025-04-29"}]})

    decision: ReviewDecision
    comment: LongText | None = Field(default=None, description="Required when rejecting.")
    effective_on: Day | None = EffectiveOn


class ReasonRequest(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "复查发现报警器再次失效", "effective_on": "2025-05-20"}]})

    reason: LongText
    effective_on: Day | None = EffectiveOn


class ExtendRequest(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"deadline": "2025-05-31", "reason": "报警器备件到货延迟", "effective_on": "2025-04-25"}]})

    deadline: Day
    reason: LongText
    effective_on: Day | None = EffectiveOn


class HistoryEntry(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.HISTORY[1]]})

    id: int
    at: datetime
    effective_on: date
    actor_id: UUID | None
    actor_role: str | None
    action: str
    from_status: HazardStatus | None
    to_status: HazardStatus
    comment: str | None
    deadline: date | None


class HistoryList(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": ex.HISTORY}]})

    items: list[HistoryEntry]


class EscalationKind(StrEnum):
    """H9: 函告 letter, 通报 circular, 约谈 interview, 曝光 exposure."""

    letter = "letter"
    circular = "circular"
    interview = "interview"
    exposure = "exposure"


class EscalationCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"kind": "letter", "note": "整改进度滞后，函告企业主要负责人", "effective_on": "2025-04-10"}]})

    kind: EscalationKind = Field(description="函告 letter, 通报 circular, 约谈 interview, 曝光 exposure")
    note: LongText
    effective_on: Day | None = EffectiveOn


class EscalationRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.ESCALATION]})

    id: UUID
    hazard_id: UUID | None
    org_unit_id: UUID | None
    kind: EscalationKind
    note: str
    effective_on: date
    created_by: UUID
    created_at: datetime


class EscalationList(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.ESCALATION]}]})

    items: list[EscalationRead]


class ListingRequest(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"listed": True, "comment": "重大隐患挂牌督办", "effective_on": "2025-04-12"}]})

    listed: Flag = Field(default=True, description="true lists the hazard (挂牌督办), false delists it (摘牌).")
    comment: LongText | None = None
    effective_on: Day | None = EffectiveOn
