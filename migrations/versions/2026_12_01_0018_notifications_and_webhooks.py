"""notifications (R4, R5) and webhook subscriptions (R6)

- notification: one message to one recipient on one channel (`in_app`, `sms`, `email`,
  `wecom`, `dingtalk`) with its rendered Chinese text, its cause (rule, resource, id), the
  scope of that cause (enterprise, village, sector), and its delivery: status, attempts, the
  last error and when to try again. An in-app notification is a row the recipient reads;
  `dedupe_key` makes one notification per (rule, object, occasion, recipient, channel).
- org_unit_robot: the WeCom / DingTalk group-robot webhook of an org unit.
- webhook_subscription: a URL subscribed to event types, its secret, status, the last feed
  event it has taken (`after_seq`) and since when it has been failing.
- webhook_delivery: one feed event to one subscription; its id is the `webhook-id`.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UUID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", UUID, nullable=False),
        sa.Column("recipient_user_id", UUID, nullable=True),
        sa.Column("recipient_name", sa.String(100), nullable=True),
        sa.Column("recipient_role", sa.String(40), nullable=True),
        sa.Column("address", sa.String(320), nullable=True),
        sa.Column("org_unit_id", UUID, nullable=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject_type", sa.String(40), nullable=True),
        sa.Column("subject_id", UUID, nullable=True),
        sa.Column("enterprise_id", UUID, nullable=True),
        sa.Column("village_id", UUID, nullable=True),
        sa.Column("sector", sa.String(40), nullable=True),
        sa.Column("title", sa.String(200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dedupe_key", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("channel IN ('in_app', 'sms', 'email', 'wecom', 'dingtalk')", name="ck_notification_channel"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed', 'cancelled')", name="ck_notification_status"),
        sa.CheckConstraint("channel <> 'in_app' OR recipient_user_id IS NOT NULL", name="ck_notification_in_app_user"),
        sa.CheckConstraint("(status = 'sent') = (sent_at IS NOT NULL)", name="ck_notification_sent"),
        sa.ForeignKeyConstraint(["recipient_user_id"], ["app_user.id"], ondelete="CASCADE",
                                name="fk_notification_recipient_user_id_app_user"),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], name="fk_notification_org_unit_id_org_unit"),
        sa.PrimaryKeyConstraint("id", name="pk_notification"),
    )
    op.create_index("ix_notification_recipient_user_id_id", "notification", ["recipient_user_id", "id"])
    op.create_index("ix_notification_subject", "notification", ["subject_type", "subject_id", "id"])
    op.create_index("uq_notification_dedupe_key", "notification", ["dedupe_key"], unique=True)
    op.create_index(
        "ix_notification_due", "notification", ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending' AND channel <> 'in_app'"),
    )

    op.create_table(
        "org_unit_robot",
        sa.Column("org_unit_id", UUID, nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(200), nullable=True),
        sa.Column("updated_by", UUID, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("channel IN ('wecom', 'dingtalk')", name="ck_org_unit_robot_channel"),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"], ondelete="CASCADE",
                                name="fk_org_unit_robot_org_unit_id_org_unit"),
        sa.PrimaryKeyConstraint("org_unit_id", "channel", name="pk_org_unit_robot"),
    )

    op.create_table(
        "webhook_subscription",
        sa.Column("id", UUID, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("description", sa.String(200), nullable=True),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("status", sa.String(10), server_default="active", nullable=False),
        sa.Column("disabled_reason", sa.String(500), nullable=True),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("after_seq", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'disabled')", name="ck_webhook_subscription_status"),
        sa.CheckConstraint("(status = 'disabled') = (disabled_reason IS NOT NULL)",
                           name="ck_webhook_subscription_disabled_reason"),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], ondelete="CASCADE",
                                name="fk_webhook_subscription_created_by_app_user"),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscription"),
    )
    op.create_index("ix_webhook_subscription_created_by_id", "webhook_subscription", ["created_by", "id"])

    op.create_table(
        "webhook_delivery",
        sa.Column("id", UUID, nullable=False),
        sa.Column("subscription_id", UUID, nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="ck_webhook_delivery_status"),
        sa.ForeignKeyConstraint(["subscription_id"], ["webhook_subscription.id"], ondelete="CASCADE",
                                name="fk_webhook_delivery_subscription_id_webhook_subscription"),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_delivery"),
    )
    op.create_index("uq_webhook_delivery_subscription_event", "webhook_delivery", ["subscription_id", "event_id"],
                    unique=True)
    op.create_index("ix_webhook_delivery_subscription_seq", "webhook_delivery", ["subscription_id", "event_seq"])
    op.create_index(
        "ix_webhook_delivery_pending", "webhook_delivery", ["subscription_id", "event_seq"],
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_subscription")
    op.drop_table("org_unit_robot")
    op.drop_table("notification")
