"""E-mail through an SMTP server with aiosmtplib (R5).

Settings: `ANQUAN_SMTP_HOST`, `ANQUAN_SMTP_PORT`, `ANQUAN_SMTP_FROM`, `ANQUAN_SMTP_USERNAME`,
`ANQUAN_SMTP_PASSWORD`, and `ANQUAN_SMTP_SECURITY`: `starttls` (default: upgrade on the
submission port 587 and refuse a server that does not offer it), `tls` (implicit TLS, port
465, what 163/QQ/Aliyun corporate mail offer) or `none` (a relay on the local network).

Subject and body are UTF-8: the subject as an RFC 2047 encoded word, the body as
`text/plain; charset=utf-8`. SMTP 4xx replies, timeouts and lost connections are retryable;
5xx replies (unknown mailbox, refused sender, bad credentials) are not."""

from __future__ import annotations

import logging
import ssl
import time
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import TYPE_CHECKING, Any, Literal

import aiosmtplib

from app.channels.base import ChannelNotConfigured, DeliveryResult, OutboundMessage
from app.channels.redact import mask_email, scrub

if TYPE_CHECKING:
    from app.settings import Settings

log = logging.getLogger("anquan.channels.email")

SmtpSecurity = Literal["starttls", "tls", "none"]
DEFAULT_SUBJECT = "安全生产提醒"


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    security: SmtpSecurity = "starttls"
    timeout: float = 10.0


def build_message(sender: str, to: str, subject: str, text: str) -> EmailMessage:
    """A plain-text UTF-8 message; raises ValueError for a header that would break lines."""
    for value in (sender, to, subject):
        if "\r" in value or "\n" in value:
            raise ValueError("header values may not contain line breaks")
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(text, subtype="plain", charset="utf-8")
    return message


def _is_address(value: str) -> bool:
    try:
        address = Address(addr_spec=value)
    except (ValueError, IndexError):
        return False
    return bool(address.username and address.domain and "." in address.domain)


class SmtpChannel:
    """The `email` channel. `message.to` is one address; `message.subject` defaults to
    安全生产提醒."""

    name = "email"

    def __init__(self, config: SmtpConfig, *, tls_context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._tls_context = tls_context
        self._secrets = tuple(s for s in (config.password,) if s)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> SmtpChannel | ChannelNotConfigured:
        if not settings.smtp_host:
            return ChannelNotConfigured(cls.name, "e-mail not configured (ANQUAN_SMTP_HOST is not set)")
        if not settings.smtp_from:
            return ChannelNotConfigured(cls.name, "e-mail not configured (ANQUAN_SMTP_FROM is not set)")
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        config = SmtpConfig(
            host=settings.smtp_host,
            port=settings.smtp_port or {"tls": 465, "starttls": 587}.get(settings.smtp_security, 25),
            sender=settings.smtp_from,
            username=settings.smtp_username or None,
            password=password or None,
            security=settings.smtp_security,
            timeout=settings.channel_timeout_seconds,
        )
        return cls(config, **kwargs)

    async def send(self, message: OutboundMessage) -> DeliveryResult:
        to = message.to.strip()
        started = time.monotonic()
        if not _is_address(to):
            result = DeliveryResult.failed("not an e-mail address", retryable=False)
        else:
            try:
                mail = build_message(self.config.sender, to, message.subject or DEFAULT_SUBJECT, message.text)
            except ValueError:
                result = DeliveryResult.failed("subject or address contains a line break", retryable=False)
            else:
                result = await self._submit(mail, to, started)
        log.info("email delivery", extra={"to": mask_email(to), "outcome": result.outcome.value,
                                          "status_code": result.status_code, "retryable": result.retryable,
                                          "error": result.error})
        return result

    async def _submit(self, mail: EmailMessage, to: str, started: float) -> DeliveryResult:
        config = self.config
        try:
            _, reply = await aiosmtplib.send(
                mail,
                sender=parseaddr(config.sender)[1] or config.sender,
                recipients=[to],
                hostname=config.host,
                port=config.port,
                username=config.username,
                password=config.password,
                use_tls=config.security == "tls",
                start_tls=config.security == "starttls",
                tls_context=self._tls_context,
                timeout=config.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            first = exc.recipients[0] if exc.recipients else None
            code = first.code if first else None
            return self._refused("recipient refused", code, first.message if first else "", started)
        except aiosmtplib.SMTPResponseException as exc:
            kind = {
                aiosmtplib.SMTPAuthenticationError: "authentication refused",
                aiosmtplib.SMTPSenderRefused: "sender refused",
                aiosmtplib.SMTPRecipientRefused: "recipient refused",
                aiosmtplib.SMTPDataError: "message refused",
                aiosmtplib.SMTPHeloError: "greeting refused",
            }.get(type(exc), "server refused")
            return self._refused(kind, exc.code, exc.message, started)
        except aiosmtplib.SMTPTimeoutError:
            return DeliveryResult.failed("timed out", retryable=True, elapsed_ms=_ms(started))
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError, TimeoutError) as exc:
            detail = scrub(str(exc), secrets=self._secrets, limit=200) or type(exc).__name__
            return DeliveryResult.failed(f"connection failed: {detail}", retryable=True, elapsed_ms=_ms(started))
        except aiosmtplib.SMTPNotSupported as exc:
            # e.g. STARTTLS required but not offered: a configuration problem, not a passing one
            detail = scrub(exc.message, secrets=self._secrets, limit=200)
            return DeliveryResult.failed(f"not supported by the server: {detail}", retryable=False, elapsed_ms=_ms(started))
        # aiosmtplib raised for anything but the 250 that accepts the message's data
        return DeliveryResult.sent(status_code=250, response_excerpt=scrub(reply, limit=200) or None,
                                   elapsed_ms=_ms(started))

    def _refused(self, kind: str, code: int | None, text: str, started: float) -> DeliveryResult:
        detail = scrub(text, secrets=self._secrets, limit=200)
        return DeliveryResult.failed(
            f"{kind}: {code} {detail}".strip(),
            retryable=code is not None and 400 <= code < 500,
            status_code=code,
            elapsed_ms=_ms(started),
        )


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
