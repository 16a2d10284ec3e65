"""H9 escalations addressed to a village or department (函告, 通报, 约谈, 曝光): who may
write them, to whom, on which business date; the record and its audit entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from app.db.models import Escalation
from app.db.repositories import org_units
from app.domain import hazards as rules
from app.domain.errors import FieldError, NotFound, RuleViolation
from app.services.context import Context

RESOURCE = "org-units"  # the audit trail's name for them


@dataclass(frozen=True)
class OrgUnitEscalationInput:
    """H9: the kind (letter, circular, interview, exposure), why, and the business date
    (today by default, never in the future)."""

    kind: str
    note: str
    effective_on: date | None = None


async def escalate_org_unit(ctx: Context, org_unit_id: uuid.UUID, step: OrgUnitEscalationInput) -> Escalation:
    """H9: escalate to a village or department; street_admin and supervisor only."""
    unit = await org_units.get(ctx.session, org_unit_id)
    if unit is None:
        raise NotFound(f"no org unit {org_unit_id}")
    rules.check_street_staff(ctx.principal, "escalate")
    if unit.kind == "street_office":
        raise RuleViolation("escalations address villages and departments",
                            [FieldError("org_unit_id", "is the street office")])
    effective_on = step.effective_on or ctx.today
    # A unit has no earlier step: only the future is excluded (H7).
    rules.check_effective_on(effective_on, today=ctx.today, previous=date.min)
    escalation = Escalation(
        org_unit_id=unit.id, kind=step.kind, note=step.note, effective_on=effective_on,
        created_by=ctx.principal.user_id, created_at=ctx.now,
    )
    ctx.session.add(escalation)
    await ctx.session.flush()
    ctx.audit("org_unit.escalate", RESOURCE, unit.id)
    return escalation
