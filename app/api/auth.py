"""/auth: token grants, refresh, logout, the caller's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Form, Request, Response

from app.api.deps import CurrentUser, Now, client_address
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.routing import TransactionalRoute
from app.api.schemas.auth import LogoutRequest, Me, RefreshRequest, TokenRequest, TokenResponse
from app.domain.errors import FieldError, Forbidden, RuleViolation
from app.services import rate_limit
from app.services.auth import unsupported_grant
from app.services.security import InvalidToken

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], route_class=TransactionalRoute)


async def _limit_by_address(request: Request, now, what: str) -> None:
    settings = request.app.state.settings
    await rate_limit.limit(
        request.app.state.db,
        f"auth-address:{client_address(request)}",
        max_hits=settings.auth_rate_per_minute,
        seconds=60,
        now=now,
        what=what,
    )


@router.post(
    "/token",
    response_model=TokenResponse,
    response_model_exclude_none=True,  # client_credentials: no refresh_token key at all
    summary="Obtain an access token",
    description=(
        "OAuth2 token endpoint (form encoded). `grant_type=password` with `username` and `password` for "
        "people; `grant_type=client_credentials` with `client_id` and `client_secret` for district systems "
        "(role `district_viewer`). Failed logins are throttled per username (429 with Retry-After)."
    ),
    responses={**answer("The access token (and, for people, a refresh token)."), **problem_responses(401, 422, 429)},
    openapi_extra={"security": []},
)
async def create_token(request: Request, now: Now, form: Annotated[TokenRequest, Form()]) -> TokenResponse:
    await _limit_by_address(request, now, "token requests from this address")
    service = request.app.state.auth
    grant_type, username, password = form.grant_type, form.username, form.password
    client_id, client_secret = form.client_id, form.client_secret
    grant = grant_type or "password"
    if grant == "password" and username and password is not None:
        return TokenResponse(**await service.password_grant(username, password, now=now))
    if grant == "client_credentials" and client_id and client_secret is not None:
        return TokenResponse(**await service.password_grant(client_id, client_secret, now=now, client_credentials=True))
    if grant in ("password", "client_credentials"):
        given = {"username": username, "password": password, "client_id": client_id, "client_secret": client_secret}
        needed = ("username", "password") if grant == "password" else ("client_id", "client_secret")
        missing = [name for name in needed if given[name] is None]
        raise RuleViolation(
            f"{grant} grant needs {' and '.join(missing)}", [FieldError(m, "required") for m in missing]
        )
    raise unsupported_grant(grant)


@router.post(
    "/refresh",
    response_model=TokenResponse,
    summary="Exchange a refresh token for new tokens",
    description=(
        "Refresh tokens rotate and are single-use: the answer carries a new pair, and the token sent is spent. "
        "Sending a spent refresh token again ends its session: every refresh and access token of it is refused "
        "from then on (401), so whoever copied the token loses it together with its owner, who logs in again. "
        "Rate-limited per client address (429 with Retry-After)."
    ),
    responses={**answer("New tokens."), **problem_responses(401, 422, 429)},
    openapi_extra={"security": []},
)
async def refresh_token(request: Request, body: RefreshRequest, now: Now) -> TokenResponse:
    await _limit_by_address(request, now, "refresh requests from this address")
    return TokenResponse(**await request.app.state.auth.refresh(body.refresh_token, now=now))


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    summary="End the caller's session",
    description=(
        "Revokes the session the bearer token belongs to: its refresh token and its access tokens are refused "
        "from then on (401). A `refresh_token` of the caller in the body ends that token's session too; one that "
        "does not verify (expired, malformed) is ignored, as RFC 7009 does, and one of another user is 403 with "
        "nothing revoked. A password change, disabling or re-enabling the account, or a change of role or "
        "organisation ends all of a user's sessions without this call."
    ),
    responses={**answer("The session is over: its tokens are refused from now on.", status=204), **problem_responses(401, 403, 422)},
)
async def logout(
    request: Request, principal: CurrentUser, now: Now, body: Annotated[LogoutRequest, Body()] = LogoutRequest()
) -> Response:
    service = request.app.state.auth
    families = [request.state.token_claims.family]
    if body.refresh_token is not None:
        try:
            claims = service.verify_refresh_token(body.refresh_token)
        except InvalidToken:
            claims = None  # no session of its own to end (RFC 7009 §2.2: not an error)
        if claims is not None:
            if claims.subject != principal.user_id:
                raise Forbidden("refresh_token belongs to another user: only its owner may end its session")
            families.append(claims.family)
    await service.logout(principal.user_id, [f for f in families if f is not None], now=now)
    return Response(status_code=204)


@router.get(
    "/me",
    response_model=Me,
    summary="Who am I",
    description='The account the bearer token belongs to: its role and the org unit or enterprise it is tied to, which decide what it sees (A1).',
    responses={**answer("The caller."), **problem_responses(401)},
)
async def get_me(principal: CurrentUser) -> Me:
    return Me(
        id=principal.user_id,
        username=principal.username,
        role=principal.role,
        org_unit_id=principal.org_unit_id,
        enterprise_id=principal.enterprise_id,
    )
