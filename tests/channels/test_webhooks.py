"""Signed webhook deliveries (R6): a loopback receiver verifies every delivery with the
`standardwebhooks` library, as a subscriber would."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from app.channels import Outcome, TargetPolicy, WebhookDelivery, WebhookSender, generate_secret
from app.channels.http import post_json
from app.channels.webhooks import signature_headers
from tests.channels.peers import HttpPeer, Received, closed_port, json_reply, localhost_tls
from tests.conftest import test_settings

EVENT = {
    "event": {"id": 1042, "type": "hazard.created", "occurred_at": "2025-03-01T09:30:00+08:00"},
    "resource": {"id": 77, "title": "配电箱未接地", "grade": "major", "enterprise": "宏达五金厂"},
}


def receiver(secret: str, verified: list[object]):
    def handle(request: Received):
        try:
            verified.append(Webhook(secret).verify(request.body, request.headers))
        except WebhookVerificationError:
            return json_reply(400, '{"error":"bad signature"}')
        return 204, {}, b""
    return handle


def sender(**overrides: object) -> WebhookSender:
    return WebhookSender.from_settings(test_settings(webhook_allowed_private_hosts='["127.0.0.1"]', **overrides))


def test_secrets_are_whsec_and_random():
    first, second = generate_secret(), generate_secret()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32


async def test_the_receiver_verifies_each_delivery_with_the_standard_library():
    secret = generate_secret()
    verified: list[object] = []
    async with HttpPeer(receiver(secret, verified)) as peer:
        result = await sender().deliver(
            WebhookDelivery(url=peer.url("/hooks/anquan"), secret=secret, message_id="msg_1042_3", payload=EVENT))
    assert result.ok and result.status_code == 204
    assert verified == [EVENT]
    [request] = peer.requests
    assert request.headers["webhook-id"] == "msg_1042_3"
    assert abs(int(request.headers["webhook-timestamp"]) - datetime.now(timezone.utc).timestamp()) < 60
    assert request.headers["webhook-signature"].startswith("v1,")
    assert request.headers["content-type"].startswith("application/json")
    assert json.loads(request.body.decode("utf-8")) == EVENT


async def test_a_receiver_with_another_secret_rejects_the_delivery():
    verified: list[object] = []
    async with HttpPeer(receiver(generate_secret(), verified)) as peer:
        result = await sender().deliver(
            WebhookDelivery(url=peer.url(), secret=generate_secret(), message_id="msg_1", payload=EVENT))
    assert not result.ok and result.status_code == 400 and result.retryable
    assert verified == []


async def test_a_redelivery_keeps_the_webhook_id_and_signs_its_own_timestamp():
    secret = generate_secret()
    verified: list[object] = []
    earlier = datetime.now(timezone(timedelta(hours=8))) - timedelta(minutes=2)  # an aware, non-UTC time
    async with HttpPeer(receiver(secret, verified)) as peer:
        for moment in (earlier, None):
            result = await sender().deliver(
                WebhookDelivery(url=peer.url(), secret=secret, message_id="msg_1042_3", payload=EVENT, timestamp=moment))
            assert result.ok
    assert [r.headers["webhook-id"] for r in peer.requests] == ["msg_1042_3", "msg_1042_3"]
    assert int(peer.requests[0].headers["webhook-timestamp"]) == int(earlier.timestamp())
    assert len(verified) == 2


def test_signature_headers_match_the_library_for_a_given_moment():
    secret = generate_secret()
    moment = datetime(2025, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    body = json.dumps(EVENT, ensure_ascii=False).encode()
    headers = signature_headers(secret, "msg_x", moment, body)
    assert headers["webhook-timestamp"] == str(int(moment.timestamp()))
    assert headers["webhook-signature"] == Webhook(secret).sign("msg_x", moment.astimezone(timezone.utc), body.decode())
    with pytest.raises(ValueError):
        signature_headers(secret, "msg_x", datetime(2025, 3, 1, 9, 30), body)


@pytest.mark.parametrize("status", [500, 503, 400, 404, 410])
async def test_any_answer_but_2xx_is_a_retryable_failure(status):
    async with HttpPeer(lambda r: json_reply(status, '{"error":"later"}')) as peer:
        result = await sender().deliver(
            WebhookDelivery(url=peer.url(), secret=generate_secret(), message_id="msg_1", payload=EVENT))
    assert result.outcome is Outcome.FAILED and result.retryable and result.status_code == status
    assert result.response_excerpt == '{"error":"later"}'


async def test_redirects_are_not_followed():
    async with HttpPeer(lambda r: (307, {"location": "http://169.254.169.254/latest/meta-data"}, b"")) as peer:
        result = await sender().deliver(
            WebhookDelivery(url=peer.url(), secret=generate_secret(), message_id="msg_1", payload=EVENT))
    assert result.outcome is Outcome.FAILED and result.status_code == 307
    assert len(peer.requests) == 1


async def test_a_slow_receiver_times_out_retryably():
    async def slow(request: Received):
        await asyncio.sleep(3)
        return 204, {}, b""

    async with HttpPeer(slow) as peer:
        result = await sender(channel_timeout_seconds=0.3).deliver(
            WebhookDelivery(url=peer.url(), secret=generate_secret(), message_id="msg_1", payload=EVENT))
    assert result.outcome is Outcome.FAILED and result.retryable and result.error == "timed out"


async def test_a_refused_connection_is_retryable():
    result = await sender().deliver(WebhookDelivery(
        url=f"http://127.0.0.1:{closed_port()}/", secret=generate_secret(), message_id="msg_1", payload=EVENT))
    assert result.outcome is Outcome.FAILED and result.retryable and result.error.startswith("connection failed")


async def test_at_most_64_kib_of_the_answer_is_read():
    huge = b"x" * (1024 * 1024)
    async with HttpPeer(lambda r: (200, {"content-type": "text/plain"}, huge)) as peer:
        answer = await post_json(peer.url(), b"{}", timeout=5, policy=TargetPolicy(["127.0.0.1"]))
        result = await sender().deliver(
            WebhookDelivery(url=peer.url(), secret=generate_secret(), message_id="msg_1", payload=EVENT))
    assert answer.status == 200 and len(answer.body) == 64 * 1024 and answer.truncated
    assert result.ok and len(result.response_excerpt) <= 300


async def test_delivery_refuses_a_name_that_resolves_to_loopback_unless_listed():
    secret = generate_secret()
    async with HttpPeer(receiver(secret, [])) as peer:
        by_name = peer.url(host="localhost")
        refused = await sender().deliver(WebhookDelivery(url=by_name, secret=secret, message_id="m1", payload=EVENT))
        assert refused.outcome is Outcome.FAILED and not refused.retryable and "loopback" in refused.error
        assert peer.requests == []
        listed = WebhookSender(TargetPolicy(["localhost"]))
        assert (await listed.deliver(WebhookDelivery(url=by_name, secret=secret, message_id="m1", payload=EVENT))).ok
    assert peer.requests[0].headers["host"] == f"localhost:{peer.port}"


async def test_the_connection_goes_to_the_checked_address_with_the_name_kept():
    """DNS rebinding: the address that was checked is the one connected to; the HTTP client
    never looks the name up again (the system resolver knows no `.test` names)."""
    lookups: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    secret = generate_secret()
    async with HttpPeer(receiver(secret, [])) as peer:
        pinned = WebhookSender(TargetPolicy(["hooks.district.test"], resolver=resolver))
        result = await pinned.deliver(WebhookDelivery(url=peer.url("/in", host="hooks.district.test"),
                                                      secret=secret, message_id="m1", payload=EVENT))
    assert result.ok
    assert lookups == ["hooks.district.test"]
    assert peer.requests[0].headers["host"] == f"hooks.district.test:{peer.port}"


async def test_a_name_that_rebinds_to_loopback_after_validation_is_refused_at_delivery():
    answers = iter([["93.184.215.14"], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    secret = generate_secret()
    async with HttpPeer(receiver(secret, [])) as peer:
        hooks = WebhookSender(TargetPolicy(["127.0.0.1"], resolver=rebinding))
        url = peer.url(host="rebind.district.test")
        assert await hooks.validate_url(url) is None
        result = await hooks.deliver(WebhookDelivery(url=url, secret=secret, message_id="m1", payload=EVENT))
    assert result.outcome is Outcome.FAILED and "loopback" in result.error
    assert peer.requests == []


async def test_tls_to_a_pinned_address_still_checks_the_certificate_for_the_name():
    tls = localhost_tls()
    secret = generate_secret()
    async with HttpPeer(receiver(secret, []), ssl_context=tls.server) as peer:
        by_name = WebhookSender(TargetPolicy(["localhost"]), verify=tls.client)
        ok = await by_name.deliver(WebhookDelivery(url=peer.url(host="localhost"), secret=secret,
                                                   message_id="m1", payload=EVENT))
        by_ip = WebhookSender(TargetPolicy(["127.0.0.1"]), verify=tls.client)
        wrong_name = await by_ip.deliver(WebhookDelivery(url=peer.url(), secret=secret, message_id="m2", payload=EVENT))
    assert ok.ok
    assert peer.requests[0].sni == "localhost"
    assert peer.requests[0].headers["host"] == f"localhost:{peer.port}"
    # the certificate names localhost only, so the same server by IP is refused
    assert wrong_name.outcome is Outcome.FAILED and wrong_name.retryable
    assert len(peer.requests) == 1


@pytest.mark.parametrize(("secret", "message_id"), [("not-a-secret!", "m1"), ("whsec_", "m1"),
                                                    (None, ""), (None, "id with space"), (None, "id\r\nx: y")])
async def test_a_bad_secret_or_message_id_is_refused_before_sending(secret, message_id):
    async with HttpPeer() as peer:
        result = await sender().deliver(WebhookDelivery(url=peer.url(), secret=secret or generate_secret(),
                                                        message_id=message_id, payload=EVENT))
    assert result.outcome is Outcome.FAILED and not result.retryable
    assert peer.requests == []
