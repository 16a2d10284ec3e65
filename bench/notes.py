"""Where the service spends its time, for the scenarios that miss a target: observations
made on 2026-11-29 with py-spy on one worker, wait-event sampling of pg_stat_activity and
EXPLAIN (ANALYZE, BUFFERS) on the full data set. They describe the code of that day (the
commit in the results); re-check them when the figures move. Included in
docs/performance.md for full runs."""

NOTES: list[str] = [
    "Observed on 2026-11-29 on the code of the results above (py-spy on one worker under wrk, CPU time of the "
    "service and of PostgreSQL read from /proc, `EXPLAIN (ANALYZE, BUFFERS)`); re-check when the figures move.",
    "",
    "- **Hazard by id, API / raw SQL (12 %, target 50 %)** — the service clears its own throughput target (≥ 1,800 "
    "req/s), but the raw side, two prepared lookups on a warm connection, reaches ~18,000 q/s; 50 % of it would be "
    "~9,000 req/s on two cores shared with PostgreSQL and the load generator. For scale: a bare FastAPI endpoint "
    "on this machine (no database, no auth, a constant 1 kB body, same uvicorn options) answers 12,000–14,000 "
    "req/s. One worker alone serves ~1,550 req/s with its CPU at 100 %: ~0.65 ms of Python per request, of which "
    "~15 % is asyncpg executing the two statements (the caller, checked on every request so a disabled user is "
    "out at once, and the hazard), ~10 % FastAPI's dependency solving, ~8 % writing the response, ~5 % routing, "
    "~4 % the JSON access log, the rest spread over the middleware stack and the JSON encoder. What was removed "
    "to get here from 610 req/s: thread-pool hand-offs of plain `def` dependencies (now `async def`), asyncpg's "
    "reset query on every release of a read connection, an ORM session opened and committed for GETs that do "
    "not use it, and a second pool acquisition per request (the caller and the data now share one read "
    "connection). Merging the caller and the hazard into one statement would save one more round trip at the "
    "price of a second copy of the scope rule (A1) in SQL; not done.",
    "- **Lists** — the per-value plan for `village_id = $1 AND status = $2 ORDER BY id DESC LIMIT 50` walked "
    "`pk_hazard` backwards and filtered ~14,800 rows for a large village (820 buffers, 6.5 ms); the generic plan "
    "uses `ix_hazard_village_id_status_id` (47 buffers, 0.45 ms). The hot-read pool now plans generically "
    "(`plan_cache_mode = force_generic_plan`): all its statements are keyset pages over indexes that match "
    "their filters. The raw side replays them with the same setting. The 200th page costs what the first does.",
    "- **Statistics and dashboard computed (p95 ≤ 250 ms missed; cached 31 and 38 ms)** — `/stats/hazards?"
    "group_by=village` reads every hazard in scope: for the district that is a sequential scan of 1,000,000 rows "
    "(~350 ms, 38,600 buffers, most from the OS cache since shared_buffers is 128 MB) and a sort for the median "
    "days to close (`percentile_cont`, 44 MB, spilled to disk with work_mem 4 MB), ~0.9–1.2 s in all; raising "
    "work_mem to 64 MB saved ~10 %. The dashboard adds compliance (~0.75 s over 40,000 enterprises, 300,000 "
    "inspections, 60,000 drills) and targets. Under 250 ms for a cold district-wide answer would need "
    "aggregates kept up to date on every write (a summary table maintained in the write path), a trade against "
    "write throughput and a second source of truth that was not made. What the service does instead: the "
    "answer is cached in PostgreSQL, exact (valid for one head of the audit trail, so never stale), shared by "
    "all workers (3–6 ms for one caller, 600–1,000 req/s when many poll), and when pollers miss together after "
    "a write one of them computes while the others wait for its answer (an advisory lock per question), so a "
    "burst of 16 misses costs one computation (~0.9 s p95) instead of 16 in parallel (7 s on the raw side).",
    "- **POST /inspections with 3 findings (204 req/s, target 300)** — one worker alone runs at 100 % CPU at "
    "155–220 req/s: 4.5–6.5 ms of Python per request; PostgreSQL spends ~2.5 ms of CPU on each (one inspection, "
    "three hazards into a table with 11 indexes, three history rows, the idempotency record, the event and "
    "the audit row with its hash chain sealed at COMMIT). On two cores shared with the load generator that "
    "bounds the throughput near 200–250 req/s. In the worker: the ORM flush ~18 %, Core statements through the "
    "session (enterprise lookup, idempotency claim and answer, event, audit) ~13 %, FastAPI's dependency "
    "solving and pydantic validation ~10 %, HTTP the rest. Done: one flush for the inspection, its hazards and "
    "their history (9 statements instead of 17: the hazards and the history rows go as one multi-row INSERT "
    "each, ordered by mapped dependencies), which took one worker from ~155 to ~210 req/s. The next step would "
    "be writing these rows with plain asyncpg on the transaction's connection instead of the ORM unit of work.",
    "- **CSV export** streams `COPY … TO STDOUT` with labels and the formula guard in SQL: ~295,000 rows/s end "
    "to end, 95 % of the same COPY through asyncpg; the worker's memory does not grow.",
]
