"""Command line: python -m app.cli <command>.

  migrate                      apply migrations (alembic upgrade head) and load reference data
  seed [--demo]                load reference data; with --demo, the demo set on an empty database
  create-user --username U --password P --role R [--org-unit ID] [--enterprise ID]
  verify-audit [--anchor SEQ:HASH ...]
                               check the audit trail (chain, MACs, checkpoints); names the first bad row
  audit-checkpoint             verify, then sign the chain's head; prints the line to keep elsewhere
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid

from app.db import migrate
from app.db.session import Database
from app.domain.enums import Role
from app.domain.errors import DomainError
from app.settings import get_settings


def _url() -> str:
    url = get_settings().database_url
    if not url:
        sys.exit("DATABASE_URL is not set")
    return url


async def _seed(url: str, demo: bool) -> None:
    from app.db.demo import is_empty, load_demo
    from app.db.reference import ensure_reference_data
    from app.services.security import PasswordHashing

    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            await ensure_reference_data(session)
            if demo and await is_empty(session):
                await load_demo(session, PasswordHashing(get_settings()))
                print("loaded the demo data set")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cli")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply migrations")
    seed = sub.add_parser("seed", help="load reference data (and the demo set)")
    seed.add_argument("--demo", action="store_true")
    cu = sub.add_parser("create-user", help="create a user")
    cu.add_argument("--username", required=True)
    cu.add_argument("--password", required=True)
    cu.add_argument("--role", required=True, choices=[r.value for r in Role])
    cu.add_argument("--org-unit", type=uuid.UUID)
    cu.add_argument("--enterprise", type=uuid.UUID)
    va = sub.add_parser("verify-audit", help="check the audit trail: chain, MACs and checkpoints")
    va.add_argument(
        "--anchor", action="append", default=[], metavar="SEQ:HASH",
        help="a checkpoint published outside the database (from audit-checkpoint); repeatable",
    )
    sub.add_parser("audit-checkpoint", help="verify the audit trail, then sign its head (run it from a timer)")
    args = parser.parse_args(argv)
    url = _url()
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
