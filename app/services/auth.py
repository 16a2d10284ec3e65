"""Token grants: password (staff and enterprise users), client_credentials (district
systems), refresh, logout (A5). Failed logins are throttled per username (429 + Retry-After)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from app.db.repositories import sessions
from app.db.repositories import users as users_repo
from app.db.session import Database
from app.domain.enums import Role
from app.domain.errors import FieldError, RuleViolation, Unauthenticated
from app.services import rate_limit
from app.services.security import InvalidToken, PasswordHashing, TokenClaims, TokenService
from app.settings import Settings


class AuthService:
    """A5: a grant opens a session (a refresh family); every token carries the user's
    token_version and its session's id; refresh tokens rotate and are single-use."""

    def __init__(self, db: Database, settings: Settings, passwords: PasswordHashing, tokens: TokenService) -> None:
        self.db = db
        self.settings = settings
        self.passwords = passwords
        self.tokens = tokens

    def _failure_bucket(self, username: str) -> str:
        return f"login-failure:{username.lower()}"

    async def password_grant(self, username: str, password: str, *, now: datetime, client_credentials: bool = False) -> dict:
        bucket = self._failure_bucket(username)
        # The attempt is counted before the password is checked, in the statement that checks
        # the budget: concurrent guesses cannot all pass a check made before any was counted.
        await rate_limit.take_attempt(
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
            raise Unauthenticated("invalid credentials", code="invalid_grant")
        await rate_limit.reset(self.db, bucket)
        with_refresh = not client_credentials
        ttl = self.tokens.refresh_ttl if with_refresh else self.tokens.access_ttl
        async with self.db.transaction() as session:
            family = await sessions.create(session, user.id, expires_at=now + timedelta(seconds=ttl), now=now)
        return self._token_pair(user.id, user.role, user.token_version, family, 0 if with_refresh else None)

    async def refresh(self, refresh_token: str, *, now: datetime) -> dict:
        try:
            claims = self.tokens.verify(refresh_token, expected_type="refresh")
        except InvalidToken as exc:
            raise Unauthenticated(f"invalid refresh token: {exc}", code="invalid_grant") from exc
        if claims.family is None or claims.generation is None:  # verify() refuses these already
            raise Unauthenticated("invalid refresh token: no session", code="invalid_grant")
        reused = False
        async with self.db.transaction() as session:
            principal = await users_repo.load_principal(session, claims.subject, claims.version)
            generation = None
            if principal is not None and principal.role == claims.role:
                expires_at = now + timedelta(seconds=self.tokens.refresh_ttl)
                generation = await sessions.rotate(
                    session, claims.family, claims.subject, claims.generation, now=now, expires_at=expires_at
                )
                if generation is None:
                    # OAuth 2.0 Security BCP, refresh token rotation: a used token presented
                    # again means two parties hold it, so neither keeps the session.
                    reused = await sessions.revoke_reused(session, claims.family, claims.subject, claims.generation, now=now)
        if principal is None or principal.role != claims.role:
            raise Unauthenticated("the token's user is disabled or changed", code="invalid_grant")
        if generation is None:
            if reused:
                raise Unauthenticated("refresh token used before: the session is revoked", code="invalid_grant")
            raise Unauthenticated("the session of this refresh token has ended", code="invalid_grant")
        return self._token_pair(principal.user_id, principal.role, claims.version, claims.family, generation)

    async def logout(self, user_id: uuid.UUID, families: list[uuid.UUID], *, now: datetime) -> None:
        """Ends the caller's sessions: their refresh tokens and access tokens are refused."""
        async with self.db.transaction() as session:
            for family in dict.fromkeys(families):
                await sessions.revoke(session, family, user_id, now=now, reason="logout")

    def verify_refresh_token(self, refresh_token: str) -> TokenClaims:
        return self.tokens.verify(refresh_token, expected_type="refresh")

    def _token_pair(self, user_id, role: str, version: int, family: uuid.UUID, generation: int | None) -> dict:
        out = {
            "access_token": self.tokens.issue(user_id, role, "access", version=version, family=family),
            "token_type": "bearer",
            "expires_in": self.tokens.access_ttl,
        }
        if generation is not None:
            out["refresh_token"] = self.tokens.issue(
                user_id, role, "refresh", version=version, family=family, generation=generation
            )
        return out


def unsupported_grant(grant_type: str) -> RuleViolation:
    return RuleViolation(
        "grant_type must be password or client_credentials (refresh tokens go to POST /api/v1/auth/refresh)",
        [FieldError("grant_type", f"unsupported grant type {grant_type!r}")],
        code="unsupported_grant_type",
    )
