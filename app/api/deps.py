"""Request dependencies as Annotated aliases: Work, Session, Ctx, CurrentUser, Scope, Today, ..."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from fastapi.openapi.models import (
    OAuthFlowClientCredentials,
    OAuthFlowPassword,
    OAuthFlows,
)
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import readers
from app.db.session import Database
from app.db.unit_of_work import UnitOfWork
from app.domain import access
from app.domain.access import Principal
from app.domain.calendar import business_date
from app.domain.errors import Forbidden, Unauthenticated
from app.domain.risk import RiskScoring
from app.services.context import Context
from app.services.security import InvalidToken

TOKEN_URL = "/api/v1/auth/token"


class BearerToken(OAuth2PasswordBearer):
    """The bearer token of either grant the token endpoint serves: `password` for people,
    `client_credentials` for district systems (both declared in the contract)."""

    def __init__(self) -> None:
        super().__init__(
            tokenUrl=TOKEN_URL,
            scheme_name="OAuth2",
            auto_error=False,
            description=(
                "Bearer JWT from `POST /api/v1/auth/token`: the `password` grant for people (username and "
                "password), the `client_credentials` grant for district systems (client id and secret). Send it "
                "as `Authorization: Bearer <access_token>`."
            ),
        )
        self.model.flows = OAuthFlows(
            password=OAuthFlowPassword(tokenUrl=TOKEN_URL, scopes={}),
            clientCredentials=OAuthFlowClientCredentials(tokenUrl=TOKEN_URL, scopes={}),
        )


oauth2_scheme = BearerToken()


def open_unit_of_work(request: Request) -> UnitOfWork:
    """The request's unit of work, opened on first use (a read that needs none opens none);
    TransactionalRoute commits or rolls it back."""
    uow = getattr(request.state, "uow", None)
    if uow is None:
        app = request.app.state
        uow = request.state.uow = UnitOfWork.open(
            app.db, app.audit_keys, clock=app.clock, id=request.scope.get("state", {}).get("request_id")
        )
    return uow


async def get_unit_of_work(request: Request) -> UnitOfWork:
    return open_unit_of_work(request)


Work = Annotated[UnitOfWork, Depends(get_unit_of_work)]


async def get_session(request: Request) -> AsyncSession:
    """The session of the request's unit of work."""
    return open_unit_of_work(request).session


Session = Annotated[AsyncSession, Depends(get_session)]


async def get_db(request: Request) -> Database:
    return request.app.state.db


DB = Annotated[Database, Depends(get_db)]


async def reader(request: Request) -> asyncpg.Connection:
    """The request's plain read connection, taken once and given back by TransactionalRoute."""
    conn = getattr(request.state, "reader", None)
    if conn is None:
        conn = request.state.reader = await request.app.state.db.acquire_reader()
    return conn


Reader = Annotated[asyncpg.Connection, Depends(reader)]


async def get_now(request: Request) -> datetime:
    """The request's clock (UTC, aware); tests replace app.state.clock."""
    now = getattr(request.state, "now", None)
    if now is None:
        now = request.app.state.clock()
        request.state.now = now
    return now


Now = Annotated[datetime, Depends(get_now)]


async def get_today(now: Now) -> date:
    """Today in Asia/Shanghai: every business date and period boundary is there."""
    return business_date(now)


Today = Annotated[date, Depends(get_today)]


async def get_principal(
    request: Request, db: DB, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    if not token:
        raise Unauthenticated("a bearer token is required")
    try:
        claims = request.app.state.tokens.verify(token)
    except InvalidToken as exc:
        raise Unauthenticated(f"invalid token: {exc}", code="invalid_token") from exc
    principal = await readers.principal(await reader(request), claims.subject, claims.version, claims.family)
    # A5: a disabled user, a token older than the user's last password, role or organisation
    # change, or a token of a session that was logged out or revoked, is out.
    if principal is None or principal.role != claims.role:
        raise Unauthenticated("the token's user is disabled or changed, or its session ended", code="invalid_token")
    request.state.principal = principal
    request.state.token_claims = claims
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


async def get_scope(principal: CurrentUser) -> access.Scope:
    return access.scope_for(principal)


Scope = Annotated[access.Scope, Depends(get_scope)]


async def get_context(request: Request, principal: CurrentUser, scope: Scope, now: Now, today: Today) -> Context:
    """The use cases' context: the request's unit of work, caller, scope and clock."""
    return Context(open_unit_of_work(request), principal, scope, now, today)


Ctx = Annotated[Context, Depends(get_context)]


async def require_writer(principal: CurrentUser) -> Principal:
    """A3: district_viewer never writes."""
    if not access.can_write(principal):
        raise Forbidden("district_viewer clients are read-only")
    return principal


Writer = Annotated[Principal, Depends(require_writer)]


async def require_street_admin(principal: CurrentUser) -> Principal:
    """A3: only street_admin manages users and org units."""
    if not access.can_manage_users(principal):
        raise Forbidden("only street_admin may manage users and org units")
    return principal


StreetAdmin = Annotated[Principal, Depends(require_street_admin)]


def client_address(request: Request) -> str:
    """The caller's address; X-Forwarded-For only when the proxy in front is trusted."""
    if request.app.state.settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()[:64]
    return request.client.host if request.client else "unknown"


async def get_risk_scoring(request: Request) -> RiskScoring:
    """K4: the configured risk scoring (ANQUAN_RISK_SCORING)."""
    return request.app.state.risk_scoring


Scoring = Annotated[RiskScoring, Depends(get_risk_scoring)]
