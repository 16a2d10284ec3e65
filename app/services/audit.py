"""The audit trail: one row per successful write, appended in the commit tail of the
request's own transaction under the commit-order lock (so the chain is linear)."""

from __future__ import annotations

import re
from datetime import timezone
from typing import Any

from fastapi import Request, Response
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import client_address
from app.api.routing import register_commit_hook
from app.db.models import AuditLog
from app.domain.audit import FIELDS, GENESIS, first_broken, row_hash
from app.services.events import take_commit_order_lock

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UUID = re.compile(r"^[0-9a-fA-F-]{36}$")
_NEXT = text("SELECT nextval('audit_log_id_seq') AS id, (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) AS prev")


def resource_of(path: str, location: str | None) -> tuple[str | None, str | None]:
    """('hazards', '<id>') from /api/v1/hazards/<id>/plan, or from the Location of a create."""
    parts = [p for p in (location or path).split("?")[0].split("/") if p]
    if parts[:2] == ["api", "v1"]:
        parts = parts[2:]
    resource = parts[0] if parts else None
    if resource == "public" and len(parts) > 1:
        resource = parts[1]
    ident = next((p for p in parts[1:] if _UUID.match(p)), None)
    return resource, ident


@register_commit_hook
async def append_audit_row(session: AsyncSession, request: Request, response: Response) -> None:
    if request.method not in WRITE_METHODS:
        return
    await take_commit_order_lock(session)
    nxt = (await session.execute(_NEXT)).one()
    prev = nxt.prev or GENESIS
    principal = getattr(request.state, "principal", None)
    resource, resource_id = resource_of(request.url.path, response.headers.get("location"))
    row: dict[str, Any] = {
        "id": nxt.id,
        "at": request.app.state.clock().astimezone(timezone.utc),
        "actor_id": principal.user_id if principal else None,
        "actor_role": principal.role.value if principal else None,
        "org_unit_id": principal.org_unit_id if principal else None,
        "client_address": client_address(request),
        "request_id": request.scope.get("state", {}).get("request_id"),
        "method": request.method,
        "path": request.url.path[:500],
        "resource": resource,
        "resource_id": resource_id,
        "status_code": response.status_code,
    }
    row["prev_hash"] = prev
    row["hash"] = row_hash(row, prev)
    await session.execute(insert(AuditLog), [row])


async def verify_chain(session: AsyncSession, batch: int = 5000) -> tuple[int | None, str, int]:
    """Walks the whole chain in id order; (first bad id or None, reason, rows checked)."""
    last_id, prev, checked = 0, GENESIS, 0
    while True:
        rows = (
            await session.execute(select(AuditLog).where(AuditLog.id > last_id).order_by(AuditLog.id).limit(batch))
        ).scalars().all()
        if not rows:
            return None, "the chain is intact", checked
        plain = [{c: getattr(r, c) for c in ("prev_hash", "hash", *FIELDS)} for r in rows]
        bad, reason = first_broken(plain, start_hash=prev)
        if bad is not None:
            return bad, reason, checked + [r["id"] for r in plain].index(bad)
        checked += len(rows)
        last_id, prev = rows[-1].id, rows[-1].hash

