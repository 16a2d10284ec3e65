"""Configuration: one pydantic-settings class, env prefix ANQUAN_ (DATABASE_URL is also read as is)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.domain.audit import AuditKeys
from app.domain.errors import RuleViolation
from app.domain.risk import DEFAULT_SCORING, RiskScoring, scoring_from_config

DEV_JWT_SECRET = "dev-only-insecure-secret-change-me-0123456789abcdef"
DEV_AUDIT_KEY = "dev-only-insecure-audit-key-change-me-0123456789ab"


class Settings(BaseSettings):
    # hide_input_in_errors: a rejected value may be a secret (a key, a password, an auth header)
    model_config = SettingsConfigDict(
        env_prefix="ANQUAN_", extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    env: Literal["dev", "test", "production"] = "dev"
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ANQUAN_DATABASE_URL", "DATABASE_URL")
    )
    data_dir: Path = Path("var")
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)

    # JWT: several verification keys may be accepted by `kid` (rotation), one signs.
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_kid: str = "k1"
    jwt_previous_keys: dict[str, SecretStr] = Field(default_factory=dict)
    jwt_issuer: str = "anquan"
    jwt_audience: str = "anquan-api"
    access_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    refresh_token_ttl_seconds: int = Field(default=14 * 86400, ge=300, le=90 * 86400)

    # The audit trail's MAC and checkpoint key: not in the database, so whoever can write
    # the database still cannot rewrite the trail unnoticed. Rotation as for the JWT keys.
    audit_key: SecretStr = SecretStr(DEV_AUDIT_KEY)
    audit_key_id: str = Field(default="a1", min_length=1, max_length=32, pattern=r"^[A-Za-z0-9._-]+$")
    audit_previous_keys: dict[str, SecretStr] = Field(default_factory=dict)

    argon2_time_cost: int = Field(default=3, ge=1, le=10)
    argon2_memory_kib: int = Field(default=65536, ge=1024, le=1048576)

    # Throttles and rate limits (counters live in PostgreSQL, shared by all workers).
    login_max_failures: int = Field(default=5, ge=1)
    login_failure_window_seconds: int = Field(default=900, ge=1)
    auth_rate_per_minute: int = Field(default=60, ge=1)
    public_report_rate_per_hour: int = Field(default=10, ge=1)

    bootstrap_admin_username: str | None = None
    bootstrap_admin_password: SecretStr | None = None

    attachments_dir: Path | None = None
    attachment_max_bytes: int = 10 * 1024 * 1024
    request_max_bytes: int = 1024 * 1024
    # Ledger imports (I1): the file, what an .xlsx may expand to, and the cells its sheet may
    # span (the reader holds a sheet as one rectangle: a cell at XFD1048576 would cost gigabytes).
    import_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    import_max_expanded_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    import_max_cells: int = Field(default=2_000_000, ge=1000)
    cors_origins: list[str] = Field(default_factory=list)
    # K4: the risk score's points, caps and thresholds as JSON (fields of app/domain/risk.py's
    # RiskScoring; what is left out keeps its default)
    risk_scoring: Annotated[dict[str, Any] | None, NoDecode] = Field(default=None)
    # Serve repeated analytics questions from PostgreSQL until the next write (exact).
    analytics_cache: bool = True
    # The demo street with its history (app/db/demo.py) on an empty database, in dev.
    demo: bool = True
    # Where analytics come from: the read model kept by the writes (docs/architecture.md), or
    # the reference computation over the whole ledger (slow; the yardstick the tests hold
    # the read model to, and a fallback while `rebuild-read-model` repairs it).
    analytics_source: Literal["read_model", "reference"] = "read_model"
    trust_forwarded_for: bool = False

    @field_validator("database_url")
    @classmethod
    def _postgresql_url(cls, url: str | None) -> str | None:
        if url:
            to_async_url(url)  # the scheme only is named in the error, never the URL (a password)
        return url or None

    # --- Outbound channels (app/channels; R4-R6). JSON values are parsed here, and a bad one
    # is an error naming its variable, never echoing the value. ---
    channel_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # the URL and the body template may carry an API key too, so they stay out of repr
    sms_gateway_url: str | None = Field(default=None, repr=False)
    sms_gateway_headers: Annotated[dict[str, SecretStr], NoDecode] = Field(default_factory=dict)
    sms_gateway_body: Annotated[dict[str, Any] | list[Any] | None, NoDecode] = Field(default=None, repr=False)
    smtp_host: str | None = None
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_from: str | None = None
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    webhook_allowed_private_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # R5: at most this many messages to one address (phone, e-mail, robot) on one channel per
    # hour; the rest wait for the next hour
    notify_rate_limit_per_hour: int = Field(default=20, ge=1, le=100_000)

    # The job engine (app/jobs): ./scripts/run runs a worker inside the API process unless this
    # is false (it sets the default to true for itself); `python -m app.cli worker` runs them apart.
    worker_in_process: bool = False
    # R3's thresholds as a JSON object of the ones changed, e.g. {"circular": 10}; the others
    # keep their defaults (letter 1, circular 15, interview 30, exposure 60 overdue days;
    # listing after 2 extensions and 1 overdue day)
    escalation_thresholds: Annotated[dict[str, Any], NoDecode] = Field(default_factory=dict)

    @field_validator("escalation_thresholds", mode="before")
    @classmethod
    def _parse_thresholds(cls, value: Any) -> Any:
        from app.domain.errors import RuleViolation
        from app.domain.escalation import thresholds_from

        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f"ANQUAN_ESCALATION_THRESHOLDS is not valid JSON (line {exc.lineno}, column {exc.colno})"
                ) from None
        if not isinstance(value, dict):
            raise ValueError("ANQUAN_ESCALATION_THRESHOLDS must be a JSON object of threshold names to days")
        try:
            thresholds_from(value)
        except RuleViolation as exc:
            problems = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
            raise ValueError(f"ANQUAN_ESCALATION_THRESHOLDS: {problems or exc.detail}") from None
        return value

    @property
    def thresholds(self) -> Any:
        """R3's thresholds (app.domain.escalation.EscalationThresholds)."""
        from app.domain.escalation import thresholds_from

        return thresholds_from(self.escalation_thresholds)

    @field_validator("sms_gateway_url", "smtp_host", "smtp_from", "smtp_username", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("sms_gateway_url")
    @classmethod
    def _check_sms_url(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("ANQUAN_SMS_GATEWAY_URL must be an http or https URL")
        return value

    @field_validator("sms_gateway_headers", "sms_gateway_body", "webhook_allowed_private_hosts", mode="before")
    @classmethod
    def _parse_channel_json(cls, value: Any, info: ValidationInfo) -> Any:
        name = f"ANQUAN_{(info.field_name or '').upper()}"
        if isinstance(value, str):
            if not value.strip():  # set but empty: as if unset
                return {"sms_gateway_headers": {}, "sms_gateway_body": None}.get(info.field_name or "", [])
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
        if info.field_name == "sms_gateway_headers":
            _check_headers(name, value)
        elif info.field_name == "sms_gateway_body":
            _check_body_template(name, value)
        elif not isinstance(value, list) or not all(isinstance(h, str) and h.strip() for h in value):
            raise ValueError(f"{name} must be a JSON list of host names or addresses")
        return value

    @field_validator("risk_scoring", mode="before")
    @classmethod
    def _parse_risk_scoring(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"ANQUAN_RISK_SCORING is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
        if value is not None:
            try:
                scoring_from_config(value)
            except RuleViolation as exc:
                problems = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
                raise ValueError(f"ANQUAN_RISK_SCORING: {problems}") from None
        return value

    @property
    def scoring(self) -> RiskScoring:
        """K4: the configured risk scoring (the defaults of app/domain/risk.py otherwise)."""
        return DEFAULT_SCORING if self.risk_scoring is None else scoring_from_config(self.risk_scoring)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        # An empty HMAC key lets anybody sign tokens, so it is refused even in dev; outside
        # dev every key that verifies tokens (the rotation keys too) must be a real secret.
        secret = self.jwt_secret.get_secret_value()
        if not secret or (self.env != "dev" and (secret == DEV_JWT_SECRET or len(secret) < 32)):
            raise ValueError(
                "ANQUAN_JWT_SECRET must be set to a random value of at least 32 characters "
                f"when ANQUAN_ENV={self.env}"
            )
        for kid, key in self.jwt_previous_keys.items():
            previous = key.get_secret_value()
            if not previous or (self.env != "dev" and (previous == DEV_JWT_SECRET or len(previous) < 32)):
                raise ValueError(
                    f"ANQUAN_JWT_PREVIOUS_KEYS: the key {kid!r} must be a random value of at least 32 characters "
                    f"when ANQUAN_ENV={self.env}"
                )
        for name, key in [("ANQUAN_AUDIT_KEY", self.audit_key)] + [
            (f"audit_previous_keys[{kid!r}]", k) for kid, k in self.audit_previous_keys.items()
        ]:
            value = key.get_secret_value()
            if not value or (self.env != "dev" and (value == DEV_AUDIT_KEY or len(value) < 32)):
                raise ValueError(
                    f"{name} must be set to a random value of at least 32 characters when ANQUAN_ENV={self.env}"
                )
        if self.audit_key_id in self.audit_previous_keys:
            raise ValueError("ANQUAN_AUDIT_KEY_ID names a previous key too; give the new key a new id")
        return self

    @property
    def audit_keys(self) -> AuditKeys:
        keys = {kid: k.get_secret_value().encode() for kid, k in self.audit_previous_keys.items()}
        keys[self.audit_key_id] = self.audit_key.get_secret_value().encode()
        return AuditKeys(self.audit_key_id, keys)

    @property
    def attachments_path(self) -> Path:
        return self.attachments_dir or (self.data_dir / "attachments")

    @property
    def async_database_url(self) -> str | None:
        return to_async_url(self.database_url) if self.database_url else None


def env_name(field: str) -> str:
    """The environment variable that sets a field of Settings."""
    if field == "database_url":
        return "DATABASE_URL"
    return "ANQUAN_" + field.upper()

def _check_headers(name: str, value: Any) -> None:
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be a JSON object of header names to values")
    for key, item in value.items():
        if isinstance(item, SecretStr):
            item = item.get_secret_value()
        if not isinstance(item, str):
            raise ValueError(f"{name}: the value of header {key!r} must be a string")
        if not key or any(c in key for c in ":\r\n \t") or "\r" in item or "\n" in item:
            raise ValueError(f"{name}: header {key!r} has an invalid name or a line break in its value")


def _check_body_template(name: str, value: Any) -> None:
    from app.channels.sms import PLACEHOLDERS, template_placeholders

    if value is None:
        return
    if not isinstance(value, dict | list):
        raise ValueError(f"{name} must be a JSON object (or array) template")
    missing = sorted(PLACEHOLDERS - template_placeholders(value))
    if missing:
        raise ValueError(f"{name} must contain " + " and ".join("{" + m + "}" for m in missing) + " in its values")


def to_async_url(url: str) -> str:
    """Accept the plain `postgresql://user@host/db` form and return the asyncpg form."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        scheme = "postgresql+asyncpg"
    elif scheme != "postgresql+asyncpg":
        raise ValueError(f"unsupported database URL scheme {parts.scheme!r} (expected postgresql://user@host/db)")
    query = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key == "sslmode":  # libpq spelling; asyncpg calls it ssl
            key = "ssl"
        query.append((key, value))
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def to_plain_url(url: str) -> str:
    """The libpq/asyncpg form of a URL (for asyncpg.connect and tools)."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, parts.fragment))


@lru_cache
def get_settings() -> Settings:
    return Settings()
