"""E-mail over SMTP (R5): a real aiosmtpd server on loopback receives it."""

from __future__ import annotations

import asyncio

import pytest

from app.channels import ChannelNotConfigured, OutboundMessage, Outcome, SmtpChannel
from tests.channels.peers import SmtpPeer, closed_port, localhost_tls
from tests.conftest import test_settings

SUBJECT = "隐患整改即将到期:配电箱未接地"
TEXT = "张经理您好:\n\n贵单位隐患「配电箱未接地」的整改期限为 2025年3月8日,还剩 7 天。\n请登录系统上传整改照片。\n"
SENDER = "街道安委办 <noreply@anquan.test>"


def channel(port: int, **overrides: object) -> SmtpChannel:
    values: dict[str, object] = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": SENDER,
                                 "smtp_security": "none", "channel_timeout_seconds": 5}
    values.update(overrides)
    built = SmtpChannel.from_settings(test_settings(**values))
    assert isinstance(built, SmtpChannel)
    return built


async def test_the_server_receives_a_utf8_message_with_chinese_subject_and_body():
    async with SmtpPeer() as smtp:
        result = await channel(smtp.port).send(OutboundMessage(to="zhang@example.cn", subject=SUBJECT, text=TEXT))

    assert result.ok and result.status_code == 250
    [(envelope, message)] = smtp.box.messages
    assert envelope.mail_from == "noreply@anquan.test"
    assert envelope.rcpt_tos == ["zhang@example.cn"]
    raw = envelope.original_content
    assert raw.isascii()  # encoded words and a transfer encoding, nothing 8-bit on the wire
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0].lower()
    assert message["Subject"] == SUBJECT
    assert message["From"].addresses[0].display_name == "街道安委办"
    assert message["To"] == "zhang@example.cn"
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == TEXT


async def test_a_missing_subject_gets_the_default_one():
    async with SmtpPeer() as smtp:
        assert (await channel(smtp.port).send(OutboundMessage(to="li@example.cn", text="测试"))).ok
    assert smtp.box.messages[0][1]["Subject"] == "安全生产提醒"


async def test_credentials_are_used_and_a_wrong_password_is_not_retryable():
    async with SmtpPeer(credentials=("anquan", "smtp-pass-77")) as smtp:
        good = await channel(smtp.port, smtp_username="anquan", smtp_password="smtp-pass-77").send(
            OutboundMessage(to="zhang@example.cn", subject=SUBJECT, text=TEXT))
        bad = await channel(smtp.port, smtp_username="anquan", smtp_password="wrong-pass-99").send(
            OutboundMessage(to="zhang@example.cn", subject=SUBJECT, text=TEXT))
    assert good.ok
    assert ("anquan", "smtp-pass-77") in smtp.box.logins
    assert len(smtp.box.messages) == 1
    assert bad.outcome is Outcome.FAILED and not bad.retryable and bad.status_code == 535
    assert "wrong-pass-99" not in f"{bad.error} {bad!r}"


async def test_starttls_upgrades_before_authenticating():
    tls = localhost_tls()
    async with SmtpPeer(credentials=("anquan", "smtp-pass-77"), starttls=tls.server) as smtp:
        secure = SmtpChannel.from_settings(test_settings(
            smtp_host="localhost", smtp_port=smtp.port, smtp_from=SENDER, smtp_username="anquan",
            smtp_password="smtp-pass-77", smtp_security="starttls"), tls_context=tls.client)
        plain = channel(smtp.port)  # no TLS against a server that requires it
        upgraded = await secure.send(OutboundMessage(to="zhang@example.cn", subject=SUBJECT, text=TEXT))
        refused = await plain.send(OutboundMessage(to="zhang@example.cn", subject=SUBJECT, text=TEXT))
    assert upgraded.ok
    assert refused.outcome is Outcome.FAILED and not refused.retryable
    assert len(smtp.box.messages) == 1


@pytest.mark.parametrize(("reply", "code", "retryable"), [
    ("550 5.1.1 No such user", 550, False),
    ("553 5.1.3 Bad address", 553, False),
    ("450 4.2.1 Mailbox busy, try later", 450, True),
    ("451 4.3.0 Local error", 451, True),
])
async def test_recipient_refusals_are_classified_by_reply_code(reply, code, retryable):
    async with SmtpPeer() as smtp:
        smtp.box.refuse["nobody@example.cn"] = reply
        result = await channel(smtp.port).send(OutboundMessage(to="nobody@example.cn", text=TEXT))
    assert result.outcome is Outcome.FAILED
    assert result.status_code == code and result.retryable is retryable
    assert not smtp.box.messages


async def test_a_refused_connection_is_retryable():
    result = await channel(closed_port()).send(OutboundMessage(to="zhang@example.cn", text=TEXT))
    assert result.outcome is Outcome.FAILED and result.retryable


async def test_a_server_that_never_greets_times_out_retryably():
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        result = await channel(port, channel_timeout_seconds=0.3).send(OutboundMessage(to="z@example.cn", text=TEXT))
    finally:
        server.close()
    assert result.outcome is Outcome.FAILED and result.retryable and result.error == "timed out"


@pytest.mark.parametrize("to", ["zhang@example.cn\r\nBcc: all@example.cn", "not-an-address", "", "a@b"])
async def test_a_bad_address_is_refused_before_connecting(to):
    async with SmtpPeer() as smtp:
        result = await channel(smtp.port).send(OutboundMessage(to=to, text=TEXT))
    assert result.outcome is Outcome.FAILED and not result.retryable
    assert not smtp.box.messages


async def test_a_subject_with_a_line_break_cannot_add_headers():
    async with SmtpPeer() as smtp:
        result = await channel(smtp.port).send(
            OutboundMessage(to="zhang@example.cn", subject="到期\r\nBcc: all@example.cn", text=TEXT))
    assert result.outcome is Outcome.FAILED and not result.retryable
    assert not smtp.box.messages


async def test_unconfigured_email_is_skipped_and_says_so():
    for settings, missing in [(test_settings(), "ANQUAN_SMTP_HOST"),
                              (test_settings(smtp_host="mail.example.cn"), "ANQUAN_SMTP_FROM")]:
        email = SmtpChannel.from_settings(settings)
        assert isinstance(email, ChannelNotConfigured)
        result = await email.send(OutboundMessage(to="zhang@example.cn", text=TEXT))
        assert result.outcome is Outcome.NOT_CONFIGURED and missing in result.error
