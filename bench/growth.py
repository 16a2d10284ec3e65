"""python -m bench.growth --scale S [--scale S2 ...] [--repeat N]

The computed cost of each analytics answer (no cache, no HTTP), from the read model and
from the reference computation over the ledger, on the bench data set at each scale: the
median of N sequential computations in one process. Results: var/bench/growth.json."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.__main__ import ROOT, log, prepare_dataset
from bench.dataset import DEFAULT_SEED


async def timed(db: Any, ask: Callable[[Any], Awaitable[Any]], repeat: int) -> dict[str, float]:
    """The median and minimum of `repeat` sequential runs of `ask(session)`, each in a
    transaction of its own, after one that warms the caches (ms)."""
    times = []
    for _ in range(repeat + 1):
        async with db.transaction() as session:
            t0 = time.perf_counter()
            await ask(session)
            times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(times[1:]), 1), "min_ms": round(min(times[1:]), 1)}


async def measure(url: str, repeat: int) -> dict[str, Any]:
    from app.db.repositories import compliance as compliance_repo
    from app.db.repositories.read_model import READ_MODEL, REFERENCE
    from app.db.session import Database
    from app.domain.access import Principal, Scope, ScopeKind
    from app.domain.enums import Role
    from app.services import compliance as service
    from bench.run import business_today

    db = Database.from_url(url, pool_size=1, max_overflow=0)
    scope = Scope(ScopeKind.all)
    admin = Principal(user_id=uuid.uuid4(), username="bench", role=Role.street_admin, org_unit_id=None,
                      enterprise_id=None, lead_sectors=frozenset())
    today = business_today()
    out: dict[str, Any] = {}
    try:
        for source in (READ_MODEL, REFERENCE):
            questions = {
                "dashboard": lambda s, src=source: service.dashboard(s, admin, scope, today, src),
                "stats_by_village": lambda s, src=source: service.hazard_stats(
                    s, scope, group_by="village", today=today, first=None, last=None, grade=None, source=src),
                "compliance": lambda s, src=source: service.enterprise_compliance(
                    s, scope, compliance_repo.ComplianceQuery(as_of=today), src),
                "targets": lambda s, src=source: service.targets(s, scope, today, source=src),
            }
            for name, ask in questions.items():
                out.setdefault(name, {})[source] = await timed(db, ask, repeat)
                log(f"    {source} {name}: {out[name][source]}")
    finally:
        await db.dispose()
    return out


Measure = Callable[[str, int], Awaitable[dict[str, Any]]]


async def run(args: argparse.Namespace, measure_one: Measure, key: str) -> dict[str, Any]:
    """`measure_one(url, repeat)` on the bench data set of each --scale, under `key`."""
    from bench.db import locate_server

    server = await locate_server(ROOT)
    results: dict[str, Any] = {}
    try:
        for scale in args.scale:
            ns = argparse.Namespace(scale=scale, seed=DEFAULT_SEED, reuse=args.reuse)
            meta = await prepare_dataset(ns, server)
            log(f"scale {scale:g}: each figure {args.repeat} times")
            results[f"{scale:g}"] = {"counts": meta.get("counts"), key: await measure_one(server.bench_url, args.repeat)}
    finally:
        server.stop()
    return results


def scaled_cli(prog: str, doc: str | None, measure_one: Measure, key: str, *, repeat: int, out: str) -> int:
    """The command line shared by the computed-cost benches: --scale (repeatable), --repeat,
    --reuse, --out (default var/bench/`out`)."""
    p = argparse.ArgumentParser(prog=prog, description=doc)
    p.add_argument("--scale", type=float, action="append", required=True)
    p.add_argument("--repeat", type=int, default=repeat)
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / out)
    args = p.parse_args()
    results = asyncio.run(run(args, measure_one, key))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


def main() -> int:
    return scaled_cli("python -m bench.growth", __doc__, measure, "answers", repeat=5, out="growth.json")


if __name__ == "__main__":
    raise SystemExit(main())
