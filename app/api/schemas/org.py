from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import Field, StringConstraints

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
    id: UUID
    kind: OrgUnitKind
    name: str
    code: str | None
    lead_sectors: list[str]
    created_at: datetime


class OrgUnitPage(OutputModel):
    items: list[OrgUnitRead]
    next_cursor: str | None


class SectorRead(OutputModel):
    code: str
    name: str
    lead_department_id: UUID | None
    high_risk_default: bool


class SectorList(OutputModel):
    items: list[SectorRead]


class UserCreate(InputModel):
    username: Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")] = Field(
        examples=["village_officer_1"]
    )
    password: secret(128, min_length=10)
    role: Role
    org_unit_id: Id | None = None
    enterprise_id: Id | None = None
    display_name: text(100) | None = None


class UserRead(OutputModel):
    id: UUID
    username: str
    role: Role
    org_unit_id: UUID | None
    enterprise_id: UUID | None
    display_name: str | None
    is_active: bool
    created_at: datetime


class UserUpdate(InputModel):
    is_active: Flag | None = None
    password: secret(128, min_length=10) | None = None
    display_name: text(100) | None = None


class UserPage(OutputModel):
    items: list[UserRead]
    next_cursor: str | None
