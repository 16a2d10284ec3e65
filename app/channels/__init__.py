"""Outbound channels (R4–R6): one small adapter per peer, no rules, no database.

    channels = channels_from_settings(settings)          # {"sms": ..., "email": ..., ...}
    result = await channels["sms"].send(OutboundMessage(to="13812345678", text="…"))
    if result.ok: ...                                    # sent
    elif result.outcome is Outcome.NOT_CONFIGURED: ...   # R5: skipped, result.error says why
    elif result.retryable: ...                           # try again later
    else: ...                                            # failed for good

Webhooks have their own sender (`WebhookSender`), since a delivery carries a signed payload
rather than a text: see `app/channels/webhooks.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from app.channels.base import Channel, ChannelNotConfigured, DeliveryResult, Outcome, OutboundMessage
from app.channels.dingtalk import DingTalkRobot
from app.channels.email import SmtpChannel
from app.channels.netguard import TargetPolicy, UnsafeTarget
from app.channels.redact import mask_address, mask_email, mask_phone
from app.channels.sms import SmsGateway
from app.channels.webhooks import WebhookDelivery, WebhookSender, generate_secret, validate_webhook_url
from app.channels.wecom import WeComRobot

if TYPE_CHECKING:
    from app.settings import Settings

__all__ = [
    "Channel",
    "ChannelNotConfigured",
    "DeliveryResult",
    "DingTalkRobot",
    "Outcome",
    "OutboundMessage",
    "SmsGateway",
    "SmtpChannel",
    "TargetPolicy",
    "UnsafeTarget",
    "WeComRobot",
    "WebhookDelivery",
    "WebhookSender",
    "channels_from_settings",
    "generate_secret",
    "mask_address",
    "mask_email",
    "mask_phone",
    "validate_webhook_url",
]


def channels_from_settings(settings: Settings, *, client: httpx.AsyncClient | None = None) -> dict[str, Channel]:
    """The text channels of R5 by name; an unconfigured one is a ChannelNotConfigured.
    (`in_app` is not here: it is a row in the database, not an outbound peer.) With
    `client` (a worker's `shared_client()`), the SMS gateway's sends reuse its connections;
    the robots, whose URLs org units gave, always connect afresh through the SSRF guard."""
    return {
        "sms": SmsGateway.from_settings(settings, client=client),
        "email": SmtpChannel.from_settings(settings),
        "wecom": WeComRobot.from_settings(settings),
        "dingtalk": DingTalkRobot.from_settings(settings),
    }
