"""SSRF guard for URLs that users give us (R6 webhook subscriptions, group-robot URLs).

The same check runs when a URL is accepted and again before every delivery:

- only `http`/`https`, at most 2,000 characters, a host, no user name or password in the URL;
- the host is resolved, and refused when any of its addresses is loopback, private,
  link-local, multicast, unspecified, reserved or otherwise not globally reachable, in IPv4
  or IPv6, looking inside IPv4-mapped (`::ffff:127.0.0.1`), 6to4, Teredo and NAT64 forms;
  numeric spellings (`2130706433`, `0x7f.1`, `127.1`, `0`) are resolved by the same system
  resolver as any name, so they land on the address they mean and are refused with it;
- unless the host, as written in the URL, is listed in `ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS`.

DNS rebinding: the delivery connects to the very addresses that were checked — the request
goes to the checked IP with the original `Host` header and TLS SNI/certificate name (see
`app/channels/http.py`), so a second lookup by the HTTP client cannot return another one."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpx

from app.domain.errors import FieldError

MAX_URL_LENGTH = 2000
RESOLVE_TIMEOUT_SECONDS = 5.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class UnsafeTarget(Exception):
    """The URL may not be called. `retryable` is true only when the host did not resolve
    (DNS may answer later); a refused address stays refused."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class Target:
    url: httpx.URL
    host: str  # ASCII (IDNA), lower case, without brackets or a trailing dot
    port: int
    ip_literal: bool

    @property
    def host_header(self) -> str:
        return self.url.netloc.decode("ascii")


def normalise_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def parse_target(url: str) -> Target:
    """Syntax only (no lookup); raises UnsafeTarget with a message for the `url` field."""
    if not isinstance(url, str) or not url.strip():
        raise UnsafeTarget("must be an http or https URL")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget(f"must be at most {MAX_URL_LENGTH} characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise UnsafeTarget("must not contain spaces or control characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise UnsafeTarget("is not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise UnsafeTarget("must be an http or https URL")
    if parsed.userinfo:
        raise UnsafeTarget("must not contain a user name or password")
    host = normalise_host(parsed.raw_host.decode("ascii", errors="replace"))
    if not host:
        raise UnsafeTarget("must name a host")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if not 0 < port < 65536:
        raise UnsafeTarget("has an invalid port")
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
    return Target(parsed, host, port, literal)


def address_problem(address: str | IPAddress) -> str | None:
    """None when the address is public, else what it is (`loopback`, `private` ...)."""
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "link-local"
        # IPv4 behind IPv6: a mapped or NAT64 address is its IPv4 one; 6to4 and Teredo carry
        # IPv4 addresses that must be public too
        if ip.ipv4_mapped is not None:
            return address_problem(ip.ipv4_mapped)
        if ip in _NAT64:
            return address_problem(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        for inner in (ip.sixtofour, *(ip.teredo or ())):
            if inner is not None and (problem := address_problem(inner)):
                return problem
        if ip.is_site_local:
            return "private"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "not publicly routable"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system gives for `host` (numeric forms included)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


class TargetPolicy:
    """Which hosts may be called: public ones, and the listed private ones."""

    def __init__(self, allowed_private_hosts: Iterable[str] = (), *, resolver: Resolver | None = None) -> None:
        self.allowed_private_hosts = frozenset(normalise_host(h) for h in allowed_private_hosts if h.strip())
        self._resolve = resolver or system_resolver

    async def resolve(self, target: Target) -> list[str]:
        """The checked addresses to connect to, in the resolver's order; raises UnsafeTarget."""
        if target.ip_literal:
            addresses = [target.host]
        else:
            try:
                async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
                    addresses = await self._resolve(target.host, target.port)
            except (OSError, UnicodeError, TimeoutError):
                raise UnsafeTarget("host does not resolve", retryable=True) from None
        unique = list(dict.fromkeys(addresses))
        if not unique:
            raise UnsafeTarget("host does not resolve", retryable=True)
        if target.host in self.allowed_private_hosts:
            return unique
        for address in unique:
            if problem := address_problem(address):
                raise UnsafeTarget(
                    f"points at a {problem} address; only public hosts may be called "
                    "(an operator can allow a private host with ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS)"
                )
        return unique

    async def check(self, url: str) -> Target:
        target = parse_target(url)
        await self.resolve(target)
        return target


async def validate_target_url(url: str, policy: TargetPolicy, *, field: str = "url") -> FieldError | None:
    """R6: None when `url` may be subscribed, else the error for the field (422 naming it)."""
    try:
        await policy.check(url)
    except UnsafeTarget as exc:
        return FieldError(field, exc.reason)
    return None
