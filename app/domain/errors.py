"""Domain errors: they carry no HTTP; app/api/errors.py maps them to RFC 9457 responses."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    code: str = "domain_error"

    def __init__(self, detail: str, *, code: str | None = None, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.extra = extra


class NotFound(DomainError):
    """The object does not exist or the caller may not see it (A2)."""

    code = "not_found"


class Forbidden(DomainError):
    """The caller sees the object but may not take this action (A2)."""

    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class StaleVersion(DomainError):
    """If-Match named a version that is no longer current."""

    code = "precondition_failed"


@dataclass
class RuleViolation(DomainError):
    """Input that breaks a rule; `errors` name the fields."""

    detail: str
    errors: list[FieldError] = field(default_factory=list)
    code: str = "rule_violation"

    def __post_init__(self) -> None:
        super().__init__(self.detail, code=self.code)


class InvalidTransition(Conflict):
    """H2: the action is not allowed from the current state."""

    code = "invalid_transition"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class TooManyRequests(DomainError):
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after = max(1, int(retry_after))


class Unavailable(DomainError):
    """The database cannot be reached now (down, restarting, connections lost): answered
    with 503 and Retry-After; a retry with the same Idempotency-Key is safe."""

    code = "database_unavailable"

    def __init__(self, detail: str = "the database is unavailable; retry shortly", *, retry_after: int = 3) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
