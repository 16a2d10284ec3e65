"""Signed webhook deliveries (R6), per the Standard Webhooks specification
(https://www.standardwebhooks.com/, signatures by the `standardwebhooks` package).

Each delivery is one `POST` of a JSON body with the headers
- `webhook-id`: the message id — the same on every retry and redelivery of one event to one
  subscription, so a receiver can drop duplicates (at-least-once delivery);
- `webhook-timestamp`: Unix seconds of this attempt;
- `webhook-signature`: `v1,` + base64 HMAC-SHA256 over `"{id}.{timestamp}.{body}"` with the
  subscription's secret. The secret is `whsec_` + base64 of 32 random bytes, made by
  `generate_secret()` and shown to the subscriber once.

The target goes through the SSRF guard (`app/channels/netguard.py`) when the subscription is
made (`validate_webhook_url`) and again on each delivery, which connects to the checked
address. Short timeouts, no redirects, at most 64 KiB of the answer read. Any 2xx is
accepted; every other answer, a timeout or a network error is a retryable failure — the retry
schedule and the 3-day disabling of R6 decide what happens next. A refused target is not
retryable."""

from __future__ import annotations

import base64
import logging
import secrets as _random
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import orjson
from standardwebhooks import Webhook

from app.channels.base import DeliveryResult
from app.channels.http import DELIVERY_ERRORS, MAX_RESPONSE_BYTES, post_json, transport_failure
from app.channels.netguard import Resolver, TargetPolicy, validate_target_url
from app.channels.redact import redact_url
from app.domain.errors import FieldError

if TYPE_CHECKING:
    from app.settings import Settings

log = logging.getLogger("anquan.channels.webhooks")

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
USER_AGENT = "anquan-webhooks/0.1"


def generate_secret() -> str:
    """A new subscription secret, `whsec_…`; store it, show it once."""
    return SECRET_PREFIX + base64.b64encode(_random.token_bytes(SECRET_BYTES)).decode("ascii")


def is_valid_secret(secret: str) -> bool:
    try:
        Webhook(secret)
    except Exception:  # the library raises binascii.Error, ValueError or its own error
        return False
    return secret.startswith(SECRET_PREFIX)


def encode_body(payload: Any) -> bytes:
    """The JSON body as sent and signed; bytes and str pass through unchanged."""
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    return orjson.dumps(payload)


def signature_headers(secret: str, message_id: str, timestamp: datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for `body`."""
    if timestamp.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    # the library reads the datetime's fields as UTC, so give it UTC
    utc = timestamp.astimezone(timezone.utc)
    signature = Webhook(secret).sign(message_id, utc, body.decode("utf-8"))
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(utc.timestamp())),
        "webhook-signature": signature,
    }


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One attempt to deliver one event to one subscription."""

    url: str
    secret: str = field(repr=False)
    message_id: str
    payload: Any = field(repr=False)
    timestamp: datetime | None = None  # of this attempt; now when None


async def validate_webhook_url(url: str, allowed_private_hosts: Iterable[str] = (), *,
                               resolver: Resolver | None = None) -> FieldError | None:
    """R6: None when `url` may be subscribed, else the FieldError for `url` (a 422)."""
    return await validate_target_url(url, TargetPolicy(allowed_private_hosts, resolver=resolver))


class WebhookSender:
    def __init__(self, policy: TargetPolicy, *, timeout: float = 10.0, max_response_bytes: int = MAX_RESPONSE_BYTES,
                 verify: ssl.SSLContext | None = None, clock: Callable[[], datetime] | None = None) -> None:
        self.policy = policy
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self._verify = verify
        self._clock = clock or (lambda: datetime.now(timezone.utc))

    @classmethod
    def from_settings(cls, settings: Settings, *, resolver: Resolver | None = None,
                      verify: ssl.SSLContext | None = None) -> WebhookSender:
        policy = TargetPolicy(settings.webhook_allowed_private_hosts, resolver=resolver)
        return cls(policy, timeout=settings.channel_timeout_seconds, verify=verify)

    async def validate_url(self, url: str) -> FieldError | None:
        return await validate_target_url(url, self.policy)

    async def deliver(self, delivery: WebhookDelivery) -> DeliveryResult:
        started = time.monotonic()
        message_id = delivery.message_id
        if not message_id or not message_id.isascii() or not message_id.isprintable() or " " in message_id:
            return DeliveryResult.failed("invalid message id", retryable=False)
        if not is_valid_secret(delivery.secret):
            return DeliveryResult.failed("invalid subscription secret", retryable=False)
        body = encode_body(delivery.payload)
        headers = signature_headers(delivery.secret, message_id, delivery.timestamp or self._clock(), body)
        headers["User-Agent"] = USER_AGENT
        hidden = (delivery.secret,)
        try:
            answer = await post_json(delivery.url, body, headers=headers, timeout=self.timeout, policy=self.policy,
                                     verify=self._verify, max_body=self.max_response_bytes)
        except DELIVERY_ERRORS as exc:
            result = transport_failure(exc, secrets=hidden, started=started)
        else:
            excerpt = answer.excerpt(secrets=hidden)
            if 200 <= answer.status < 300:
                result = DeliveryResult.sent(status_code=answer.status, response_excerpt=excerpt,
                                             elapsed_ms=answer.elapsed_ms)
            else:
                result = DeliveryResult.failed(f"receiver answered HTTP {answer.status}", retryable=True,
                                               status_code=answer.status, response_excerpt=excerpt,
                                               elapsed_ms=answer.elapsed_ms)
        log.info("webhook delivery", extra={"to": redact_url(delivery.url), "webhook_id": message_id,
                                            "outcome": result.outcome.value, "status_code": result.status_code,
                                            "retryable": result.retryable, "error": result.error})
        return result
