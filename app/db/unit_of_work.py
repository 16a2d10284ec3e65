"""The unit of work: one transaction, with the change-feed events and audit entries its
services queue, written out and committed together. The HTTP route (app/api/routing.py),
the CLI and any job or import use it alike, so a change never loses its events or its
audit row for having been made outside a request.

Services queue; nothing is written until `commit()`, which inserts the events as one
statement and the audit rows as another, then commits. Inside COMMIT deferred triggers
number the events and chain the audit rows in commit order (migration 0009).

Jobs (R7) are queued the same way (`enqueue`) and inserted into the job engine's queue
(PgQueuer's table, app/jobs) on the unit of work's own connection just before COMMIT: a
rolled-back write enqueues nothing, and a committed one's jobs are in the database with it."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import orjson

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditLog, Event
from app.domain.access import Principal
from app.domain.audit import AuditKeys, row_mac

if TYPE_CHECKING:
    from app.db.session import Database


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class RequestFacts:
    """What the HTTP layer knows of the request behind a unit of work."""

    request_id: str | None
    method: str
    path: str
    client_address: str | None
    status_code: int


@dataclass(frozen=True)
class QueuedJob:
    """A job to insert with the unit of work: the task's name, its JSON payload, and
    optionally a delay, a priority and a dedupe key (the engine keeps one queued or running
    job per key)."""

    name: str
    payload: dict[str, Any]
    delay: timedelta | None = None
    priority: int = 0
    dedupe_key: str | None = None


async def insert_jobs(session: AsyncSession, jobs: list[QueuedJob]) -> None:
    """Inserts `jobs` into the engine's queue on `session`'s connection, in its transaction
    (one statement, the engine's own enqueue query). A job whose dedupe key is already
    queued or running is skipped."""
    from pgqueuer import AsyncpgDriver, Queries

    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    await Queries(AsyncpgDriver(raw)).enqueue(  # type: ignore[arg-type]
        [j.name for j in jobs],
        [orjson.dumps(j.payload) for j in jobs],
        [j.priority for j in jobs],
        [j.delay for j in jobs],
        [j.dedupe_key for j in jobs],
        on_conflict="skip",
    )


@dataclass(frozen=True)
class AuditEntry:
    """Who did what to which resource, as the service that did it says."""

    action: str
    resource: str | None
    resource_id: str | None
    actor_id: uuid.UUID | None
    actor_role: str | None
    org_unit_id: uuid.UUID | None


class UnitOfWork:
    def __init__(
        self,
        session: AsyncSession,
        audit_keys: AuditKeys,
        *,
        clock: Callable[[], datetime] = utc_now,
        seal_now: bool = False,
        id: str | None = None,
    ) -> None:
        self.session = session
        self.audit_keys = audit_keys
        self.clock = clock
        # Tests run every unit of work inside an outer transaction that never commits: the
        # sealing triggers are fired before the savepoint is released instead.
        self._seal_now = seal_now
        # Correlates the audit rows of one unit of work; HTTP requests use their request id.
        self.id = id or secrets.token_hex(12)
        self.request: RequestFacts | None = None
        self._events: list[dict[str, Any]] = []
        self._audit: dict[AuditEntry, None] = {}  # ordered, and one row per distinct entry
        self._jobs: list[QueuedJob] = []

    @classmethod
    def open(cls, db: Database, audit_keys: AuditKeys, *, clock: Callable[[], datetime] = utc_now,
             id: str | None = None) -> UnitOfWork:
        return cls(db.sessionmaker(), audit_keys, clock=clock, seal_now=db.is_bound, id=id)

    def event(
        self,
        type: str,
        resource: str,
        resource_id: uuid.UUID,
        *,
        enterprise_id: uuid.UUID | None = None,
        village_id: uuid.UUID | None = None,
        sector: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Queues a change-feed event, written with the change."""
        self._events.append(
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

    def audit(
        self, action: str, resource: str | None = None, resource_id: Any = None, *, actor: Principal | None = None
    ) -> None:
        """Queues an audit entry: `action` done by `actor` (None: the system itself) to
        the resource of type `resource` (the API's collection name) and id `resource_id`."""
        entry = AuditEntry(
            action=action,
            resource=resource,
            resource_id=None if resource_id is None else str(resource_id),
            actor_id=actor.user_id if actor else None,
            actor_role=actor.role.value if actor else None,
            org_unit_id=actor.org_unit_id if actor else None,
        )
        self._audit[entry] = None

    def enqueue(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        *,
        delay: timedelta | None = None,
        priority: int = 0,
        dedupe_key: str | None = None,
    ) -> None:
        """Queues the job `name` (a task of app/jobs) with a JSON `payload`, inserted into
        the job queue in this transaction at `commit()` (R7); `delay` holds it back."""
        if delay is not None and delay < timedelta(0):
            delay = timedelta(0)
        self._jobs.append(QueuedJob(name, dict(payload or {}), delay, priority, dedupe_key))

    @property
    def queued_jobs(self) -> tuple[QueuedJob, ...]:
        return tuple(self._jobs)

    @property
    def audited(self) -> bool:
        return bool(self._audit)

    def _audit_rows(self) -> list[dict[str, Any]]:
        at = self.clock().astimezone(timezone.utc)
        req = self.request
        key_id = self.audit_keys.current
        key = self.audit_keys.signing_key()
        rows = []
        for entry in self._audit:
            row: dict[str, Any] = {
                "at": at,
                "actor_id": entry.actor_id,
                "actor_role": entry.actor_role,
                "org_unit_id": entry.org_unit_id,
                "client_address": req.client_address if req else None,
                "request_id": (req.request_id if req else None) or self.id,
                "method": req.method if req else None,
                "path": req.path[:500] if req else None,
                "action": entry.action,
                "resource": entry.resource,
                "resource_id": entry.resource_id,
                "status_code": req.status_code if req else None,
                "key_id": key_id,
            }
            row["mac"] = row_mac(key, key_id, row)
            rows.append(row)
        return rows

    async def commit(self) -> None:
        """Writes the queued events and audit rows (one statement each) and commits."""
        await self.write_queued()
        await self.session.commit()

    async def write_queued(self) -> None:
        """Writes the queued events and audit rows (one statement each) without committing:
        commit() does it first; a caller inside a transaction it does not own calls it."""
        wrote = False
        if self._events:
            events, self._events = self._events, []
            await self.session.execute(insert(Event), events)
            wrote = True
        if self._audit:
            rows = self._audit_rows()
            self._audit = {}
            await self.session.execute(insert(AuditLog), rows)
            wrote = True
        if self._jobs:
            jobs, self._jobs = self._jobs, []
            await insert_jobs(self.session, jobs)
        if wrote and self._seal_now:
            await self.session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))

    async def rollback(self) -> None:
        self._events, self._audit, self._jobs = [], {}, []
        await self.session.rollback()

    async def close(self) -> None:
        await self.session.close()


@asynccontextmanager
async def unit_of_work(
    db: Database, audit_keys: AuditKeys, *, clock: Callable[[], datetime] = utc_now, id: str | None = None
) -> AsyncIterator[UnitOfWork]:
    """A unit of work outside HTTP (CLI, jobs, imports): committed when the block ends,
    rolled back if it raises."""
    uow = UnitOfWork.open(db, audit_keys, clock=clock, id=id)
    try:
        yield uow
        await uow.commit()
    except BaseException:
        await uow.rollback()
        raise
    finally:
        await uow.close()
