"""One benchmark run: remove the previous run's writes, start the service, run the
scenarios (API at 32 and 16 connections, sequential requests where the target is a
latency, then the raw SQL at the same concurrency), stop the service, remove this run's
writes again, write the results."""

from __future__ import annotations

import argparse
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import driver, report
from bench.dataset import REF_DATE
from bench.monitor import ForeignCpu, wait_quiet
from bench.capture import AppCapture
from bench.scenarios import CACHED_SUFFIX, SCENARIOS, Built, Context, Scenario, replay, scenario_of
from bench.service import AccessLogWindow, RssSampler, Service, wait_idle

CST = timezone(timedelta(hours=8))
# every generated row was created before the data set's today; the bench's writes after
GENERATED_BEFORE = datetime(REF_DATE.year, REF_DATE.month, REF_DATE.day, tzinfo=CST)
BENCH_USERS = ("bench_admin", "bench_zhujian")


async def refill_read_model(conn: asyncpg.Connection) -> None:
    """Rows deleted or copied with session_replication_role = replica fired no trigger:
    recompute the analytics read model from the ledger (as `rebuild-read-model` does)."""
    from app.db.repositories.read_model import TABLES

    if not await conn.fetchval("SELECT to_regclass('rm_hazard_cell') IS NOT NULL"):
        return
    async with conn.transaction():
        for table in TABLES:
            await conn.execute(f"DELETE FROM {table}")
            await conn.execute(f"INSERT INTO {table} SELECT * FROM {table}_expected")
    for table in TABLES:
        await conn.execute(f"VACUUM (ANALYZE) {table}")


async def reset_writes(url: str, meta: dict[str, Any], log: Callable[[str], None]) -> None:
    """Delete what the service wrote during a bench run (inspections, hazards, history,
    events, audit rows, idempotency records), so every run starts from the same data set.
    History and the audit trail are append-only (triggers): the deletes run with
    session_replication_role = replica, which a superuser may set."""
    conn = await asyncpg.connect(url)
    try:
        deleted = 0
        async with conn.transaction():
            try:
                await conn.execute("SET LOCAL session_replication_role = replica")
            except asyncpg.InsufficientPrivilegeError:
                await conn.execute("ALTER TABLE hazard_history DISABLE TRIGGER USER")
                await conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
            for sql, args in (
                ("DELETE FROM hazard_history WHERE id > $1", (meta["max_history_id"],)),
                ("DELETE FROM event", ()),
                ("DELETE FROM audit_log", ()),
                ("DELETE FROM idempotency_record", ()),
                ("DELETE FROM rate_counter", ()),
                ("DELETE FROM hazard WHERE created_at >= $1", (GENERATED_BEFORE,)),
                ("DELETE FROM inspection WHERE created_at >= $1", (GENERATED_BEFORE,)),
            ):
                status = await conn.execute(sql, *args)
                deleted += int(status.split()[-1])
            if await conn.fetchval("SELECT to_regclass('analytics_cache') IS NOT NULL"):
                await conn.execute("DELETE FROM analytics_cache")  # answers of the analytics endpoints
        try:
            await conn.execute("ALTER TABLE hazard_history ENABLE TRIGGER USER")
            await conn.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")
        except asyncpg.PostgresError:
            pass
        if deleted:
            for table in ("hazard", "hazard_history", "inspection", "event", "audit_log", "idempotency_record"):
                await conn.execute(f"VACUUM (ANALYZE) {table}")
            await refill_read_model(conn)
            log(f"removed {deleted:,} rows written by a bench run (and recomputed the read model)")
    finally:
        await conn.close()


def business_today() -> Any:
    from app.domain.calendar import business_date

    return business_date(datetime.now(UTC))


async def _users(conn: asyncpg.Connection) -> dict[str, tuple[uuid.UUID, str]]:
    rows = await conn.fetch("SELECT id, username, role FROM app_user WHERE username = ANY($1::text[])", list(BENCH_USERS))
    return {r["username"]: (r["id"], r["role"]) for r in rows}


def _flatten(r: dict[str, Any]) -> None:
    """The figures of the results table: throughput at 32, latency at 16, raw beside."""
    api, raw = r.get("api", {}), r.get("raw", {})
    c32, c16 = api.get("c32") or {}, api.get("c16") or {}
    r["rps"] = c32.get("rps")
    r["p50_ms"], r["p95_ms"], r["p99_ms"] = c16.get("p50_ms"), c16.get("p95_ms"), c16.get("p99_ms")
    rc32, rc16 = raw.get("c32") or {}, raw.get("c16") or {}
    r["raw_rps"] = rc32.get("rps")
    r["raw_p50_ms"], r["raw_p95_ms"], r["raw_p99_ms"] = rc16.get("p50_ms"), rc16.get("p95_ms"), rc16.get("p99_ms")
    r["ratio"] = round(r["rps"] / r["raw_rps"], 3) if r.get("rps") and r.get("raw_rps") else None
    foreign = [
        _bg(x) for side in (api, raw) for x in side.values() if isinstance(x, dict) and _bg(x) is not None
    ] + [x.get("foreign_cpu_cores") for x in (r.get("export") or {}).get("runs", []) if x.get("foreign_cpu_cores") is not None]
    foreign = [f for f in foreign if isinstance(f, (int, float))]
    r["other_work_max_cores"] = max(foreign) if foreign else None
    if "sequential" in api:
        r["sequential_p50_ms"] = api["sequential"]["p50_ms"]
        r["sequential_p95_ms"] = api["sequential"]["p95_ms"]
    if "sequential" in raw:
        r["raw_sequential_p50_ms"] = raw["sequential"]["p50_ms"]
        r["raw_sequential_p95_ms"] = raw["sequential"]["p95_ms"]


def _bg(run: dict[str, Any]) -> float | None:
    during = (run.get("background") or {}).get("during") or {}
    return during.get("foreign_cpu_cores")


class Runner:
    """Phase 1 (service up): every selected scenario through the API. Phase 2 (service
    stopped, its writes removed, so the data are those the API reads saw): the same
    scenarios' SQL through asyncpg. Separating them keeps the service's idle pools from
    holding connections (and memory) while the raw side runs 32 connections of its own."""

    def __init__(self, args: argparse.Namespace, url: str, service: Service, ctx: Context,
                 log: Callable[[str], None], workdir: Path) -> None:
        self.args = args
        self.url = url
        self.service = service
        self.ctx = ctx
        self.log = log
        self.workdir = workdir
        self.use_wrk = args.driver == "wrk" or (args.driver == "auto" and driver.wrk_path() is not None)
        self.max_requests = ctx.max_requests
        self.has_cache = False
        self.pool_settings: dict[str, dict[str, str]] = {}

    async def http(self, load: driver.HttpLoad, connections: int, *, duration: float | None = None,
                   max_requests: int | None = None, record: bool = True) -> driver.RunResult:
        run = driver.run_wrk if self.use_wrk else driver.run_python
        duration = duration or self.args.duration
        quiet = await wait_quiet(self.url, max_wait=self.args.quiet_wait, threshold=self.args.quiet_threshold, log=self.log) if record else None
        mon = ForeignCpu(self.url)
        mon.start()
        window = AccessLogWindow(self.service.log_path)
        res = await run(
            self.service.base_url, load, connections=connections, duration=duration,
            max_requests=max_requests or self.max_requests, threads=self.args.threads, workdir=self.workdir,
            timeout_s=max(60, int(duration)),
        )
        res.background = {"before": quiet, "during": await mon.stop()} if record else {}
        if record:
            await wait_idle(self.url)  # abandoned requests finish and are logged
            res.service_timing = _timing(window.durations())
        return res

    async def raw(self, op: driver.RawOp, connections: int, *, duration: float | None = None,
                  max_requests: int | None = None) -> driver.RunResult:
        quiet = await wait_quiet(self.url, max_wait=self.args.quiet_wait, threshold=self.args.quiet_threshold, log=self.log)
        mon = ForeignCpu(self.url)
        mon.start()
        during: dict[str, Any] = {}

        async def stop_monitor() -> None:  # before the raw connections' backends exit
            during.update(await mon.stop())

        res = await driver.run_raw(self.url, op, connections=connections, duration=duration or self.args.duration,
                                   max_requests=max_requests or self.max_requests, before_close=stop_monitor)
        res.background = {"before": quiet, "during": during}
        return res

    def heavy_bounds(self, connections: int) -> tuple[float, int]:
        """Slow requests (the target is a latency): one request per connection, all sent at
        once; the run ends with the last answer (or at --heavy-duration s)."""
        return self.args.heavy_duration, connections

    async def clear_cache(self) -> None:
        """Empty the service's analytics cache (derived data): the next answer is computed."""
        if self.has_cache:
            await self.ctx.conn.execute("DELETE FROM analytics_cache")

    def _log_run(self, what: str, res: driver.RunResult, drained: float | None = None) -> None:
        unit = "req/s" if what.startswith("API") else "q/s  "
        extra = f", drained in {drained} s" if drained is not None else ""
        self.log(
            f"    {what} {res.connections:>2} conns: {res.rps:>8} {unit}  p50 {res.p50_ms} ms  p95 {res.p95_ms} ms  "
            f"p99 {res.p99_ms} ms  ({res.requests} answers, {res.ok} ok, bound: {res.bound}{extra}; "
            f"other work {res.background['during']['foreign_cpu_cores']} cores)"
            + (f"; in the service p50 {res.service_timing['p50_ms']} p95 {res.service_timing['p95_ms']} "
               f"p99 {res.service_timing['p99_ms']} ms" if res.service_timing else "")
        )

    # ------------------------------------------------------------------ phase 1: the API

    async def api(self, sc: Scenario) -> tuple[dict[str, Any], Built]:
        t0 = time.perf_counter()
        built = await sc.build(self.ctx)
        r: dict[str, Any] = {
            "title": sc.title, "request": sc.request, "user": sc.user, "kind": sc.kind, "info": built.info,
            "api": {}, "raw": {},
        }
        if sc.cached and self.has_cache:
            r["cache"] = ("emptied before every sequential request and before each concurrent run; concurrent misses "
                          "of the same question compute it once")
        if sc.kind == "export":
            await self.export(built, r)
        else:
            await self.api_runs(sc, built, r)
        r["elapsed_s"] = round(time.perf_counter() - t0, 1)
        return r, built

    async def api_runs(self, sc: Scenario, built: Built, r: dict[str, Any]) -> None:
        a = self.args
        cold = sc.cached and self.has_cache
        if sc.kind == "read" and not sc.sequential:
            await self.http(await built.load("warmup"), a.latency_connections, duration=min(3.0, a.duration),
                            record=False)  # not recorded
            await wait_idle(self.url)
        if sc.sequential:
            assert built.sequential_path
            r["api"]["sequential"] = await driver.sequential_http(
                self.service.base_url, built.sequential_path, self.ctx.headers(built.user), a.sequential,
                before_each=self.clear_cache if cold else None,
            )
            self.log(f"    API sequential{' (computed)' if cold else ''}: p50 {r['api']['sequential']['p50_ms']} ms, "
                     f"p95 {r['api']['sequential']['p95_ms']} ms")
        checks = {}
        for label, conns in (("c32", a.throughput_connections), ("c16", a.latency_connections)):
            duration, cap = self.heavy_bounds(conns) if sc.sequential else (a.duration, self.max_requests)
            load = await built.load(label)
            if cold:
                await self.clear_cache()
            res = await self.http(load, conns, duration=duration, max_requests=cap)
            drained = await wait_idle(self.url)
            r["api"][label] = res.brief() | {"drain_s": drained}
            self._log_run("API", res, drained)
            if built.verify:
                checks[label] = await built.verify(label, res)
                self.log(f"    checks: {checks[label]}")
        if checks:
            r["checks"] = checks
            r["checks_consistent"] = all(c.get("consistent") for c in checks.values())

    async def api_cached(self, sc: Scenario, built: Built) -> dict[str, Any]:
        """The same analytics request answered from the service's cache (no write since the
        answer was computed): sequential requests after one that fills the cache, then
        runs bounded like the light reads."""
        a = self.args
        r: dict[str, Any] = {
            "title": f"{sc.title} — from the analytics cache", "request": sc.request, "user": sc.user, "kind": sc.kind,
            "info": built.info, "api": {}, "raw": {},
            "cache": "filled by one request; every measured answer is a cache hit (no write in between)",
        }
        assert built.sequential_path
        r["api"]["sequential"] = await driver.sequential_http(
            self.service.base_url, built.sequential_path, self.ctx.headers(built.user), a.sequential
        )
        self.log(f"    API sequential (cached): p50 {r['api']['sequential']['p50_ms']} ms, "
                 f"p95 {r['api']['sequential']['p95_ms']} ms")
        for label, conns in (("c32", a.throughput_connections), ("c16", a.latency_connections)):
            res = await self.http(await built.load(label), conns)
            drained = await wait_idle(self.url)
            r["api"][label] = res.brief() | {"drain_s": drained}
            self._log_run("API (cached)", res, drained)
        return r

    async def export(self, built: Built, r: dict[str, Any], runs: int = 3) -> None:
        """Sequential CSV downloads: rows/s end to end and the growth of the serving
        worker's RSS (psutil, every 50 ms, against its RSS just before the request)."""
        assert built.sequential_path
        headers = self.ctx.headers(built.user)
        out = []
        async with httpx.AsyncClient(base_url=self.service.base_url, timeout=600) as client:
            for _ in range(runs):
                await wait_quiet(self.url, max_wait=self.args.quiet_wait, threshold=self.args.quiet_threshold, log=self.log)
                mon = ForeignCpu(self.url)
                mon.start()
                sampler = RssSampler(self.service.worker_processes(), 0.05)
                sampler.start()
                t0 = time.perf_counter()
                first_byte = None
                size = lines = 0
                async with client.stream("GET", built.sequential_path, headers=headers) as resp:
                    status = resp.status_code
                    async for chunk in resp.aiter_raw():
                        if first_byte is None:
                            first_byte = time.perf_counter() - t0
                        size += len(chunk)
                        lines += chunk.count(b"\n")
                elapsed = time.perf_counter() - t0
                mem = await sampler.stop()
                background = await mon.stop()
                rows = max(0, lines - 1)
                out.append({
                    "status": status, "rows": rows, "bytes": size, "seconds": round(elapsed, 2),
                    "first_byte_s": round(first_byte or 0, 3), "rows_per_s": round(rows / elapsed) if elapsed else None,
                    "memory_growth_mib": mem["max_growth_mib"], "worker_rss_mib": mem["peak_mib"],
                    "foreign_cpu_cores": background["foreign_cpu_cores"],
                })
                self.log(f"    export: {rows:,} rows in {elapsed:.2f} s = {out[-1]['rows_per_s']:,} rows/s, "
                         f"worker RSS growth {mem['max_growth_mib']} MiB (status {status}; other work "
                         f"{background['foreign_cpu_cores']} cores)")
                await wait_idle(self.url)
        median = sorted(out, key=lambda x: x["seconds"])[len(out) // 2]
        r["export"] = {
            "runs": out, "rows": median["rows"], "seconds": median["seconds"], "rows_per_s": median["rows_per_s"],
            "memory_growth_mib": max(x["memory_growth_mib"] for x in out),
        }
        r["api"]["sequential"] = {"requests": runs, "p50_ms": round(median["seconds"] * 1000, 1),
                                  "p95_ms": round(max(x["seconds"] for x in out) * 1000, 1)}

    # ------------------------------------------------------------------ phase 2: raw SQL

    async def raw_side(self, sc: Scenario, built: Built, r: dict[str, Any], capture: AppCapture) -> None:
        if not built.capture_path:
            return
        a = self.args
        cap = await capture.capture(built.capture_path, built.user)
        r["sql"] = [{"sql": st.sql.strip(), "args": [_short(x) for x in st.args], "method": st.method,
                     **({"options": st.options} if st.options else {})} for st in cap.statements]
        r["sql_left_out"] = sorted(set(cap.overhead))
        self.log(f"    captured {len(cap.statements)} statement(s) from the app; left out: {len(cap.overhead)}")
        pools = sorted({st.via for st in cap.statements}) or ["orm"]
        settings = self.pool_settings.get("reader" if pools == ["reader"] else "orm", {})
        driver.RAW_SESSION_SETTINGS.clear()
        driver.RAW_SESSION_SETTINGS.update({"TimeZone": "UTC", **settings})
        r["raw_session_settings"] = dict(driver.RAW_SESSION_SETTINGS)
        if sc.kind == "export":
            op = replay(cap.statements)
            raw_runs = []
            conn = await driver.connect_raw(self.url)
            try:
                for i in range(3):
                    await wait_quiet(self.url, max_wait=a.quiet_wait, threshold=a.quiet_threshold, log=self.log)
                    t0 = time.perf_counter()
                    n = await op(conn, i)
                    dt = time.perf_counter() - t0
                    raw_runs.append({"rows": n, "seconds": round(dt, 2), "rows_per_s": round(n / dt)})
            finally:
                await conn.close()
            rm = sorted(raw_runs, key=lambda x: x["seconds"])[len(raw_runs) // 2]
            r["raw"]["export"] = {"runs": raw_runs, "rows_per_s": rm["rows_per_s"], "seconds": rm["seconds"]}
            r["raw"]["sequential"] = {"requests": len(raw_runs), "p50_ms": round(rm["seconds"] * 1000, 1),
                                      "p95_ms": round(max(x["seconds"] for x in raw_runs) * 1000, 1)}
            if r.get("export", {}).get("rows_per_s"):
                r["export_ratio"] = round(r["export"]["rows_per_s"] / rm["rows_per_s"], 3)
            self.log(f"    raw ({cap.statements[-1].method}): {rm['rows']:,} rows in {rm['seconds']} s = {rm['rows_per_s']:,} rows/s")
            return
        op = replay(cap.statements, built.vary)
        if sc.sequential:
            r["raw"]["sequential"] = await driver.sequential_raw(self.url, op, a.sequential)
            self.log(f"    raw sequential: p50 {r['raw']['sequential']['p50_ms']} ms, p95 {r['raw']['sequential']['p95_ms']} ms")
        else:  # warm-up, not recorded
            await driver.run_raw(self.url, op, connections=a.latency_connections, duration=min(2.0, a.duration),
                                 max_requests=self.max_requests)
        for label, conns in (("c32", a.throughput_connections), ("c16", a.latency_connections)):
            duration, cap_n = self.heavy_bounds(conns) if sc.sequential else (a.duration, self.max_requests)
            res = await self.raw(op, conns, duration=duration, max_requests=cap_n)
            r["raw"][label] = res.brief()
            self._log_run("raw", res)
            await wait_idle(self.url, application_names=("anquan_bench_raw",))


def _timing(durations: list[float]) -> dict[str, Any]:
    """Percentiles of the service's own request durations (its access log, in ms): time
    inside the worker, without the client side and without wrk's end-of-run correction."""
    if not durations:
        return {}
    return {
        "requests": len(durations),
        **{f"p{p}_ms": round(driver.percentile(durations, p) or 0, 2) for p in (50, 95, 99)},
        "max_ms": round(max(durations), 2),
    }


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def evaluate(results: dict[str, dict[str, Any]]) -> None:
    for name, r in results.items():
        sc = scenario_of(name)
        evaluated = []
        for t in sc.targets:
            try:
                value, ok = t.check(r, results)
            except Exception:  # noqa: BLE001 - a missing figure is "not measured", not a crash
                value, ok = None, None
            evaluated.append({"target": t.label, "value": value, "pass": ok})
        failed = sum(
            (run.get("requests") or 0) - (run.get("ok") or 0) + ((run.get("errors") or {}).get("timeout") or 0)
            for run in (r.get("api") or {}).values() if isinstance(run, dict) and "ok" in run
        )
        if failed:
            evaluated.append({"target": "every answer 2xx", "value": failed, "pass": False})
        r["targets"] = evaluated
        r["target"] = "; ".join(t.label for t in sc.targets)
        flags = [t["pass"] for t in evaluated]
        r["pass"] = False if "error" in r else (all(f is True for f in flags) if flags else None)


async def run_benchmark(args: argparse.Namespace, server: Any, meta: dict[str, Any], *, log: Callable[[str], None],
                        root: Path) -> int:
    url = server.bench_url
    run_id = time.strftime("%Y%m%d%H%M%S")
    workdir = root / "var" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    if args.driver != "python" and driver.wrk_path() is None:
        log("wrk is not installed (apt-get install wrk): falling back to the Python httpx driver, which "
            "under-reports throughput and over-reports latency")
        if args.driver == "wrk":
            return 2
    await reset_writes(url, meta, log)
    selected = [s for s in SCENARIOS if not args.only or s.name in args.only]
    started_at = datetime.now(UTC)
    service = Service(root, url, workers=args.workers)
    machine = await report.machine_info(url)
    log(f"starting the service: {' '.join(service.command[1:])}")
    await service.start()
    conn = await asyncpg.connect(url)
    results: dict[str, dict[str, Any]] = {}
    built: dict[str, Built] = {}
    rss: dict[str, Any] = {"before": _rss(service)}
    runner: Runner | None = None
    try:
        users = await _users(conn)
        ctx = Context(
            url=url, conn=conn, base_url=service.base_url, today=business_today(), users=users,
            tokens=service.tokens(users), scale=args.scale, seed=args.seed, run_id=run_id, duration=args.duration,
            max_requests=args.max_requests,
        )
        runner = Runner(args, url, service, ctx, log, workdir)
        runner.has_cache = bool(await conn.fetchval("SELECT to_regclass('analytics_cache') IS NOT NULL"))
        log(f"load generator: {'wrk ' + (driver.wrk_version() or '') if runner.use_wrk else 'python httpx'}; "
            f"{args.duration:g} s or {args.max_requests:,} requests per run; {args.throughput_connections} and "
            f"{args.latency_connections} connections")
        for sc in selected:
            log(f"API: {sc.name}: {sc.request}")
            try:
                results[sc.name], built[sc.name] = await runner.api(sc)
                if sc.cached and runner.has_cache:
                    log(f"API: {sc.name}, answered from the analytics cache")
                    results[sc.name + CACHED_SUFFIX] = await runner.api_cached(sc, built[sc.name])
            except Exception as exc:  # noqa: BLE001 - one failed scenario does not lose the others
                log(f"    FAILED: {exc!r}")
                traceback.print_exc()
                results[sc.name] = {"title": sc.title, "request": sc.request, "kind": sc.kind, "error": repr(exc),
                                    "api": {}, "raw": {}}
                await wait_idle(url)
        rss["after"] = _rss(service)
    finally:
        service.stop()
        await conn.close()
        await reset_writes(url, meta, log)
    if runner is not None and not args.no_raw:
        log("service stopped; the raw SQL side on the same data (statements captured from the app)")
        capture = AppCapture(url, ctx.users)
        try:
            runner.pool_settings = await capture.session_settings()
            log(f"raw connections use the session settings of the service's pool that ran the statements: "
                f"{runner.pool_settings}")
            for sc in selected:
                if sc.name not in built or not built[sc.name].capture_path:
                    continue
                log(f"raw SQL: {sc.name}")
                try:
                    await runner.raw_side(sc, built[sc.name], results[sc.name], capture)
                except Exception as exc:  # noqa: BLE001
                    log(f"    FAILED: {exc!r}")
                    traceback.print_exc()
                    results[sc.name]["raw_error"] = repr(exc)
                cached = results.get(sc.name + CACHED_SUFFIX)
                if cached is not None:
                    for key in ("raw", "sql", "sql_left_out"):
                        if key in results[sc.name]:
                            cached[key] = results[sc.name][key]
        finally:
            await capture.close()
    for r in results.values():
        _flatten(r)
    evaluate(results)
    full = (args.scale == 1.0 and not args.only and args.throughput_connections == 32 and args.latency_connections == 16
            and args.duration >= 10 and args.workers == 2)
    results_path = args.results or (root / "docs" / "bench-results.json" if full else workdir / "bench-results.json")
    report_path = args.report or (root / "docs" / "performance.md" if full else workdir / "performance.md")
    doc = report.build(
        args=args, machine=machine, meta=meta, results=results, started_at=started_at, server_origin=server.origin,
        service=service, driver_name=("wrk " + (driver.wrk_version() or "")) if runner and runner.use_wrk else "python-httpx",
        rss=rss,
    )
    report.write(doc, results_path, report_path)
    log(f"results: {results_path}  report: {report_path}")
    for line in report.table_lines(doc):
        print(line)
    return 0


def _rss(service: Service) -> dict[str, float]:
    out = {}
    for p in service.worker_processes():
        try:
            out[str(p.pid)] = round(p.memory_info().rss / 2**20, 1)
        except Exception:  # noqa: BLE001
            pass
    return out
