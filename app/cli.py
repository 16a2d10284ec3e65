"""Command line: python -m app.cli <command>.

  migrate                      apply migrations (alembic upgrade head) and load reference data
  seed [--demo]                load reference data; with --demo, the demo set on an empty database
  create-user --username U --password P --role R [--org-unit ID] [--enterprise ID]
  verify-audit                 check the audit trail's hash chain; names the first bad row
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
    from app.services.users import create_user

    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            await ensure_reference_data(session)
            user = await create_user(
                session,
                PasswordHashing(get_settings()),
                {
                    "username": args.username,
                    "password": args.password,
                    "role": Role(args.role),
                    "org_unit_id": args.org_unit,
                    "enterprise_id": args.enterprise,
                },
            )
            print(user.id)
    finally:
        await db.dispose()


async def _verify_audit(url: str) -> int:
    from app.services.audit import verify_chain

    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            bad, reason, checked = await verify_chain(session)
    finally:
        await db.dispose()
    if bad is None:
        print(f"audit trail intact: {checked} rows checked")
        return 0
    print(f"audit trail broken at row {bad}: {reason} ({checked} rows before it are intact)", file=sys.stderr)
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
    sub.add_parser("verify-audit", help="check the audit trail's hash chain")
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
            return asyncio.run(_verify_audit(url))
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
