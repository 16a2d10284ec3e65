"""What ./scripts/run starts: a database (embedded when DATABASE_URL is not set), the
migrations, reference data, the demo set on an empty database, then the API. A problem of
the environment (configuration, an unreachable database) is one line and exit status 2."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import textwrap

import uvicorn

from app.cli import _seed
from app.db import migrate
from app.logs import configure_logging
from app.settings import Settings
from app.startup import EXIT_ENVIRONMENT, StartupError, Target, check_database, load_settings, lost_database

ENVIRONMENT_HELP = """\
environment:
  DATABASE_URL          the PostgreSQL to serve from, postgresql://user:password@host:5432/db
                        (?sslmode=require understood; ANQUAN_DATABASE_URL wins when both are set).
                        Not set: an embedded PostgreSQL in $ANQUAN_DATA_DIR/pgdata (default var/pgdata),
                        created on first use, kept across restarts, on a Unix socket only
  ANQUAN_ENV            dev (default), test or production; outside dev ANQUAN_JWT_SECRET must be a
                        random value of at least 32 characters, and the demo set is never loaded
  ANQUAN_DEMO           false: no demo set on an empty database (as --no-demo); default true
  ANQUAN_JWT_SECRET     the key that signs tokens (see also ANQUAN_JWT_KID, ANQUAN_JWT_PREVIOUS_KEYS)
  ANQUAN_BOOTSTRAP_ADMIN_USERNAME, ANQUAN_BOOTSTRAP_ADMIN_PASSWORD
                        create the first street_admin at start-up when there is none
  WEB_CONCURRENCY       the Docker image's number of workers (its --workers)
  every other ANQUAN_* setting (token lifetimes, throttles, pools, CORS): README.md, "Configuration"

exit status: 2 when the configuration is invalid or the database cannot be reached, told in
one line on stderr
"""


def wants_demo(no_demo: bool, settings: Settings) -> bool:
    """The demo set is loaded (on an empty database) in dev, unless --no-demo or
    ANQUAN_DEMO=false says otherwise."""
    return not no_demo and settings.demo and settings.env == "dev"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="./scripts/run",
        description=textwrap.fill(
            "Serve the Anquan API (also: python -m app.serve). Without DATABASE_URL it starts an embedded "
            "PostgreSQL; unless --skip-setup, it applies the migrations, loads the reference data and, in dev "
            "on an empty database, the demo data set, then serves. Documentation: http://HOST:PORT/docs.",
            92,
        ),
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s; 0.0.0.0 for all)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default: %(default)s); they share nothing but the database")
    p.add_argument("--no-demo", action="store_true", help="do not load the demo data set on an empty database (also ANQUAN_DEMO=false)")
    p.add_argument(
        "--skip-setup",
        action="store_true",
        help="no migrations and no seeding (production: run `python -m app.cli migrate` first); "
        "the database must still answer at start",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging()
    embedded = None
    try:
        settings = load_settings()
        url = settings.database_url
        if url is None:
            from app.db.embedded import EmbeddedPostgres, EmbeddedStartError, default_pgdata

            try:
                embedded = EmbeddedPostgres(default_pgdata(settings.data_dir))
            except EmbeddedStartError as exc:
                raise StartupError(str(exc)) from None
            print(f"anquan: no DATABASE_URL: {embedded.describe()}", file=sys.stderr, flush=True)
            url = embedded.url()
            os.environ["DATABASE_URL"] = url  # the workers read it
        target = Target(url, embedded=embedded is not None)
        check_database(target, need_schema=args.skip_setup)
        if not args.skip_setup:
            try:
                migrate.upgrade(url)
                asyncio.run(_seed(url, demo=wants_demo(args.no_demo, settings)))
            except Exception as exc:
                lost = lost_database(target, exc)
                if lost is None:
                    raise
                raise lost from None
    except StartupError as exc:
        for line in exc.lines:
            print(f"anquan: {line}", file=sys.stderr)
        if embedded is not None:
            embedded.stop()
        return EXIT_ENVIRONMENT
    try:
        uvicorn.run(
            "app.main:create_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=settings.trust_forwarded_for,
            access_log=False,
            log_config=None,
            loop="auto",
            http="auto",
        )
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
