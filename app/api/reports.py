"""/public/reports (anonymous, P1) and /reports (staff, P2, P3): reports from the public."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Annotated

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import APIRouter, Depends, Path, Query, Request, Response

from app.api.deps import CurrentUser, Now, Scope, Session, Today, Work, client_address
from app.api.errors import problem_responses
from app.api.http import IfMatch, answer, check_if_match, set_etag
from app.api.idempotency import IdempotencyKeyHeader, Idempotent, claim
from app.api.pagination import Cursor, Limit, decode_id_cursor, next_id_cursor
from app.api.params import ReportId, VillageFilter
from app.api.routing import TransactionalRoute
from app.api.schemas import examples as ex
from app.api.schemas.reports import (
    ContactRead,
    PublicReportCreate,
    PublicReportReceipt,
    PublicReportStatus,
    ReportPage,
    ReportRead,
    VerifyRequest,
)
from app.db.models import PublicReport
from app.domain.access import Principal
from app.services import rate_limit
from app.services import reports as service
from app.services.context import Context

router = APIRouter(prefix="/api/v1", tags=["reports"], route_class=TransactionalRoute)


class TrackingCodeSeal:
    """P1 keeps no tracking code in clear, yet a retried submission must get its code back.
    The first answer is stored encrypted (AES-GCM) under a key derived from the client's
    Idempotency-Key, and the record is filed under a hash of that key, so the database alone
    cannot give the code back."""

    _CONTEXT = b"anquan/public-report-answer\x00"

    def __init__(self, idempotency_key: str, principal_key: str) -> None:
        self._aead = AESGCM(hashlib.sha256(self._CONTEXT + idempotency_key.encode()).digest())
        self._aad = principal_key.encode()

    def close(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        payload = json.dumps({"headers": headers, "body": base64.b64encode(body).decode()}).encode()
        nonce = os.urandom(12)
        return {}, nonce + self._aead.encrypt(nonce, payload, self._aad)

    def open(self, headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        payload = json.loads(self._aead.decrypt(body[:12], body[12:], self._aad))
        return dict(payload["headers"]), base64.b64decode(payload["body"])


async def public_idempotent(request: Request, session: Session, key: IdempotencyKeyHeader = None) -> None:
    """Idempotency-Key for anonymous callers, per client address."""
    if key is None:
        return
    principal_key = f"addr:{client_address(request)}"
    await claim(
        request, session, principal_key, hashlib.sha256(key.encode()).hexdigest(),
        seal=TrackingCodeSeal(key, principal_key),
    )


async def limit_public_reports(request: Request, now: Now) -> None:
    """P1: submissions are rate-limited per client address (429 with Retry-After)."""
    settings = request.app.state.settings
    await rate_limit.limit(
        request.app.state.db,
        f"public-report:{client_address(request)}",
        max_hits=settings.public_report_rate_per_hour,
        seconds=3600,
        now=now,
        what="reports from this address",
    )


def to_read(report: PublicReport, principal: Principal) -> ReportRead:
    contact = None
    if service.sees_contact(principal) and (report.contact_name or report.contact_phone):
        contact = ContactRead(name=report.contact_name, phone=report.contact_phone)
    return ReportRead(
        id=report.id,
        status=report.status,
        description=report.description,
        location=report.location,
        enterprise_name=report.enterprise_name,
        village_id=report.village_id,
        contact=contact,
        received_at=report.received_at,
        verified_at=report.verified_at,
        verified_by=report.verified_by,
        verification_note=report.verification_note,
        hazard_id=report.hazard_id,
        reward_eligible=report.reward_eligible,
    )


def _answer(report: PublicReport, principal: Principal, response: Response) -> ReportRead:
    set_etag(response, service.version(report))
    return to_read(report, principal)


# Codes are 24 characters. Longer or malformed ones answer 404 like unknown ones (no oracle,
# P1), so the documented bound is not enforced as a 422.
TrackingCode = Annotated[
    str,
    Path(
        description="The `tracking_code` of the receipt, as it was returned (base64url).",
        examples=[ex.TRACKING_CODE],
        json_schema_extra={"maxLength": 64},
    ),
]


@router.post(
    "/public/reports",
    response_model=PublicReportReceipt,
    status_code=201,
    summary="Report a hazard (no account needed)",
    description=(
        "Anyone may report a hazard (群众举报, P1). The answer holds a tracking code, shown only this once: it "
        "reads the report's status and nothing else. The contact is optional and seen by street_admin only (P2). "
        "Rate-limited per client address (429 with Retry-After)."
    ),
    responses={**answer("The receipt: keep the tracking code, it is shown only this once.", status=201, location=True), **problem_responses(413, 422, 429)},
    openapi_extra={"security": []},
    dependencies=[Depends(public_idempotent), Depends(limit_public_reports)],
)
async def submit_public_report(
    work: Work, now: Now, body: PublicReportCreate, response: Response
) -> PublicReportReceipt:
    contact = body.contact
    new = service.NewReport(
        description=body.description,
        location=body.location,
        enterprise_name=body.enterprise_name,
        village_id=body.village_id,
        contact_name=contact.name if contact else None,
        contact_phone=contact.phone if contact else None,
    )
    report, code = await service.submit(work, new, now=now)
    response.headers["Location"] = f"/api/v1/public/reports/{code}"
    return PublicReportReceipt(tracking_code=code, status=report.status, received_at=report.received_at)


@router.get(
    "/public/reports/{tracking_code}",
    response_model=PublicReportStatus,
    summary="Look up a report's status by its tracking code",
    description="The status only (P1). Unknown and malformed codes alike answer 404.",
    responses={**answer("The report's status."), **problem_responses(404)},
    openapi_extra={"security": []},
)
async def get_public_report_status(session: Session, tracking_code: TrackingCode) -> PublicReportStatus:
    report = await service.by_tracking_code(session, tracking_code)
    return PublicReportStatus(status=report.status, received_at=report.received_at, verified_at=report.verified_at)


@router.get(
    "/reports",
    response_model=ReportPage,
    summary="List reports from the public",
    description=(
        "street_admin, supervisor and district systems see every report; a village officer those naming its "
        "village; departments and enterprises none. `contact` is shown to street_admin only (P2). Newest first, "
        "keyset paginated."
    ),
    responses={**answer("A page of reports, newest first."), **problem_responses(401, 422)},
)
async def list_reports(
    session: Session,
    principal: CurrentUser,
    scope: Scope,
    status: Annotated[
        service.ReportStatus | None, Query(description="Only reports in this status.", examples=["received"])
    ] = None,
    village_id: VillageFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ReportPage:
    filters = service.ReportFilters(status, village_id)
    rows = await service.list_page(session, scope, filters, limit=limit, before=decode_id_cursor(cursor))
    return ReportPage(items=[to_read(r, principal) for r in rows], next_cursor=next_id_cursor(rows, limit))


@router.get(
    "/reports/{report_id}",
    response_model=ReportRead,
    summary="Get a report from the public",
    description="Within the caller's reports (see list_reports), else 404. `contact` for street_admin only (P2).",
    responses={**answer("The report.", etag=True), **problem_responses(401, 404, 422)},
)
async def get_report(
    session: Session, principal: CurrentUser, scope: Scope, report_id: ReportId, response: Response
) -> ReportRead:
    report = await service.load(session, scope, report_id)
    return _answer(report, principal, response)


@router.post(
    "/reports/{report_id}/verify",
    response_model=ReportRead,
    summary="Verify a report from the public",
    description=(
        "street_admin and supervisor, from `received` only (P3). `substantiated` names the hazard (enterprise, "
        "grade, title, ...): a hazard with source `public_report` is created in the same transaction, linked to "
        "the report, and the report becomes reward-eligible. `unsubstantiated` creates nothing."
    ),
    responses={**answer("The report as verified; a substantiated one names the hazard it became.", etag=True), **problem_responses(401, 403, 404, 409, 412, 422)},
    dependencies=[Idempotent],
)
async def verify_report(
    work: Work,
    principal: CurrentUser,
    scope: Scope,
    now: Now,
    today: Today,
    report_id: ReportId,
    body: VerifyRequest,
    response: Response,
    if_match: IfMatch = None,
) -> ReportRead:
    report = await service.load(work.session, scope, report_id, for_update=True)
    check_if_match(if_match, service.version(report))
    ctx = Context(work, principal, scope, now, today)
    await service.verify(ctx, report, service.Verification(**body.model_dump()))
    return _answer(report, principal, response)
