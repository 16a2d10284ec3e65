"""create_app(): routers, error handlers, middleware, lifespan; nothing else."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from app.api import (
    analytics,
    attachments,
    audit,
    auth,
    checklists,
    criteria,
    drills,
    enterprises,
    escalation_proposals,
    escalations,
    events,
    exports,
    hazards,
    health,
    imports,
    inspections,
    jobs,
    notifications,
    org_units,
    reminder_rules,
    reports,
    supervision_tasks,
    trainings,
    webhooks,
)
from app.api.errors import install_error_handlers
from app.api.idempotency import Replay
from app.api.middleware import RequestContextMiddleware
from app.api.openapi import API_DESCRIPTION, build_openapi, operation_id
from app.db.session import Database
from app.logs import configure_logging
from app.services.auth import AuthService
from app.services.security import PasswordHashing, TokenService
from app.settings import Settings, get_settings

log = logging.getLogger("anquan")

TAGS = [
    {"name": "auth", "description": "Tokens and the caller's identity."},
    {"name": "organisation", "description": "Street office, departments, villages and sectors."},
    {"name": "users", "description": "Accounts (street_admin only)."},
    {"name": "enterprises", "description": "The registry of enterprises (生产经营单位)."},
    {"name": "hazards", "description": "The hazard ledger (隐患台账) and its rectification lifecycle."},
    {"name": "exports", "description": "The hazard ledger as CSV or XLSX (台账导出)."},
    {"name": "imports", "description": "Bringing an existing ledger in (台账导入): templates, upload, preview, commit."},
    {"name": "notifications", "description": "What the service told whom (R4, R5): in-app notifications and the "
     "deliveries by SMS, e-mail and group robots, with their status."},
    {"name": "webhooks", "description": "Feed events pushed to district systems, signed per Standard Webhooks (R6)."},
    {"name": "attachments", "description": "Evidence files (JPEG, PNG, PDF) for hazards and inspections."},
    {"name": "reports", "description": "Reports from the public (群众举报): anonymous submission, verification."},
    {"name": "inspections", "description": "Inspections from the field; each finding becomes a hazard."},
    {"name": "drills", "description": "Emergency drills of enterprises (应急演练), the input of C2."},
    {"name": "trainings", "description": "Safety trainings (安全培训), the input of C4."},
    {"name": "supervision", "description": "Supervision tasks (督导/督办): rounds, oversight, findings, referrals."},
    {"name": "events", "description": "The change feed for integrating systems."},
    {"name": "compliance", "description": "Cadence compliance C1–C4."},
    {"name": "criteria", "description": "The library of major-hazard criteria (重大事故隐患判定标准, K1)."},
    {"name": "checklists", "description": "Inspection checklists (检查表, K3), versioned, items tied to criteria."},
    {"name": "risk", "description": "Enterprise risk levels in four colours (安全风险分级, K4) and the map (K6)."},
    {"name": "targets", "description": "Year-end targets T1–T3."},
    {"name": "statistics", "description": "Hazard statistics."},
    {"name": "dashboard", "description": "Dashboard figures and campaign phases."},
    {"name": "audit", "description": "The hash-chained trail of every write."},
    {"name": "automation", "description": "What the service does by itself: reminder rules, escalation proposals, jobs."},
    {"name": "health", "description": "Liveness and readiness."},
]


def utc_now() -> datetime:
    return datetime.now(UTC)


class _InProcessWorker:
    """A job worker beside the API in the same process (ANQUAN_WORKER_IN_PROCESS, the default
    of ./scripts/run), so one command does everything on a laptop."""

    def __init__(self, task: asyncio.Task[None], stop: asyncio.Event) -> None:
        self.task, self._stop = task, stop

    async def stop(self) -> None:
        self._stop.set()
        try:
            await asyncio.wait_for(self.task, 30)
        except Exception:  # a worker that failed has logged why; the API still stops cleanly
            log.exception("the in-process worker stopped with an error")


def _start_worker(app: FastAPI, settings: Settings, clock: Callable[[], datetime]) -> _InProcessWorker | None:
    from app.jobs.engine import run_worker
    from app.jobs.registry import JobEnv

    db: Database = app.state.db
    if db.raw_url is None:  # a database bound to a test's transaction: no worker can share it
        return None
    stop = asyncio.Event()
    task = asyncio.create_task(run_worker(JobEnv(db, settings, clock), db.raw_url, stop=stop))
    log.info("job worker started in the API process")
    return _InProcessWorker(task, stop)


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging()
        embedded = None
        if getattr(app.state, "db", None) is None:
            url = settings.database_url
            if url is None:
                from app.db.embedded import EmbeddedPostgres, default_pgdata

                embedded = EmbeddedPostgres(default_pgdata(settings.data_dir))
                url = embedded.url()
            app.state.db = Database.from_url(url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
        app.state.auth = AuthService(app.state.db, settings, app.state.passwords, app.state.tokens)
        if settings.bootstrap_admin_username and settings.bootstrap_admin_password:
            from app.services.bootstrap import ensure_bootstrap_admin

            await ensure_bootstrap_admin(app.state.db, app.state.passwords, settings)
        worker = _start_worker(app, settings, clock) if settings.worker_in_process else None
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            if database is None:
                await app.state.db.dispose()
                app.state.db = None
            if embedded is not None:
                embedded.stop()

    app = FastAPIOffline(
        title="Anquan",
        version="1.0.0",
        description=API_DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        swagger_ui_parameters={"persistAuthorization": True},
    )
    app.state.settings = settings
    app.state.db = database
    app.state.clock = clock
    app.state.audit_keys = settings.audit_keys
    app.state.risk_scoring = settings.scoring
    app.state.passwords = PasswordHashing(settings)
    app.state.tokens = TokenService(settings)
    if database is not None:
        app.state.auth = AuthService(database, settings, app.state.passwords, app.state.tokens)

    install_error_handlers(app)

    async def on_replay(request: Request, exc: Replay):  # type: ignore[no-untyped-def]
        return exc.response()

    app.add_exception_handler(Replay, on_replay)  # type: ignore[arg-type]

    # exports before hazards, else "export" in /hazards/export is read as a hazard id
    for module in (
        health, auth, org_units, escalations, enterprises, exports, hazards, inspections, events, attachments, reports,
        analytics, drills, trainings, supervision_tasks, audit, imports, criteria, checklists, reminder_rules,
        escalation_proposals, jobs, notifications, webhooks,
    ):
        app.include_router(module.router)
    app.include_router(notifications.hazard_router)
    app.include_router(notifications.robot_router)

    app.add_middleware(
        RequestContextMiddleware,
        max_body_bytes=settings.request_max_bytes,
        large_body_paths={
            "/api/v1/attachments": settings.attachment_max_bytes + 65536,
            "/api/v1/imports": settings.import_max_bytes + 65536,
        },
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID", "Idempotent-Replayed"],
        )
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return app
