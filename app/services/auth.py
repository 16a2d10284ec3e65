"""Token grants: password (staff and enterprise users), client_credentials (district
systems), refresh. Failed logins are throttled per username (429 + Retry-After)."""

from __future__ import annotations

from datetime import datetime

from app.db.repositories import users as users_repo
from app.db.session import Database
from app.domain.enums import Role
from app.domain.errors import FieldError, RuleViolation, Unauthenticated
from app.services import rate_limit
from app.services.security import InvalidToken, PasswordHashing, TokenService
from app.settings import Settings


class AuthService:
    def __init__(self, db: Database, settings: Settings, passwords: PasswordHashing, tokens: TokenService) -> None:
        self.db = db
        self.settings = settings
        self.passwords = passwords
        self.tokens = tokens

    def _failure_bucket(self, username: str) -> str:
        return f"login-failure:{username.lower()}"

    async def password_grant(self, username: str, password: str, *, now: datetime, client_credentials: bool = False) -> dict:
        bucket = self._failure_bucket(username)
        await rate_limit.refuse_if_exhausted(
            self.db,
            bucket,
            max_hits=self.settings.login_max_failures,
            seconds=self.settings.login_failure_window_seconds,
            now=now,
            what="failed logins for this account",
        )
        async with self.db.transaction() as session:
            user = await users_repo.get_by_username(session, username)
        ok = self.passwords.verify(user.password_hash if user else None, password)
        # district systems use client_credentials; people use the password grant
        right_grant = user is not None and ((user.role == Role.district_viewer.value) == client_credentials)
        if not (ok and user is not None and user.is_active and right_grant):
            await rate_limit.count(self.db, bucket, seconds=self.settings.login_failure_window_seconds, now=now)
            raise Unauthenticated("invalid credentials", code="invalid_grant")
        await rate_limit.reset(self.db, bucket)
        return self._token_pair(user.id, user.role, with_refresh=not client_credentials)

    async def refresh(self, refresh_token: str) -> dict:
        try:
            claims = self.tokens.verify(refresh_token, expected_type="refresh")
        except InvalidToken as exc:
            raise Unauthenticated(f"invalid refresh token: {exc}", code="invalid_grant") from exc
        async with self.db.transaction() as session:
            principal = await users_repo.load_principal(session, claims.subject)
        if principal is None or principal.role != claims.role:
            raise Unauthenticated("the token's user is disabled or changed", code="invalid_grant")
        return self._token_pair(principal.user_id, principal.role, with_refresh=True)

    def _token_pair(self, user_id, role: str, *, with_refresh: bool) -> dict:
        out = {
            "access_token": self.tokens.issue(user_id, role, "access"),
            "token_type": "bearer",
            "expires_in": self.tokens.access_ttl,
        }
        if with_refresh:
            out["refresh_token"] = self.tokens.issue(user_id, role, "refresh")
        return out


def unsupported_grant(grant_type: str) -> RuleViolation:
    return RuleViolation(
        "grant_type must be password or client_credentials (refresh tokens go to POST /api/v1/auth/refresh)",
        [FieldError("grant_type", f"unsupported grant type {grant_type!r}")],
        code="unsupported_grant_type",
    )
