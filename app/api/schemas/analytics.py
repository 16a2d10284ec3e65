from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas import examples as ex
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
    criterion = "criterion"
    risk_level = "risk_level"


class ObligationStatus(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"period": "2025-06", "status": "due", "missed_periods": 1}]})

    period: str | None = Field(description="Label of the current period: 2025-02, 2025-Q1, 2025-H1 or 2025.")
    status: CadenceStatus
    missed_periods: int


class EnterpriseCompliance(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.ENTERPRISE_COMPLIANCE]})

    enterprise_id: UUID
    name: str
    village_id: UUID
    sector: str
    high_risk: bool
    status: EnterpriseStatus
    principal_inspection: ObligationStatus = Field(description="C1")
    drill: ObligationStatus = Field(description="C2")


class ObligationSummary(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.OBLIGATION_SUMMARY]})

    applicable: int
    done: int
    due: int
    not_applicable: int
    with_missed: int
    missed_periods: int
    rate: float | None = Field(description="done / applicable in the current period")


class ComplianceSummary(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.COMPLIANCE_SUMMARY]})

    enterprises: int
    principal_inspection: ObligationSummary
    drill: ObligationSummary


class CompliancePage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"as_of": "2025-06-30", "summary": ex.COMPLIANCE_SUMMARY, "items": [ex.ENTERPRISE_COMPLIANCE], "next_cursor": "AZOlwCs8fU6fWmt8jZ4PEg"}]})

    as_of: date
    summary: ComplianceSummary
    items: list[EnterpriseCompliance]
    next_cursor: str | None


class DifferentiatedStatus(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"period": "2025-H2", "status": "due", "missed_periods": 1, "missed": ["2025-04"]}]}
    )

    period: str | None = Field(description="The shortest owed period containing `as_of` (2025-06, 2025-Q2, 2025-H1 or 2025).")
    status: CadenceStatus
    missed_periods: int
    missed: list[str] = Field(description="Labels of the owed past periods without a department inspection.")


class EnterpriseDifferentiated(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.ENTERPRISE_DIFFERENTIATED]})

    enterprise_id: UUID
    name: str
    village_id: UUID
    sector: str
    status: str
    risk_level: str = Field(description="The K4 level in force on `as_of` (an override, else the computed level).")
    kind: str = Field(description="The cadence that level sets: month, quarter, half_year or year.")
    differentiated_inspection: DifferentiatedStatus


class DifferentiatedPage(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"as_of": "2025-06-30", "items": [ex.ENTERPRISE_DIFFERENTIATED], "next_cursor": None}]}
    )

    as_of: date
    items: list[EnterpriseDifferentiated]
    next_cursor: str | None


class UnitSupervision(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.UNIT_SUPERVISION]})

    org_unit_id: UUID
    name: str
    kind: SupervisedKind
    period: str | None
    status: CadenceStatus
    missed_periods: int
    missed: list[str]


class SupervisionSummary(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.SUPERVISION_SUMMARY]})

    units: int
    done: int
    due: int
    with_missed: int
    coverage: float | None


class SupervisionCompliance(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"as_of": "2025-06-30", "period": "2025-H1", "summary": ex.SUPERVISION_SUMMARY, "items": [ex.UNIT_SUPERVISION]}]})

    as_of: date
    period: str
    summary: SupervisionSummary
    items: list[UnitSupervision]


class UncoveredEnterprise(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.UNCOVERED]})

    enterprise_id: UUID
    name: str
    village_id: UUID
    sector: str


class TrainingCompliance(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"year": 2025, "focus_tags": ["dust_explosion"], "trainee_roles": ["principal", "fire_safety_responsible"], "total": 12, "covered": 11, "rate": 0.917, "uncovered": [ex.UNCOVERED]}]})

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
    model_config = ConfigDict(json_schema_extra={"examples": [ex.TARGETS[0]]})

    code: TargetCode
    year: int
    status: TargetStatus
    figures: dict[str, int]


class TargetList(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"as_of": "2025-06-30", "items": ex.TARGETS}]})

    as_of: date
    items: list[Target]


class StatsRow(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.STATS_ROW]})

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

    model_config = ConfigDict(
        populate_by_name=True,
        from_attributes=True,
        json_schema_extra={"examples": [{"group_by": "village", "from": "2025-01-01", "to": "2025-06-30", "items": [ex.STATS_ROW]}]},
    )


class MajorHazardFigures(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"open": 4, "overdue": 1, "listed": 2}]})

    open: int
    overdue: int
    listed: int


class RiskLevelCounts(OutputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"red": 3, "orange": 12, "yellow": 140, "blue": 845, "overridden": 4}]}
    )

    red: int = Field(description="Enterprises at 重大风险 (red).")
    orange: int = Field(description="Enterprises at 较大风险 (orange).")
    yellow: int = Field(description="Enterprises at 一般风险 (yellow).")
    blue: int = Field(description="Enterprises at 低风险 (blue).")
    overridden: int = Field(description="Of them, those whose level is an official's override (K4).")


class GroupFigures(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.GROUP_FIGURES]})

    key: str
    label: str | None
    open_major: int
    overdue_major: int
    principal_inspection_rate: float | None
    drill_rate: float | None
    targets: list[Target]


class Dashboard(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"as_of": "2025-06-30", "campaign_phase": "special_rectification", "major_hazards": {"open": 4, "overdue": 1, "listed": 2}, "targets": ex.TARGETS, "compliance": ex.COMPLIANCE_SUMMARY, "supervision": ex.SUPERVISION_SUMMARY, "risk_levels": {"red": 3, "orange": 12, "yellow": 140, "blue": 845, "overridden": 4}, "by_village": [ex.GROUP_FIGURES], "by_sector": [{**ex.GROUP_FIGURES, "key": "hazardous_chemicals", "label": "危险化学品"}]}]})

    as_of: date
    campaign_phase: str | None
    major_hazards: MajorHazardFigures
    targets: list[Target]
    compliance: ComplianceSummary
    supervision: SupervisionSummary
    risk_levels: RiskLevelCounts = Field(
        description="The enterprises in scope at each risk level today (K4, overrides included), whatever `as_of`: "
        "the levels of `GET /api/v1/enterprises?risk_level=…`, which add up to the enterprises in scope."
    )
    by_village: list[GroupFigures]
    by_sector: list[GroupFigures]


class PhaseStatus(StrEnum):
    """A campaign phase relative to `as_of`."""

    past = "past"
    current = "current"
    upcoming = "upcoming"


class PhaseRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.PHASES[1]]})

    code: str
    name: str
    starts_on: date
    ends_on: date
    status: PhaseStatus


class Campaign(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"as_of": "2025-06-30", "current_phase": "special_rectification", "phases": ex.PHASES}]})

    as_of: date
    current_phase: str | None
    phases: list[PhaseRead]
