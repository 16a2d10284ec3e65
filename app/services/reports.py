"""Reports from the public (举报, P1–P3): anonymous submission with a tracking code of
which only a hash is kept, staff reading within scope, and verification that turns a
substantiated report into a hazard in the same transaction."""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.unit_of_work import UnitOfWork

from app.db.ids import uuid7
from app.db.models import OrgUnit, PublicReport
from app.domain.access import Principal, Scope, ScopeKind
from app.domain.calendar import business_date
from app.domain.enums import OrgUnitKind, Role
from app.domain.errors import (
    FieldError,
    Forbidden,
    InvalidTransition,
    NotFound,
    RuleViolation,
)
from app.services import hazards as hazards_service
from app.services.context import Context
from app.services.events import EventType

# P1: 18 random bytes = 144 bits, 24 URL-safe characters.
TRACKING_CODE_BYTES = 18
TRACKING_CODE = re.compile(r"^[A-Za-z0-9_-]{24}$")

RESOURCE = "reports"  # the audit trail's name for them


class ReportStatus(StrEnum):
    received = "received"
    substantiated = "substantiated"
    unsubstantiated = "unsubstantiated"


class Outcome(StrEnum):
    substantiated = "substantiated"
    unsubstantiated = "unsubstantiated"


def new_tracking_code() -> str:
    return secrets.token_urlsafe(TRACKING_CODE_BYTES)


def tracking_hash(code: str) -> str:
    """P1: only this is stored; the code itself is shown once, to the reporter."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def report_scope(scope: Scope) -> ColumnElement[bool]:
    """Who sees which reports: the street office and district systems all of them, a
    village officer those naming its village, departments and enterprises none (a report
    is an allegation, not yet a hazard of a sector or an enterprise)."""
    if scope.kind is ScopeKind.all:
        return true()
    if scope.kind is ScopeKind.village and scope.village_id is not None:
        return PublicReport.village_id == scope.village_id
    return false()


def sees_contact(principal: Principal) -> bool:
    """P2: the reporter's contact is confidential: street_admin only."""
    return principal.role is Role.street_admin


def may_verify(principal: Principal) -> bool:
    """P3: verification is the street office's (street_admin, supervisor)."""
    return principal.role in (Role.street_admin, Role.supervisor)


def version(report: PublicReport) -> int:
    """The ETag of a report: it changes once, when it is verified."""
    return 1 if report.status == ReportStatus.received.value else 2


@dataclass
class NewReport:
    description: str
    location: str | None = None
    enterprise_name: str | None = None
    village_id: uuid.UUID | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


async def submit(uow: UnitOfWork, new: NewReport, *, now: datetime) -> tuple[PublicReport, str]:
    """P1: store the report and the hash of a fresh tracking code; return both."""
    session = uow.session
    if new.village_id is not None:
        kind = (await session.execute(select(OrgUnit.kind).where(OrgUnit.id == new.village_id))).scalar_one_or_none()
        if kind != OrgUnitKind.village.value:
            raise RuleViolation("unknown village", [FieldError("village_id", "no village with this id")])
    code = new_tracking_code()
    report = PublicReport(
        id=uuid7(),
        tracking_hash=tracking_hash(code),
        description=new.description,
        location=new.location,
        enterprise_name=new.enterprise_name,
        village_id=new.village_id,
        contact_name=new.contact_name,
        contact_phone=new.contact_phone,
        status=ReportStatus.received.value,
        reward_eligible=False,
        received_at=now,
    )
    session.add(report)
    await session.flush()
    uow.event(EventType.report_received, "report", report.id, village_id=report.village_id)
    uow.audit("report.submit", RESOURCE, report.id)  # by the public: no actor
    return report, code


async def by_tracking_code(session: AsyncSession, code: str) -> PublicReport:
    """P1: a malformed code is as unknown as a wrong one (no oracle)."""
    if not TRACKING_CODE.fullmatch(code):
        raise NotFound("no report with this tracking code")
    stmt = select(PublicReport).where(PublicReport.tracking_hash == tracking_hash(code))
    report = (await session.execute(stmt)).scalar_one_or_none()
    if report is None:
        raise NotFound("no report with this tracking code")
    return report


@dataclass(frozen=True)
class ReportFilters:
    status: str | None = None
    village_id: uuid.UUID | None = None


async def list_page(
    session: AsyncSession, scope: Scope, f: ReportFilters, *, limit: int, before: uuid.UUID | None
) -> list[PublicReport]:
    """Newest first (ids are time-ordered), keyset by id."""
    stmt = select(PublicReport).where(report_scope(scope))
    if f.status is not None:
        stmt = stmt.where(PublicReport.status == f.status)
    if f.village_id is not None:
        stmt = stmt.where(PublicReport.village_id == f.village_id)
    if before is not None:
        stmt = stmt.where(PublicReport.id < before)
    stmt = stmt.order_by(PublicReport.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def load(session: AsyncSession, scope: Scope, report_id: uuid.UUID, *, for_update: bool = False) -> PublicReport:
    stmt = select(PublicReport).where(PublicReport.id == report_id, report_scope(scope))
    if for_update:
        stmt = stmt.with_for_update()
    report = (await session.execute(stmt)).scalar_one_or_none()
    if report is None:
        raise NotFound(f"no report {report_id}")
    return report


@dataclass
class Verification:
    outcome: Outcome
    note: str
    enterprise_id: uuid.UUID | None = None
    grade: str | None = None
    title: str | None = None
    description: str | None = None
    criterion_ref: str | None = None
    location: str | None = None
    discovered_on: date | None = None
    deadline: date | None = None


_HAZARD_FIELDS = ("enterprise_id", "grade", "title", "description", "criterion_ref", "location", "discovered_on", "deadline")
_REQUIRED_WHEN_SUBSTANTIATED = ("enterprise_id", "grade", "title")


def check_verification(v: Verification) -> None:
    """A substantiated report names the hazard (enterprise, grade, title); an
    unsubstantiated one names none."""
    if v.outcome is Outcome.substantiated:
        errors = [FieldError(f, "required when the outcome is substantiated") for f in _REQUIRED_WHEN_SUBSTANTIATED
                  if getattr(v, f) is None]
    else:
        errors = [FieldError(f, "only with outcome substantiated") for f in _HAZARD_FIELDS if getattr(v, f) is not None]
    if errors:
        raise RuleViolation("invalid verification", errors)


async def verify(ctx: Context, report: PublicReport, v: Verification) -> PublicReport:
    """P3: `received` → `substantiated` (a hazard with source public_report is created from
    it, in this transaction, and the report becomes reward-eligible) or `unsubstantiated`."""
    if not may_verify(ctx.principal):
        raise Forbidden("only street_admin and supervisor verify reports (P3)")
    if report.status != ReportStatus.received.value:
        raise InvalidTransition(
            f"the report is already {report.status}", current_status=report.status, allowed_actions=[]
        )
    check_verification(v)
    if v.outcome is Outcome.substantiated:
        assert v.enterprise_id is not None and v.grade is not None and v.title is not None
        hazard = await hazards_service.add(
            ctx,
            hazards_service.NewHazard(
                enterprise_id=v.enterprise_id,
                grade=v.grade,
                source="public_report",
                title=v.title,
                # The reporter's own words stay with the report: they may identify the reporter.
                description=v.description,
                criterion_ref=v.criterion_ref,
                location=v.location if v.location is not None else report.location,
                discovered_on=v.discovered_on or business_date(report.received_at),
                deadline=v.deadline,
                report_id=report.id,
            ),
            check_source=False,
        )
        report.hazard_id = hazard.id
        report.reward_eligible = True
    report.status = v.outcome.value
    report.verification_note = v.note
    report.verified_by = ctx.principal.user_id
    report.verified_at = ctx.now
    await ctx.session.flush()
    ctx.audit("report.verify", RESOURCE, report.id)
    ctx.event(
        EventType.report_verified, "report", report.id, village_id=report.village_id,
        data={"outcome": v.outcome.value, "hazard_id": str(report.hazard_id) if report.hazard_id else None},
    )
    return report
