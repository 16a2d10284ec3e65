"""The change feed for district systems. Services queue events on the session; the commit
tail writes them under one advisory lock, so event ids follow commit order and a reader
that has seen id N has seen every event below N (gap-free, P of API.md /events)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request, Response
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.routing import register_commit_hook
from app.db.models import Event

COMMIT_ORDER_LOCK = 727002  # pg_advisory_xact_lock key shared by every commit tail that appends in order


class EventType:
    hazard_created = "hazard.created"
    hazard_status_changed = "hazard.status_changed"
    hazard_deadline_extended = "hazard.deadline_extended"
    hazard_major_notified = "hazard.major_notified"
    hazard_escalated = "hazard.escalated"
    hazard_listed = "hazard.listed"
    hazard_delisted = "hazard.delisted"
    inspection_recorded = "inspection.recorded"
    report_received = "report.received"
    report_verified = "report.verified"
    drill_recorded = "drill.recorded"
    training_recorded = "training.recorded"
    supervision_task_created = "supervision_task.created"
    supervision_task_status_changed = "supervision_task.status_changed"
    supervision_task_findings_recorded = "supervision_task.findings_recorded"
    supervision_task_referral_recorded = "supervision_task.referral_recorded"


def queue(
    session: AsyncSession,
    type: str,
    resource: str,
    resource_id: uuid.UUID,
    *,
    enterprise_id: uuid.UUID | None = None,
    village_id: uuid.UUID | None = None,
    sector: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.info.setdefault("events", []).append(
        {
            "type": type,
            "resource": resource,
            "resource_id": resource_id,
            "enterprise_id": enterprise_id,
            "village_id": village_id,
            "sector": sector,
            "data": data,
        }
    )


async def take_commit_order_lock(session: AsyncSession) -> None:
    if not session.info.get("commit_order_locked"):
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": COMMIT_ORDER_LOCK})
        session.info["commit_order_locked"] = True


async def flush_events(session: AsyncSession) -> None:
    events = session.info.pop("events", None)
    if not events:
        return
    await take_commit_order_lock(session)
    await session.execute(insert(Event), events)


@register_commit_hook
async def write_events(session: AsyncSession, request: Request, response: Response) -> None:
    await flush_events(session)
