"""What ./scripts/run starts: a database (embedded when DATABASE_URL is not set), the
migrations, reference data, the demo set on an empty database, then the API."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

import uvicorn

from app.cli import _seed
from app.db import migrate
from app.logs import configure_logging
from app.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo data set")
    parser.add_argument(
        "--skip-setup", action="store_true", help="no migrations, no seeding (production: run `app.cli migrate` first)"
    )
    args = parser.parse_args(argv)
    configure_logging()
    settings = get_settings()
    embedded = None
    url = settings.database_url
    if url is None:
        from app.db.embedded import EmbeddedPostgres, default_pgdata

        pgdata = default_pgdata(settings.data_dir)
        print(f"no DATABASE_URL: starting the embedded PostgreSQL in {pgdata}", flush=True)
        embedded = EmbeddedPostgres(pgdata)
        url = embedded.url()
        os.environ["DATABASE_URL"] = url  # the workers read it
    try:
        if not args.skip_setup:
            migrate.upgrade(url)
            asyncio.run(_seed(url, demo=not args.no_demo and settings.env == "dev"))
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
