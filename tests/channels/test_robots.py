"""WeCom and DingTalk group robots (R5): loopback HTTP servers play the robots, in their
documented formats; the DingTalk one checks the 加签 signature from the secret itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest

from app.channels import DingTalkRobot, OutboundMessage, Outcome, TargetPolicy, WeComRobot
from tests.channels.peers import HttpPeer, Received, closed_port, json_reply

TEXT = "【隐患提醒】辖区内 3 家企业的重大事故隐患已逾期,请及时督办。"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING_TOKEN = "566cc69da782ec3dd0000000000000000"
DING_SECRET = "SEC240d7bb4c0bafc62aa0b6f4e3e0b7d1e5f1c2b3a4d5e6f708192a3b4c5d6e7f8"
LOOPBACK = TargetPolicy(["127.0.0.1"])


def wecom_robot(errcode: int = 0, errmsg: str = "ok"):
    def handle(request: Received):
        if request.path != "/cgi-bin/webhook/send" or request.query.get("key") != WECOM_KEY:
            return json_reply(200, json.dumps({"errcode": 93000, "errmsg": "invalid webhook url, hint: [x]"}))
        body = json.loads(request.body)
        if body.get("msgtype") != "text" or not isinstance(body.get("text", {}).get("content"), str):
            return json_reply(200, '{"errcode":40008,"errmsg":"invalid message type"}')
        return json_reply(200, json.dumps({"errcode": errcode, "errmsg": errmsg}))
    return handle


def expected_sign(secret: str, timestamp: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def dingtalk_robot(secret: str | None, errcode: int = 0):
    def handle(request: Received):
        query = request.query
        if request.path != "/robot/send" or query.get("access_token") != DING_TOKEN:
            return json_reply(200, '{"errcode":300001,"errmsg":"token is not exist"}')
        if secret is not None:
            stamp = query.get("timestamp", "")
            fresh = stamp.isdigit() and abs(int(stamp) - time.time() * 1000) < 3600 * 1000
            if not fresh or not hmac.compare_digest(query.get("sign", ""), expected_sign(secret, stamp)):
                return json_reply(200, '{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}')
        body = json.loads(request.body)
        if body.get("msgtype") != "text" or "content" not in body.get("text", {}):
            return json_reply(200, '{"errcode":400105,"errmsg":"不支持的消息类型"}')
        return json_reply(200, json.dumps({"errcode": errcode, "errmsg": "ok" if errcode == 0 else "send too fast"}))
    return handle


# --- WeCom -------------------------------------------------------------------------------

async def test_wecom_robot_receives_the_documented_text_message():
    async with HttpPeer(wecom_robot()) as robot:
        url = robot.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")
        result = await WeComRobot(LOOPBACK).send(OutboundMessage(to=url, text=TEXT))
    assert result.ok and result.provider_code == 0 and result.status_code == 200
    [request] = robot.requests
    assert request.headers["content-type"].startswith("application/json")
    assert json.loads(request.body.decode("utf-8")) == {"msgtype": "text", "text": {"content": TEXT}}


async def test_wecom_text_is_cut_to_2048_bytes_on_a_character_boundary():
    async with HttpPeer(wecom_robot()) as robot:
        url = robot.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")
        assert (await WeComRobot(LOOPBACK).send(OutboundMessage(to=url, text="隐" * 1000))).ok
    content = json.loads(robot.requests[0].body)["text"]["content"]
    assert len(content.encode("utf-8")) <= 2048 and content.endswith("…") and content.startswith("隐" * 600)


@pytest.mark.parametrize(("errcode", "retryable"), [(45009, True), (-1, True), (93000, False), (40008, False)])
async def test_wecom_errcodes_are_failures_and_only_busy_or_rate_limited_ones_retry(errcode, retryable):
    async with HttpPeer(wecom_robot(errcode, "api freq out of limit, more info at https://open.work.weixin.qq.com/devtool/query?e=45009")) as robot:
        url = robot.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")
        result = await WeComRobot(LOOPBACK).send(OutboundMessage(to=url, text=TEXT))
    assert result.outcome is Outcome.FAILED
    assert result.provider_code == errcode and result.retryable is retryable


async def test_a_wrong_wecom_key_fails_without_showing_the_key():
    async with HttpPeer(wecom_robot()) as robot:
        url = robot.url("/cgi-bin/webhook/send?key=wrong-key-0000")
        result = await WeComRobot(LOOPBACK).send(OutboundMessage(to=url, text=TEXT))
    assert result.provider_code == 93000 and not result.retryable
    assert "wrong-key-0000" not in f"{result.error} {result.response_excerpt}"
    assert "wrong-key-0000" not in repr(OutboundMessage(to=url, text=TEXT))


@pytest.mark.parametrize(("status", "retryable"), [(502, True), (429, True), (404, False)])
async def test_robot_http_errors_are_classified(status, retryable):
    async with HttpPeer(lambda r: json_reply(status, "busy")) as robot:
        result = await WeComRobot(LOOPBACK).send(OutboundMessage(to=robot.url(f"/x?key={WECOM_KEY}"), text=TEXT))
    assert result.outcome is Outcome.FAILED and result.status_code == status and result.retryable is retryable


async def test_a_200_without_an_errcode_is_a_retryable_failure():
    async with HttpPeer(lambda r: (200, {"content-type": "text/html"}, b"<html>portal</html>")) as robot:
        result = await WeComRobot(LOOPBACK).send(OutboundMessage(to=robot.url(f"/x?key={WECOM_KEY}"), text=TEXT))
    assert result.outcome is Outcome.FAILED and result.retryable


async def test_robot_urls_go_through_the_ssrf_guard():
    async with HttpPeer(wecom_robot()) as robot:
        url = robot.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")
        refused = await WeComRobot(TargetPolicy([])).send(OutboundMessage(to=url, text=TEXT))
        by_name = await WeComRobot(LOOPBACK).send(OutboundMessage(to=url.replace("127.0.0.1", "localhost"), text=TEXT))
    assert refused.outcome is Outcome.FAILED and not refused.retryable and "loopback" in refused.error
    assert by_name.outcome is Outcome.FAILED and "loopback" in by_name.error
    assert robot.requests == []


async def test_an_org_unit_without_a_robot_is_skipped_and_says_so():
    for robot in (WeComRobot(LOOPBACK), DingTalkRobot(LOOPBACK)):
        result = await robot.send(OutboundMessage(to="", text=TEXT))
        assert result.outcome is Outcome.NOT_CONFIGURED and "robot" in result.error


async def test_a_refused_connection_is_retryable():
    url = f"http://127.0.0.1:{closed_port()}/cgi-bin/webhook/send?key={WECOM_KEY}"
    result = await WeComRobot(LOOPBACK).send(OutboundMessage(to=url, text=TEXT))
    assert result.outcome is Outcome.FAILED and result.retryable
    assert WECOM_KEY not in result.error


# --- DingTalk ----------------------------------------------------------------------------

async def test_dingtalk_robot_verifies_the_signature_from_the_secret():
    async with HttpPeer(dingtalk_robot(DING_SECRET)) as robot:
        url = robot.url(f"/robot/send?access_token={DING_TOKEN}")
        result = await DingTalkRobot(LOOPBACK).send(OutboundMessage(to=url, text=TEXT, secret=DING_SECRET))
    assert result.ok and result.provider_code == 0
    [request] = robot.requests
    assert json.loads(request.body.decode("utf-8")) == {"msgtype": "text", "text": {"content": TEXT}}
    assert set(request.query) == {"access_token", "timestamp", "sign"}


async def test_the_dingtalk_signature_is_url_encoded():
    # a moment whose signature has '+' and '/' in its base64: unencoded, '+' would arrive as a space
    start = int(time.time() * 1000)
    moment = next(t for t in range(start, start + 10_000) if {"+", "/"} <= set(expected_sign(DING_SECRET, str(t))))
    async with HttpPeer(dingtalk_robot(DING_SECRET)) as robot:
        url = robot.url(f"/robot/send?access_token={DING_TOKEN}")
        result = await DingTalkRobot(LOOPBACK, clock=lambda: moment / 1000).send(
            OutboundMessage(to=url, text=TEXT, secret=DING_SECRET))
    assert result.ok
    raw_query = robot.requests[0].target.split("?", 1)[1]
    assert "%2B" in raw_query and "%2F" in raw_query and "+" not in raw_query
    assert robot.requests[0].query["timestamp"] == str(moment)


async def test_a_wrong_dingtalk_secret_is_refused_by_the_robot_and_not_retried():
    async with HttpPeer(dingtalk_robot(DING_SECRET)) as robot:
        url = robot.url(f"/robot/send?access_token={DING_TOKEN}")
        result = await DingTalkRobot(LOOPBACK).send(OutboundMessage(to=url, text=TEXT, secret="SEC-not-the-secret"))
    assert result.outcome is Outcome.FAILED and result.provider_code == 310000 and not result.retryable
    shown = f"{result.error} {result.response_excerpt}"
    assert "SEC-not-the-secret" not in shown and DING_TOKEN not in shown


async def test_an_unsigned_dingtalk_robot_gets_no_signature():
    async with HttpPeer(dingtalk_robot(None)) as robot:
        url = robot.url(f"/robot/send?access_token={DING_TOKEN}")
        assert (await DingTalkRobot(LOOPBACK).send(OutboundMessage(to=url, text=TEXT))).ok
    assert set(robot.requests[0].query) == {"access_token"}


@pytest.mark.parametrize(("errcode", "retryable"), [(130101, True), (410100, True), (-1, True), (300001, False)])
async def test_dingtalk_rate_limits_retry_and_other_errcodes_do_not(errcode, retryable):
    async with HttpPeer(dingtalk_robot(None, errcode)) as robot:
        url = robot.url(f"/robot/send?access_token={DING_TOKEN}")
        result = await DingTalkRobot(LOOPBACK).send(OutboundMessage(to=url, text=TEXT))
    assert result.outcome is Outcome.FAILED and result.provider_code == errcode and result.retryable is retryable
