"""Escalation proposals (R3): the daily scan that proposes the ladder's steps for overdue
major hazards, and the street office's decision on each.

- The scan (schedule `escalation-proposals`; `run-scheduled escalation-proposals` by hand)
  reads every open major hazard past its deadline, asks the domain (app/domain/escalation.py)
  which steps are due and not yet proposed in the hazard's current overdue episode, and
  inserts them — `ON CONFLICT DO NOTHING` on (hazard, episode, step), so two workers or a
  repeated run propose nothing twice. Each new proposal is a feed event and an audit entry
  (by the system), and the street office's staff are told in-app.
- Accepting performs the H9 step through the hazards service (an escalation of the step's
  kind, or the listing) and links it; dismissing needs a reason. Either is a feed event and
  an audit entry by the official, and a decided proposal stays decided for the episode.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.db.hazard_rules import is_overdue
from app.db.ids import uuid7
from app.db.models import AppUser, Enterprise, EscalationProposal, Hazard, HazardHistory
from app.db.repositories.scoping import scope_clause
from app.db.unit_of_work import UnitOfWork
from app.domain import escalation as ladder
from app.domain.calendar import business_date
from app.domain.enums import Role
from app.domain.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation
from app.services import hazards as hazards_service
from app.services.context import Context
from app.services.events import EventType
from app.services.notifications import Recipient, notify

RESOURCE = "escalation-proposals"
MAX_REASON = 2000


@dataclass(frozen=True)
class ScanResult:
    hazards: int
    proposed: int

    def __str__(self) -> str:
        return f"{self.proposed} proposals made for {self.hazards} overdue major hazards"


def _event(uow: UnitOfWork, type: str, proposal: EscalationProposal, hazard: Hazard, **data: object) -> None:
    uow.event(
        type, "escalation_proposal", proposal.id, enterprise_id=hazard.enterprise_id, village_id=hazard.village_id,
        sector=hazard.sector,
        data={"hazard_id": str(hazard.id), "step": proposal.step, "status": proposal.status, **data},
    )


async def scan(uow: UnitOfWork, now: datetime, thresholds: ladder.EscalationThresholds = ladder.DEFAULT_THRESHOLDS
               ) -> ScanResult:
    """R3, daily: propose every due step not yet proposed in the hazard's episode."""
    session = uow.session
    today = business_date(now)
    hazards = list((await session.execute(
        select(Hazard).where(
            Hazard.grade == ladder.MAJOR, is_overdue(today),
        ).order_by(Hazard.id)
    )).scalars())
    if not hazards:
        return ScanResult(0, 0)
    ids = [h.id for h in hazards]
    reopened = dict((await session.execute(
        select(HazardHistory.hazard_id, func.max(HazardHistory.effective_on))
        .where(HazardHistory.hazard_id.in_(ids), HazardHistory.action == "reopen")
        .group_by(HazardHistory.hazard_id)
    )).all())
    proposed: dict[tuple[uuid.UUID, str], set[str]] = {}
    for hazard_id, episode, step in await session.execute(
        select(EscalationProposal.hazard_id, EscalationProposal.episode, EscalationProposal.step)
        .where(EscalationProposal.hazard_id.in_(ids))
    ):
        proposed.setdefault((hazard_id, episode), set()).add(step)
    made = 0
    staff: list[Recipient] | None = None
    for hazard in hazards:
        facts = ladder.EscalationFacts(
            hazard_id=hazard.id, grade=hazard.grade, status=hazard.status, deadline=hazard.deadline,
            extensions=hazard.extensions, listed=hazard.listed, reopened_on=reopened.get(hazard.id),
        )
        episode = ladder.episode_key(facts)
        due = ladder.proposals_due(facts, today, proposed.get((hazard.id, episode or ""), set()), thresholds)
        for p in due:
            row = {
                "id": uuid7(), "hazard_id": hazard.id, "step": p.step.value, "episode": p.episode,
                "overdue_days": p.overdue_days, "reason": p.reason, "status": "open", "proposed_on": today,
                "created_at": now,
            }
            stmt = pg_insert(EscalationProposal).values(row).on_conflict_do_nothing(
                constraint="uq_escalation_proposal_hazard_episode_step"
            ).returning(EscalationProposal.id)
            if (await session.execute(stmt)).scalar() is None:
                continue  # another worker proposed it first
            made += 1
            proposal = EscalationProposal(**row)
            _event(uow, EventType.escalation_proposal_created, proposal, hazard, overdue_days=p.overdue_days)
            uow.audit("escalation_proposal.create", RESOURCE, row["id"])
            if staff is None:
                staff = [Recipient.user(u.id, name=u.display_name or u.username) for u in await session.execute(
                    select(AppUser.id, AppUser.display_name, AppUser.username).where(
                        AppUser.is_active.is_(True),
                        AppUser.role.in_([Role.street_admin.value, Role.supervisor.value]),
                    )
                )]
            enterprise_name = await session.scalar(select(Enterprise.name).where(Enterprise.id == hazard.enterprise_id))
            await notify(
                uow, recipients=staff, kind="escalation_proposal", subject_type="hazards", subject_id=hazard.id,
                template="escalation_proposal",
                template_args={"step": p.step.value, "enterprise": enterprise_name or "", "title": hazard.title,
                               "overdue_days": p.overdue_days, "extensions": hazard.extensions},
                enterprise_id=hazard.enterprise_id, village_id=hazard.village_id, sector=hazard.sector,
                occasion=p.key, now=now,
            )
    return ScanResult(len(hazards), made)


# --- reading and deciding ----------------------------------------------------------------------


def _scoped(ctx: Context):  # type: ignore[no-untyped-def]
    return select(EscalationProposal).join(Hazard, Hazard.id == EscalationProposal.hazard_id).where(
        scope_clause(ctx.scope, enterprise_id=Hazard.enterprise_id, village_id=Hazard.village_id, sector=Hazard.sector)
    )


async def get(ctx: Context, proposal_id: uuid.UUID, *, for_update: bool = False) -> EscalationProposal:
    stmt = _scoped(ctx).where(EscalationProposal.id == proposal_id)
    if for_update:
        stmt = stmt.with_for_update(of=EscalationProposal)
    proposal = await ctx.session.scalar(stmt)
    if proposal is None:
        raise NotFound(f"no escalation proposal {proposal_id}")
    return proposal


async def page(ctx: Context, *, status: str | None, hazard_id: uuid.UUID | None, after: uuid.UUID | None,
               limit: int) -> list[EscalationProposal]:
    stmt = _scoped(ctx)
    if status is not None:
        stmt = stmt.where(EscalationProposal.status == status)
    if hazard_id is not None:
        stmt = stmt.where(EscalationProposal.hazard_id == hazard_id)
    if after is not None:
        stmt = stmt.where(EscalationProposal.id > after)
    return list((await ctx.session.execute(stmt.order_by(EscalationProposal.id).limit(limit))).scalars())


def _require_street_staff(ctx: Context) -> None:
    if ctx.principal.role not in (Role.street_admin, Role.supervisor):
        raise Forbidden("only street_admin and supervisor decide escalation proposals (R3)")


async def _open_for_decision(ctx: Context, proposal_id: uuid.UUID) -> tuple[EscalationProposal, Hazard]:
    proposal = await get(ctx, proposal_id, for_update=True)
    _require_street_staff(ctx)
    if proposal.status != "open":
        raise Conflict(f"the proposal is already {proposal.status}", code="proposal_decided",
                       current_status=proposal.status)
    hazard = await hazards_service.load(ctx, proposal.hazard_id, for_update=True)
    return proposal, hazard


def _decided(ctx: Context, proposal: EscalationProposal, status: str) -> None:
    proposal.status = status
    proposal.decided_by = ctx.principal.user_id
    proposal.decided_at = ctx.now


async def accept(ctx: Context, proposal_id: uuid.UUID, *, note: str | None, effective_on: date | None
                 ) -> EscalationProposal:
    """R3: the proposal becomes the H9 escalation of its step (or the listing), linked."""
    proposal, hazard = await _open_for_decision(ctx, proposal_id)
    comment = (note or "").strip() or proposal.reason
    if proposal.step == ladder.EscalationStep.listing.value:
        if not hazard.listed:
            await hazards_service.set_listing(ctx, hazard, hazards_service.ListingInput(True, comment, effective_on))
    else:
        escalation = await hazards_service.escalate(
            ctx, hazard, hazards_service.EscalationInput(proposal.step, comment, effective_on))
        proposal.escalation_id = escalation.id
    _decided(ctx, proposal, "accepted")
    _event(ctx.uow, EventType.escalation_proposal_accepted, proposal, hazard,
           escalation_id=str(proposal.escalation_id) if proposal.escalation_id else None)
    ctx.audit("escalation_proposal.accept", RESOURCE, proposal.id)
    await ctx.session.flush()
    return proposal


async def dismiss(ctx: Context, proposal_id: uuid.UUID, *, reason: str) -> EscalationProposal:
    """R3: dismissed with a reason; not proposed again in the episode."""
    text = (reason or "").strip()
    if not text:
        raise RuleViolation("a dismissal needs a reason", [FieldError("reason", "may not be blank")])
    proposal, hazard = await _open_for_decision(ctx, proposal_id)
    proposal.dismissed_reason = text
    _decided(ctx, proposal, "dismissed")
    _event(ctx.uow, EventType.escalation_proposal_dismissed, proposal, hazard)
    ctx.audit("escalation_proposal.dismiss", RESOURCE, proposal.id)
    await ctx.session.flush()
    return proposal
