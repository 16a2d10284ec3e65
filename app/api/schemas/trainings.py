from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas.common import InputModel, OutputModel, ShortText, text

TraineeRole = Literal["principal", "fire_safety_responsible", "safety_manager", "special_operations", "employee"]


class TrainingCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "enterprise_id": "0190f3a2-7c1e-7b55-9d0a-3c2f1e4d5a6b",
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

    enterprise_id: UUID
    trainee_role: TraineeRole = Field(description="C4 counts `principal` and `fire_safety_responsible` trainings.")
    trainee_name: ShortText | None = None
    topic: text(200)
    held_on: date = Field(description="Not in the future (Asia/Shanghai).")
    hours: Decimal = Field(gt=0, le=Decimal("999.9"), max_digits=4, decimal_places=1, description="Hours, one decimal place.")
    passed: bool = Field(description="C4 counts a training only when passed.")


class TrainingRead(OutputModel):
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
    items: list[TrainingRead]
    next_cursor: str | None
