"""The notification and webhook-subscription endpoints: H8's text messages on the hazard,
a user's own notifications, access (another village's user gets 404), bad URLs and event
types answer 422 naming the field."""

from __future__ import annotations

import json

from app.services.deliveries import deliver_due
from app.services.notifications import Recipient, notify
from tests.api.helpers import create_hazard
from tests.channels.peers import HttpPeer
from tests.conftest import test_settings
from tests.factories import problem_fields


async def test_a_new_major_hazard_sends_the_sms_to_principal_and_controller_and_the_hazard_shows_them(
    client, world, db, clock
) -> None:  # type: ignore[no-untyped-def]
    village, other = await world.village(), await world.village()
    enterprise = await world.enterprise(village, principal_phone="13811112222", controller_phone="13933334444")
    officer = await world.as_("village_officer", org_unit=village)
    stranger = await world.as_("village_officer", org_unit=other)
    hazard = await create_hazard(client, officer, enterprise, grade="major", title="粉尘涉爆除尘系统未接地")
    r = await client.get(f"/api/v1/hazards/{hazard['id']}/notifications", headers=officer)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert sorted((n["recipient"]["role"], n["recipient"]["address"], n["status"]) for n in items) == [
        ("actual_controller", "139****4444", "pending"), ("principal", "138****2222", "pending")]
    assert all(n["channel"] == "sms" and n["cause"]["rule"] == "major_hazard" for n in items)
    assert "13811112222" not in r.text
    assert (await client.get(f"/api/v1/hazards/{hazard['id']}/notifications", headers=stranger)).status_code == 404
    assert (await client.get(f"/api/v1/notifications/{items[0]['id']}", headers=stranger)).status_code == 404
    assert (await client.get(f"/api/v1/notifications/{items[0]['id']}", headers=officer)).status_code == 200

    async with HttpPeer() as gateway:
        settings = test_settings(sms_gateway_url=gateway.url("/send"))
        assert await deliver_due(db, settings, now=clock.now) == 2
    sent = {json.loads(req.body)["phone"]: json.loads(req.body)["text"] for req in gateway.requests}
    assert set(sent) == {"13811112222", "13933334444"}
    assert "主要负责人" in sent["13811112222"] and "实际控制人" in sent["13933334444"]
    assert all("粉尘涉爆除尘系统未接地" in t for t in sent.values())
    r = await client.get(f"/api/v1/hazards/{hazard['id']}/notifications", headers=officer)
    assert {n["status"] for n in r.json()["items"]} == {"sent"}
    # resend: pending again, from its first attempt
    r = await client.post(f"/api/v1/notifications/{items[0]['id']}/resend", headers=officer)
    assert r.status_code == 200 and r.json()["status"] == "pending" and r.json()["attempts"] == 0
    assert (await client.post(f"/api/v1/notifications/{items[0]['id']}/resend", headers=stranger)).status_code == 404


async def test_a_user_lists_and_reads_only_its_own_notifications(client, world, settings, clock) -> None:  # type: ignore[no-untyped-def]
    from app.db.unit_of_work import UnitOfWork

    village, other = await world.village(), await world.village()
    me = await world.user("village_officer", org_unit=village)
    them = await world.user("village_officer", org_unit=other)
    uow = UnitOfWork(world.session, settings.audit_keys, clock=clock)
    for user, text in ((me, "第一条"), (me, "第二条"), (them, "别人的")):
        await notify(uow, recipients=[Recipient.user(user.id)], kind="hazard_deadline", subject_type=None,
                     subject_id=None, text=text, village_id=village.id)
    await world.session.flush()
    mine, theirs = world.headers(me), world.headers(them)
    r = await client.get("/api/v1/notifications?read=false", headers=mine)
    assert [n["text"] for n in r.json()["items"]] == ["第二条", "第一条"]
    first = r.json()["items"][1]["id"]
    r = await client.post(f"/api/v1/notifications/{first}/read", headers=mine)
    assert r.status_code == 200 and r.json()["read_at"]
    assert [n["text"] for n in (await client.get("/api/v1/notifications?read=false", headers=mine)).json()["items"]] == ["第二条"]
    assert [n["text"] for n in (await client.get("/api/v1/notifications?read=true", headers=mine)).json()["items"]] == ["第一条"]
    r = await client.get("/api/v1/notifications?limit=1", headers=mine)
    assert len(r.json()["items"]) == 1 and r.json()["next_cursor"]
    r2 = await client.get(f"/api/v1/notifications?limit=1&cursor={r.json()['next_cursor']}", headers=mine)
    assert [n["text"] for n in r2.json()["items"]] == ["第一条"]
    assert (await client.get(f"/api/v1/notifications/{first}", headers=theirs)).status_code == 404
    assert (await client.post(f"/api/v1/notifications/{first}/read", headers=theirs)).status_code == 404
    assert [n["text"] for n in (await client.get("/api/v1/notifications", headers=theirs)).json()["items"]] == ["别人的"]


async def test_webhook_subscriptions_secret_once_scope_and_bad_input(client, world) -> None:  # type: ignore[no-untyped-def]
    village, other = await world.village(), await world.village()
    officer = await world.as_("village_officer", org_unit=village)
    stranger = await world.as_("village_officer", org_unit=other)
    allowed = "http://127.0.0.1:9/hook"
    world.app.state.settings = test_settings(webhook_allowed_private_hosts='["127.0.0.1"]')
    r = await client.post("/api/v1/webhook-subscriptions", headers=officer,
                          json={"url": allowed, "event_types": ["hazard.created"]})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["secret"].startswith("whsec_") and created["status"] == "active"
    sid = created["id"]
    got = await client.get(f"/api/v1/webhook-subscriptions/{sid}", headers=officer)
    assert got.status_code == 200 and "secret" not in got.json()
    assert [s["id"] for s in (await client.get("/api/v1/webhook-subscriptions", headers=officer)).json()["items"]] == [sid]
    for method, path, body in (
        ("GET", f"/api/v1/webhook-subscriptions/{sid}", None),
        ("PATCH", f"/api/v1/webhook-subscriptions/{sid}", {"description": "x"}),
        ("GET", f"/api/v1/webhook-subscriptions/{sid}/deliveries", None),
        ("DELETE", f"/api/v1/webhook-subscriptions/{sid}", None),
    ):
        r = await client.request(method, path, headers=stranger, json=body)
        assert r.status_code == 404, (method, path, r.text)
    assert (await client.get("/api/v1/webhook-subscriptions", headers=stranger)).json()["items"] == []

    for url in ("ftp://example.com/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest",
                "https://example.com/" + "a" * 2000):
        r = await client.post("/api/v1/webhook-subscriptions", headers=officer,
                              json={"url": url, "event_types": ["hazard.created"]})
        assert problem_fields(r, 422) == ["url"], (url, r.text)
    r = await client.post("/api/v1/webhook-subscriptions", headers=officer,
                          json={"url": allowed, "event_types": ["hazard.exploded"]})
    assert problem_fields(r, 422) == ["event_types"]
    r = await client.patch(f"/api/v1/webhook-subscriptions/{sid}", headers=officer, json={"url": "http://10.0.0.1/"})
    assert problem_fields(r, 422) == ["url"]
    r = await client.patch(f"/api/v1/webhook-subscriptions/{sid}", headers=officer, json={"status": "disabled"})
    assert r.json()["status"] == "disabled" and r.json()["disabled_reason"]
    assert (await client.delete(f"/api/v1/webhook-subscriptions/{sid}", headers=officer)).status_code == 204
    assert (await client.get(f"/api/v1/webhook-subscriptions/{sid}", headers=officer)).status_code == 404


async def test_group_robot_urls_per_org_unit_are_ssrf_checked(client, world) -> None:  # type: ignore[no-untyped-def]
    village = await world.village()
    admin = await world.as_("street_admin")
    officer = await world.as_("village_officer", org_unit=village)
    base = f"/api/v1/org-units/{village.id}/robots"
    r = await client.put(f"{base}/wecom", headers=admin, json={"url": "http://192.168.1.5/cgi-bin/webhook/send?key=k"})
    assert problem_fields(r, 422) == ["url"]
    assert (await client.put(f"{base}/wecom", headers=officer,
                             json={"url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"})).status_code == 403
    world.app.state.settings = test_settings(webhook_allowed_private_hosts='["127.0.0.1"]')
    r = await client.put(f"{base}/dingtalk", headers=admin,
                         json={"url": "http://127.0.0.1:9/robot/send?access_token=tok-secret", "secret": "SECabc"})
    assert r.status_code == 200, r.text
    assert "tok-secret" not in r.text and r.json()["signed"] is True
    items = (await client.get(base, headers=admin)).json()["items"]
    assert [i["channel"] for i in items] == ["dingtalk"]
    assert (await client.delete(f"{base}/dingtalk", headers=admin)).status_code == 204
