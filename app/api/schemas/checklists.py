from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas.common import CriterionCode, InputModel, OutputModel
from app.api.schemas.common import text as bounded
from app.domain.enums import EnterpriseTag
from app.domain.hazards import Grade

CHECKLIST_ID = "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e01"
ITEM = {"id": "0193a5c0-6a2b-7c3d-8e4f-5a6b7c8d9e02", "position": 1,
        "text": "未对有限空间进行辨识、建立安全管理台账，并且未设置明显的安全警示标志的",
        "criterion_code": "GMQY-2023-13-1", "grade": "major"}
CHECKLIST = {
    "id": CHECKLIST_ID, "series_id": CHECKLIST_ID, "name": "有限空间作业检查表", "version": 1, "sectors": ["industry_trade"],
    "tags": ["confined_space"], "is_default": False, "latest": True, "items": [ITEM],
    "created_at": "2026-12-01T08:00:00Z", "updated_at": "2026-12-01T08:00:00Z",
}


class ChecklistItemIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": ITEM["text"], "criterion_code": "GMQY-2023-13-1"}]})

    text: bounded(2000) = Field(description="What the inspector checks.")
    criterion_code: CriterionCode | None = Field(default=None, description="The criterion a failure of it meets (K1).")
    grade: Grade | None = Field(
        default=None, description="The grade of the hazard a failure becomes; default: the criterion's, else general. "
        "An item tied to a major-hazard criterion is major (K2).",
    )


class ChecklistCreate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "有限空间作业检查表", "sectors": ["industry_trade"], "tags": ["confined_space"],
                                         "items": [{"text": ITEM["text"], "criterion_code": "GMQY-2023-13-1"},
                                                   {"text": "作业现场配备的通风、检测设备完好"}]}]},
    )

    name: bounded(200)
    sectors: list[bounded(40)] = Field(default_factory=list, max_length=30, description="Sector codes it is for.")
    tags: list[EnterpriseTag] = Field(default_factory=list, max_length=6, description="Enterprise tags it is for.")
    items: list[ChecklistItemIn] = Field(min_length=1, max_length=300)


class ChecklistItemRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ITEM]})

    id: UUID
    position: int
    text: str
    criterion_code: str | None
    grade: Grade


class ChecklistRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CHECKLIST]})

    id: UUID = Field(description="This version's id: what an inspection's `checklist_id` names.")
    series_id: UUID = Field(description="The id shared by every version of this checklist.")
    name: str
    version: int
    sectors: list[str]
    tags: list[EnterpriseTag]
    is_default: bool = Field(description="Built from the criteria library for its sector.")
    latest: bool = Field(description="Whether this is the latest version of the checklist.")
    items: list[ChecklistItemRead]
    created_at: datetime
    updated_at: datetime


class ChecklistPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [CHECKLIST], "next_cursor": None}]})

    items: list[ChecklistRead]
    next_cursor: str | None


STAT = {"item_id": ITEM["id"], "position": 1, "text": ITEM["text"], "criterion_code": "GMQY-2023-13-1", "grade": "major",
        "failed": 3, "passed": 9, "not_applicable": 0, "fail_rate": 0.25}


class ChecklistItemStat(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [STAT]})

    item_id: UUID
    position: int
    text: str
    criterion_code: str | None
    grade: Grade
    failed: int
    passed: int
    not_applicable: int
    fail_rate: float | None = Field(description="failed / (failed + passed); null when never checked.")


class ChecklistStats(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"checklist_id": CHECKLIST_ID, "inspections": 12, "items": [STAT]}]})

    checklist_id: UUID
    inspections: int = Field(description="Inspections with this version the caller can see.")
    items: list[ChecklistItemStat] = Field(description="Every item, most failed first.")
