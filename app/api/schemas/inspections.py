from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas import examples as ex
from app.api.schemas.common import (
    Day,
    Flag,
    Id,
    InputModel,
    LongText,
    OutputModel,
    ShortText,
    text,
)
from app.domain.criteria import CheckResult
from app.domain.hazards import Grade


class InspectionKind(StrEnum):
    """Who inspected: C1 counts `principal_self` inspections led by the principal."""

    principal_self = "principal_self"
    village_patrol = "village_patrol"
    department = "department"
    enforcement = "enforcement"
    supervision = "supervision"


class InspectionFinding(InputModel):
    """A finding of an inspection: it becomes a hazard of the inspected enterprise."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"grade": "general", "title": "灭火器压力不足", "location": "仓库东门", "deadline": "2025-04-15"}]})

    grade: Grade
    title: text(200)
    description: LongText | None = None
    criterion_ref: text(300) | None = None
    location: text(300) | None = None
    deadline: Day | None = Field(default=None, description="整改期限 set on the spot, if any.")
    attachment_ids: list[Id] = Field(default_factory=list, max_length=20)


class ItemResultIn(InputModel):
    """K3: the result for one item of the inspection's checklist; `fail` becomes a hazard."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"item_id": ex.CHECKLIST_ITEM_ID, "result": "fail", "note": "东侧污水池无警示标志"}]})

    item_id: Id
    result: CheckResult
    note: LongText | None = None
    attachment_ids: list[Id] = Field(default_factory=list, max_length=20)


class ItemResultRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.ITEM_RESULT]})

    item_id: UUID
    text: str
    criterion_code: str | None
    grade: Grade
    result: CheckResult
    note: str | None
    attachment_ids: list[UUID]
    hazard_id: UUID | None = Field(description="The hazard a failed item became.")


class InspectionCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "enterprise_id": ex.ENTERPRISE_ID,
                    "kind": "principal_self",
                    "performed_on": "2025-04-08",
                    "led_by_principal": True,
                    "inspector": "王强",
                    "findings": [
                        {"grade": "general", "title": "灭火器压力不足", "deadline": "2025-04-15"},
                        {"grade": "major", "title": "有限空间作业未审批", "criterion_ref": "工贸重大隐患判定标准 第六条"},
                    ],
                }
            ]
        },
    )

    enterprise_id: Id
    kind: InspectionKind
    performed_on: Day
    led_by_principal: Flag = Field(default=False, description="C1 counts principal_self inspections led by the principal.")
    inspector: ShortText | None = None
    notes: LongText | None = None
    attachment_ids: list[Id] = Field(default_factory=list, max_length=20)
    findings: list[InspectionFinding] = Field(default_factory=list, max_length=50, description="Each becomes a hazard.")
    checklist_id: Id | None = Field(default=None, description="The checklist version walked through (K3).")
    item_results: list[ItemResultIn] = Field(
        default_factory=list, max_length=300,
        description="A result per item of the checklist version; each `fail` becomes a hazard with the item's criterion and grade.",
    )


class InspectionRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.INSPECTION]})

    id: UUID
    enterprise_id: UUID
    village_id: UUID
    sector: str
    kind: InspectionKind
    performed_on: date
    led_by_principal: bool
    inspector: str | None
    notes: str | None
    findings_count: int
    hazard_ids: list[UUID]
    checklist_id: UUID | None
    item_results: list[ItemResultRead]
    created_at: datetime


class InspectionPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.INSPECTION], "next_cursor": None}]})

    items: list[InspectionRead]
    next_cursor: str | None
