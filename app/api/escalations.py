"""/org-units/{id}/escalations: H9 escalations on a village or department."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from app.api.deps import Ctx, CurrentUser, Session
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import Idempotent
from app.api.params import OrgUnitId
from app.api.routing import TransactionalRoute
from app.api.schemas.hazards import EscalationCreate, EscalationList, EscalationRead
from app.db.repositories import hazards as hazards_repo
from app.db.repositories import org_units
from app.domain.access import Principal
from app.domain.enums import Role
from app.domain.errors import Forbidden, NotFound
from app.services import org_unit_escalations as service

router = APIRouter(prefix="/api/v1/org-units", tags=["organisation"], route_class=TransactionalRoute)


def _may_read(p: Principal, org_unit_id: uuid.UUID) -> bool:
    return p.role in (Role.street_admin, Role.supervisor, Role.district_viewer) or p.org_unit_id == org_unit_id


async def _unit(session, org_unit_id: uuid.UUID):  # type: ignore[no-untyped-def]
    unit = await org_units.get(session, org_unit_id)
    if unit is None:
        raise NotFound(f"no org unit {org_unit_id}")
    return unit


@router.post(
    "/{org_unit_id}/escalations",
    response_model=EscalationRead,
    status_code=201,
    summary="Escalate to a village or department",
    description="函告, 通报, 约谈 or 曝光 addressed to a village or department; street_admin and supervisor (H9).",
    responses={**answer("The escalation recorded; `Location` is the unit's list of escalations.", status=201, location=True), **problem_responses(401, 403, 404, 422)},
    dependencies=[Idempotent],
)
async def escalate_org_unit(ctx: Ctx, org_unit_id: OrgUnitId, body: EscalationCreate, response: Response) -> EscalationRead:
    step = service.OrgUnitEscalationInput(body.kind, body.note, body.effective_on)
    escalation = await service.escalate_org_unit(ctx, org_unit_id, step)
    response.headers["Location"] = f"/api/v1/org-units/{escalation.org_unit_id}/escalations"
    return EscalationRead.model_validate(escalation)


@router.get(
    "/{org_unit_id}/escalations",
    response_model=EscalationList,
    summary="Escalations addressed to a village or department",
    description="Street office staff and district systems read all; a unit's own officers read theirs.",
    responses={**answer("The unit's escalations, oldest first."), **problem_responses(401, 403, 404, 422)},
)
async def list_org_unit_escalations(session: Session, principal: CurrentUser, org_unit_id: OrgUnitId) -> EscalationList:
    unit = await _unit(session, org_unit_id)
    if not _may_read(principal, unit.id):
        raise Forbidden("escalations are read by the street office and the unit itself")
    rows = await hazards_repo.escalations(session, org_unit_id=unit.id)
    return EscalationList(items=[EscalationRead.model_validate(r) for r in rows])
