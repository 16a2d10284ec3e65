"""The channels' settings, read from the environment as an operator sets them: JSON values are
parsed and checked, an error names the variable and never shows the value."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from app.channels import ChannelNotConfigured, SmsGateway, SmtpChannel, channels_from_settings
from app.settings import Settings

SECRET = "Bearer sms-s3cr3t-7788"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ANQUAN_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)


def test_the_json_settings_are_parsed_from_the_environment(monkeypatch):
    monkeypatch.setenv("ANQUAN_SMS_GATEWAY_URL", "https://sms.district.example/api/send")
    monkeypatch.setenv("ANQUAN_SMS_GATEWAY_HEADERS", f'{{"Authorization": "{SECRET}"}}')
    monkeypatch.setenv("ANQUAN_SMS_GATEWAY_BODY", '{"mobiles": ["{phone}"], "content": "【街道安委办】{text}", "apikey": "body-s3cr3t"}')
    monkeypatch.setenv("ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS", '["127.0.0.1", "hooks.intranet"]')
    monkeypatch.setenv("ANQUAN_SMTP_HOST", "smtp.example.cn")
    monkeypatch.setenv("ANQUAN_SMTP_PORT", "465")
    monkeypatch.setenv("ANQUAN_SMTP_SECURITY", "tls")
    monkeypatch.setenv("ANQUAN_SMTP_FROM", "noreply@example.cn")
    monkeypatch.setenv("ANQUAN_SMTP_PASSWORD", "smtp-s3cr3t")
    settings = Settings()
    assert settings.sms_gateway_headers["Authorization"].get_secret_value() == SECRET
    assert settings.sms_gateway_body == {"mobiles": ["{phone}"], "content": "【街道安委办】{text}", "apikey": "body-s3cr3t"}
    assert settings.webhook_allowed_private_hosts == ["127.0.0.1", "hooks.intranet"]
    assert "s3cr3t" not in repr(settings)
    channels = channels_from_settings(settings)
    assert isinstance(channels["sms"], SmsGateway) and isinstance(channels["email"], SmtpChannel)
    assert channels["email"].config.port == 465 and channels["email"].config.security == "tls"


def test_nothing_configured_means_sms_and_email_are_skipped():
    channels = channels_from_settings(Settings())
    assert isinstance(channels["sms"], ChannelNotConfigured)
    assert isinstance(channels["email"], ChannelNotConfigured)
    assert Settings().webhook_allowed_private_hosts == []


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("ANQUAN_SMS_GATEWAY_HEADERS", f'{{"Authorization": "{SECRET}"', "is not valid JSON"),
    ("ANQUAN_SMS_GATEWAY_HEADERS", f'["{SECRET}"]', "must be a JSON object"),
    ("ANQUAN_SMS_GATEWAY_HEADERS", '{"Authorization": 42}', "must be a string"),
    ("ANQUAN_SMS_GATEWAY_HEADERS", f'{{"Authorization": "{SECRET}\\r\\nX-Injected: 1"}}', "line break"),
    ("ANQUAN_SMS_GATEWAY_BODY", '{"mobile": "{phone}", "content": "' + SECRET, "is not valid JSON"),
    ("ANQUAN_SMS_GATEWAY_BODY", '{"mobile": "{phone}", "sign": "' + SECRET + '"}', "must contain {text}"),
    ("ANQUAN_SMS_GATEWAY_BODY", '{"content": "{text}"}', "must contain {phone}"),
    ("ANQUAN_SMS_GATEWAY_BODY", '{"a": "' + SECRET + '"}', "must contain {phone} and {text}"),
    ("ANQUAN_SMS_GATEWAY_BODY", '"{phone} {text}"', "must be a JSON object"),
    ("ANQUAN_SMS_GATEWAY_URL", "ftp://" + SECRET, "must be an http or https URL"),
    ("ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS", "127.0.0.1", "is not valid JSON"),
    ("ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS", '{"host": "127.0.0.1"}', "must be a JSON list"),
    ("ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS", '["127.0.0.1", 5]', "must be a JSON list"),
])
def test_a_bad_value_is_an_error_naming_the_variable_without_showing_it(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as caught:
        Settings()
    text = str(caught.value)
    assert variable in text and message in text
    assert SECRET not in text and "s3cr3t" not in text


def test_a_rejected_smtp_password_is_not_shown(monkeypatch):
    monkeypatch.setenv("ANQUAN_SMTP_PORT", "not-a-port-s3cr3t")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "smtp_port" in str(caught.value) and "s3cr3t" not in str(caught.value)


def test_empty_variables_count_as_unset(monkeypatch):
    for name in ("ANQUAN_SMS_GATEWAY_URL", "ANQUAN_SMS_GATEWAY_HEADERS", "ANQUAN_SMS_GATEWAY_BODY",
                 "ANQUAN_WEBHOOK_ALLOWED_PRIVATE_HOSTS", "ANQUAN_SMTP_HOST"):
        monkeypatch.setenv(name, "")
    settings = Settings()
    assert settings.sms_gateway_url is None and settings.sms_gateway_headers == {}
    assert settings.sms_gateway_body is None and settings.webhook_allowed_private_hosts == []
    assert settings.smtp_host is None
