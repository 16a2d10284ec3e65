from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, Strict

from app.api.schemas import examples as ex
from app.api.schemas.common import (
    Day,
    Flag,
    HistoricDay,
    Id,
    InputModel,
    Name,
    OutputModel,
    Person,
    PersonRead,
    omittable,
    padded,
    text,
)
from app.domain.enums import EnterpriseStatus, EnterpriseTag, StandardizationLevel

# 18 characters of GB 32100-2015's set (either case); the check character is the service's.
CreditCode = padded("[0-9A-HJ-NP-RTUWXYa-hj-np-rtuwxy]{18}", max_length=40)

_EXAMPLE = {
    "name": "东湖精细化工有限公司",
    "credit_code": "91340100MA2N0K1X2B",
    "village_id": ex.VILLAGE_ID,
    "sector": "hazardous_chemicals",
    "registered_on": "2021-05-10",
    "tags": ["confined_space"],
    "principal": {"name": "王强", "phone": "13800138000"},
    "actual_controller": {"name": "王建国", "phone": "13900139000"},
    "standardization_level": "3",
}


class Location(InputModel):
    """K6: WGS-84 coordinates."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"lng": 117.2272, "lat": 31.8206}]})

    lng: Annotated[float, Strict(), Field(ge=-180, le=180, allow_inf_nan=False, description="Longitude, −180 to 180.")]
    lat: Annotated[float, Strict(), Field(ge=-90, le=90, allow_inf_nan=False, description="Latitude, −90 to 90.")]


class LocationRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"lng": 117.2272, "lat": 31.8206}]})

    lng: float
    lat: float


class EnterpriseCreate(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    name: Name
    credit_code: CreditCode = Field(description="统一社会信用代码, GB 32100-2015, check character validated.")
    village_id: Id
    sector: text(40) = Field(description="A sector code from GET /sectors.")
    high_risk: Flag | None = Field(default=None, description="Defaults from the sector (高危行业领域).")
    status: EnterpriseStatus = EnterpriseStatus.active
    registered_on: HistoricDay
    tags: list[EnterpriseTag] = Field(default_factory=list, max_length=6)
    principal: Person
    actual_controller: Person
    address: text(300) | None = None
    standardization_level: StandardizationLevel = StandardizationLevel.none
    benchmark: Flag = False
    location: Location | None = Field(default=None, description="WGS-84 coordinates (K6), for the map.")


class EnterpriseUpdate(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "suspended", "effective_on": "2025-03-01"}]},
    )

    # Left out: unchanged. null only where the field may be empty (address) or has a default
    # to return to (high_risk: the sector's).
    name: Name = omittable()
    village_id: Id = omittable()
    sector: text(40) = omittable()
    high_risk: Flag | None = Field(default=None, description="null: back to the sector's default.")
    status: EnterpriseStatus = omittable()
    registered_on: HistoricDay = omittable()
    tags: list[EnterpriseTag] = omittable(max_length=6)
    principal: Person = omittable()
    actual_controller: Person = omittable()
    address: text(300) | None = None
    standardization_level: StandardizationLevel = omittable()
    benchmark: Flag = omittable()
    location: Location | None = Field(default=None, description="WGS-84 coordinates (K6); null removes them.")
    effective_on: Day | None = Field(
        default=None,
        description="Business date a change of status or high-risk took effect (default today, "
        "Asia/Shanghai); never in the future. The cadence engine uses it.",
    )


class EnterpriseRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.ENTERPRISE]})

    id: UUID
    name: str
    credit_code: str
    village_id: UUID
    sector: str
    high_risk: bool
    status: EnterpriseStatus
    registered_on: date
    tags: list[EnterpriseTag]
    principal: PersonRead
    actual_controller: PersonRead
    address: str | None
    standardization_level: StandardizationLevel
    benchmark: bool
    location: LocationRead | None
    created_at: datetime
    updated_at: datetime


class EnterprisePage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.ENTERPRISE], "next_cursor": "AZOlwCs8fU6fWmt8jZ4PEg"}]})

    items: list[EnterpriseRead]
    next_cursor: str | None
