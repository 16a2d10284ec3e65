"""SQLAlchemy 2 typed models. Schema changes go through alembic migrations only."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    FetchedValue,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.db.ids import uuid7
from app.domain.hazards import OPEN_STATES as _OPEN_STATES
from app.domain.hazards import HazardStatus as _HazardStatus

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
        CheckConstraint("(longitude IS NULL) = (latitude IS NULL)", name="location_both"),
        CheckConstraint(
            "longitude IS NULL OR (longitude BETWEEN -180 AND 180 AND latitude BETWEEN -90 AND 90)", name="location_range"
        ),
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
    # K6: WGS-84, both or neither
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
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
    # A5: every token carries it; the app_user_token_version trigger (migration 0011) bumps it
    # when the password, is_active, role, org unit or enterprise changes.
    token_version: Mapped[int] = mapped_column(Integer, server_default=text("0"), server_onupdate=FetchedValue())
    created_at: Mapped[datetime] = _created_at()


class RefreshFamily(Base):
    """A5: one login (a session) and its chain of refresh tokens. Only the token of the
    current generation may be exchanged; presenting an older one revokes the family, and
    every access token of a revoked family is refused."""

    __tablename__ = "refresh_family"
    __table_args__ = (
        CheckConstraint("revoked_reason IN ('reuse', 'logout')", name="revoked_reason"),
        CheckConstraint("(revoked_at IS NULL) = (revoked_reason IS NULL)", name="revoked"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    generation: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = _created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(16))


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


# The open states (app/domain/hazards.OPEN_STATES) as stored; conditions on them are
# app/db/hazard_rules.is_open().
OPEN_HAZARD_STATES: tuple[str, ...] = tuple(s.value for s in _HazardStatus if s in _OPEN_STATES)


class Hazard(Base):
    """A hazard (事故隐患) of one enterprise (H1); village and sector are copied from the
    enterprise at creation so that scoping and statistics need no join."""

    __tablename__ = "hazard"
    __table_args__ = (
        CheckConstraint("grade IN ('major', 'general')", name="grade"),
        CheckConstraint(
            "source IN ('self_inspection', 'supervision', 'enforcement', 'patrol', 'public_report', 'other')",
            name="source",
        ),
        CheckConstraint("status IN ('reported', 'rectifying', 'pending_review', 'closed', 'void')", name="status"),
        CheckConstraint("funds IS NULL OR funds >= 0", name="funds_non_negative"),
        CheckConstraint("extensions >= 0", name="extensions_non_negative"),
        Index("ix_hazard_village_id_status_id", "village_id", "status", "id"),
        Index("ix_hazard_sector_status_id", "sector", "status", "id"),
        Index("ix_hazard_enterprise_id_id", "enterprise_id", "id"),
        Index("ix_hazard_status_id", "status", "id"),
        Index("ix_hazard_discovered_on", "discovered_on"),
        Index(
            "ix_hazard_open_deadline",
            "deadline",
            postgresql_where=text(f"status IN ({', '.join(repr(v) for v in OPEN_HAZARD_STATES)})"),
        ),
        Index("ix_hazard_major_discovered_on", "discovered_on", postgresql_where=text("grade = 'major'")),
        # T1–T3 read every major hazard: this one answers them from the index alone.
        Index(
            "ix_hazard_major_cover",
            "discovered_on",
            postgresql_include=["status", "status_effective_on", "deadline", "deadline_set_on", "village_id",
                                "sector", "enterprise_id", "id"],
            postgresql_where=text("grade = 'major'"),
        ),
        Index("ix_hazard_inspection_id", "inspection_id", postgresql_where=text("inspection_id IS NOT NULL")),
        Index(
            "ix_hazard_supervision_task_id",
            "supervision_task_id",
            postgresql_where=text("supervision_task_id IS NOT NULL"),
        ),
        # K1: the criterion cited, of the library version in force when it was cited
        ForeignKeyConstraint(["criterion_version", "criterion_code"], ["criterion.version", "criterion.code"]),
        CheckConstraint("(criterion_version IS NULL) = (criterion_code IS NULL)", name="criterion_both"),
        Index("ix_hazard_criterion_code", "criterion_code", postgresql_where=text("criterion_code IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise.id"))
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    sector: Mapped[str] = mapped_column(ForeignKey("sector.code"))
    grade: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    criterion_ref: Mapped[str | None] = mapped_column(String(300))
    criterion_version: Mapped[int | None] = mapped_column(Integer)
    criterion_code: Mapped[str | None] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(300))
    discovered_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), server_default="reported")
    status_effective_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    # Business date of the step that set `deadline`: from then on the deadline in force is
    # this row's, so "deadline on D" needs the history only for D before it (T1–T3).
    deadline_set_on: Mapped[date | None] = mapped_column(Date)
    extensions: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    responsible_person: Mapped[str | None] = mapped_column(String(100))
    measures: Mapped[str | None] = mapped_column(Text)
    funds: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    contingency_plan: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    listed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_on: Mapped[date | None] = mapped_column(Date)
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inspection.id"))
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("public_report.id"))
    supervision_task_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("supervision_task.id", use_alter=True))
    # Never loaded (lazy="raise"): declared so that one flush inserts an inspection before
    # the hazards found in it, whatever order they were added in.
    inspection: Mapped[Inspection | None] = relationship(lazy="raise")
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()


class HazardHistory(Base):
    """H7: append-only; a trigger refuses UPDATE and DELETE."""

    __tablename__ = "hazard_history"
    __table_args__ = (Index("ix_hazard_history_hazard_id_id", "hazard_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    hazard_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hazard.id"))
    hazard: Mapped[Hazard] = relationship(lazy="raise")  # flush order only: the hazard first
    at: Mapped[datetime] = _created_at()
    effective_on: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict | None] = mapped_column(JSONB)


class Escalation(Base):
    """H9: letters, circulars, interviews, exposures and listed supervision, on a hazard or
    on an org unit."""

    __tablename__ = "escalation"
    __table_args__ = (
        CheckConstraint("kind IN ('letter', 'circular', 'interview', 'exposure')", name="kind"),
        CheckConstraint("(hazard_id IS NULL) <> (org_unit_id IS NULL)", name="one_target"),
        Index("ix_escalation_hazard_id", "hazard_id"),
        Index("ix_escalation_org_unit_id", "org_unit_id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hazard.id"))
    org_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    effective_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created_at()



class EscalationProposal(Base):
    """R3: a step of the escalation ladder proposed for an overdue major hazard, once per
    (hazard, overdue episode, step); accepted (the H9 escalation or listing it became is
    linked) or dismissed with a reason."""

    __tablename__ = "escalation_proposal"
    __table_args__ = (
        CheckConstraint("step IN ('letter', 'circular', 'interview', 'exposure', 'listing')", name="step"),
        CheckConstraint("status IN ('open', 'accepted', 'dismissed')", name="status"),
        UniqueConstraint("hazard_id", "episode", "step", name="uq_escalation_proposal_hazard_episode_step"),
        Index("ix_escalation_proposal_status_id", "status", "id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    hazard_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hazard.id"))
    step: Mapped[str] = mapped_column(String(12))
    episode: Mapped[str] = mapped_column(String(80))
    overdue_days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), server_default="open")
    escalation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("escalation.id"))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dismissed_reason: Mapped[str | None] = mapped_column(Text)
    proposed_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = _created_at()


class ReminderRuleSetting(Base):
    """R1: a reminder rule as street_admin changed it; a rule without a row has its defaults
    (app.domain.reminders.DEFAULT_RULES)."""

    __tablename__ = "reminder_rule"
    __table_args__ = (
        CheckConstraint(
            "code IN ('hazard_deadline', 'hazard_overdue', 'c1_period_end', 'c2_period_end', 'task_due', "
            "'task_overdue', 'targets_weekly')",
            name="code",
        ),
    )

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    offsets_days: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    recipients: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    channels: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    repeat_every_days: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _created_at()


class Reminder(Base):
    """R1, R2: one reminder of a rule for an object on an occasion, made once (the unique
    constraint) however many workers scan; `pending` until its send time, then `sent`, or
    `cancelled` when its cause has gone."""

    __tablename__ = "reminder"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sent', 'cancelled')", name="status"),
        UniqueConstraint("rule", "subject", "subject_id", "occasion", name="uq_reminder_rule_subject_occasion"),
        Index("ix_reminder_pending_send_at", "send_at", postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    rule: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(64))
    occasion: Mapped[str] = mapped_column(String(80))
    occasion_on: Mapped[date] = mapped_column(Date)
    reference_on: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    period: Mapped[str | None] = mapped_column(String(20))
    enterprise_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("enterprise.id"))
    send_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), server_default="pending")
    outcome: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created_at()


class Inspection(Base):
    __tablename__ = "inspection"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('principal_self', 'village_patrol', 'department', 'enforcement', 'supervision')", name="kind"
        ),
        Index("ix_inspection_enterprise_id_performed_on", "enterprise_id", "performed_on"),
        # C1 counts only these: the compliance query reads them from the index alone
        Index(
            "ix_inspection_c1",
            "enterprise_id",
            "performed_on",
            postgresql_where=text("kind = 'principal_self' AND led_by_principal"),
        ),
        Index("ix_inspection_village_id_id", "village_id", "id"),
        Index("ix_inspection_sector_id", "sector", "id"),
        Index("ix_inspection_checklist_id", "checklist_id", postgresql_where=text("checklist_id IS NOT NULL")),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise.id"))
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    sector: Mapped[str] = mapped_column(ForeignKey("sector.code"))
    kind: Mapped[str] = mapped_column(String(20))
    performed_on: Mapped[date] = mapped_column(Date)
    led_by_principal: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    inspector: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    findings_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    checklist_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("checklist.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created_at()


class Attachment(Base):
    """Evidence files, stored by content (sha256) under the attachments directory."""

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'application/pdf')", name="content_type"),
        Index("ix_attachment_sha256", "sha256"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(String(200))
    uploaded_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created_at()


class AttachmentLink(Base):
    """Which hazard or inspection an attachment belongs to, and as what."""

    __tablename__ = "attachment_link"
    __table_args__ = (
        CheckConstraint("purpose IN ('finding', 'plan', 'evidence', 'inspection')", name="purpose"),
        CheckConstraint("(hazard_id IS NULL) <> (inspection_id IS NULL)", name="one_owner"),
        Index("ix_attachment_link_attachment_id", "attachment_id"),
        Index("ix_attachment_link_hazard_id", "hazard_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    attachment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("attachment.id"))
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hazard.id"))
    inspection_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("inspection.id"))
    # flush order only: the hazard or inspection first
    hazard: Mapped[Hazard | None] = relationship(lazy="raise")
    inspection: Mapped[Inspection | None] = relationship(lazy="raise")
    purpose: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = _created_at()


class PublicReport(Base):
    """P1–P3: a report from the public; only a hash of its tracking code is kept."""

    __tablename__ = "public_report"
    __table_args__ = (
        CheckConstraint("status IN ('received', 'substantiated', 'unsubstantiated')", name="status"),
        Index("uq_public_report_tracking_hash", "tracking_hash", unique=True),
        Index("ix_public_report_status_id", "status", "id"),
        Index("ix_public_report_village_id_id", "village_id", "id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    tracking_hash: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(300))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))
    village_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), server_default="received")
    verification_note: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    reward_eligible: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    received_at: Mapped[datetime] = _created_at()


class Event(Base):
    """The change feed. A deferred trigger numbers each row (`seq`) inside COMMIT under one
    advisory lock, so `seq` follows commit order and a reader that saw N has seen every
    event below N (migration 0009)."""

    __tablename__ = "event"
    __table_args__ = (
        Index("ix_event_village_id_id", "village_id", "id"),
        Index("ix_event_sector_id", "sector", "id"),
        Index("uq_event_seq", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = _created_at()
    resource: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    enterprise_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    village_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    sector: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict | None] = mapped_column(JSONB)


class Drill(Base):
    """Emergency drills (§22); C2 counts `evacuation` drills."""

    __tablename__ = "drill"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('evacuation', 'fire', 'hazardous_chemical_leak', 'confined_space_rescue', "
            "'special_equipment', 'other')",
            name="kind",
        ),
        CheckConstraint("participants >= 0", name="participants_non_negative"),
        Index("ix_drill_enterprise_id_held_on", "enterprise_id", "held_on"),
        Index("ix_drill_c2", "enterprise_id", "held_on", postgresql_where=text("kind = 'evacuation'")),
        Index("ix_drill_village_id_id", "village_id", "id"),
        Index("ix_drill_sector_id", "sector", "id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise.id"))
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    sector: Mapped[str] = mapped_column(ForeignKey("sector.code"))
    kind: Mapped[str] = mapped_column(String(40))
    held_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[int] = mapped_column(Integer)
    scenario: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created_at()


class Training(Base):
    """Safety trainings (§4, §20); C4 counts passed focus trainings."""

    __tablename__ = "training"
    __table_args__ = (
        CheckConstraint(
            "trainee_role IN ('principal', 'fire_safety_responsible', 'safety_manager', 'special_operations', "
            "'employee')",
            name="trainee_role",
        ),
        CheckConstraint("hours > 0", name="hours_positive"),
        Index("ix_training_enterprise_id_held_on", "enterprise_id", "held_on"),
        Index("ix_training_village_id_id", "village_id", "id"),
        Index("ix_training_sector_id", "sector", "id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise.id"))
    village_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    sector: Mapped[str] = mapped_column(ForeignKey("sector.code"))
    trainee_role: Mapped[str] = mapped_column(String(40))
    trainee_name: Mapped[str | None] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    passed: Mapped[bool] = mapped_column(Boolean)
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created_at()


class SupervisionTask(Base):
    """S1–S3: supervision rounds, hazard oversight, plan measures and ad-hoc tasks."""

    __tablename__ = "supervision_task"
    __table_args__ = (
        CheckConstraint("kind IN ('supervision_round', 'hazard_oversight', 'plan_measure', 'ad_hoc')", name="kind"),
        CheckConstraint("status IN ('open', 'submitted', 'returned', 'accepted')", name="status"),
        CheckConstraint("kind <> 'supervision_round' OR target_org_unit_id IS NOT NULL", name="round_has_target"),
        CheckConstraint("kind <> 'hazard_oversight' OR hazard_id IS NOT NULL", name="oversight_has_hazard"),
        CheckConstraint("(status = 'accepted') = (completed_on IS NOT NULL)", name="completed_when_accepted"),
        Index("ix_supervision_task_assignee_org_unit_id", "assignee_org_unit_id", "id"),
        Index("ix_supervision_task_target_org_unit_id_id", "target_org_unit_id", "id"),
        Index("ix_supervision_task_target_completed", "target_org_unit_id", "completed_on",
              postgresql_where=text("kind = 'supervision_round' AND status = 'accepted'")),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    assignee_org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id"))
    target_org_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hazard.id"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), server_default="open")
    submission: Mapped[str | None] = mapped_column(Text)
    review_comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_on: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()


class TaskReferral(Base):
    """S3: misconduct found during supervision, handed over (移交) to the competent body."""

    __tablename__ = "task_referral"
    __table_args__ = (Index("ix_task_referral_task_id", "task_id"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("supervision_task.id"))
    referred_to: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(200))
    facts: Mapped[str] = mapped_column(Text)
    referred_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created_at()


class AuditLog(Base):
    """Every successful write: who did what to which resource, as the service that did it
    says, and where the request came from. Appended with the write in its unit of work.
    Each row carries a MAC under the audit key (not in the database) and rows are
    hash-chained in commit order (each holds the hash of the one before); signed
    checkpoints anchor the chain's head. `python -m app.cli verify-audit` names the first
    row that was changed, forged, removed or inserted."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("uq_audit_log_seq", "seq", unique=True),
        Index("ix_audit_log_actor_id_id", "actor_id", "id"),
        Index("ix_audit_log_resource_id", "resource_id"),
        Index("ix_audit_log_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    org_unit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    client_address: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
    # method, path and status_code: HTTP requests only (a command or a job has none)
    method: Mapped[str | None] = mapped_column(String(10))
    path: Mapped[str | None] = mapped_column(String(500))
    action: Mapped[str | None] = mapped_column(String(60))
    resource: Mapped[str | None] = mapped_column(String(40))
    resource_id: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    # HMAC-SHA256 of the fields above under the audit key `key_id` (app/domain/audit.py).
    key_id: Mapped[str | None] = mapped_column(String(32))
    mac: Mapped[str | None] = mapped_column(String(64))
    # Set inside COMMIT by a deferred trigger, under the commit-order lock (migration 0009):
    # the position in the chain, the previous row's hash, and this row's.
    seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signed chain head: row `seq` had hash `hash` when the chain up to it was verified
    at `at`; `mac` is under the audit key `key_id`. Rows up to a checkpoint cannot be
    removed, inserted or re-hashed without breaking it."""

    __tablename__ = "audit_checkpoint"
    __table_args__ = (Index("ix_audit_checkpoint_seq", "seq"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    key_id: Mapped[str] = mapped_column(String(32))
    mac: Mapped[str] = mapped_column(String(64))


class AnalyticsCache(Base):
    """Answers of the expensive read-only aggregates (compliance, targets, statistics, the
    dashboard), keyed by their parameters and scope, valid for one `version`: the head of
    the audit trail when they were computed. Every write appends to the audit trail, so
    an entry is served only while no write has happened since — exact, never stale —
    and every worker shares it."""

    __tablename__ = "analytics_cache"

    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = _created_at()


class LedgerImport(Base):
    """I1–I3: an uploaded ledger file, its validation and its commit. The file is kept (a
    validation can run again, and the failing rows go back as a spreadsheet); so are the
    uploader's scope and the day of the upload, which the rows were checked against."""

    __tablename__ = "ledger_import"
    __table_args__ = (
        CheckConstraint("kind IN ('enterprises', 'hazards', 'inspections', 'drills', 'trainings')", name="kind"),
        CheckConstraint("status IN ('validating', 'ready', 'failed', 'committing', 'committed')", name="status"),
        CheckConstraint("file_format IN ('xlsx', 'csv')", name="file_format"),
        CheckConstraint("scope_kind IN ('all', 'sectors', 'village')", name="scope_kind"),
        CheckConstraint("(status = 'committed') = (committed_at IS NOT NULL)", name="committed"),
        Index("ix_ledger_import_org_unit_id_id", "org_unit_id", "id"),
        Index("ix_ledger_import_kind_sha256", "kind", "sha256"),
        # I2: the same file is imported once
        Index(
            "uq_ledger_import_committed_file", "kind", "sha256", unique=True,
            postgresql_where=text("status IN ('committing', 'committed')"),
        ),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), server_default="validating")
    file_format: Mapped[str] = mapped_column(String(8))
    encoding: Mapped[str | None] = mapped_column(String(16))
    filename: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_by_role: Mapped[str] = mapped_column(String(32))
    org_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    scope_kind: Mapped[str] = mapped_column(String(16))
    scope_village_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    scope_sectors: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"))
    today: Mapped[date] = mapped_column(Date)
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    valid: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    invalid: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    duplicates: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    skip_invalid: Mapped[bool | None] = mapped_column(Boolean)
    committed_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    committed_by_role: Mapped[str | None] = mapped_column(String(32))
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_count: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()


class LedgerImportError(Base):
    """I2: one error of an import's row (or of its header row, row 1), as the preview shows
    it; `duplicate` marks a row that repeats an earlier one or the database."""

    __tablename__ = "ledger_import_error"
    __table_args__ = (Index("ix_ledger_import_error_import_id_row_id", "import_id", "row", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("ledger_import.id", ondelete="CASCADE"))
    row: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(100))
    value: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    duplicate: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class LedgerImportRow(Base):
    """A valid row of an import, staged (COPY) until the commit's INSERT … SELECT: its typed
    values as JSON, the id it will be created with and what it was resolved to."""

    __tablename__ = "ledger_import_row"

    import_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ledger_import.id", ondelete="CASCADE"), primary_key=True
    )
    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    enterprise_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    village_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    data: Mapped[dict] = mapped_column(JSONB)




_TAGS_CHECK = (
    "tags <@ ARRAY['hospital_grade2', 'hospital_grade3', 'dust_explosion', "
    "'ammonia_refrigeration', 'confined_space', 'large_commercial_complex']::varchar[]"
)


class CriteriaVersion(Base):
    """K1: one loaded version of the criteria library; the highest is in force."""

    __tablename__ = "criteria_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    note: Mapped[str | None] = mapped_column(Text)
    criteria_count: Mapped[int] = mapped_column(Integer)
    loaded_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    loaded_at: Mapped[datetime] = _created_at()


class CriteriaDocument(Base):
    """K1: a published document of a library version, with its sources and known gaps."""

    __tablename__ = "criteria_document"
    __table_args__ = (UniqueConstraint("version", "number"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    version: Mapped[int] = mapped_column(ForeignKey("criteria_version.version"))
    title: Mapped[str] = mapped_column(String(300))
    issuer: Mapped[str] = mapped_column(String(300))
    number: Mapped[str] = mapped_column(String(100))
    published_on: Mapped[date | None] = mapped_column(Date)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    complete: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str | None] = mapped_column(Text)
    sources: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    missing: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    notes: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))


class Criterion(Base):
    """K1: one criterion of a library version; its wording is stored as published."""

    __tablename__ = "criterion"
    __table_args__ = (
        CheckConstraint("grade IN ('major', 'general')", name="grade"),
        Index("ix_criterion_sectors", "sectors", postgresql_using="gin"),
        Index("ix_criterion_document_id", "document_id"),
    )

    version: Mapped[int] = mapped_column(ForeignKey("criteria_version.version"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("criteria_document.id"))
    position: Mapped[int] = mapped_column(Integer)
    article: Mapped[str | None] = mapped_column(String(50))
    item: Mapped[str | None] = mapped_column(String(50))
    article_text: Mapped[str | None] = mapped_column(Text)
    sectors: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"))
    grade: Mapped[str] = mapped_column(String(10))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    source_ids: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"))
    text: Mapped[str] = mapped_column(Text)  # last: it shadows sqlalchemy's text() in the class body


class Checklist(Base):
    """K3: one version of a checklist; versions of one checklist share `series_id`.
    `revision` counts in-place edits of a version no inspection uses yet (its ETag)."""

    __tablename__ = "checklist"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(_TAGS_CHECK, name="tags"),
        CheckConstraint("cardinality(sectors) + cardinality(tags) > 0", name="applies"),
        UniqueConstraint("series_id", "version"),
        Index("ix_checklist_sectors", "sectors", postgresql_using="gin"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    series_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    sectors: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"))
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(40)), server_default=text("'{}'"))
    is_default: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    revision: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()


class ChecklistItem(Base):
    __tablename__ = "checklist_item"
    __table_args__ = (
        CheckConstraint("grade IN ('major', 'general')", name="grade"),
        CheckConstraint("(criterion_version IS NULL) = (criterion_code IS NULL)", name="criterion_both"),
        ForeignKeyConstraint(["criterion_version", "criterion_code"], ["criterion.version", "criterion.code"]),
        UniqueConstraint("checklist_id", "position"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    checklist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    criterion_version: Mapped[int | None] = mapped_column(Integer)
    criterion_code: Mapped[str | None] = mapped_column(String(64))
    grade: Mapped[str] = mapped_column(String(10))


class InspectionItemResult(Base):
    """K3: an inspection's result for one item of its checklist; a failed item's hazard."""

    __tablename__ = "inspection_item_result"
    __table_args__ = (
        CheckConstraint("result IN ('pass', 'fail', 'not_applicable')", name="result"),
        CheckConstraint("(result = 'fail') = (hazard_id IS NOT NULL)", name="fail_hazard"),
        Index("ix_inspection_item_result_item_id", "item_id", "result"),
    )

    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspection.id"), primary_key=True)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("checklist_item.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    attachment_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)), server_default=text("'{}'"))
    hazard_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("hazard.id"))
    # flush order only: the inspection and the hazard first
    inspection: Mapped[Inspection] = relationship(lazy="raise")
    hazard: Mapped[Hazard | None] = relationship(lazy="raise")


class RiskOverride(Base):
    """K4: an official's level for an enterprise (null: back to the computed level), with
    the reason and the computed level and score at the time; append-only history."""

    __tablename__ = "risk_override"
    __table_args__ = (
        CheckConstraint("level IS NULL OR level IN ('red', 'orange', 'yellow', 'blue')", name="level"),
        CheckConstraint("computed_level IN ('red', 'orange', 'yellow', 'blue')", name="computed_level"),
        Index("ix_risk_override_enterprise_id_id", "enterprise_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    enterprise_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enterprise.id"))
    level: Mapped[str | None] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    computed_level: Mapped[str] = mapped_column(String(10))
    score: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    created_by_role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = _created_at()


NOTIFICATION_CHANNELS = ("in_app", "sms", "email", "wecom", "dingtalk")
NOTIFICATION_STATES = ("pending", "sent", "failed", "cancelled")


class Notification(Base):
    """R5: one message to one recipient on one channel, with its cause and its delivery.
    The recipient is a user (`recipient_user_id`; every in-app notification has one) or a
    person outside the service reached by phone or e-mail (`address`, e.g. a principal), or
    an org unit's group robot (`org_unit_id`, channels wecom/dingtalk). Enterprise, village
    and sector are those of the cause, for scoping."""

    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint("channel IN ('in_app', 'sms', 'email', 'wecom', 'dingtalk')", name="channel"),
        CheckConstraint("status IN ('pending', 'sent', 'failed', 'cancelled')", name="status"),
        CheckConstraint("channel <> 'in_app' OR recipient_user_id IS NOT NULL", name="in_app_user"),
        CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="sent"),
        Index("ix_notification_recipient_user_id_id", "recipient_user_id", "id"),
        Index("ix_notification_subject", "subject_type", "subject_id", "id"),
        Index("uq_notification_dedupe_key", "dedupe_key", unique=True),
        Index("ix_notification_due", "next_attempt_at",
              postgresql_where=text("status = 'pending' AND channel <> 'in_app'")),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    recipient_name: Mapped[str | None] = mapped_column(String(100))
    recipient_role: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(320))
    org_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("org_unit.id"))
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    enterprise_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    village_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    sector: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column("text", Text)
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dedupe_key: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OrgUnitRobot(Base):
    """R5: an org unit's WeCom or DingTalk group robot (its webhook URL, SSRF-checked, and
    DingTalk's 加签 secret)."""

    __tablename__ = "org_unit_robot"
    __table_args__ = (CheckConstraint("channel IN ('wecom', 'dingtalk')", name="channel"),)

    org_unit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str | None] = mapped_column(String(200))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = _created_at()


class WebhookSubscription(Base):
    """R6: a URL subscribed to event types. It sees what its creator sees; `after_seq` is
    the last feed event it has taken into its deliveries."""

    __tablename__ = "webhook_subscription"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'disabled')", name="status"),
        CheckConstraint("(status = 'disabled') = (disabled_reason IS NOT NULL)", name="disabled_reason"),
        Index("ix_webhook_subscription_created_by_id", "created_by", "id"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    url: Mapped[str] = mapped_column(String(2000))
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    description: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), server_default="active")
    disabled_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    after_seq: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    failing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()


class WebhookDelivery(Base):
    """R6: one feed event to one subscription; `id` is the `webhook-id` of every attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        Index("uq_webhook_delivery_subscription_event", "subscription_id", "event_id", unique=True),
        Index("ix_webhook_delivery_subscription_seq", "subscription_id", "event_seq"),
        Index("ix_webhook_delivery_pending", "subscription_id", "event_seq", postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_subscription.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(BigInteger)
    event_seq: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created_at()


# The job engine's tables (PgQueuer's, created by migration 0017): not mapped here, read
# through app/jobs.
ENGINE_TABLES = frozenset({"pgqueuer", "pgqueuer_log", "pgqueuer_schedules", "pgqueuer_statistics"})


# The analytics read model (app/db/repositories/read_model.py): kept by triggers, never
# written by the application, so plain tables; counter rows are unique on every key
# column, NULL included.
def _counter(name: str, *columns: Column) -> Table:
    keys = [c.name for c in columns]
    return Table(
        name, Base.metadata, *columns, Column("n", Integer, nullable=False),
        UniqueConstraint(*keys, name=f"uq_{name}", postgresql_nulls_not_distinct=True),
    )


rm_hazard_cell = _counter(
    "rm_hazard_cell",
    Column("enterprise_id", UUID(as_uuid=True)), Column("village_id", UUID(as_uuid=True)), Column("sector", String),
    Column("source", String), Column("grade", String), Column("status", String), Column("discovered_on", Date),
    Column("deadline", Date), Column("days", Integer),
)
Index("ix_rm_hazard_cell_village", rm_hazard_cell.c.village_id)
Index("ix_rm_hazard_cell_sector", rm_hazard_cell.c.sector)
rm_hazard_roll = _counter(
    "rm_hazard_roll",
    Column("gs", SmallInteger), Column("village_id", UUID(as_uuid=True)), Column("sector", String),
    Column("source", String), Column("month", Date), Column("grade", String), Column("status", String),
    Column("deadline", Date), Column("days", Integer), Column("shard", SmallInteger),
)
Index("ix_rm_hazard_roll_sector", rm_hazard_roll.c.gs, rm_hazard_roll.c.sector)
rm_event_day = _counter(
    "rm_event_day", Column("enterprise_id", UUID(as_uuid=True)), Column("code", SmallInteger), Column("day", Date)
)
rm_training_year = _counter(
    "rm_training_year", Column("enterprise_id", UUID(as_uuid=True)), Column("year", Integer),
    Column("trainee_role", String),
)
rm_supervision_done = _counter(
    "rm_supervision_done", Column("org_unit_id", UUID(as_uuid=True)), Column("completed_on", Date)
)
rm_major = Table(
    "rm_major", Base.metadata,
    Column("hazard_id", UUID(as_uuid=True), primary_key=True),
    Column("enterprise_id", UUID(as_uuid=True), nullable=False),
    Column("village_id", UUID(as_uuid=True)),
    Column("sector", String(40)),
    Column("discovered_on", Date, nullable=False),
    Column("listed", Boolean, nullable=False),
    Index("ix_rm_major_village", "village_id"),
    Index("ix_rm_major_sector", "sector"),
    Index("ix_rm_major_enterprise", "enterprise_id"),
)
rm_major_span = Table(
    "rm_major_span", Base.metadata,
    Column("hazard_id", UUID(as_uuid=True), primary_key=True),
    Column("valid_from", Date, primary_key=True),
    Column("valid_to", Date),
    Column("status", String(20)),
    Column("deadline", Date),
)
