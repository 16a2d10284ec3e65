"""One JSON POST to a peer, bounded in time and in what it reads back.

- no redirects are followed (a 3xx is the answer), no environment proxies, no retries here;
- the whole exchange is cut at `timeout` seconds, each network step too;
- at most `max_body` bytes of the answer are read;
- with a `TargetPolicy` (URLs that users gave us) the host is resolved and checked first, and
  the connection goes to a checked address: the URL's host is replaced by that IP, the `Host`
  header keeps the name, and TLS uses the name for SNI and certificate verification (httpx's
  `sni_hostname` extension). A new connection is made each time, so a pooled connection to
  one name is never reused for another behind the same address (DNS rebinding, see
  `app/channels/netguard.py`)."""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import certifi
import httpx

from app.channels.base import DeliveryResult
from app.channels.netguard import TargetPolicy, UnsafeTarget, parse_target
from app.channels.redact import scrub

# httpx logs every request line at INFO, query string and all: a robot's key or token would
# land in the log. Each channel logs its own line, with the URL redacted, instead.
logging.getLogger("httpx").setLevel(logging.WARNING)

MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "anquan/0.1"
# What a delivery may raise instead of answering; transport_failure() turns each into a result.
DELIVERY_ERRORS = (UnsafeTarget, httpx.HTTPError, httpx.InvalidURL, TimeoutError)


@lru_cache(maxsize=1)
def default_ssl_context() -> ssl.SSLContext:
    # One context for all requests: loading the CA bundle per request costs milliseconds.
    return ssl.create_default_context(cafile=certifi.where())


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes
    truncated: bool
    elapsed_ms: int

    def excerpt(self, *, secrets: Iterable[str] = (), limit: int = 300) -> str | None:
        if not self.body:
            return None
        return scrub(self.body.decode("utf-8", errors="replace"), secrets=secrets, limit=limit)


async def post_json(
    url: str,
    body: bytes,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    policy: TargetPolicy | None = None,
    client: httpx.AsyncClient | None = None,
    verify: ssl.SSLContext | None = None,
    max_body: int = MAX_RESPONSE_BYTES,
) -> HttpAnswer:
    """POST `body` (JSON bytes). Raises UnsafeTarget, httpx.HTTPError or TimeoutError."""
    sent_headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT}
    sent_headers.update(headers or {})
    started = time.monotonic()
    async with asyncio.timeout(timeout):
        if policy is None:
            if client is not None:
                return await _exchange(client, url, body, sent_headers, {}, started, max_body)
            async with _one_shot_client(timeout, verify) as fresh:
                return await _exchange(fresh, url, body, sent_headers, {}, started, max_body)
        target = parse_target(url)
        addresses = await policy.resolve(target)
        last: httpx.ConnectError | None = None
        for address in addresses:
            pinned = target.url if target.ip_literal else target.url.copy_with(host=address)
            extensions = {"sni_hostname": target.host} if target.url.scheme == "https" and not target.ip_literal else {}
            pinned_headers = {**sent_headers, "Host": target.host_header}
            try:
                async with _one_shot_client(timeout, verify) as fresh:
                    return await _exchange(fresh, pinned, body, pinned_headers, extensions, started, max_body)
            except httpx.ConnectError as exc:  # the next checked address, as a browser would
                last = exc
        assert last is not None
        raise last


def shared_client(*, timeout: float, max_connections: int = 16) -> httpx.AsyncClient:
    """One client for a worker's sends to the peers the operator configured (the SMS
    gateway): its connections are kept open and reused, instead of a TCP (and TLS)
    handshake per message. Never for URLs that users gave us (`policy`): those get a fresh
    connection to a checked address each time."""
    transport = httpx.AsyncHTTPTransport(
        verify=default_ssl_context(), retries=0,
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                            keepalive_expiry=30.0),
    )
    return httpx.AsyncClient(
        transport=transport, timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False
    )


def _one_shot_client(timeout: float, verify: ssl.SSLContext | None) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(verify=verify or default_ssl_context(), retries=0)
    return httpx.AsyncClient(
        transport=transport, timeout=httpx.Timeout(timeout), follow_redirects=False, trust_env=False
    )


async def _exchange(
    client: httpx.AsyncClient,
    url: str | httpx.URL,
    body: bytes,
    headers: Mapping[str, str],
    extensions: dict[str, str],
    started: float,
    max_body: int,
) -> HttpAnswer:
    request = client.build_request("POST", url, content=body, headers=headers, extensions=extensions)
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        chunks: list[bytes] = []
        size = 0
        truncated = False
        async for chunk in response.aiter_bytes():
            room = max_body - size
            if len(chunk) >= room:
                chunks.append(chunk[:room])
                truncated = len(chunk) > room or not response.is_stream_consumed
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        await response.aclose()
    return HttpAnswer(response.status_code, b"".join(chunks), truncated, int((time.monotonic() - started) * 1000))


def transport_failure(exc: BaseException, *, secrets: Iterable[str] = (), started: float | None = None) -> DeliveryResult:
    """A delivery that got no HTTP answer: timeouts and network errors can pass later; a
    refused or malformed target cannot."""
    elapsed = int((time.monotonic() - started) * 1000) if started is not None else None
    if isinstance(exc, UnsafeTarget):
        return DeliveryResult.failed(f"target refused: {exc.reason}", retryable=exc.retryable, elapsed_ms=elapsed)
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return DeliveryResult.failed("timed out", retryable=True, elapsed_ms=elapsed)
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return DeliveryResult.failed("invalid URL", retryable=False, elapsed_ms=elapsed)
    if isinstance(exc, httpx.ConnectError):
        detail = scrub(str(exc), secrets=secrets, limit=200) or "connection failed"
        return DeliveryResult.failed(f"connection failed: {detail}", retryable=True, elapsed_ms=elapsed)
    if isinstance(exc, httpx.TransportError):
        detail = scrub(str(exc), secrets=secrets, limit=200) or type(exc).__name__
        return DeliveryResult.failed(f"network error: {detail}", retryable=True, elapsed_ms=elapsed)
    raise exc
