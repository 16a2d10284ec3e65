from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, StringConstraints

from app.api.schemas import examples as ex
from app.api.schemas.common import (
    Day,
    Id,
    InputModel,
    LongText,
    OutputModel,
    ShortText,
    text,
)
from app.domain.hazards import Grade
from app.services.reports import Outcome, ReportStatus

ContactPhone = Annotated[
    str,
    StringConstraints(min_length=3, max_length=30, pattern=r"^[0-9+()\- ]*[0-9][0-9+()\- ]*$"),
    Field(description="Any telephone number: digits, spaces, `+`, `-`, parentheses.", examples=["13800138000"]),
]


class ReportContact(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "张先生", "phone": "13800138000"}]})

    name: ShortText | None = None
    phone: ContactPhone | None = None


class PublicReportCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "description": "某厂房内堆放大量油漆桶，消防通道被堵塞",
                    "location": "工业园区三路12号",
                    "enterprise_name": "某某家具厂",
                    "contact": {"name": "张先生", "phone": "13800138000"},
                }
            ]
        },
    )

    description: LongText = Field(description="What was seen, where and when.")
    location: text(300) | None = None
    enterprise_name: text(200) | None = Field(default=None, description="The business concerned, as the reporter knows it.")
    village_id: Id | None = Field(default=None, description="The village (村/居) concerned, if known.")
    contact: ReportContact | None = Field(
        default=None, description="Optional; confidential, shown to street_admin only (P2)."
    )


class PublicReportReceipt(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"tracking_code": ex.TRACKING_CODE, "status": "received", "received_at": "2025-06-03T20:41:09+08:00"}]})

    tracking_code: str = Field(description="Keep it: the only way to look the report up. Shown once; not stored.")
    status: ReportStatus
    received_at: datetime


class PublicReportStatus(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "substantiated", "received_at": "2025-06-03T20:41:09+08:00", "verified_at": "2025-06-05T10:30:00+08:00"}]})

    status: ReportStatus
    received_at: datetime
    verified_at: datetime | None


class ContactRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "张先生", "phone": "13800138000"}]})

    name: str | None
    phone: str | None


class ReportRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.REPORT]})

    id: UUID
    status: ReportStatus
    description: str
    location: str | None
    enterprise_name: str | None
    village_id: UUID | None
    contact: ContactRead | None = Field(description="The reporter's contact: street_admin only, null for everyone else (P2).")
    received_at: datetime
    verified_at: datetime | None
    verified_by: UUID | None
    verification_note: str | None
    hazard_id: UUID | None = Field(description="The hazard created from a substantiated report (P3).")
    reward_eligible: bool


class ReportPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.REPORT], "next_cursor": None}]})

    items: list[ReportRead]
    next_cursor: str | None


class VerifyRequest(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "outcome": "substantiated",
                    "note": "现场核查属实，消防通道堵塞",
                    "enterprise_id": ex.ENTERPRISE_ID,
                    "grade": "general",
                    "title": "消防通道堵塞",
                    "deadline": "2025-07-15",
                },
                {"outcome": "unsubstantiated", "note": "现场核查未发现所述情况"},
            ]
        },
    )

    outcome: Outcome
    note: LongText = Field(description="What the verification found.")
    enterprise_id: Id | None = Field(default=None, description="substantiated: the enterprise of the hazard.")
    grade: Grade | None = Field(default=None, description="substantiated: the hazard's grade.")
    title: text(200) | None = Field(default=None, description="substantiated: the hazard's title.")
    description: LongText | None = Field(
        default=None, description="substantiated: the hazard's description (the report's text is not copied)."
    )
    criterion_ref: text(300) | None = Field(default=None, description="substantiated: 判定标准条款.")
    location: text(300) | None = Field(default=None, description="substantiated: default the report's location.")
    discovered_on: Day | None = Field(
        default=None, description="substantiated: default the date the report was received (Asia/Shanghai)."
    )
    deadline: Day | None = Field(default=None, description="substantiated: 整改期限, if given now.")
