from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, StringConstraints

from app.api.schemas import examples as ex
from app.api.schemas.common import Flag, Id, InputModel, OutputModel, secret, text
from app.domain.enums import OrgUnitKind, Role


class OrgUnitCreate(InputModel):
    kind: OrgUnitKind
    name: text(100)  # org_unit.name is 100 characters
    code: text(50) | None = Field(default=None, description="Optional stable code, unique.")
    lead_sectors: list[text(40)] = Field(
        default_factory=list,
        max_length=30,
        description="Departments only: sector codes this department leads (牵头); they move to it.",
    )

    model_config = {
        "json_schema_extra": {"examples": [{"kind": "village", "name": "东湖村", "code": "donghu"}]},
        "extra": "forbid",
    }


class OrgUnitRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.ORG_UNIT]})

    id: UUID
    kind: OrgUnitKind
    name: str
    code: str | None
    lead_sectors: list[str]
    created_at: datetime


class OrgUnitPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.ORG_UNIT, ex.DEPARTMENT], "next_cursor": None}]})

    items: list[OrgUnitRead]
    next_cursor: str | None


class SectorRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"code": "hazardous_chemicals", "name": "危险化学品", "lead_department_id": ex.EMERGENCY_DEPT_ID, "high_risk_default": True}]})

    code: str
    name: str
    lead_department_id: UUID | None
    high_risk_default: bool


class SectorList(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [{"code": "hazardous_chemicals", "name": "危险化学品", "lead_department_id": ex.EMERGENCY_DEPT_ID, "high_risk_default": True}, {"code": "gas", "name": "燃气", "lead_department_id": ex.HOUSING_DEPT_ID, "high_risk_default": True}]}]})

    items: list[SectorRead]


class UserCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"username": "village_xiling", "password": "change-me-2025", "role": "village_officer", "org_unit_id": ex.VILLAGE_ID, "display_name": "西岭村安全员"}]})

    username: Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")] = Field(
        examples=["village_officer_1"]
    )
    password: secret(128, min_length=10)
    role: Role
    org_unit_id: Id | None = None
    enterprise_id: Id | None = None
    display_name: text(100) | None = None


class UserRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.USER]})

    id: UUID
    username: str
    role: Role
    org_unit_id: UUID | None
    enterprise_id: UUID | None
    display_name: str | None
    is_active: bool
    created_at: datetime


class UserUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"is_active": False}]})

    is_active: Flag | None = None
    password: secret(128, min_length=10) | None = None
    display_name: text(100) | None = None


class UserPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.USER], "next_cursor": None}]})

    items: list[UserRead]
    next_cursor: str | None
