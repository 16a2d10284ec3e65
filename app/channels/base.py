"""The one small interface of every outbound channel (R4, R5).

A channel takes one `OutboundMessage` and answers one `DeliveryResult`: sent, failed (and
whether trying again later can help), or not configured (R5: skipped, and says why). It keeps
no state about deliveries and knows no rules: retries, backoff, rate limits and the record of
attempts belong to the caller. Error texts are short and carry neither secrets nor full phone
numbers, so the caller may store and show them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from app.channels.redact import mask_address


class Outcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    NOT_CONFIGURED = "not_configured"


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One rendered message to one address.

    `to` is a phone number (sms), an e-mail address (email) or a group robot's webhook URL
    (wecom, dingtalk). `secret` is the DingTalk robot's 加签 secret (`SEC…`) when the robot
    uses signing. Neither the address nor the secret shows in `repr`, so logging a message is
    safe."""

    to: str
    text: str
    subject: str | None = None
    secret: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"OutboundMessage(to={mask_address(self.to)!r}, text={len(self.text)} chars)"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What one attempt did.

    - `status_code`: the HTTP status, or the SMTP reply code, when the peer answered;
    - `provider_code`: a robot's `errcode` (0 is success), when it answered one;
    - `error`: a short text without secrets or full phone numbers;
    - `retryable`: the same message may succeed later (timeouts, 5xx, 429, rate limits);
      a non-retryable failure needs a change of address or configuration first;
    - `response_excerpt`: the start of the peer's answer (scrubbed), for a delivery log."""

    outcome: Outcome
    retryable: bool = False
    status_code: int | None = None
    provider_code: int | None = None
    error: str | None = None
    response_excerpt: str | None = None
    elapsed_ms: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SENT

    @classmethod
    def sent(cls, *, status_code: int | None = None, provider_code: int | None = None,
             response_excerpt: str | None = None, elapsed_ms: int | None = None) -> DeliveryResult:
        return cls(Outcome.SENT, False, status_code, provider_code, None, response_excerpt, elapsed_ms)

    @classmethod
    def failed(cls, error: str, *, retryable: bool, status_code: int | None = None,
               provider_code: int | None = None, response_excerpt: str | None = None,
               elapsed_ms: int | None = None) -> DeliveryResult:
        return cls(Outcome.FAILED, retryable, status_code, provider_code, error, response_excerpt, elapsed_ms)

    @classmethod
    def not_configured(cls, reason: str) -> DeliveryResult:
        return cls(Outcome.NOT_CONFIGURED, False, error=reason)


@runtime_checkable
class Channel(Protocol):
    """`name` is the R5 channel: `sms`, `email`, `wecom` or `dingtalk`."""

    name: str

    async def send(self, message: OutboundMessage) -> DeliveryResult: ...


class ChannelNotConfigured:
    """R5: stands in for a channel whose settings are missing; every send is skipped and
    says which setting is missing."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason

    async def send(self, message: OutboundMessage) -> DeliveryResult:
        return DeliveryResult.not_configured(self.reason)

    def __repr__(self) -> str:
        return f"ChannelNotConfigured({self.name!r}, {self.reason!r})"


def http_status_retryable(status: int) -> bool:
    """5xx, 408 (timeout), 425 (too early) and 429 (rate limited) can pass later; any other
    4xx is an answer about the request itself, and a redirect is not followed."""
    return status >= 500 or status in (408, 425, 429)
