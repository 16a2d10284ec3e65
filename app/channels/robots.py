"""What the WeCom and DingTalk group robots share: a JSON POST to a robot URL that an org unit
gave us (so through the SSRF guard, `app/channels/netguard.py`), answered by HTTP 200 and
`{"errcode": 0, "errmsg": "ok"}`; a non-zero errcode is a failure, retryable only for the
codes the platform documents as "busy" or "too fast"."""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections.abc import Collection, Iterable
from urllib.parse import parse_qsl, urlsplit

from app.channels.base import DeliveryResult, http_status_retryable
from app.channels.http import DELIVERY_ERRORS, post_json, transport_failure
from app.channels.netguard import TargetPolicy
from app.channels.redact import redact_url, scrub

log = logging.getLogger("anquan.channels.robots")


def url_secrets(url: str) -> list[str]:
    """The query values of a robot URL (`key`, `access_token`): credentials, never shown."""
    return [value for _, value in parse_qsl(urlsplit(url).query) if value]


def truncate_utf8(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` of UTF-8 on a character boundary, marked with …"""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[: max_bytes - len("…".encode())].decode("utf-8", errors="ignore") + "…"


async def post_to_robot(
    channel: str,
    url: str,
    payload: dict[str, object],
    *,
    policy: TargetPolicy,
    timeout: float,
    retryable_errcodes: Collection[int],
    secrets: Iterable[str] = (),
    verify: ssl.SSLContext | None = None,
    log_url: str | None = None,
) -> DeliveryResult:
    hidden = [*url_secrets(url), *secrets]
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    started = time.monotonic()
    try:
        answer = await post_json(url, body, timeout=timeout, policy=policy, verify=verify)
    except DELIVERY_ERRORS as exc:
        result = transport_failure(exc, secrets=hidden, started=started)
    else:
        excerpt = answer.excerpt(secrets=hidden)
        if not 200 <= answer.status < 300:
            result = DeliveryResult.failed(f"robot answered HTTP {answer.status}",
                                           retryable=http_status_retryable(answer.status),
                                           status_code=answer.status, response_excerpt=excerpt,
                                           elapsed_ms=answer.elapsed_ms)
        else:
            result = _from_errcode(answer.body, answer.status, excerpt, answer.elapsed_ms,
                                   retryable_errcodes, hidden)
    log.info(f"{channel} delivery", extra={"to": redact_url(log_url or url), "outcome": result.outcome.value,
                                           "status_code": result.status_code, "errcode": result.provider_code,
                                           "retryable": result.retryable, "error": result.error})
    return result


def _from_errcode(body: bytes, status: int, excerpt: str | None, elapsed_ms: int,
                  retryable_errcodes: Collection[int], hidden: list[str]) -> DeliveryResult:
    try:
        answer = json.loads(body)
        errcode = answer["errcode"]
        if not isinstance(errcode, int) or isinstance(errcode, bool):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        # a 200 without the robot's answer (a proxy or portal in between): state unknown
        return DeliveryResult.failed("robot answered without an errcode", retryable=True, status_code=status,
                                     response_excerpt=excerpt, elapsed_ms=elapsed_ms)
    if errcode == 0:
        return DeliveryResult.sent(status_code=status, provider_code=0, response_excerpt=excerpt,
                                   elapsed_ms=elapsed_ms)
    errmsg = scrub(str(answer.get("errmsg") or ""), secrets=hidden, limit=200)
    return DeliveryResult.failed(f"robot answered errcode {errcode}: {errmsg}".rstrip(": "),
                                 retryable=errcode in retryable_errcodes, status_code=status,
                                 provider_code=errcode, response_excerpt=excerpt, elapsed_ms=elapsed_ms)
