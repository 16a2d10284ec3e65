from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas import examples as ex
from app.api.schemas.common import Day, Id, InputModel, LongText, OutputModel, text
from app.api.schemas.hazards import HazardRead
from app.domain.hazards import Grade
from app.domain.supervision import TaskAction, TaskKind, TaskStatus

Title = text(200)


class SupervisionTaskCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "supervision_round",
                    "title": "2025年上半年安全生产督导",
                    "assignee_org_unit_id": ex.VILLAGE_ID,
                    "target_org_unit_id": ex.VILLAGE_ID,
                    "due_on": "2025-06-30",
                }
            ]
        },
    )

    kind: TaskKind
    title: Title
    description: LongText | None = None
    assignee_org_unit_id: Id = Field(description="The village or department that carries the task out and submits it.")
    target_org_unit_id: Id | None = Field(
        default=None, description="The village or department supervised; required for `supervision_round` (C3 counts it)."
    )
    hazard_id: Id | None = Field(default=None, description="The hazard overseen; required for `hazard_oversight`.")
    due_on: Day = Field(description="Not before today (Asia/Shanghai); past it the task is overdue until accepted.")


class SubmitTaskRequest(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"report": "已完成对辖区12家企业的督导，发现隐患3处"}]})

    report: LongText = Field(description="What the assignee unit did and found (督导/整改情况报告).")


class AcceptTaskRequest(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"comment": "督导到位，同意验收", "completed_on": "2025-06-28"}]})

    comment: LongText | None = None
    completed_on: Day | None = Field(
        default=None,
        description="Business date of the acceptance (default today, Asia/Shanghai); never in the future, never "
        "before the task was created. C3 counts rounds by this date.",
    )


class ReturnTaskRequest(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"comment": "未覆盖危险化学品企业，请补充督导"}]})

    comment: LongText = Field(description="Why the submission is sent back.")


class TaskFinding(InputModel):
    """A finding of a supervision task: it becomes a hazard (source `supervision`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"enterprise_id": ex.ENTERPRISE_ID, "grade": "general", "title": "疏散通道堆放杂物", "deadline": "2025-06-20"}]})

    enterprise_id: Id
    grade: Grade
    title: Title
    description: LongText | None = None
    criterion_ref: text(300) | None = Field(default=None, description="判定标准条款")
    deadline: Day | None = Field(default=None, description="整改期限 set on the spot, if any.")
    discovered_on: Day | None = Field(
        default=None, description="Default today (Asia/Shanghai); never in the future, never before the task was created."
    )


class FindingsRequest(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "findings": [
                        {"enterprise_id": ex.ENTERPRISE_ID, "grade": "general",
                         "title": "疏散通道堆放杂物", "deadline": "2025-06-20"},
                    ]
                }
            ]
        },
    )

    findings: list[TaskFinding] = Field(min_length=1, max_length=50, description="Each becomes a hazard (source supervision).")


class ReferralCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"referred_to": "区纪委监委", "subject": "东湖村督导整改不力问题", "facts": "督导发现的三处重大隐患逾期未整改", "referred_on": "2025-07-02"}]})

    referred_to: text(200) = Field(description="The competent body the matter is handed to, e.g. 区纪委监委.")
    subject: text(200) = Field(description="Who or what the referral is about.")
    facts: LongText
    referred_on: Day | None = Field(
        default=None, description="Default today (Asia/Shanghai); never in the future, never before the task was created."
    )


class ReferralRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.REFERRAL]})

    id: UUID
    task_id: UUID
    referred_to: str
    subject: str
    facts: str
    referred_on: date
    created_by: UUID
    created_at: datetime


class SupervisionTaskRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.TASK]})

    id: UUID
    kind: TaskKind
    title: str
    description: str | None
    assignee_org_unit_id: UUID
    target_org_unit_id: UUID | None
    hazard_id: UUID | None
    due_on: date
    status: TaskStatus
    report: str | None = Field(description="The assignee's latest submission.")
    review_comment: str | None = Field(description="The street office's latest comment on acceptance or return.")
    submitted_at: datetime | None
    completed_on: date | None = Field(description="Set on acceptance only; the date C3 counts.")
    overdue: bool = Field(description="Not accepted and today is past `due_on` (S2).")
    allowed_actions: list[TaskAction]
    referrals: list[ReferralRead] = Field(description="移交 recorded on the task; shown to the street office and district systems.")
    hazard_ids: list[UUID] = Field(description="Hazards created from the task's findings that the caller can see.")
    created_by: UUID
    created_at: datetime
    updated_at: datetime


class SupervisionTaskPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.TASK], "next_cursor": None}]})

    items: list[SupervisionTaskRead]
    next_cursor: str | None


class FindingsRecorded(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"task_id": ex.TASK_ID, "hazards": [ex.HAZARD]}]})

    task_id: UUID
    hazards: list[HazardRead] = Field(description="The hazards created, in the order of the findings.")
