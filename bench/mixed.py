"""python -m bench.mixed [--scale S] [--duration SECONDS] [--reuse] [--writes-only]

The mixed scenario: analytics readers at 16 connections (wrk, else httpx) while a bounded
writer posts inspections (3 findings each) at 10/s and approves pending hazards at 2/s, in
an open loop (each write is sent on schedule whether or not the previous one answered).
Reader sets: the dashboard and `/stats/hazards?group_by=village` (alternating), compliance,
targets. Each set runs once without writes and once with them; the writes also run once
alone. Reported: the readers' throughput and p50/p95/p99, the writes' own latency and
status counts, the data versions seen. Results: var/bench/mixed-<scale>.json (printed)."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import driver
from bench.__main__ import ROOT, log, prepare_dataset
from bench.run import _users, business_today, reset_writes
from bench.scenarios import Context, build_inspections, prepare_pending_review
from bench.service import Service

READERS = {
    "dashboard_and_stats": ["/api/v1/dashboard", "/api/v1/stats/hazards?group_by=village"],
    "compliance": ["/api/v1/compliance"],
    "targets": ["/api/v1/targets"],
}


def _percentiles(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    v = sorted(values)

    def q(f: float) -> float:
        return round(v[min(len(v) - 1, int(f * len(v)))], 1)

    return {"n": len(v), "p50_ms": q(0.5), "p95_ms": q(0.95), "p99_ms": q(0.99), "max_ms": round(v[-1], 1),
            "mean_ms": round(statistics.fmean(v), 1)}


class Writer:
    """Inspections at `inspections_per_s` and reviews at `reviews_per_s`, on schedule."""

    def __init__(self, ctx: Context, bodies: list[str], review_ids: list[str], inspections_per_s: float,
                 reviews_per_s: float) -> None:
        self.ctx, self.bodies, self.review_ids = ctx, bodies, review_ids
        self.rates = {"inspection": inspections_per_s, "review": reviews_per_s}
        self.latencies: dict[str, list[float]] = {"inspection": [], "review": []}
        self.statuses: dict[str, dict[str, int]] = {"inspection": {}, "review": {}}
        self.sent = {"inspection": 0, "review": 0}

    async def _one(self, client: httpx.AsyncClient, kind: str, i: int) -> None:
        headers = self.ctx.headers("bench_admin", json_body=True)
        if kind == "inspection":
            headers["Idempotency-Key"] = f"mixed-{self.ctx.run_id}-{i}"
            path, body = "/api/v1/inspections", self.bodies[i % len(self.bodies)]
        else:
            path, body = f"/api/v1/hazards/{self.review_ids[i]}/review", '{"decision": "approve", "comment": "同意销号"}'
        t0 = time.perf_counter()
        try:
            r = await client.post(path, headers=headers, content=body.encode())
            status = str(r.status_code)
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        self.latencies[kind].append((time.perf_counter() - t0) * 1000)
        self.statuses[kind][status] = self.statuses[kind].get(status, 0) + 1

    async def run(self, duration: float) -> None:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
        async with httpx.AsyncClient(base_url=self.ctx.base_url, timeout=60, limits=limits) as client:
            start = time.perf_counter()
            tasks: list[asyncio.Task[None]] = []

            async def schedule(kind: str) -> None:
                rate = self.rates[kind]
                if rate <= 0:
                    return
                i = 0
                while True:
                    due = start + i / rate
                    if due - start >= duration or (kind == "review" and i >= len(self.review_ids)):
                        return
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                    tasks.append(asyncio.create_task(self._one(client, kind, i)))
                    self.sent[kind] += 1
                    i += 1

            await asyncio.gather(schedule("inspection"), schedule("review"))
            await asyncio.gather(*tasks)

    def summary(self) -> dict[str, Any]:
        return {k: {"rate_per_s": self.rates[k], "sent": self.sent[k], "statuses": self.statuses[k],
                    **_percentiles(self.latencies[k])} for k in self.rates}


async def _versions(ctx: Context, path: str) -> str | None:
    async with httpx.AsyncClient(base_url=ctx.base_url, timeout=60) as client:
        r = await client.get(path, headers=ctx.headers("bench_admin"))
        return r.headers.get("Data-Version")


async def run_mixed(args: argparse.Namespace) -> dict[str, Any]:
    from bench.db import locate_server

    server = await locate_server(ROOT)
    try:
        args.seed = getattr(args, "seed", None) or __import__("bench.dataset", fromlist=["DEFAULT_SEED"]).DEFAULT_SEED
        meta = await prepare_dataset(args, server)
        url = server.bench_url
        await reset_writes(url, meta, log)
        service = Service(ROOT, url, workers=2)
        await service.start()
        conn = await asyncpg.connect(url)
        workdir = ROOT / "var" / "bench"
        workdir.mkdir(parents=True, exist_ok=True)
        use_wrk = driver.wrk_path() is not None
        run = driver.run_wrk if use_wrk else driver.run_python
        out: dict[str, Any] = {"scale": args.scale, "duration_s": args.duration, "driver": "wrk" if use_wrk else "python",
                               "counts": meta.get("counts"), "runs": {}}
        try:
            users = await _users(conn)
            ctx = Context(url=url, conn=conn, base_url=service.base_url, today=business_today(), users=users,
                          tokens=service.tokens(users), scale=args.scale, seed=args.seed,
                          run_id=time.strftime("%Y%m%d%H%M%S"), duration=args.duration, max_requests=10**7)
            built = await build_inspections(ctx)
            bodies = (await built.load("mixed")).bodies or []

            async def writer(ids_needed: int) -> Writer:
                ids = await prepare_pending_review(ctx, ids_needed)
                return Writer(ctx, bodies, ids, args.inspections_per_s, args.reviews_per_s)

            w = await writer(int(args.duration * args.reviews_per_s) + 5)
            log(f"writes alone: {args.inspections_per_s}/s inspections, {args.reviews_per_s}/s reviews")
            await w.run(args.duration)
            out["runs"]["writes_alone"] = {"writes": w.summary()}
            if args.writes_only:
                return out
            for name, paths in READERS.items():
                load = driver.HttpLoad("GET", paths, ctx.headers("bench_admin"))
                for with_writes in (False, True):
                    key = f"{name}_{'with' if with_writes else 'without'}_writes"
                    log(f"{key}: 16 connections, {args.duration:g} s")
                    before = await _versions(ctx, paths[0])
                    w = await writer(int(args.duration * args.reviews_per_s) + 5) if with_writes else None
                    reads = run(service.base_url, load, connections=16, duration=args.duration, max_requests=10**7,
                                threads=2, workdir=workdir, timeout_s=max(60, int(args.duration)))
                    if w is not None:
                        res, _ = await asyncio.gather(reads, w.run(args.duration))
                    else:
                        res = await reads
                    after = await _versions(ctx, paths[0])
                    brief = {k: v for k, v in res.brief().items() if k in (
                        "requests", "ok", "rps", "p50_ms", "p95_ms", "p99_ms", "max_ms", "statuses", "errors", "bound")}
                    out["runs"][key] = {"reads": brief, "data_version": {"before": before, "after": after}}
                    if w is not None:
                        out["runs"][key]["writes"] = w.summary()
                    log(f"    reads {brief['rps']} req/s p50 {brief['p50_ms']} p95 {brief['p95_ms']} p99 {brief['p99_ms']} ms"
                        + (f"; inspections p95 {w.summary()['inspection'].get('p95_ms')} ms" if w else ""))
                    await reset_writes(url, meta, log)
        finally:
            service.stop()
            await conn.close()
        return out
    finally:
        server.stop()


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.mixed", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--duration", type=float, default=20.0)
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--inspections-per-s", type=float, default=10.0)
    p.add_argument("--reviews-per-s", type=float, default=2.0)
    p.add_argument("--writes-only", action="store_true")
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()
    result = asyncio.run(run_mixed(args))
    target = args.out or ROOT / "var" / "bench" / f"mixed-{args.scale:g}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
