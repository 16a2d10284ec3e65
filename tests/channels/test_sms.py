"""SMS through the HTTP gateway (R4, R5): a real HTTP server on loopback is the gateway."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from app.channels import ChannelNotConfigured, OutboundMessage, Outcome, SmsGateway, channels_from_settings
from app.channels.sms import render_body
from tests.channels.peers import HttpPeer, closed_port, json_reply
from tests.conftest import test_settings

PHONE = "13812345678"
TEXT = "【安全生产】您单位的重大事故隐患「粉尘涉爆除尘系统未接地」已登记,请于 2025-03-08 前完成整改。"
BODY = json.dumps({
    "mobile": "{phone}",
    "content": "{text}",
    "sign": "街道安委办",
    "extra": {"phones": ["{phone}"], "note": "to {phone}", "priority": 1, "flash": False},
})


def gateway(url: str, **overrides: object) -> SmsGateway:
    values: dict[str, object] = {
        "sms_gateway_url": url,
        "sms_gateway_headers": json.dumps({"Authorization": "Bearer gw-token-0451", "X-App": "anquan"}),
        "sms_gateway_body": BODY,
    }
    values.update(overrides)
    channel = SmsGateway.from_settings(test_settings(**values))
    assert isinstance(channel, SmsGateway)
    return channel


async def test_the_gateway_receives_the_phone_and_the_chinese_text_in_the_configured_body_and_headers():
    async with HttpPeer() as peer:
        result = await gateway(peer.url("/api/sms/send")).send(OutboundMessage(to=PHONE, text=TEXT))

    assert result.ok and result.outcome is Outcome.SENT and result.status_code == 200
    [request] = peer.requests
    assert request.method == "POST" and request.path == "/api/sms/send"
    assert request.headers["authorization"] == "Bearer gw-token-0451"
    assert request.headers["x-app"] == "anquan"
    assert request.headers["content-type"].startswith("application/json")
    assert json.loads(request.body.decode("utf-8")) == {
        "mobile": PHONE,
        "content": TEXT,
        "sign": "街道安委办",
        "extra": {"phones": [PHONE], "note": f"to {PHONE}", "priority": 1, "flash": False},
    }


@pytest.mark.parametrize(
    "text",
    [
        '隐患"逾期"',
        '"}, "mobile": "13900000000", "x": "',
        "{phone} {text} {{phone}} \\ \\\" {",
        "换行\n制表\t结束",
    ],
)
async def test_quotes_braces_and_placeholders_in_a_text_cannot_break_or_add_to_the_body(text):
    async with HttpPeer() as peer:
        result = await gateway(peer.url()).send(OutboundMessage(to=PHONE, text=text))
    assert result.ok
    body = json.loads(peer.requests[0].body)
    assert body["content"] == text  # exactly as written: no second substitution
    assert body["mobile"] == PHONE
    assert set(body) == {"mobile", "content", "sign", "extra"}


def test_render_body_substitutes_in_values_only_and_in_one_pass():
    template = {"{phone}": "{phone}", "t": ["{text}", 3, None], "n": {"deep": "x{text}y"}}
    assert render_body(template, phone="1", text="{phone}") == {
        "{phone}": "1",
        "t": ["{phone}", 3, None],
        "n": {"deep": "x{phone}y"},
    }


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (502, True), (503, True), (400, False), (401, False), (403, False), (404, False),
     (422, False), (408, True), (429, True), (302, False)],
)
async def test_failures_are_classified_by_status(status, retryable):
    async with HttpPeer(lambda r: (status, {"location": "http://127.0.0.1:1/elsewhere"}, b"no")) as peer:
        result = await gateway(peer.url()).send(OutboundMessage(to=PHONE, text=TEXT))
    assert result.outcome is Outcome.FAILED
    assert result.status_code == status
    assert result.retryable is retryable
    assert len(peer.requests) == 1  # a redirect is not followed


async def test_a_timeout_is_retryable():
    async def slow(request):
        await asyncio.sleep(3)
        return json_reply(200, "{}")

    async with HttpPeer(slow) as peer:
        result = await gateway(peer.url(), channel_timeout_seconds=0.3).send(OutboundMessage(to=PHONE, text=TEXT))
    assert result.outcome is Outcome.FAILED and result.retryable and result.error == "timed out"
    assert result.status_code is None


async def test_a_refused_connection_is_retryable():
    result = await gateway(f"http://127.0.0.1:{closed_port()}/send").send(OutboundMessage(to=PHONE, text=TEXT))
    assert result.outcome is Outcome.FAILED and result.retryable
    assert result.error.startswith("connection failed")


async def test_errors_and_logs_carry_neither_the_full_phone_number_nor_the_auth_header(caplog):
    echo = json.dumps({"error": f"mobile {PHONE} rejected", "auth": "Bearer gw-token-0451"})
    caplog.set_level(logging.INFO, logger="anquan.channels")
    async with HttpPeer(lambda r: json_reply(400, echo)) as peer:
        result = await gateway(peer.url()).send(OutboundMessage(to=PHONE, text=TEXT))
    assert not result.retryable
    shown = f"{result.error} {result.response_excerpt} {result!r}"
    assert PHONE not in shown and "gw-token-0451" not in shown
    assert "138****5678" in result.response_excerpt
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "138****5678" in logged
    assert PHONE not in logged and "gw-token-0451" not in logged
    assert PHONE not in repr(OutboundMessage(to=PHONE, text=TEXT))


async def test_an_unconfigured_gateway_is_skipped_and_says_so():
    channels = channels_from_settings(test_settings())
    sms = channels["sms"]
    assert isinstance(sms, ChannelNotConfigured) and sms.name == "sms"
    result = await sms.send(OutboundMessage(to=PHONE, text=TEXT))
    assert result.outcome is Outcome.NOT_CONFIGURED and not result.ok and not result.retryable
    assert "ANQUAN_SMS_GATEWAY_URL" in result.error


async def test_the_default_body_is_phone_and_text():
    async with HttpPeer() as peer:
        channel = SmsGateway.from_settings(test_settings(sms_gateway_url=peer.url()))
        assert (await channel.send(OutboundMessage(to=PHONE, text=TEXT))).ok
    assert json.loads(peer.requests[0].body) == {"phone": PHONE, "text": TEXT}
