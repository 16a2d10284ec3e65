from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas import examples as ex
from app.api.schemas.common import InputModel, OutputModel, text
from app.domain.risk import RiskLevel

PARTS = [
    {"factor": "sector", "points": 35, "why": "行业领域：危险化学品"},
    {"factor": "high_risk", "points": 15, "why": "高危行业领域"},
    {"factor": "open_major_hazards", "points": 15, "why": "未销号重大事故隐患1项（每项15分，最多45分）"},
    {"factor": "overdue_major_hazards", "points": 10, "why": "其中逾期未整改1项（每项另加10分，最多30分）"},
    {"factor": "standardization", "points": -5, "why": "安全生产标准化三级"},
]
OVERRIDE = {"level": "red", "reason": "近期发生险情，提级管控", "computed_level": "orange", "score": 70,
            "created_by": ex.ADMIN_ID, "created_by_role": "street_admin", "created_at": "2026-12-01T09:00:00+08:00"}
RISK = {
    "enterprise_id": ex.ENTERPRISE_ID, "level": "red", "score": 70, "computed_level": "orange", "parts": PARTS,
    "overridden": True, "override_reason": "近期发生险情，提级管控", "why": "人工认定为重大风险，理由：近期发生险情，提级管控；按评分为较大风险（70分）",
    "history": [OVERRIDE],
}


class ScorePartRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PARTS[0]]})

    factor: str
    points: int
    why: str


class RiskOverrideRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [OVERRIDE]})

    level: RiskLevel | None = Field(description="The level set; null: back to the computed level.")
    reason: str
    computed_level: RiskLevel = Field(description="The computed level at the time.")
    score: int
    created_by: UUID
    created_by_role: str
    created_at: datetime


class RiskRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [RISK]})

    enterprise_id: UUID
    level: RiskLevel = Field(description="red 重大, orange 较大, yellow 一般, blue 低; the override's when overridden.")
    score: int = Field(description="The sum of `parts`.")
    computed_level: RiskLevel
    parts: list[ScorePartRead]
    overridden: bool
    override_reason: str | None
    why: str
    history: list[RiskOverrideRead] = Field(description="Every override, newest first.")


class RiskOverrideCreate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"level": "red", "reason": "近期发生险情，提级管控"}]})

    level: RiskLevel | None = Field(description="The level to set; null: back to the computed level.")
    reason: text(1000)


class Feature(OutputModel):
    type: Literal["Feature"]
    id: str
    geometry: dict[str, Any]
    properties: dict[str, Any]


FEATURE = {"type": "Feature", "id": ex.ENTERPRISE_ID, "geometry": {"type": "Point", "coordinates": [117.2272, 31.8206]},
           "properties": {"name": ex.ENTERPRISE_NAME, "village_id": ex.VILLAGE_ID, "sector": "hazardous_chemicals",
                          "status": "active", "high_risk": True, "risk_level": "orange", "score": 70, "overridden": False}}


class FeatureCollection(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"type": "FeatureCollection", "features": [FEATURE]}]})

    type: Literal["FeatureCollection"]
    features: list[Feature]
