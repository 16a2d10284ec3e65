from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas import examples as ex
from app.api.schemas.common import (
    Day,
    Flag,
    Id,
    InputModel,
    OutputModel,
    ShortText,
    fixed_point,
    text,
)


class TraineeRole(StrEnum):
    """Whose training it was; C4 counts `principal` and `fire_safety_responsible`."""

    principal = "principal"
    fire_safety_responsible = "fire_safety_responsible"
    safety_manager = "safety_manager"
    special_operations = "special_operations"
    employee = "employee"


Hours = fixed_point(
    whole_digits=3,
    places=1,
    minimum=Decimal("0.1"),
    maximum=Decimal("999.9"),
    string_pattern=r"^0*([1-9][0-9]{0,2}(\.[0-9])?|\.[1-9])$",
    description="Hours, 0.1–999.9, one decimal place: a string as `\"8.5\"`, or a number (rounded to one place).",
)


class TrainingCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "enterprise_id": ex.ENTERPRISE_ID,
                    "trainee_role": "fire_safety_responsible",
                    "trainee_name": "李娜",
                    "topic": "消防安全责任人培训",
                    "held_on": "2025-03-20",
                    "hours": "8.0",
                    "passed": True,
                }
            ]
        },
    )

    enterprise_id: Id
    trainee_role: TraineeRole = Field(description="C4 counts `principal` and `fire_safety_responsible` trainings.")
    trainee_name: ShortText | None = None
    topic: text(200)
    held_on: Day = Field(description="Not in the future (Asia/Shanghai).")
    hours: Hours
    passed: Flag = Field(description="C4 counts a training only when passed.")


class TrainingRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.TRAINING]})

    id: UUID
    enterprise_id: UUID
    village_id: UUID
    sector: str
    trainee_role: TraineeRole
    trainee_name: str | None
    topic: str
    held_on: date
    hours: Decimal
    passed: bool
    created_by: UUID | None
    created_at: datetime


class TrainingPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.TRAINING], "next_cursor": None}]})

    items: list[TrainingRead]
    next_cursor: str | None
