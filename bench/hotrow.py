"""python -m bench.hotrow [--scale S] [--reuse] [--writers N] [--hold SECONDS] [--rounds R]

Hot rows in the hazard read model: N transactions at once each insert one general hazard
of the same village, sector and source (each a copy of a hazard of another enterprise,
reported, with a fresh random id) and hold their transaction open for HOLD seconds before
rolling back. An insert that shares a counter row with an earlier, still open one waits
for it; with the roll-ups' shards only inserts that drew the same shard do. Reported per
round: each insert's shard and wait, and the round's wall time (N × HOLD if the inserts
serialized on one row, HOLD if none waited). Nothing is left in the data set."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import asyncpg

from bench.__main__ import ROOT, log, prepare_dataset
from bench.dataset import DEFAULT_SEED

COPY = """
WITH n AS (
    INSERT INTO hazard
    SELECT (json_populate_record(NULL::hazard, (to_jsonb(h) || jsonb_build_object(
        'id', gen_random_uuid(), 'status', 'reported', 'deadline', NULL, 'closed_on', NULL))::json)).*
    FROM hazard h WHERE id = $1
    RETURNING id
)
SELECT get_byte(uuid_send(id), 15) & 7 FROM n
"""


async def _insert(url: str, source_id: Any, hold: float) -> tuple[int, float]:
    conn = await asyncpg.connect(url)
    try:
        tr = conn.transaction()
        await tr.start()
        t0 = time.perf_counter()
        shard = await conn.fetchval(COPY, source_id)
        waited = time.perf_counter() - t0
        await asyncio.sleep(hold)
        await tr.rollback()
        return int(shard), round(waited * 1000, 1)
    finally:
        await conn.close()


async def measure(url: str, writers: int, hold: float, rounds: int) -> dict[str, Any]:
    conn = await asyncpg.connect(url)
    try:
        village, sector, source = await conn.fetchrow(
            "SELECT village_id, sector, source FROM hazard WHERE grade = 'general' "
            "GROUP BY 1, 2, 3 ORDER BY count(DISTINCT enterprise_id) DESC LIMIT 1")
        ids = [r[0] for r in await conn.fetch(
            "SELECT DISTINCT ON (enterprise_id) id FROM hazard WHERE village_id = $1 AND sector = $2 AND source = $3 "
            "AND grade = 'general' ORDER BY enterprise_id, id LIMIT $4", village, sector, source, writers)]
    finally:
        await conn.close()
    out: dict[str, Any] = {"writers": len(ids), "hold_ms": hold * 1000, "rounds": []}
    for i in range(rounds + 1):  # the first warms connections and caches
        t0 = time.perf_counter()
        inserts = await asyncio.gather(*(_insert(url, h, hold) for h in ids))
        wall = round((time.perf_counter() - t0) * 1000, 1)
        if i:
            shards = [s for s, _ in inserts]
            out["rounds"].append({
                "wall_ms": wall, "inserts": [{"shard": s, "wait_ms": w} for s, w in sorted(inserts)],
                "waited": sum(1 for _, w in inserts if w >= hold * 500),
                "sharing_a_shard": sum(1 for s in shards if shards.count(s) > 1),
            })
            log(f"  round {i}: wall {wall} ms; (shard, wait ms) {sorted(inserts)}")
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from bench.db import locate_server

    server = await locate_server(ROOT)
    try:
        meta = await prepare_dataset(argparse.Namespace(scale=args.scale, seed=DEFAULT_SEED, reuse=args.reuse), server)
        log(f"{args.writers} inserts at once in one village, each transaction held {args.hold} s")
        return {"scale": args.scale, "counts": meta.get("counts"),
                **await measure(server.bench_url, args.writers, args.hold, args.rounds)}
    finally:
        server.stop()


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.hotrow", description=__doc__)
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--reuse", action="store_true")
    p.add_argument("--writers", type=int, default=8)
    p.add_argument("--hold", type=float, default=0.5)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    results = asyncio.run(run(args))
    out = ROOT / "var" / "bench" / f"hotrow-{args.scale:g}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
