"""The ledger facts of cadence C5 for a page of enterprises: their states, their risk
overrides and the department inspections, each in the order the pure rules want."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.differentiated import C5_INSPECTION_KIND

_STATES = text(
    "SELECT enterprise_id, effective_on, status, high_risk FROM enterprise_state "
    "WHERE enterprise_id = ANY(:ids) ORDER BY enterprise_id, effective_on, id"
)
_OVERRIDES = text(
    "SELECT enterprise_id, level, created_at FROM risk_override "
    "WHERE enterprise_id = ANY(:ids) ORDER BY enterprise_id, id"
)
_INSPECTIONS = text(
    "SELECT enterprise_id, performed_on FROM inspection "
    "WHERE enterprise_id = ANY(:ids) AND kind = :kind AND performed_on <= :as_of ORDER BY enterprise_id, performed_on"
)


async def facts(
    session: AsyncSession, ids: list[uuid.UUID], as_of: date
) -> tuple[
    dict[uuid.UUID, list[tuple[date, str, bool]]],
    dict[uuid.UUID, list[tuple[str | None, datetime]]],
    dict[uuid.UUID, list[date]],
]:
    """(states, overrides in the order they were made, department inspection days) per id."""
    states: dict[uuid.UUID, list[Any]] = defaultdict(list)
    overrides: dict[uuid.UUID, list[Any]] = defaultdict(list)
    inspections: dict[uuid.UUID, list[date]] = defaultdict(list)
    if not ids:
        return states, overrides, inspections
    for r in await session.execute(_STATES, {"ids": ids}):
        states[r.enterprise_id].append((r.effective_on, r.status, r.high_risk))
    for r in await session.execute(_OVERRIDES, {"ids": ids}):
        overrides[r.enterprise_id].append((r.level, r.created_at))
    for r in await session.execute(_INSPECTIONS, {"ids": ids, "kind": C5_INSPECTION_KIND, "as_of": as_of}):
        inspections[r.enterprise_id].append(r.performed_on)
    return states, overrides, inspections
