"""SQLAlchemy 2 typed models. Schema changes go through alembic migrations only."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.db.ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid7)


def _created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class OrgUnit(Base):
    __tablename__ = "org_unit"
    __table_args__ = (
        CheckConstraint("kind IN ('street_office', 'department', 'village')", name="kind"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(50), unique=True)
    created_at: Mapped[datetime] = _created_at()


class Sector(Base):
    __tablename__ = "sector"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    lead_department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    high_risk_default: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)


class Enterprise(Base):
    __tablename__ = "enterprise"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended', 'closed')", name="status"),
        CheckConstraint("standardization_level IN ('none', '3', '2', '1')", name="standardization_level"),
        CheckConstraint(
            "tags <@ ARRAY['hospital_grade2', 'hospital_grade3', 'dust_explosion', "
            "'ammonia_refrigeration', 'confined_space', 'large_commercial_complex']::varchar[]",
            name="tags",
        ),
        CheckConstraint("char_length(credit_code) = 18", name="credit_code_length"),
        Index("ix_enterprise_village_id_id", "village_id", "id"),
        Index("ix_enterprise_sector_id", "sector", "id"),
        Index("ix_enterprise_tags", "tags", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    sector: Mapped[str] = mapped_column(ForeignKey("sector.code"))
    high_risk: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    registered_on: Mapped[date] = mapped_column(Date)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"))
    principal_name: Mapped[str] = mapped_column(String(100))
    principal_phone: Mapped[str] = mapped_column(String(20))
    controller_name: Mapped[str] = mapped_column(String(100))
    controller_phone: Mapped[str] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(300))
    standardization_level: Mapped[str] = mapped_column(String(4), server_default="none")
    benchmark: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()


class EnterpriseState(Base):
    """Status and high-risk flag over time, by business date: the cadence engine (C1, C2)
    needs what was true on past dates."""

    __tablename__ = "enterprise_state"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'suspended', 'closed')", name="status"),
        Index("ix_enterprise_state_enterprise_id_effective_on", "enterprise_id", "effective_on", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    effective_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    high_risk: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = _created_at()


class AppUser(Base):
    __tablename__ = "app_user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('street_admin', 'supervisor', 'department_officer', 'village_officer', "
            "'enterprise_user', 'district_viewer')",
            name="role",
        ),
        CheckConstraint("(role = 'enterprise_user') = (enterprise_id IS NOT NULL)", name="enterprise_link"),
        Index("uq_app_user_username_lower", func.lower(text("username")), unique=True),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    org_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    enterprise_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enterprise.id"))
    display_name: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = _created_at()


class IdempotencyRecord(Base):
    """The first answer to a POST with an Idempotency-Key, replayed to retries."""

    __tablename__ = "idempotency_record"

    principal: Mapped[str] = mapped_column(String(80), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(500))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    headers: Mapped[dict | None] = mapped_column(JSONB)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _created_at()


class RateCounter(Base):
    """Fixed-window counters shared by every worker (login throttle, rate limits)."""

    __tablename__ = "rate_counter"

    bucket: Mapped[str] = mapped_column(String(300), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
