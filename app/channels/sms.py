"""Text messages through the district's SMS platform (短信平台) behind a configurable HTTP
gateway (R4: H8's message to a major hazard's principal and actual controller; R5).

The gateway is called with `POST ANQUAN_SMS_GATEWAY_URL`, the headers of
`ANQUAN_SMS_GATEWAY_HEADERS` (an auth header, typically) and a JSON body made from the
template `ANQUAN_SMS_GATEWAY_BODY`: every `{phone}` and `{text}` inside its string values is
replaced in the parsed structure, never by pasting into JSON text, so quotes, braces or
backslashes in a message cannot break the body or add fields to it.

A 2xx answer is sent. 4xx is not retryable (the request itself was refused) except 408 and
429; 5xx, timeouts and connection errors are."""

from __future__ import annotations

import json
import logging
import re
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from app.channels.base import ChannelNotConfigured, DeliveryResult, OutboundMessage, http_status_retryable
from app.channels.http import DELIVERY_ERRORS, post_json, transport_failure
from app.channels.redact import mask_phone

if TYPE_CHECKING:
    from app.settings import Settings

log = logging.getLogger("anquan.channels.sms")

PLACEHOLDERS = frozenset({"phone", "text"})
DEFAULT_BODY_TEMPLATE: dict[str, Any] = {"phone": "{phone}", "text": "{text}"}
_PLACEHOLDER = re.compile(r"\{(phone|text)\}")


def template_placeholders(template: Any) -> set[str]:
    """The placeholders that occur in the template's string values."""
    found: set[str] = set()
    if isinstance(template, str):
        found.update(_PLACEHOLDER.findall(template))
    elif isinstance(template, Mapping):
        for value in template.values():
            found |= template_placeholders(value)
    elif isinstance(template, list):
        for value in template:
            found |= template_placeholders(value)
    return found


def render_body(template: Any, *, phone: str, text: str) -> Any:
    """The template with `{phone}` and `{text}` replaced in one pass over each string (so a
    text that itself contains "{phone}" stays as written); keys and non-strings unchanged."""
    values = {"phone": phone, "text": text}
    if isinstance(template, str):
        return _PLACEHOLDER.sub(lambda m: values[m[1]], template)
    if isinstance(template, Mapping):
        return {key: render_body(value, phone=phone, text=text) for key, value in template.items()}
    if isinstance(template, list):
        return [render_body(value, phone=phone, text=text) for value in template]
    return template


@dataclass(frozen=True, slots=True)
class SmsGatewayConfig:
    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    body_template: Any = field(default_factory=lambda: dict(DEFAULT_BODY_TEMPLATE))
    timeout: float = 10.0


class SmsGateway:
    """The `sms` channel. `message.to` is the phone number; `message.text` the whole text."""

    name = "sms"

    def __init__(self, config: SmsGatewayConfig, *, client: httpx.AsyncClient | None = None,
                 verify: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._client = client
        self._verify = verify
        self._secrets = tuple(v for v in config.headers.values() if v)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> SmsGateway | ChannelNotConfigured:
        if not settings.sms_gateway_url:
            return ChannelNotConfigured(cls.name, "SMS gateway not configured (ANQUAN_SMS_GATEWAY_URL is not set)")
        config = SmsGatewayConfig(
            url=settings.sms_gateway_url,
            headers={k: v.get_secret_value() for k, v in settings.sms_gateway_headers.items()},
            body_template=settings.sms_gateway_body if settings.sms_gateway_body is not None else dict(DEFAULT_BODY_TEMPLATE),
            timeout=settings.channel_timeout_seconds,
        )
        return cls(config, **kwargs)

    async def send(self, message: OutboundMessage) -> DeliveryResult:
        phone = message.to.strip()
        if not phone or any(not c.isprintable() for c in phone):
            return DeliveryResult.failed("no valid phone number", retryable=False)
        body = json.dumps(render_body(self.config.body_template, phone=phone, text=message.text),
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        started = time.monotonic()
        try:
            answer = await post_json(self.config.url, body, headers=self.config.headers,
                                     timeout=self.config.timeout, client=self._client, verify=self._verify)
        except DELIVERY_ERRORS as exc:
            result = transport_failure(exc, secrets=self._secrets, started=started)
        else:
            excerpt = answer.excerpt(secrets=self._secrets)
            if 200 <= answer.status < 300:
                result = DeliveryResult.sent(status_code=answer.status, response_excerpt=excerpt,
                                             elapsed_ms=answer.elapsed_ms)
            else:
                result = DeliveryResult.failed(f"gateway answered HTTP {answer.status}",
                                               retryable=http_status_retryable(answer.status),
                                               status_code=answer.status, response_excerpt=excerpt,
                                               elapsed_ms=answer.elapsed_ms)
        log.info("sms delivery", extra={"to": mask_phone(phone), "outcome": result.outcome.value,
                                        "status_code": result.status_code, "retryable": result.retryable,
                                        "error": result.error})
        return result
