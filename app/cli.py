"""Command line: ./scripts/cli <command> (or `anquan <command>`, `python -m app.cli <command>`).

  migrate                      apply migrations (alembic upgrade head) and load reference data
  seed [--demo]                load reference data; with --demo, the demo set on an empty database
  create-user --username U --password P --role R [--org-unit ID] [--enterprise ID]
  verify-audit [--anchor SEQ:HASH ...]
                               check the audit trail (chain, MACs, checkpoints); names the first bad row
  audit-checkpoint             verify, then sign the chain's head; prints the line to keep elsewhere
  worker                       run a job worker (tasks and schedules) until SIGTERM or SIGINT
  run-scheduled NAME           run one scheduled job now and exit (reminders, escalation-proposals, target-digest)

The database is DATABASE_URL's, or else the embedded PostgreSQL that ./scripts/run keeps
under ./var/pgdata (started for the command when it is not running). A problem of the
environment is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import textwrap
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from app.db import migrate
from app.db.session import Database
from app.domain.enums import Role
from app.domain.errors import DomainError
from app.settings import Settings, get_settings
from app.startup import EXIT_ENVIRONMENT, StartupError, Target, check_database, load_settings, lost_database

ENVIRONMENT_HELP = """\
environment:
  DATABASE_URL          the PostgreSQL to work on, postgresql://user:password@host:5432/db
                        (?sslmode=require understood; ANQUAN_DATABASE_URL wins when both are set).
                        Not set: the embedded PostgreSQL of ./scripts/run in $ANQUAN_DATA_DIR/pgdata,
                        started for the command when it is not running (`migrate` creates it)
  ANQUAN_DATA_DIR       where the embedded database lives (default: var)
  ANQUAN_ENV            dev (default), test or production; outside dev ANQUAN_JWT_SECRET and
                        ANQUAN_AUDIT_KEY must be set (>= 32 characters), here as for the server
  ANQUAN_ARGON2_TIME_COST, ANQUAN_ARGON2_MEMORY_KIB
                        the password hashing of create-user (defaults 3 and 65536)
  every other ANQUAN_* setting: README.md, "Configuration"

exit status: 0 done; 1 verify-audit found the chain broken; 2 a problem of the configuration,
the database or the input, told in one line on stderr
"""


@contextmanager
def _database(settings: Settings, *, create: bool) -> Iterator[Target]:
    """DATABASE_URL's database, or the embedded one under the data dir (started when it is not
    running, stopped afterwards unless something else, ./scripts/run, uses it too)."""
    if settings.database_url:
        yield Target(settings.database_url)
        return
    from app.db import embedded

    pgdata = embedded.default_pgdata(settings.data_dir)
    if not create and not embedded.exists(pgdata):
        raise StartupError(
            f"DATABASE_URL is not set and there is no embedded database in {pgdata} yet: "
            "start the service once with ./scripts/run (it creates and migrates it), or run ./scripts/cli migrate, "
            "or set DATABASE_URL=postgresql://user@host/db"
        )
    try:
        server = embedded.EmbeddedPostgres(pgdata)
    except embedded.EmbeddedStartError as exc:
        raise StartupError(str(exc)) from None
    try:
        print(f"anquan: {server.describe()}", file=sys.stderr)
        yield Target(server.url(), embedded=True)
    finally:
        server.stop()


async def _seed(url: str, demo: bool) -> None:
    from app.db.demo import is_empty, load_demo
    from app.db.reference import ensure_reference_data
    from app.services.security import PasswordHashing

    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            await ensure_reference_data(session)
            if demo and await is_empty(session):
                counts = await load_demo(session, PasswordHashing(get_settings()))
                print(
                    f"loaded the demo data set in {counts['load_ms'] / 1000:.1f} s: {counts['enterprise']} enterprises, "
                    f"{counts['hazard']:,} hazards ({counts['hazard_history']:,} history rows), "
                    f"{counts['inspection']:,} inspections, {counts['drill']:,} drills, {counts['training']:,} trainings"
                )
    finally:
        await db.dispose()


async def _create_user(url: str, args: argparse.Namespace) -> None:
    from app.db.reference import ensure_reference_data
    from app.services.security import PasswordHashing
    from app.db.unit_of_work import unit_of_work
    from app.services.users import create_user

    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with unit_of_work(db, get_settings().audit_keys) as uow:
            await ensure_reference_data(uow.session)
            user = await create_user(
                uow,
                PasswordHashing(get_settings()),
                {
                    "username": args.username,
                    "password": args.password,
                    "role": Role(args.role),
                    "org_unit_id": args.org_unit,
                    "enterprise_id": args.enterprise,
                },
                actor=None,
            )
            print(user.id)
    finally:
        await db.dispose()


async def _verify_audit(url: str, anchors: list[str]) -> int:
    from app.services.audit import parse_anchor, verify_chain

    try:
        given = [parse_anchor(a) for a in anchors]
    except ValueError as exc:
        print(f"error: --anchor {exc}", file=sys.stderr)
        return 2
    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            verdict = await verify_chain(session, get_settings().audit_keys, anchors=given)
    finally:
        await db.dispose()
    if verdict.intact:
        covered = f"; rows up to {verdict.attested_up_to} are covered by a checkpoint" if verdict.attested_up_to else ""
        print(f"audit trail intact: {verdict.checked} rows checked{covered}")
        return 0
    print(
        f"audit trail broken at row {verdict.bad}: {verdict.reason} ({verdict.checked} rows before it are intact)",
        file=sys.stderr,
    )
    return 1


async def _audit_checkpoint(url: str) -> int:
    from datetime import datetime, timezone

    from app.services.audit import checkpoint_line, write_checkpoint

    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            verdict, cp = await write_checkpoint(session, get_settings().audit_keys, now=datetime.now(timezone.utc))
    finally:
        await db.dispose()
    if cp is not None:
        print(checkpoint_line(cp))
        return 0
    if verdict.intact:
        print("the audit trail is empty: nothing to sign")
        return 0
    print(f"audit trail broken at row {verdict.bad}: {verdict.reason}; no checkpoint written", file=sys.stderr)
    return 1


async def _worker(url: str) -> int:
    import signal

    from app.jobs.engine import run_worker
    from app.jobs.registry import JobEnv
    from app.logs import configure_logging

    configure_logging()
    settings = get_settings()
    db = Database.from_url(url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("anquan: worker started (SIGTERM or Ctrl-C stops it)", file=sys.stderr, flush=True)
    try:
        await run_worker(JobEnv(db, settings), url, stop=stop)
    finally:
        await db.dispose()
    return 0


async def _run_scheduled(url: str, name: str) -> int:
    from app.jobs.engine import run_scheduled
    from app.jobs.registry import JobEnv

    settings = get_settings()
    db = Database.from_url(url, pool_size=2, max_overflow=0)
    try:
        print(f"{name}: {await run_scheduled(JobEnv(db, settings), name)}")
    finally:
        await db.dispose()
    return 0


async def _rebuild_read_model(url: str, check_only: bool) -> int:
    from app.db.repositories import read_model

    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            found = await (read_model.differences(session) if check_only else read_model.rebuild(session))
    finally:
        await db.dispose()
    for d in found:
        verdict = "matches the ledger" if d.clean else f"{d.missing} rows missing or wrong, {d.extra} rows extra"
        print(f"{d.table}: {verdict}")
    dirty = [d.table for d in found if not d.clean]
    if not dirty:
        print("read model matches the ledger")
        return 0
    if check_only:
        print(f"read model differs from the ledger in {', '.join(dirty)}", file=sys.stderr)
        return 1
    print(f"recomputed from the ledger: {', '.join(dirty)}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="anquan",
        description=textwrap.fill(
            "The command line of Anquan (also ./scripts/cli and python -m app.cli): schema, seed data, users and "
            "the audit trail, on DATABASE_URL's database or the embedded one of ./scripts/run.",
            92,
        ),
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name, help=summary, description=textwrap.fill(description, 92), epilog=ENVIRONMENT_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    command(
        "migrate",
        "apply the migrations and load the reference data",
        "Apply every migration (alembic upgrade head), then load the reference data (sectors, the street "
        "office, the ten departments). Safe to run again. Without DATABASE_URL it creates the embedded "
        "database when there is none.",
    )
    seed = command("seed", "load the reference data (and the demo set)", "Load the reference data; safe to run again.")
    seed.add_argument("--demo", action="store_true", help="also the demo data set (README: demo accounts), on an empty database only")
    cu = command(
        "create-user",
        "create a user",
        "Create a user; prints its id. street_admin and supervisor belong to the street office (found by "
        "itself); department_officer and village_officer need --org-unit; enterprise_user needs --enterprise.",
    )
    cu.add_argument("--username", required=True, help="login name (unique whatever its case)")
    cu.add_argument("--password", required=True, help="the password (a street_admin can reset it later: PATCH /api/v1/users/{id})")
    cu.add_argument("--role", required=True, choices=[r.value for r in Role], help="one of: %(choices)s")
    cu.add_argument("--org-unit", type=uuid.UUID, metavar="ID", help="the department or village the user belongs to")
    cu.add_argument("--enterprise", type=uuid.UUID, metavar="ID", help="the enterprise of an enterprise_user")
    va = command(
        "verify-audit",
        "check the audit trail: chain, MACs and checkpoints",
        "Walk the audit trail in commit order: recompute every hash, check every row's MAC under ANQUAN_AUDIT_KEY "
        "(and the previous keys) and every signed checkpoint; prints the number of rows checked, or names the "
        "first row changed, forged, copied or removed (exit status 1).",
    )
    va.add_argument(
        "--anchor", action="append", default=[], metavar="SEQ:HASH",
        help="a checkpoint published outside the database (from audit-checkpoint); repeatable",
    )
    command(
        "audit-checkpoint",
        "verify the audit trail, then sign its head",
        "Verify the audit trail, then sign its head with ANQUAN_AUDIT_KEY and store the checkpoint; prints a "
        "line to keep outside the database (verify-audit --anchor checks against it). Run it from a timer.",
    )
    command(
        "worker",
        "run a job worker",
        "Run a worker of the job engine: it does the queued jobs (reminders, notifications, ...) and fires the "
        "schedules at their Asia/Shanghai times. Run any number, on any number of machines: each job is done by "
        "one of them, and a stopped worker's jobs are taken over. SIGTERM or Ctrl-C stops it after its running "
        "jobs.",
    )
    from app.jobs.schedules import SCHEDULES
    from app.jobs import tasks as _tasks  # noqa: F401  (registers the schedules)

    rs = command(
        "run-scheduled",
        "run one scheduled job now",
        "Run one scheduled job now and exit, e.g. after an outage; what it creates it creates once, however often "
        "it runs (the jobs it enqueues are done by the workers).",
    )
    rs.add_argument("name", choices=sorted(SCHEDULES), help="one of: %(choices)s")
    rb = command(
        "rebuild-read-model",
        "recompute the analytics read model from the ledger, reporting differences",
        "Compare every table of the analytics read model (the counters and facts behind /dashboard, /stats, "
        "/compliance and /targets) with its content computed from the ledger, print the differences per "
        "table, and replace the tables that differ. Writes wait while it runs. With --check it only reports "
        "(exit status 1 when anything differs).",
    )
    rb.add_argument("--check", action="store_true", help="only report the differences; change nothing")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
        with _database(settings, create=args.command == "migrate") as target:
            check_database(target, need_schema=args.command != "migrate")
            try:
                return _run(args, target.url)
            except StartupError:
                raise
            except Exception as exc:
                lost = lost_database(target, exc)
                if lost is None:
                    raise
                raise lost from None
    except StartupError as exc:
        for line in exc.lines:
            print(f"anquan: {line}", file=sys.stderr)
        return EXIT_ENVIRONMENT


def _run(args: argparse.Namespace, url: str) -> int:
    try:
        if args.command == "migrate":
            migrate.upgrade(url)
            asyncio.run(_seed(url, demo=False))
        elif args.command == "seed":
            asyncio.run(_seed(url, args.demo))
        elif args.command == "create-user":
            if args.role in ("street_admin", "supervisor") and args.org_unit is None:
                args.org_unit = asyncio.run(_street_office_id(url))
            asyncio.run(_create_user(url, args))
        elif args.command == "verify-audit":
            return asyncio.run(_verify_audit(url, args.anchor))
        elif args.command == "audit-checkpoint":
            return asyncio.run(_audit_checkpoint(url))
        elif args.command == "worker":
            return asyncio.run(_worker(url))
        elif args.command == "run-scheduled":
            return asyncio.run(_run_scheduled(url, args.name))
        elif args.command == "rebuild-read-model":
            return asyncio.run(_rebuild_read_model(url, args.check))
    except DomainError as exc:
        errors = getattr(exc, "errors", None) or []
        print(f"error: {exc.detail}", *(f"  {e.field}: {e.message}" for e in errors), sep="\n", file=sys.stderr)
        return 2
    return 0


async def _street_office_id(url: str) -> uuid.UUID:
    from app.db.reference import ensure_reference_data, street_office

    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            await ensure_reference_data(session)
            return (await street_office(session)).id
    finally:
        await db.dispose()


if __name__ == "__main__":
    sys.exit(main())
