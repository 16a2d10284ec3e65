"""notify(): one row per (recipient, channel) with the rendered Chinese text; once per
occasion; nothing on a channel the recipient cannot be reached on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.db.models import Notification
from app.db.unit_of_work import UnitOfWork
from app.services.notifications import Recipient, notify


async def test_notify_writes_in_app_and_pending_sms_with_the_chinese_text(db, settings, clock, world) -> None:  # type: ignore[no-untyped-def]
    village = await world.village()
    enterprise = await world.enterprise(village)
    officer = await world.user("village_officer", org_unit=village)
    principal = Recipient.person("王强", role="principal", phone="13800138000")
    uow = UnitOfWork(db.sessionmaker(), settings.audit_keys, clock=clock, seal_now=True)
    for _ in range(2):  # the same occasion twice: written once
        await notify(
            uow, recipients=[Recipient.user(officer.id), principal], kind="major_hazard",
            subject_type="hazards", subject_id=enterprise.id, channels=("in_app", "sms"),
            template="major_hazard_sms",
            template_args={"enterprise": enterprise.name, "title": "配电箱未接地", "discovered_on": date(2025, 6, 16)},
            per_recipient_args=lambda r: {"person": r.name or "负责人", "role": r.role or "principal"},
            enterprise_id=enterprise.id, village_id=village.id, sector=enterprise.sector, occasion="created",
        )
    await uow.commit()
    rows = (await uow.session.execute(select(Notification).order_by(Notification.channel))).scalars().all()
    await uow.close()
    assert [(r.channel, r.status) for r in rows] == [("in_app", "sent"), ("sms", "pending")]
    in_app, sms = rows
    assert in_app.recipient_user_id == officer.id and in_app.address is None
    assert sms.address == "13800138000" and sms.recipient_user_id is None
    assert "王强（主要负责人）" in sms.body and "重大事故隐患“配电箱未接地”" in sms.body
    assert sms.next_attempt_at == clock.now and sms.attempts == 0
