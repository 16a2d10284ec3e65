"""python -m bench [--scale S] [--reuse] [--duration SECONDS] [--only a,b] [--skip-load] ...

1. the data set: (re)generated into the database `anquan_bench`, or reused (--reuse);
2. the service: uvicorn with 2 workers, as in production, on a free loopback port;
3. the scenarios: wrk at 32 connections (throughput) and at 16 (latency), the same SQL
   through asyncpg at the same concurrency, and sequential requests where the target is a
   latency; results to docs/bench-results.json and docs/performance.md (full runs) or
   var/bench/ (partial or scaled runs)."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from bench import BENCH_DATABASE
from bench.dataset import DEFAULT_SEED, Loader, Sizes, reusable

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from bench.scenarios import SCENARIO_NAMES

    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0, help="scale every count (0.05 for a quick run); default 1 = the full district")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed of the data set")
    p.add_argument("--reuse", action="store_true", help="keep the data set when anquan_bench already holds it (same seed, scale, generator)")
    p.add_argument("--skip-load", action="store_true", help="only build (or check) the data set; start no service, drive no load")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per load run (each scenario has a run at 32 and one at 16 connections)")
    p.add_argument("--max-requests", type=int, default=100_000, help="request cap per run (the other bound besides --duration)")
    p.add_argument("--only", default="", help="comma-separated scenarios: " + ", ".join(SCENARIO_NAMES)
                   + "; or import_50k alone (a ledger import through the service, in a database of its own)"
                   + "; or reminders_10k alone (10,000 reminders due at once, delivered by one worker, in a database of its own)")
    p.add_argument("--driver", choices=("auto", "wrk", "python"), default="auto", help="load generator (auto: wrk when installed)")
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers of the service")
    p.add_argument("--throughput-connections", type=int, default=32)
    p.add_argument("--latency-connections", type=int, default=16)
    p.add_argument("--sequential", type=int, default=7, help="sequential requests for the scenarios whose target is a latency")
    p.add_argument("--heavy-duration", type=float, default=900.0,
                   help="time bound of a run of the slow scenarios (one request per connection; the run ends with its last answer)")
    p.add_argument("--quiet-wait", type=float, default=60.0,
                   help="before each run, wait up to this many seconds for other processes to leave the CPU alone")
    p.add_argument("--quiet-threshold", type=float, default=0.25,
                   help="cores other processes may use for the machine to count as quiet")
    p.add_argument("--render", type=Path, default=None, metavar="RESULTS_JSON",
                   help="only re-evaluate the targets of a results file and rewrite its readable report (to --report, default next to it)")
    p.add_argument("--no-raw", action="store_true", help="skip the raw-SQL side")
    p.add_argument("--results", type=Path, default=None, help="results JSON (default: docs/bench-results.json for a full run, else var/bench/)")
    p.add_argument("--report", type=Path, default=None, help="readable report (default: docs/performance.md for a full run, else var/bench/)")
    args = p.parse_args(argv)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    from bench.fanout import FANOUT_SCENARIOS
    from bench.imports import IMPORT_SCENARIOS

    unknown = [s for s in args.only if s not in SCENARIO_NAMES and s not in IMPORT_SCENARIOS | FANOUT_SCENARIOS]
    if unknown:
        p.error(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIO_NAMES)}")
    if not 0 < args.scale <= 2:
        p.error("--scale must be in (0, 2]")
    return args


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


async def migrate_to_head(url: str) -> None:
    """A reused data set follows the schema: later migrations are applied (their backfills
    keep the rows consistent), then the statistics are refreshed."""
    import asyncpg

    from app.db import migrate

    async def version() -> str | None:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval("SELECT version_num FROM alembic_version")
        finally:
            await conn.close()

    before = await version()
    await asyncio.to_thread(migrate.upgrade, url)
    after = await version()
    if after != before:
        log(f"migrated the data set's schema from {before} to {after}; analyzing")
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("ANALYZE")
        finally:
            await conn.close()


async def prepare_dataset(args: argparse.Namespace, server) -> dict:  # type: ignore[no-untyped-def]
    from bench.db import database_exists, recreate_database, redact

    sizes = Sizes.scaled(args.scale)
    url = server.bench_url
    if args.reuse and await database_exists(server):
        meta = await reusable(url, sizes, args.seed)
        if meta:
            log(f"reusing the data set in {redact(url)} (generated in {meta['generation_seconds']} s)")
            await migrate_to_head(url)
            return meta
        log("--reuse: the database does not hold this data set (seed, scale or generator differ); generating")
    log(f"generating the data set into {redact(url)}: {sizes}")
    await recreate_database(server)
    meta = await Loader(url, sizes, args.seed, log=log).run()
    log(f"data set ready in {meta['generation_seconds']} s: " + ", ".join(f"{k} {v:,}" for k, v in meta["counts"].items()))
    return meta


async def main_async(args: argparse.Namespace) -> int:
    from bench.db import locate_server, redact

    server = await locate_server(ROOT)
    log(f"PostgreSQL: {redact(server.admin_url)} ({server.origin}); bench database: {BENCH_DATABASE}")
    from bench.imports import IMPORT_SCENARIOS, run_import_bench

    if args.only and set(args.only) <= IMPORT_SCENARIOS:
        try:
            return await run_import_bench(server, ROOT, log=log)
        finally:
            server.stop()
    from bench.fanout import FANOUT_SCENARIOS, run_fanout_bench

    if args.only and set(args.only) <= FANOUT_SCENARIOS:
        try:
            return await run_fanout_bench(server, ROOT, log=log)
        finally:
            server.stop()
    try:
        meta = await prepare_dataset(args, server)
        if args.skip_load:
            log("--skip-load: done")
            return 0
        from bench.run import run_benchmark

        return await run_benchmark(args, server, meta, log=log, root=ROOT)
    finally:
        server.stop()


def render(results: Path, out: Path | None) -> int:
    import json

    from bench import report

    from bench.run import _flatten, evaluate

    doc = json.loads(results.read_text(encoding="utf-8"))
    for r in doc["scenarios"].values():
        _flatten(r)
    evaluate(doc["scenarios"])  # the targets as this version of the bench checks them
    results.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    target = out or results.with_name("performance.md")
    target.write_text(report.markdown(doc), encoding="utf-8")
    print(f"wrote {target}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        return render(args.render, args.report)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
