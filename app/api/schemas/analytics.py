from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import Field

from app.api.schemas.common import OutputModel
from app.domain.enums import EnterpriseStatus

class CadenceStatus(StrEnum):
    """An obligation's current period: done, still due, or not applicable to the unit."""

    done = "done"
    due = "due"
    not_applicable = "not_applicable"


class ComplianceFilter(StrEnum):
    """Which enterprises a compliance list shows: a current period `due`, periods `missed`, all `done`."""

    due = "due"
    missed = "missed"
    done = "done"


class Obligation(StrEnum):
    """C1 `principal_inspection` or C2 `drill`."""

    principal_inspection = "principal_inspection"
    drill = "drill"


class SupervisedKind(StrEnum):
    """The units C3 supervises."""

    village = "village"
    department = "department"


class StatsGroup(StrEnum):
    """What hazard statistics are grouped by."""

    village = "village"
    sector = "sector"
    source = "source"
    grade = "grade"
    status = "status"
    month = "month"


class ObligationStatus(OutputModel):
    period: str | None = Field(description="Label of the current period: 2025-02, 2025-Q1, 2025-H1 or 2025.")
    status: CadenceStatus
    missed_periods: int


class EnterpriseCompliance(OutputModel):
    enterprise_id: UUID
    name: str
    village_id: UUID
    sector: str
    high_risk: bool
    status: EnterpriseStatus
    principal_inspection: ObligationStatus = Field(description="C1")
    drill: ObligationStatus = Field(description="C2")


class ObligationSummary(OutputModel):
    applicable: int
    done: int
    due: int
    not_applicable: int
    with_missed: int
    missed_periods: int
    rate: float | None = Field(description="done / applicable in the current period")


class ComplianceSummary(OutputModel):
    enterprises: int
    principal_inspection: ObligationSummary
    drill: ObligationSummary


class CompliancePage(OutputModel):
    as_of: date
    summary: ComplianceSummary
    items: list[EnterpriseCompliance]
    next_cursor: str | None


class UnitSupervision(OutputModel):
    org_unit_id: UUID
    name: str
    kind: SupervisedKind
    period: str | None
    status: CadenceStatus
    missed_periods: int
    missed: list[str]


class SupervisionSummary(OutputModel):
    units: int
    done: int
    due: int
    with_missed: int
    coverage: float | None


class SupervisionCompliance(OutputModel):
    as_of: date
    period: str
    summary: SupervisionSummary
    items: list[UnitSupervision]


class UncoveredEnterprise(OutputModel):
    enterprise_id: UUID
    name: str
    village_id: UUID
    sector: str


class TrainingCompliance(OutputModel):
    year: int
    focus_tags: list[str]
    trainee_roles: list[str]
    total: int
    covered: int
    rate: float | None
    uncovered: list[UncoveredEnterprise]


class TargetStatus(StrEnum):
    """Where a year-end target stands."""

    met = "met"
    on_track = "on_track"
    at_risk = "at_risk"
    missed = "missed"


class TargetCode(StrEnum):
    """T1 `stock_cleared` (2024), T2 `increment_reduced` (2025), T3 `dynamic_zero` (2026)."""

    stock_cleared = "stock_cleared"
    increment_reduced = "increment_reduced"
    dynamic_zero = "dynamic_zero"


class Target(OutputModel):
    code: TargetCode
    year: int
    status: TargetStatus
    figures: dict[str, int]


class TargetList(OutputModel):
    as_of: date
    items: list[Target]


class StatsRow(OutputModel):
    key: str | None
    label: str | None
    total: int
    open: int
    overdue: int
    closed: int
    void: int
    closure_rate: float | None = Field(description="closed / (total − void)")
    median_days_to_close: float | None


class HazardStats(OutputModel):
    group_by: StatsGroup
    from_: date | None = Field(alias="from", serialization_alias="from")
    to: date | None
    items: list[StatsRow]

    model_config = {"populate_by_name": True, "from_attributes": True}


class MajorHazardFigures(OutputModel):
    open: int
    overdue: int
    listed: int


class GroupFigures(OutputModel):
    key: str
    label: str | None
    open_major: int
    overdue_major: int
    principal_inspection_rate: float | None
    drill_rate: float | None
    targets: list[Target]


class Dashboard(OutputModel):
    as_of: date
    campaign_phase: str | None
    major_hazards: MajorHazardFigures
    targets: list[Target]
    compliance: ComplianceSummary
    supervision: SupervisionSummary
    by_village: list[GroupFigures]
    by_sector: list[GroupFigures]


class PhaseStatus(StrEnum):
    """A campaign phase relative to `as_of`."""

    past = "past"
    current = "current"
    upcoming = "upcoming"


class PhaseRead(OutputModel):
    code: str
    name: str
    starts_on: date
    ends_on: date
    status: PhaseStatus


class Campaign(OutputModel):
    as_of: date
    current_phase: str | None
    phases: list[PhaseRead]
