"""Real peers on loopback for the channel tests: an HTTP/1.1 server (asyncio + h11) whose
answers a test scripts, an SMTP server (aiosmtpd) in the same event loop, and a throwaway
TLS certificate for `localhost`."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import ssl
import tempfile
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import h11
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    sni: str | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.target).query, keep_blank_values=True).items()}


Reply = tuple[int, dict[str, str], bytes]
Handler = Callable[[Received], Awaitable[Reply] | Reply]


class HttpPeer:
    """An HTTP server on 127.0.0.1 (or ::1) at an ephemeral port. Each request is recorded in
    `requests` and answered by `handler` (default: 200 with an empty JSON object)."""

    def __init__(self, handler: Handler | None = None, *, host: str = "127.0.0.1",
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler = handler or (lambda r: (200, {"content-type": "application/json"}, b"{}"))
        self.host = host
        self.ssl_context = ssl_context
        self.requests: list[Received] = []
        self._server: asyncio.base_events.Server | None = None
        self._last_sni: str | None = None

    port: int = 0

    def url(self, path: str = "/", *, host: str | None = None) -> str:
        name = host or (f"[{self.host}]" if ":" in self.host else self.host)
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{name}:{self.port}{path}"

    async def __aenter__(self) -> HttpPeer:
        if self.ssl_context is not None:
            self.ssl_context.sni_callback = self._remember_sni
        self._server = await asyncio.start_server(self._serve, self.host, 0, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def _remember_sni(self, sslobj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        self._last_sni = name

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sni = self._last_sni  # the handshake (and its SNI callback) ran before this
        conn = h11.Connection(h11.SERVER)
        try:
            request: h11.Request | None = None
            body = bytearray()
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    data = await reader.read(65536)
                    conn.receive_data(data)
                    if not data:
                        return
                    continue
                if isinstance(event, h11.Request):
                    request = event
                elif isinstance(event, h11.Data):
                    body += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
                elif isinstance(event, h11.ConnectionClosed):
                    return
            assert request is not None
            received = Received(
                request.method.decode(),
                request.target.decode(),
                {k.decode().lower(): v.decode() for k, v in request.headers},
                bytes(body),
                sni,
            )
            self.requests.append(received)
            reply = self.handler(received)
            if asyncio.iscoroutine(reply):
                reply = await reply
            status, headers, content = reply  # type: ignore[misc]
            out = [(k, v) for k, v in headers.items()] + [("content-length", str(len(content))), ("connection", "close")]
            writer.write(conn.send(h11.Response(status_code=status, headers=out)))
            writer.write(conn.send(h11.Data(data=content)))
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
        except (ConnectionError, asyncio.CancelledError, h11.RemoteProtocolError, ssl.SSLError):
            pass
        finally:
            writer.close()


def json_reply(status: int, body: str | bytes) -> Reply:
    return status, {"content-type": "application/json"}, body.encode() if isinstance(body, str) else body


def closed_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class MailBox:
    """What an aiosmtpd handler received; `refuse` maps a recipient to an SMTP reply."""

    messages: list[tuple[Envelope, EmailMessage]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        self.messages.append((envelope, message_from_bytes(raw, policy=policy.default)))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpPeer:
    """aiosmtpd on 127.0.0.1 at an ephemeral port, in the test's event loop."""

    def __init__(self, *, credentials: tuple[str, str] | None = None,
                 starttls: ssl.SSLContext | None = None) -> None:
        self.box = MailBox()
        self.credentials = credentials
        self.starttls = starttls
        self._server: asyncio.base_events.Server | None = None

    port: int = 0

    def _authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                      auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            login, password = auth_data.login.decode(), auth_data.password.decode()
            self.box.logins.append((login, password))
            return AuthResult(success=(login, password) == self.credentials, handled=False)
        return AuthResult(success=False, handled=False)

    def _factory(self) -> SMTP:
        kwargs: dict[str, Any] = {"hostname": "mail.test", "enable_SMTPUTF8": True}
        if self.credentials is not None:
            kwargs.update(authenticator=self._authenticate, auth_required=True,
                          auth_require_tls=self.starttls is not None)
        if self.starttls is not None:
            kwargs.update(tls_context=self.starttls, require_starttls=True)
        with warnings.catch_warnings():  # AUTH without TLS is what the plain-relay tests want
            warnings.simplefilter("ignore", UserWarning)
            return SMTP(self.box, **kwargs)

    async def __aenter__(self) -> SmtpPeer:
        self._server = await asyncio.get_running_loop().create_server(self._factory, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()


@dataclass
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext


def localhost_tls() -> Tls:
    """A self-signed certificate for `localhost` only (not for 127.0.0.1), the server's
    context, and a client context that trusts it and checks host names."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="anquan-tls-"))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return Tls(server, client)


__all__ = ["HttpPeer", "Received", "SmtpPeer", "closed_port", "json_reply", "localhost_tls"]
