"""Password hashing (argon2) and JWTs (python-jose, algorithm pinned, claims checked)."""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from jose import jwt
from jose.exceptions import JOSEError

from app.settings import Settings

ALGORITHM = "HS256"  # pinned: a token naming any other algorithm (or none) is rejected


class PasswordHashing:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib, parallelism=1
        )
        self._dummy: str | None = None

    def _dummy_hash(self) -> str:
        # Verifying against a dummy hash keeps unknown usernames as slow as wrong passwords;
        # made on the first unknown username (not at start-up, which it would slow down).
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy_hash(), password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    subject: uuid.UUID
    role: str
    token_type: str
    expires_at: int
    jti: str
    version: int  # the user's token_version when issued (A5)
    family: uuid.UUID | None  # the session (refresh family) the token belongs to
    generation: int | None  # refresh tokens: their place in the family's rotation


class TokenService:
    """Signs with the active key (`kid` in the header); verifies with any key it knows,
    chosen by `kid`, so keys can be rotated without logging everybody out."""

    def __init__(self, settings: Settings) -> None:
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.access_ttl = settings.access_token_ttl_seconds
        self.refresh_ttl = settings.refresh_token_ttl_seconds
        self.active_kid = settings.jwt_kid
        self.keys: dict[str, str] = {kid: s.get_secret_value() for kid, s in settings.jwt_previous_keys.items()}
        self.keys[self.active_kid] = settings.jwt_secret.get_secret_value()
        # Verified tokens, until they expire: a pure function's memo, not shared state —
        # whatever a worker caches, every other worker would compute the same.
        self._verified: dict[tuple[str, str], TokenClaims] = {}

    def issue(
        self,
        user_id: uuid.UUID,
        role: str,
        token_type: str = "access",
        *,
        version: int = 0,
        family: uuid.UUID | None = None,
        generation: int | None = None,
        now: float | None = None,
    ) -> str:
        issued = int(now if now is not None else time.time())
        ttl = self.access_ttl if token_type == "access" else self.refresh_ttl
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": str(user_id),
            "role": role,
            "typ": token_type,
            "ver": version,
            "iat": issued,
            "nbf": issued,
            "exp": issued + ttl,
            "jti": secrets.token_urlsafe(12),
        }
        if family is not None:
            claims["fid"] = str(family)
        if token_type == "refresh":
            if family is None or generation is None:
                raise ValueError("a refresh token belongs to a family and has a generation")
            claims["gen"] = generation
        return jwt.encode(claims, self.keys[self.active_kid], algorithm=ALGORITHM, headers={"kid": self.active_kid})

    def verify(self, token: str, expected_type: str = "access") -> TokenClaims:
        cached = self._verified.get((token, expected_type))
        if cached is not None and cached.expires_at > time.time():
            return cached
        claims = self._verify(token, expected_type)
        if len(self._verified) >= 20_000:
            self._verified.clear()
        self._verified[(token, expected_type)] = claims
        return claims

    def _verify(self, token: str, expected_type: str) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise InvalidToken("malformed token") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("algorithm not accepted")
        kid = header.get("kid")
        key = self.keys.get(kid) if isinstance(kid, str) else None
        if not key:  # an unknown kid, a kid that is no string, or an empty key
            raise InvalidToken("unknown key id")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_aud": True,
                    "require_iat": True,
                    "require_exp": True,
                    "require_iss": True,
                    "require_sub": True,
                    "leeway": 0,
                },
            )
        except JOSEError as exc:
            raise InvalidToken(str(exc) or "invalid token") from exc
        if claims.get("typ") != expected_type:
            raise InvalidToken("wrong token type")
        role = claims.get("role")
        if not isinstance(role, str):
            raise InvalidToken("role claim missing")
        try:
            subject = uuid.UUID(str(claims["sub"]))
        except ValueError as exc:
            raise InvalidToken("bad subject") from exc
        version = claims.get("ver")
        if not _is_int(version):  # tokens from before token versions are refused (A5)
            raise InvalidToken("token version missing")
        family: uuid.UUID | None = None
        if "fid" in claims:
            try:
                family = uuid.UUID(str(claims["fid"]))
            except ValueError as exc:
                raise InvalidToken("bad session id") from exc
        generation = claims.get("gen")
        if expected_type == "refresh" and (family is None or not _is_int(generation)):
            raise InvalidToken("refresh token without a session")
        return TokenClaims(
            subject,
            role,
            expected_type,
            int(claims["exp"]),
            str(claims.get("jti", "")),
            version,
            family,
            generation if _is_int(generation) else None,
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31
