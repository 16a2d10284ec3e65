"""docs/bench-results.json (every figure) and docs/performance.md (the readable table, the
targets beside the figures, the method)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from bench.db import redact
from bench.scenarios import dig

ROOT = Path(__file__).resolve().parents[1]
PG_SETTINGS = (
    "server_version", "shared_buffers", "work_mem", "effective_cache_size", "max_parallel_workers_per_gather",
    "max_connections", "jit", "synchronous_commit", "random_page_cost",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git() -> dict[str, Any]:
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"commit": run("rev-parse", "HEAD"), "dirty_files": len([x for x in run("status", "--porcelain").splitlines() if x])}


async def machine_info(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        pg = {name: await conn.fetchval(f"SHOW {name}") for name in PG_SETTINGS}
        pg["database_size"] = await conn.fetchval("SELECT pg_size_pretty(pg_database_size(current_database()))")
    finally:
        await conn.close()
    versions = {}
    for dist in ("fastapi", "starlette", "pydantic", "sqlalchemy", "asyncpg", "uvicorn", "uvloop", "httptools"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "postgresql": pg,
        "libraries": versions,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "git": _git(),
    }


def build(*, args: argparse.Namespace, machine: dict[str, Any], meta: dict[str, Any], results: dict[str, dict[str, Any]],
          started_at: datetime, server_origin: str, service: Any, driver_name: str, rss: dict[str, Any]) -> dict[str, Any]:
    return {
        "date": started_at.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "database": {"server": server_origin, "url": redact(service.database_url)},
        "dataset": {
            "scale": args.scale, "seed": meta["seed"], "counts": meta["counts"],
            "generation_seconds": meta["generation_seconds"], "generation_stages_s": meta.get("timings_s"),
            "reference_date": meta["reference_date"], "loaded_at": meta.get("loaded_at"),
            "foreign_key_checks_during_copy": meta.get("foreign_key_checks_during_copy"),
        },
        "method": {
            "service": " ".join(service.command[1:]),
            "service_env": {"ANQUAN_ENV": "production", "ANQUAN_DB_POOL_SIZE": service.pool_size,
                            "ANQUAN_DB_MAX_OVERFLOW": service.max_overflow},
            "workers": args.workers,
            "driver": driver_name,
            "wrk_threads": args.threads,
            "throughput_connections": args.throughput_connections,
            "latency_connections": args.latency_connections,
            "duration_s": args.duration,
            "max_requests_per_run": args.max_requests,
            "sequential_requests": args.sequential,
            "quiet_wait_s": args.quiet_wait,
            "quiet_threshold_cores": args.quiet_threshold,
            "bound": "each run stops at --duration or at --max-requests (wrk.thread:stop), whichever comes first; "
                     "writes that consume prepared ids stop when those are used up",
            "worker_rss_mib": rss,
        },
        "scenarios": results,
    }


def write(doc: dict[str, Any], results_path: Path, report_path: Path) -> None:
    results_path.parent.mkdir(parents=True, exist_ok=True)
    results_path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    report_path.parent.mkdir(parents=True, exist_ok=True)
    report_path.write_text(markdown(doc), encoding="utf-8")


def _n(v: Any, digits: int = 0) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float) and digits:
        return f"{v:,.{digits}f}"
    if isinstance(v, (int, float)):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.2f}"
    return str(v)


def _lat(r: dict[str, Any] | None) -> str:
    if not r or r.get("p50_ms") is None:
        return "—"
    return f"{_n(r.get('p50_ms'))} / {_n(r.get('p95_ms'))} / {_n(r.get('p99_ms'))}"


def _failed(run: dict[str, Any] | None) -> str:
    """Answers that were not 2xx (or requests that timed out) in a run."""
    if not run:
        return ""
    bad = (run.get("requests") or 0) - (run.get("ok") or 0) + ((run.get("errors") or {}).get("timeout") or 0)
    return f" ({bad} failed)" if bad > 0 else ""


def _flag(v: bool | None) -> str:
    return "✅" if v is True else "❌" if v is False else "—"


def table_lines(doc: dict[str, Any]) -> list[str]:
    lines = [
        "| Scenario | API req/s @32 | API p50 / p95 / p99 ms @16 | in the service ms @16 | raw SQL q/s @32 | raw p50 / p95 / p99 ms @16 | API / raw | Target | Measured | Pass |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|:-:|",
    ]
    for name, r in doc["scenarios"].items():
        api, raw = r.get("api", {}), r.get("raw", {})
        targets = r.get("targets") or [{"target": "—", "value": None, "pass": None}]
        inside = _lat((api.get("c16") or {}).get("service_timing"))
        if r.get("kind") == "export":
            inside = "—"
            e = r.get("export", {})
            rps = f"{_n(e.get('rows_per_s'))} rows/s"
            lat = f"{_n(e.get('seconds'))} s per export"
            raw_rps = f"{_n(dig(raw, 'export', 'rows_per_s'))} rows/s"
            raw_lat = f"{_n(dig(raw, 'export', 'seconds'))} s"
            ratio = r.get("export_ratio")
        else:
            rps, lat = _n(r.get("rps")) + _failed(api.get("c32")), _lat(api.get("c16")) + _failed(api.get("c16"))
            raw_rps, raw_lat, ratio = _n(r.get("raw_rps")), _lat(raw.get("c16")), r.get("ratio")
        if "error" in r:
            lat = f"error: {r['error'][:80]}"
        for i, t in enumerate(targets):
            head = ((f"`{name}`", rps, lat, inside, raw_rps, raw_lat, f"{ratio:.0%}" if ratio else "—") if i == 0
                    else ("", "", "", "", "", "", ""))
            value = t.get("value")
            lines.append("| " + " | ".join((*head, t["target"], _n(value) if value is not None else "", _flag(t["pass"]))) + " |")
    return lines


def markdown(doc: dict[str, Any]) -> str:
    m, ds, me = doc["machine"], doc["dataset"], doc["method"]
    pg = m["postgresql"]
    c = ds["counts"]
    out = [
        "# Performance",
        "",
        "Measured by `./scripts/bench` (the `bench/` package); every figure below is in "
        "[`bench-results.json`](bench-results.json). The test suite has no timed assertions: the benchmark measures.",
        "",
        "## How to run",
        "",
        "```sh",
        "./scripts/bench                      # full district: generate (~2 min), start the service, measure (~25 min)",
        "./scripts/bench --reuse              # keep the data set already in anquan_bench",
        "./scripts/bench --scale 0.05 --duration 3   # a quick, smaller run (results under var/bench/)",
        "./scripts/bench --only hazard_by_id,dashboard --reuse",
        "./scripts/bench --skip-load          # only build the data set",
        "```",
        "",
        "The bench works in its own database `anquan_bench`: on the server of `BENCH_DATABASE_URL` if set, else the "
        "PostgreSQL on 127.0.0.1:5432 if it answers, else an embedded PostgreSQL under `./var/bench-pg`. "
        "Load is driven by Debian's `wrk` (`apt-get install wrk`); without it a Python httpx driver is used, which "
        "under-reports throughput (it shares the two cores and is slower than the service it drives).",
        "",
        f"## Results of {doc['date'][:10]}",
        "",
        f"- Machine: {m['cpu_model']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; {m['os']}; Python {m['python']}; "
        f"load average at start {m['load_average_at_start']}.",
        f"- PostgreSQL {pg['server_version']} ({doc['database']['server']}), shared_buffers {pg['shared_buffers']}, "
        f"work_mem {pg['work_mem']}, max_parallel_workers_per_gather {pg['max_parallel_workers_per_gather']}, "
        f"jit {pg['jit']}; database size {pg.get('database_size')}. Server settings are the server's own: the bench "
        "changes none.",
        f"- Service: `{me['service']}` (ANQUAN_ENV=production, pool {me['service_env']['ANQUAN_DB_POOL_SIZE']} + "
        f"{me['service_env']['ANQUAN_DB_MAX_OVERFLOW']} overflow per worker), commit `{m['git']['commit'][:12]}`"
        + (f" with {m['git']['dirty_files']} uncommitted file(s)" if m['git'].get('dirty_files') else "") + ".",
        f"- Load: {me['driver']}, {me['wrk_threads']} threads, on the same machine over loopback; throughput at "
        f"{me['throughput_connections']} connections, latency at {me['latency_connections']}; each run "
        f"{me['duration_s']:g} s or {me['max_requests_per_run']:,} requests, whichever comes first.",
        f"- Data set (scale {ds['scale']:g}, seed {ds['seed']}): {c.get('org_unit', 0):,} org units, "
        f"{c.get('enterprise', 0):,} enterprises, {c.get('hazard', 0):,} hazards with {c.get('hazard_history', 0):,} "
        f"history rows, {c.get('inspection', 0):,} inspections, {c.get('drill', 0):,} drills, "
        f"{c.get('training', 0):,} trainings, {c.get('supervision_task', 0):,} supervision tasks; generated and "
        f"loaded with COPY in {ds['generation_seconds']:g} s.",
        "",
        "Throughput is requests per second at 32 connections; latency p50 / p95 / p99 at 16 connections, as wrk "
        "reports it (client side, with wrk's end-of-run coordinated-omission correction, which turns a few long "
        "stalls into a heavy tail); *in the service* is the same run's requests as the service's own access log "
        "timed them (inside the worker, uncorrected). Raw SQL is the same statement(s) through asyncpg at the "
        "same concurrency; API / raw compares the throughputs. ✅ met, ❌ missed; the targets use wrk's figures.",
        "",
        *table_lines(doc),
        "",
    ]
    noisy = [(n, r["other_work_max_cores"]) for n, r in doc["scenarios"].items() if (r.get("other_work_max_cores") or 0) >= 0.25]
    if noisy:
        out += [
            "Other processes used CPU during some runs (another test suite or database on the shared machine; the "
            "bench waits up to --quiet-wait s for quiet before each run): "
            + ", ".join(f"`{n}` up to {v} cores" for n, v in noisy) + ". Those figures are pessimistic.",
            "",
        ]
    seq = [(n, r) for n, r in doc["scenarios"].items() if dig(r, "api", "sequential") and r.get("kind") != "export"]
    if seq:
        out += [
            "### Single user (sequential requests)",
            "",
            "For the scenarios whose target is a latency: requests one after the other, after one warm-up.",
            "",
            "| Scenario | API p50 ms | API p95 ms | raw SQL p50 ms | raw SQL p95 ms | API @16 p95 ms |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for n, r in seq:
            out.append(
                f"| `{n}` | {_n(dig(r, 'api', 'sequential', 'p50_ms'))} | {_n(dig(r, 'api', 'sequential', 'p95_ms'))} | "
                f"{_n(dig(r, 'raw', 'sequential', 'p50_ms'))} | {_n(dig(r, 'raw', 'sequential', 'p95_ms'))} | "
                f"{_n(dig(r, 'api', 'c16', 'p95_ms'))} |"
            )
        out.append("")
    e = doc["scenarios"].get("export_csv")
    if e and e.get("export"):
        out += [
            "### CSV export",
            "",
            f"`{e['request']}` with `discovered_from={dig(e, 'info', 'discovered_from')}` "
            f"({_n(dig(e, 'info', 'rows'))} rows), three sequential downloads:",
            "",
            "| run | rows | seconds | first byte s | rows/s | worker RSS growth MiB |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for i, run in enumerate(e["export"]["runs"], 1):
            out.append(f"| {i} | {run['rows']:,} | {run['seconds']} | {run['first_byte_s']} | {_n(run['rows_per_s'])} | "
                       f"{run['memory_growth_mib']} |")
        raw_export = dig(e, "raw", "export")
        if raw_export:
            method = ((e.get("sql") or [{}])[-1]).get("method", "fetch")
            how = {"copy": "as `COPY … TO STDOUT` through asyncpg", "cursor": "through an asyncpg server-side cursor"}.get(
                method, "through asyncpg")
            out += ["", f"The same statement {how}, the rows counted and dropped: {_n(raw_export['rows_per_s'])} rows/s."]
        out.append("")
    writes = [(n, r) for n, r in doc["scenarios"].items() if r.get("checks")]
    if writes:
        out += ["### Writes: no lost or duplicated rows", ""]
        for n, r in writes:
            out.append(f"`{n}` ({r['request']}):")
            out.append("")
            for label, chk in r["checks"].items():
                shown = ", ".join(f"{k} {v}" for k, v in chk.items())
                out.append(f"- {label}: {shown}")
            out.append("")
    from bench.notes import NOTES

    if NOTES and ds["scale"] == 1:
        out += ["## Where the time goes", "", *NOTES, ""]
    sql_rows = [(n, r) for n, r in doc["scenarios"].items() if r.get("sql") and not n.endswith("_cached")]
    if sql_rows:
        out += ["## The SQL of each scenario", "",
                "Captured from the app at run time (what the raw side replays); parameters as sent.", ""]
        for n, r in sql_rows:
            out += [f"<details><summary><code>{n}</code>: {len(r['sql'])} statement(s)</summary>", "", "```sql"]
            for st in r["sql"]:
                if st.get("method") == "copy":
                    opts = ", ".join(f"{k.upper()} {v}" for k, v in (st.get("options") or {}).items())
                    out.append(f"COPY ({st['sql'].rstrip(';')}) TO STDOUT ({opts});")
                else:
                    out.append(st["sql"].rstrip(";") + ";" + (" -- server-side cursor" if st.get("method") == "cursor" else ""))
                out.append(f"-- parameters: {', '.join(st['args'][:12])}{' …' if len(st['args']) > 12 else ''}")
            out += ["```", "", "</details>", ""]
    out += [
        "## Method",
        "",
        "- **Data set** (`app/db/generator.py`, the generator of the demo street, at district scale; loaded by "
        "`bench/dataset.py`): deterministic (`random.Random(seed)`, one stream per table and per "
        "hazard chunk; ids are UUIDv7 built from the rows' own creation times). Schema by the migrations "
        "(`app.db.migrate.upgrade`), reference data by `ensure_reference_data`, two more departments (12), rows by "
        "`COPY` in dependency order, then `VACUUM (ANALYZE)`. Villages differ in size (enterprises ∝ 1/(rank+5): the "
        "largest holds ~4.5 %); sectors are weighted; 15 % of enterprises are high-risk; hazards are discovered "
        "2023-01-01..2026-11-28, ~5 % major, and their lifecycle (plan, deadline, extension, listing, submission, "
        "review, rejection, escalation, void) is simulated and cut at 2026-11-29, so old hazards are mostly closed, recent ones "
        "open, some overdue; each step is a history row with non-decreasing `effective_on`. About 27 % of hazards "
        "are findings of the recorded inspections (`inspection_id`, `findings_count`); principal-led inspections and "
        "evacuation drills follow each enterprise's cadence (C1, C2) as far as their counts allow. A marker table `bench_meta` "
        "lets `--reuse` skip generation; the service's writes during a run are deleted before and after it.",
        "- **Service**: started as in production (uvicorn, 2 workers, uvloop, httptools, ANQUAN_ENV=production, a "
        "random JWT secret); tokens are minted with the service's secret (what `POST /auth/token` returns). Its "
        "JSON access log goes to `var/bench/service.log`.",
        "- **Runs**: per scenario one run at 32 connections (throughput) and one at 16 (latency), after an unrecorded "
        "warm-up for the light reads. wrk's Lua script rotates paths, adds the bearer token, gives every POST its "
        "own `Idempotency-Key`, and at the request cap parks its connections (`delay()`) until every request sent "
        "has its answer, then stops the thread (nothing abandoned); p50/p75/p90/p95/p99 come from wrk's histogram. "
        "A run that ends on its duration instead abandons the requests in flight; the bench waits until the "
        "service's database sessions are idle before the next run. Before each run the bench waits (up to "
        "`--quiet-wait` s) until other processes leave the CPU alone, and records the CPU they used during it.",
        "- **200th page**: the cursor is walked once from the first page; the run then repeats that URL.",
        "- **Review**: each request approves a different `pending_review` hazard prepared for the run; the run ends "
        "when they are used up.",
        "- **POST /inspections**: afterwards the rows are counted in SQL — growth of `inspection` and `hazard`, "
        "inspections without exactly 3 hazards, idempotency records committed with 201, and every `Location` the "
        "client received looked up. `in_flight_at_stop` counts requests committed by the service whose answer the "
        "client no longer awaited at the end of the run.",
        "- **Raw SQL**: after the API runs the service is stopped and its writes removed (same data as the reads "
        "saw); the app is then built in-process on the bench database, each read scenario's request is made once "
        "and every statement it sends is recorded (SQLAlchemy cursor events and the asyncpg hot-read pool), and "
        "those statements are replayed through asyncpg: one connection per client, same concurrency, same bounds, "
        "every row fetched. Not replayed: the principal lookup, transaction control, the analytics cache — and of "
        "course validation, serialization and HTTP: the ratio shows what those cost.",
        "- **Analytics cache**: the service keeps the answers of /stats, /compliance, /targets and /dashboard "
        "until the next write (keyed on the audit-trail head). Each is measured twice: computed (the cache is "
        "emptied before every sequential request and before each concurrent run, so the 32 or 16 requests all "
        "miss together, as after a write) and cached (`…_cached`: every answer a hit). Misses of the same "
        "question compute it once (the others wait for that answer), so a computed concurrent run costs about "
        "one computation, while the raw side runs 32 or 16 computations in parallel: for computed answers the "
        "fair comparison with raw SQL is the single-user table. The targets are evaluated on both.",
        "- **Slow scenarios** (a latency target): one request per connection, all sent at once, the run ending "
        "with the last answer; sequential requests after one warm-up (three when one takes over 5 s).",
        "- **wrk's percentiles** come from its histogram, which wrk 4.1 adjusts at the end for coordinated "
        "omission (`stats_correct`) — slightly higher tails than the raw measurements, which are not adjusted.",
        "- **Export**: three sequential downloads; rows/s end to end; the serving worker's RSS sampled every 50 ms "
        "with psutil, growth against its RSS just before the request.",
        "- **Limits of the method**: the load generator, the service and PostgreSQL share the machine's cores, as "
        "the targets prescribe; wrk is a closed-loop generator whose end-of-run correction is approximate (hence the "
        "service-side percentiles beside it); other work on a shared machine is waited out before each run but not "
        "stopped (see the load average above and the CPU other processes used).",
        "",
    ]
    return "\n".join(out)
