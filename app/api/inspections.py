"""/inspections: field inspections, each finding a hazard in the same transaction."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from app.api.deps import Ctx, Scope, Session, Writer
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import Idempotent
from app.api.pagination import Cursor, Limit, decode_id_cursor, next_id_cursor
from app.api.params import EnterpriseFilter, InspectionId, VillageFilter
from app.api.routing import TransactionalRoute
from app.api.schemas.common import Day
from app.api.schemas.inspections import (
    InspectionCreate,
    InspectionKind,
    InspectionPage,
    InspectionRead,
)
from app.db.models import Inspection
from app.db.repositories import checklists as checklists_repo
from app.db.repositories import inspections as repo
from app.domain.errors import NotFound
from app.services import inspections as service

router = APIRouter(prefix="/api/v1/inspections", tags=["inspections"], route_class=TransactionalRoute)


def to_read(i: Inspection, hazard_ids: list[uuid.UUID], results: list[dict[str, Any]]) -> InspectionRead:
    return InspectionRead(
        id=i.id, enterprise_id=i.enterprise_id, village_id=i.village_id, sector=i.sector, kind=i.kind,
        performed_on=i.performed_on, led_by_principal=i.led_by_principal, inspector=i.inspector, notes=i.notes,
        findings_count=i.findings_count, hazard_ids=hazard_ids, checklist_id=i.checklist_id, item_results=results,
        created_at=i.created_at,
    )


@router.post(
    "",
    response_model=InspectionRead,
    status_code=201,
    summary="Record an inspection with its findings",
    description=(
        "Each finding becomes a hazard of the inspected enterprise (source from the kind: principal_self → "
        "self_inspection, village_patrol → patrol, department/supervision → supervision, enforcement → "
        "enforcement), in one transaction: all or nothing. With `checklist_id`, `item_results` give a result per item of "
        "that checklist version (K3): each `fail` becomes a hazard with the item's criterion and grade, in the same "
        "transaction; an item not in the version is a 422 naming `item_results[i].item_id`. Send an `Idempotency-Key`: a retried submission "
        "creates exactly one inspection and one set of hazards and answers like the first."
    ),
    responses={**answer("The inspection as recorded, with the ids of the hazards its findings became.", status=201, location=True), **problem_responses(401, 403, 409, 422)},
    dependencies=[Idempotent],
)
async def create_inspection(ctx: Ctx, _: Writer, body: InspectionCreate, response: Response) -> InspectionRead:
    inspection, found = await service.record(ctx, body.model_dump())
    response.headers["Location"] = f"/api/v1/inspections/{inspection.id}"
    results = await checklists_repo.results(ctx.session, [inspection.id])
    return to_read(inspection, [h.id for h in found], results.get(inspection.id, []))


@router.get(
    "",
    response_model=InspectionPage,
    summary="List inspections",
    description="Inspections of the enterprises the caller can see, newest first.",
    responses={**answer("A page of inspections, newest first."), **problem_responses(401, 422)},
)
async def list_inspections(
    session: Session,
    scope: Scope,
    enterprise_id: EnterpriseFilter = None,
    village_id: VillageFilter = None,
    kind: Annotated[InspectionKind | None, Query(description="Only inspections of this kind.", examples=["principal_self"])] = None,
    performed_from: Annotated[Day | None, Query(description="Only those performed on or after this date.", examples=["2025-01-01"])] = None,
    performed_to: Annotated[Day | None, Query(description="Only those performed on or before this date.", examples=["2025-06-30"])] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> InspectionPage:
    rows = await repo.list_page(
        session, scope, enterprise_id=enterprise_id, village_id=village_id, kind=kind,
        performed_from=performed_from, performed_to=performed_to, limit=limit, before=decode_id_cursor(cursor),
    )
    found = await repo.hazard_ids(session, [r.id for r in rows])
    results = await checklists_repo.results(session, [r.id for r in rows])
    return InspectionPage(items=[to_read(r, found.get(r.id, []), results.get(r.id, [])) for r in rows],
                          next_cursor=next_id_cursor(rows, limit))


@router.get(
    "/{inspection_id}",
    response_model=InspectionRead,
    summary="Get an inspection",
    description='An inspection of an enterprise the caller can see, with the ids of the hazards its findings became; any other id answers 404 (A2).',
    responses={**answer("The inspection."), **problem_responses(401, 404, 422)},
)
async def get_inspection(session: Session, scope: Scope, inspection_id: InspectionId) -> InspectionRead:
    inspection = await repo.get(session, scope, inspection_id)
    if inspection is None:
        raise NotFound(f"no inspection {inspection_id}")
    found = await repo.hazard_ids(session, [inspection.id])
    results = await checklists_repo.results(session, [inspection.id])
    return to_read(inspection, found.get(inspection.id, []), results.get(inspection.id, []))
