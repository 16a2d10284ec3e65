"""/escalation-proposals: R3's proposals for overdue major hazards, and their decisions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import Ctx
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import Idempotent
from app.api.pagination import Cursor, Limit, decode_id_cursor, next_id_cursor
from app.api.params import path_id
from app.api.routing import TransactionalRoute
from app.api.schemas import examples as ex
from app.api.schemas.automation import (
    PROPOSAL_ID,
    AcceptProposal,
    DismissProposal,
    EscalationProposalPage,
    EscalationProposalRead,
    ProposalStatus,
)
from app.api.schemas.common import Id
from app.services import escalation_proposals as service

router = APIRouter(prefix="/api/v1/escalation-proposals", tags=["automation"], route_class=TransactionalRoute)

ProposalId = path_id("escalation proposal", PROPOSAL_ID)
DECISION_ERRORS = problem_responses(401, 403, 404, 409, 422)


@router.get(
    "",
    response_model=EscalationProposalPage,
    summary="List escalation proposals",
    description=(
        "Proposals of the escalation ladder (R3) for overdue major hazards, made by the daily job, oldest first, "
        "keyset paginated; each caller sees those of the hazards it can see (A1)."
    ),
    responses={**answer("A page of proposals, oldest first."), **problem_responses(401, 422)},
)
async def list_escalation_proposals(
    ctx: Ctx,
    status: Annotated[ProposalStatus | None, Query(description="Only proposals in this state.", examples=["open"])] = None,
    hazard_id: Annotated[Id | None, Query(description="Only the proposals of this hazard.", examples=[ex.HAZARD_ID])] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> EscalationProposalPage:
    rows = await service.page(ctx, status=status, hazard_id=hazard_id, after=decode_id_cursor(cursor), limit=limit)
    return EscalationProposalPage(items=[EscalationProposalRead.model_validate(r) for r in rows],
                                  next_cursor=next_id_cursor(rows, limit))


@router.get(
    "/{proposal_id}",
    response_model=EscalationProposalRead,
    summary="Read an escalation proposal",
    description="One proposal (R3); one of a hazard the caller cannot see answers 404.",
    responses={**answer("The proposal."), **problem_responses(401, 404, 422)},
)
async def get_escalation_proposal(ctx: Ctx, proposal_id: ProposalId) -> EscalationProposalRead:
    return EscalationProposalRead.model_validate(await service.get(ctx, proposal_id))


@router.post(
    "/{proposal_id}/accept",
    response_model=EscalationProposalRead,
    summary="Accept an escalation proposal",
    description=(
        "street_admin or supervisor accepts an open proposal: it becomes the H9 escalation of its step (函告, 通报, "
        "约谈, 曝光; `escalation_id` links it) or, for `listing`, the hazard is listed (挂牌督办). A decided proposal "
        "answers 409; a hazard that has ended answers 409 too."
    ),
    responses={**answer("The proposal, `accepted`."), **DECISION_ERRORS},
    dependencies=[Idempotent],
)
async def accept_escalation_proposal(ctx: Ctx, proposal_id: ProposalId, body: AcceptProposal) -> EscalationProposalRead:
    proposal = await service.accept(ctx, proposal_id, note=body.note, effective_on=body.effective_on)
    return EscalationProposalRead.model_validate(proposal)


@router.post(
    "/{proposal_id}/dismiss",
    response_model=EscalationProposalRead,
    summary="Dismiss an escalation proposal",
    description=(
        "street_admin or supervisor dismisses an open proposal with a reason (R3); the step is not proposed again "
        "in the hazard's overdue episode. A decided proposal answers 409."
    ),
    responses={**answer("The proposal, `dismissed`."), **DECISION_ERRORS},
    dependencies=[Idempotent],
)
async def dismiss_escalation_proposal(ctx: Ctx, proposal_id: ProposalId, body: DismissProposal) -> EscalationProposalRead:
    return EscalationProposalRead.model_validate(await service.dismiss(ctx, proposal_id, reason=body.reason))
