"""Notifications (R4, R5), group robots and webhook subscriptions (R6)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import ConfigDict, Field

from app.api.schemas import examples as ex
from app.api.schemas.common import InputModel, OutputModel, omittable, text
from app.channels.redact import mask_address


class NotificationChannel(StrEnum):
    """R5: where a notification goes."""

    in_app = "in_app"
    sms = "sms"
    email = "email"
    wecom = "wecom"
    dingtalk = "dingtalk"


class NotificationStatus(StrEnum):
    """R5: `pending` until sent; `failed` after its last retry; `cancelled` when its channel is not configured
    (the error says so) or its cause has gone."""

    pending = "pending"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"


class RobotChannel(StrEnum):
    """The group robots an org unit may have."""

    wecom = "wecom"
    dingtalk = "dingtalk"


class NotificationRecipient(OutputModel):
    user_id: UUID | None = Field(description="The user, for in-app notifications and users of the service.")
    name: str | None = None
    role: str | None = Field(description="`principal` or `actual_controller` for H8's text messages.")
    address: str | None = Field(description="The phone or e-mail address, masked (138****8000).")
    org_unit_id: UUID | None = Field(description="The org unit whose group robot gets a wecom/dingtalk message.")


class Cause(OutputModel):
    rule: str = Field(description="What caused it: `major_hazard` (H8), a reminder rule, `webhook_disabled` ...",
                      examples=["major_hazard"])
    resource: str | None = Field(examples=["hazards"])
    resource_id: UUID | None = None


class NotificationRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.NOTIFICATION]})

    id: UUID
    recipient: NotificationRecipient
    channel: NotificationChannel
    text: str
    title: str | None = Field(description="The e-mail subject, when there is one.")
    status: NotificationStatus
    attempts: int = Field(description="Delivery attempts so far (in-app: 0).")
    last_error: str | None = Field(description="Why the last attempt failed or why it was skipped.")
    next_attempt_at: datetime | None = Field(description="When a pending notification is tried next.")
    cause: Cause
    created_at: datetime
    sent_at: datetime | None
    read_at: datetime | None = Field(description="When its recipient marked it read (in-app).")

    @classmethod
    def of(cls, n: Any) -> NotificationRead:
        return cls(
            id=n.id,
            recipient=NotificationRecipient(user_id=n.recipient_user_id, name=n.recipient_name, role=n.recipient_role,
                                address=mask_address(n.address) if n.address else None, org_unit_id=n.org_unit_id),
            channel=n.channel, text=n.body, title=n.title, status=n.status, attempts=n.attempts,
            last_error=n.last_error, next_attempt_at=n.next_attempt_at,
            cause=Cause(rule=n.kind, resource=n.subject_type, resource_id=n.subject_id),
            created_at=n.created_at, sent_at=n.sent_at, read_at=n.read_at,
        )


class NotificationPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.NOTIFICATION], "next_cursor": None}]})

    items: list[NotificationRead]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last one.")


class RobotWrite(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"url": "https://oapi.dingtalk.com/robot/send?access_token=0f1e2d3c4b5a", "secret": "SEC0123456789abcdef"}
    ]})

    url: text(2000) = Field(description="The group robot's webhook URL (http or https; checked against SSRF: private "
                                        "addresses are refused unless listed in ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS).")
    secret: text(200) | None = Field(default=None, description="DingTalk's 加签 secret (SEC…), when the robot signs.")


class RobotRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"org_unit_id": ex.VILLAGE_ID, "channel": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=***",
         "signed": True, "updated_at": "2025-06-16T02:00:00Z"}
    ]})

    org_unit_id: UUID
    channel: RobotChannel
    url: str = Field(description="The URL with its credentials hidden.")
    signed: bool = Field(description="Whether a signing secret is kept.")
    updated_at: datetime


class RobotList(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [
        {"org_unit_id": ex.VILLAGE_ID, "channel": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?access_token=***",
         "signed": True, "updated_at": "2025-06-16T02:00:00Z"}
    ]}]})

    items: list[RobotRead]


class SubscriptionStatus(StrEnum):
    """R6: `disabled` by a user or after 3 days of failed deliveries (`disabled_reason` says which)."""

    active = "active"
    disabled = "disabled"


class WebhookSubscriptionCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"url": "https://district.example.gov.cn/anquan/webhook", "event_types": ["hazard.created"],
         "description": "区应急局隐患台账同步"}
    ]})

    url: text(2000) = Field(description="http or https, at most 2,000 characters; loopback, link-local and private "
                                        "addresses are refused unless listed in ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS.")
    event_types: list[text(40)] = Field(min_length=1, max_length=50, description="Feed event types, e.g. "
                                        "`hazard.created` (see `GET /api/v1/events`).")
    description: text(200) | None = None


class WebhookSubscriptionPatch(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "active"}]})

    url: text(2000) = omittable()
    event_types: list[text(40)] = omittable(min_length=1, max_length=50)
    description: text(200) | None = None
    status: SubscriptionStatus = omittable(description="`active` enables a disabled subscription again: its "
                                           "pending deliveries go out at once, in order.")


class WebhookSubscriptionRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.WEBHOOK_SUBSCRIPTION]})

    id: UUID
    url: str
    event_types: list[str]
    description: str | None
    status: SubscriptionStatus
    disabled_reason: str | None
    created_by: UUID
    created_at: datetime
    updated_at: datetime


class WebhookSubscriptionCreated(WebhookSubscriptionRead):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {**ex.WEBHOOK_SUBSCRIPTION, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
    ]})

    secret: str = Field(description="The signing secret (Standard Webhooks, `whsec_…`); shown this once only.")


class WebhookSubscriptionPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.WEBHOOK_SUBSCRIPTION], "next_cursor": None}]})

    items: list[WebhookSubscriptionRead]
    next_cursor: str | None


class DeliveryStatus(StrEnum):
    """R6: `pending` (waiting, or retrying), `delivered` (a 2xx answer), `failed` (the subscription was disabled
    on it)."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class WebhookDeliveryRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.WEBHOOK_DELIVERY]})

    id: UUID
    webhook_id: str = Field(description="The `webhook-id` header of every attempt of this delivery.")
    event_id: int = Field(description="The feed event's id (as in `GET /api/v1/events`).")
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, d: Any) -> WebhookDeliveryRead:
        return cls(id=d.id, webhook_id=f"msg_{d.id.hex}", event_id=d.event_seq, event_type=d.event_type,
                   status=d.status, attempts=d.attempts, last_status_code=d.last_status_code,
                   last_error=d.last_error, next_attempt_at=d.next_attempt_at, last_attempt_at=d.last_attempt_at,
                   delivered_at=d.delivered_at)


class WebhookDeliveryPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ex.WEBHOOK_DELIVERY], "next_cursor": 1025}]})

    items: list[WebhookDeliveryRead]
    next_cursor: int | None = Field(description="The `event_id` of the last delivery of this page: pass it as "
                                                "`after`; null on the last page.")
