"""The audit trail: one row per successful write, appended in the commit tail of the
request's own transaction; the database chains it in commit order (migration 0009)."""

from __future__ import annotations

import re
from datetime import timezone
from typing import Any

from fastapi import Request, Response
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import client_address
from app.api.routing import register_commit_hook
from app.db.models import AuditLog
from app.domain.audit import GENESIS, first_broken

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_UUID = re.compile(r"^[0-9a-fA-F-]{36}$")


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
    """The row is written with the change; its place in the chain (seq, prev_hash, hash)
    is set inside COMMIT by the audit_log_seal trigger (migration 0009)."""
    if request.method not in WRITE_METHODS:
        return
    principal = getattr(request.state, "principal", None)
    resource, resource_id = resource_of(request.url.path, response.headers.get("location"))
    row: dict[str, Any] = {
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
    await session.execute(insert(AuditLog), [row])


_CHAIN = text(
    """
    SELECT a.seq, a.prev_hash, a.hash, audit_row_hash(a.prev_hash, a.seq, a) AS recomputed
    FROM audit_log a
    WHERE a.seq > :after
    ORDER BY a.seq
    LIMIT :batch
    """
)


async def verify_chain(session: AsyncSession, batch: int = 5000) -> tuple[int | None, str, int]:
    """Walks the whole chain in commit order; (first bad seq or None, reason, rows checked)."""
    last_seq, prev, checked = 0, GENESIS, 0
    while True:
        rows = [dict(r._mapping) for r in (await session.execute(_CHAIN, {"after": last_seq, "batch": batch})).all()]
        if not rows:
            return None, "the chain is intact", checked
        bad, reason = first_broken(rows, start_hash=prev)
        if bad is not None:
            return bad, reason, checked + [r["seq"] for r in rows].index(bad)
        checked += len(rows)
        last_seq, prev = rows[-1]["seq"], rows[-1]["hash"]
