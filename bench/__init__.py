"""The benchmark harness of Anquan: a deterministic district data set loaded with COPY into
its own database (`anquan_bench`), the service started as in production (several uvicorn
workers), load driven over loopback with wrk (or a Python fallback), and the same SQL run
through asyncpg directly at the same concurrency to show the limit.

Entry point: `./scripts/bench` (`python -m bench`). See docs/performance.md."""

import os
import re

# Several people bench on one server: BENCH_DATABASE_NAME gives this run a database of its own.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE_NAME") or "anquan_bench"
if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", BENCH_DATABASE):
    raise SystemExit("BENCH_DATABASE_NAME must be a lowercase PostgreSQL identifier (letters, digits, _)")
