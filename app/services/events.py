"""The change feed for district systems. Services queue events on the session and the
commit tail writes them; inside COMMIT a deferred trigger numbers them (`seq`) under one
advisory lock (migration 0009), so the numbers follow commit order and a reader that has
seen N has seen every event below N: ordered and gap-free."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request, Response
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.routing import register_commit_hook
from app.db.models import Event


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


async def flush_events(session: AsyncSession) -> None:
    """Written with the change; numbered in commit order by the event_seal trigger."""
    events = session.info.pop("events", None)
    if events:
        await session.execute(insert(Event), events)


@register_commit_hook
async def write_events(session: AsyncSession, request: Request, response: Response) -> None:
    await flush_events(session)
