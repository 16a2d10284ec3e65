"""Delivering notifications to real peers on loopback (R4, R5): the SMS gateway (an HTTP
server) gets the phone and the Chinese text, retried with backoff after a 500; aiosmtpd
receives the e-mail; an unconfigured channel is skipped and says so; the per-recipient
rate limit holds messages back; logs never carry a phone number in full."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

from sqlalchemy import select

from app.db.models import Notification
from app.db.unit_of_work import UnitOfWork
from app.services.deliveries import RETRY_DELAYS, deliver_due
from app.services.notifications import Recipient, notify
from tests.channels.peers import HttpPeer, SmtpPeer, json_reply
from tests.conftest import test_settings

PHONE = "13812345678"


async def _notify(db, settings, clock, recipients, channels, **kw):  # type: ignore[no-untyped-def]
    uow = UnitOfWork(db.sessionmaker(), settings.audit_keys, clock=clock, seal_now=True)
    ids = await notify(uow, recipients=recipients, kind=kw.pop("kind", "major_hazard"), subject_type="hazards",
                       subject_id=None, channels=channels, **kw)
    await uow.commit()
    await uow.close()
    return ids


async def _rows(db):  # type: ignore[no-untyped-def]
    async with db.transaction() as s:
        return (await s.execute(select(Notification).order_by(Notification.id))).scalars().all()


async def test_sms_reaches_the_gateway_with_phone_and_chinese_text_after_a_500(db, clock, caplog) -> None:  # type: ignore[no-untyped-def]
    answers = [json_reply(500, "{}"), json_reply(200, '{"code": 0}')]
    async with HttpPeer(lambda r: answers.pop(0)) as gateway:
        settings = test_settings(sms_gateway_url=gateway.url("/sms"),
                                 sms_gateway_body=json.dumps({"mobile": "{phone}", "content": "{text}"}))
        await _notify(db, settings, clock, [Recipient.person("王强", role="principal", phone=PHONE)], ("sms",),
                      template="major_hazard_sms",
                      template_args={"person": "王强", "role": "principal", "enterprise": "合肥精工机械有限公司",
                                     "title": "粉尘涉爆除尘系统未接地", "discovered_on": date(2025, 6, 16)})
        caplog.set_level(logging.INFO)
        assert await deliver_due(db, settings, now=clock.now) == 1
        [n] = await _rows(db)
        assert (n.status, n.attempts, n.last_status_code) == ("pending", 1, 500)
        assert n.next_attempt_at == clock.now + RETRY_DELAYS[0]
        # not yet due: nothing is sent
        assert await deliver_due(db, settings, now=clock.now + timedelta(seconds=30)) == 0
        later = clock.now + RETRY_DELAYS[0]
        assert await deliver_due(db, settings, now=later) == 1
    [n] = await _rows(db)
    assert (n.status, n.attempts, n.sent_at) == ("sent", 2, later)
    assert len(gateway.requests) == 2
    body = json.loads(gateway.requests[-1].body)
    assert body["mobile"] == PHONE
    assert "王强（主要负责人）" in body["content"] and "粉尘涉爆除尘系统未接地" in body["content"]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "138****5678" in logged and PHONE not in logged


async def test_a_failure_that_keeps_coming_ends_failed_after_the_last_retry(db, clock) -> None:  # type: ignore[no-untyped-def]
    async with HttpPeer(lambda r: json_reply(503, "{}")) as gateway:
        settings = test_settings(sms_gateway_url=gateway.url("/sms"))
        await _notify(db, settings, clock, [Recipient.person("王强", phone=PHONE)], ("sms",), text="测试短信")
        now = clock.now
        for delay in (*RETRY_DELAYS, None):
            assert await deliver_due(db, settings, now=now) == 1
            if delay is not None:
                now += delay
    [n] = await _rows(db)
    assert (n.status, n.attempts) == ("failed", len(RETRY_DELAYS) + 1)
    assert "503" in n.last_error and n.next_attempt_at is None
    assert len(gateway.requests) == len(RETRY_DELAYS) + 1


async def test_aiosmtpd_receives_the_email(db, clock) -> None:  # type: ignore[no-untyped-def]
    async with SmtpPeer() as smtp:
        settings = test_settings(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_from="街道安办 <noreply@anquan.test>",
                                 smtp_security="none")
        await _notify(db, settings, clock, [Recipient.person("李娜", email="li@example.cn")], ("email",),
                      text="隐患“配电箱未接地”整改期限2025年6月23日，还剩7天。", title="隐患整改即将到期")
        assert await deliver_due(db, settings, now=clock.now) == 1
    [(envelope, message)] = smtp.box.messages
    assert envelope.rcpt_tos == ["li@example.cn"]
    assert message["Subject"] == "隐患整改即将到期"
    assert "还剩7天" in message.get_content()
    [n] = await _rows(db)
    assert n.status == "sent"


async def test_an_unconfigured_channel_is_skipped_and_says_so(db, clock, world) -> None:  # type: ignore[no-untyped-def]
    settings = test_settings()  # no SMS gateway
    village = await world.village()
    await _notify(db, settings, clock, [Recipient.person("王强", phone=PHONE), Recipient.org_unit(village.id)],
                  ("sms", "wecom"), text="测试")
    assert await deliver_due(db, settings, now=clock.now) == 2
    rows = {n.channel: n for n in await _rows(db)}
    assert rows["sms"].status == "cancelled" and "ANQUAN_SMS_GATEWAY_URL" in rows["sms"].last_error
    assert rows["wecom"].status == "cancelled" and "robot" in rows["wecom"].last_error
    assert all(n.attempts == 0 for n in rows.values())


async def test_the_per_recipient_rate_limit_holds_the_rest_until_the_next_hour(db, clock) -> None:  # type: ignore[no-untyped-def]
    async with HttpPeer() as gateway:
        settings = test_settings(sms_gateway_url=gateway.url("/sms"), notify_rate_limit_per_hour=2)
        for i in range(3):
            await _notify(db, settings, clock, [Recipient.person("王强", phone=PHONE)], ("sms",), text=f"第{i}条")
        await _notify(db, settings, clock, [Recipient.person("李娜", phone="13900001111")], ("sms",), text="另一人")
        assert await deliver_due(db, settings, now=clock.now) == 4
        assert len(gateway.requests) == 3  # two to 王强, one to 李娜
        held = [n for n in await _rows(db) if n.status == "pending"]
        assert len(held) == 1 and held[0].attempts == 0 and "an hour" in held[0].last_error
        assert await deliver_due(db, settings, now=held[0].next_attempt_at) == 1
    assert len(gateway.requests) == 4
    assert {n.status for n in await _rows(db)} == {"sent"}


async def test_an_org_units_group_robots_get_the_message_dingtalk_signed(db, clock, world, caplog) -> None:  # type: ignore[no-untyped-def]
    from app.db.models import OrgUnitRobot
    from tests.channels.test_robots import DING_SECRET, DING_TOKEN, WECOM_KEY, dingtalk_robot, wecom_robot

    village = await world.village()
    async with HttpPeer(dingtalk_robot(DING_SECRET)) as ding, HttpPeer(wecom_robot()) as wecom:
        world.session.add_all([
            OrgUnitRobot(org_unit_id=village.id, channel="dingtalk", url=ding.url(f"/robot/send?access_token={DING_TOKEN}"),
                         secret=DING_SECRET),
            OrgUnitRobot(org_unit_id=village.id, channel="wecom", url=wecom.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}")),
        ])
        await world.session.flush()
        settings = test_settings(webhook_allowed_private_hosts='["127.0.0.1"]')
        await _notify(db, settings, clock, [Recipient.org_unit(village.id)], ("wecom", "dingtalk"),
                      text="辖区内3家企业的重大事故隐患已逾期，请及时督办。")
        caplog.set_level(logging.INFO)
        assert await deliver_due(db, settings, now=clock.now) == 2
    rows = {n.channel: n for n in await _rows(db)}
    assert rows["dingtalk"].status == "sent", rows["dingtalk"].last_error
    assert rows["wecom"].status == "sent", rows["wecom"].last_error
    assert json.loads(ding.requests[0].body)["text"]["content"] == "辖区内3家企业的重大事故隐患已逾期，请及时督办。"
    assert json.loads(wecom.requests[0].body)["msgtype"] == "text"
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert DING_TOKEN not in logged and WECOM_KEY not in logged and DING_SECRET not in logged


async def test_many_at_once_count_the_rate_limit_in_order_and_keep_a_raising_channel_pending(db, clock) -> None:  # type: ignore[no-untyped-def]
    from app.channels import DeliveryResult
    from app.services.deliveries import deliver_notifications

    class Gateway:
        name = "sms"

        def __init__(self) -> None:
            self.sent: list[str] = []

        async def send(self, message):  # type: ignore[no-untyped-def]
            if message.to == "13700000000":
                raise RuntimeError("the gateway's client broke")
            self.sent.append(message.to)
            return DeliveryResult.sent(status_code=200)

    settings = test_settings(sms_gateway_url="http://127.0.0.1:9/sms", notify_rate_limit_per_hour=2)
    ids = []
    for i in range(3):
        ids += await _notify(db, settings, clock, [Recipient.person("王强", phone=PHONE)], ("sms",), text=f"第{i}条")
    ids += await _notify(db, settings, clock, [Recipient.person("李娜", phone="13900001111")], ("sms",), text="另一人")
    ids += await _notify(db, settings, clock, [Recipient.person("张伟", phone="13700000000")], ("sms",), text="坏的")
    gateway = Gateway()
    outcome = await deliver_notifications(db, settings, ids, now=clock.now, channels={"sms": gateway})
    # one transaction for all five: two to 王强 within the limit, the third waits; 李娜's goes
    assert sorted(gateway.sent) == sorted([PHONE, PHONE, "13900001111"])
    assert [outcome[i] for i in ids[:4]] == ["sent", "sent", "pending", "sent"]
    assert isinstance(outcome[ids[4]], RuntimeError)
    rows = {n.id: n for n in await _rows(db)}
    assert "an hour" in rows[ids[2]].last_error and rows[ids[2]].attempts == 0
    # the one whose channel raised is as it was: pending, no attempt used, due now
    broken = rows[ids[4]]
    assert (broken.status, broken.attempts, broken.last_error) == ("pending", 0, None)
