"""Path and query parameters that several operations share, each with the description and
the example the contract shows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from app.api.schemas import examples as ex
from app.api.schemas.common import Day, Id, text


def path_id(what: str, example: str) -> Any:
    return Annotated[Id, Path(description=f"The {what}'s id; one the caller cannot see answers 404 (A2).", examples=[example])]


HazardId = path_id("hazard", ex.HAZARD_ID)
EnterpriseId = path_id("enterprise", ex.ENTERPRISE_ID)
InspectionId = path_id("inspection", ex.INSPECTION_ID)
DrillId = path_id("drill", ex.DRILL_ID)
TrainingId = path_id("training", ex.TRAINING_ID)
TaskId = path_id("supervision task", ex.TASK_ID)
ReportId = path_id("report", ex.REPORT_ID)
AttachmentId = path_id("attachment", ex.ATTACHMENT_ID)
OrgUnitId = path_id("org unit", ex.VILLAGE_ID)
UserId = path_id("user", ex.VILLAGE_OFFICER_ID)

VillageFilter = Annotated[
    Id | None, Query(description="Only those of this village (an org unit of kind `village`).", examples=[ex.VILLAGE_ID])
]
EnterpriseFilter = Annotated[Id | None, Query(description="Only those of this enterprise.", examples=[ex.ENTERPRISE_ID])]
SectorFilter = Annotated[
    text(40) | None,
    Query(description="Only those of this sector: a code from `GET /api/v1/sectors`.", examples=["hazardous_chemicals"]),
]
OverdueFilter = Annotated[
    bool | None,
    Query(description="`true`: only open hazards past their deadline (H6, today in Asia/Shanghai); `false`: the others.",
          examples=[True]),
]
ListedFilter = Annotated[
    bool | None, Query(description="`true`: only hazards listed for supervision (挂牌督办); `false`: the others.",
                       examples=[True])
]
TitleSearch = Annotated[
    text(100) | None, Query(description="Part of the title, in any case.", examples=["报警器"])
]


def day_from(what: str, example: str) -> Any:
    return Annotated[Day | None, Query(description=f"Only those {what} on or after this date (Asia/Shanghai).", examples=[example])]


def day_to(what: str, example: str) -> Any:
    return Annotated[Day | None, Query(description=f"Only those {what} on or before this date (Asia/Shanghai).", examples=[example])]


DiscoveredFrom = day_from("discovered", "2025-01-01")
DiscoveredTo = day_to("discovered", "2025-06-30")
