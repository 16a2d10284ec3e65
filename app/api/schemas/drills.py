from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas import examples as ex
from app.api.schemas.common import (
    Day,
    Id,
    InputModel,
    LongText,
    OutputModel,
    Whole,
    text,
)


class DrillKind(StrEnum):
    """The kind of drill; C2 counts `evacuation`."""

    evacuation = "evacuation"
    fire = "fire"
    hazardous_chemical_leak = "hazardous_chemical_leak"
    confined_space_rescue = "confined_space_rescue"
    special_equipment = "special_equipment"
    other = "other"


class DrillCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "enterprise_id": ex.ENTERPRISE_ID,
                    "kind": "evacuation",
                    "held_on": "2025-05-12",
                    "participants": 86,
                    "scenario": "二楼配电间起火，全员疏散至东侧广场",
                }
            ]
        },
    )

    enterprise_id: Id
    kind: DrillKind = Field(description="C2 counts `evacuation` drills.")
    held_on: Day = Field(description="The day the drill was held; not in the future (Asia/Shanghai).")
    participants: Whole = Field(ge=0, le=100000)
    scenario: text(300) | None = None
    notes: LongText | None = None


class DrillRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.DRILL]})

    id: UUID
    enterprise_id: UUID
    village_id: UUID
    sector: str
    kind: DrillKind
    held_on: date
    participants: int
    scenario: str | None
    notes: str | None
    created_by: UUID | None
    created_at: datetime


class DrillPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.DRILL], "next_cursor": None}]})

    items: list[DrillRead]
    next_cursor: str | None
