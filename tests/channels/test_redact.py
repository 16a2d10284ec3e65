"""What may be logged (R5): phone numbers masked, robot keys and secrets removed."""

from __future__ import annotations

import pytest

from app.channels import OutboundMessage, mask_address, mask_email, mask_phone
from app.channels.redact import redact_url, scrub


@pytest.mark.parametrize(("phone", "masked"), [
    ("13812345678", "138****5678"),
    (" 13812345678 ", "138****5678"),
    ("0571-88886666", "057****6666"),
    ("+8613812345678", "+86****5678"),
    ("1234", "****34"),
    ("", "****"),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_email_and_address():
    assert mask_email("zhangsan@example.cn") == "z***@example.cn"
    assert mask_address("13812345678") == "138****5678"
    assert mask_address("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123") == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?***")


def test_urls_lose_their_query_and_credentials():
    assert redact_url("see https://oapi.dingtalk.com/robot/send?access_token=tok&sign=x now") == (
        "see https://oapi.dingtalk.com/robot/send?*** now")
    assert redact_url("http://user:pw@host.example/a") == "http://***@host.example/a"


def test_scrub_masks_phone_numbers_secrets_and_control_characters():
    text = "mobile 13812345678 and +86 13987654321, tel 0571-88886666\nkey=topsecret-value\x00"
    out = scrub(text, secrets=["topsecret-value"])
    assert "13812345678" not in out and "138****5678" in out
    assert "13987654321" not in out and "0571-88886666" not in out
    assert "topsecret-value" not in out and "\n" not in out and "\x00" not in out
    assert scrub("x" * 1000, limit=50) == "x" * 49 + "…"
    assert "2025-03-08 12345678901234" in scrub("2025-03-08 12345678901234")  # not a phone number


def test_a_message_repr_shows_no_address_and_no_secret():
    shown = repr(OutboundMessage(to="https://oapi.dingtalk.com/robot/send?access_token=tok-9",
                                 text="t", secret="SEC-abc"))
    assert "tok-9" not in shown and "SEC-abc" not in shown
