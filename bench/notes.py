"""Where the service spends its time, for the scenarios that miss a target: observations
made on 2026-11-29 with py-spy on one worker, wait-event sampling of pg_stat_activity and
EXPLAIN (ANALYZE, BUFFERS) on the full data set. They describe the code of that day (the
commit in the results); re-check them when the figures move. Included in
docs/performance.md for full runs."""

NOTES: list[str] = [
    "Observed on 2026-11-29 (py-spy on one worker during a 32-connection run, `pg_stat_activity` wait events "
    "sampled every 20 ms, `EXPLAIN (ANALYZE, BUFFERS)`); they describe that day's code — re-check when the figures "
    "move.",
    "",
    "- **Hazard by id** — the database work is ~0.2–0.4 ms (raw: 7,600–9,500 q/s); the rest is Python in the "
    "worker, which is CPU-bound. Of the worker's busy time: ~26 % dispatching plain `def` dependencies "
    "(`get_db`, `get_scope`, `get_now`, `get_today`, `get_session`) to the thread pool — FastAPI runs every "
    "non-async dependency through `run_in_threadpool`, a thread hand-off each (`Queue.put`/`Condition.notify` "
    "under the GIL); ~16 % in asyncpg's `Connection.reset`: the hot-read pool sends `SELECT "
    "pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;` on every release, one more round trip per "
    "request (asyncpg 0.32 takes `create_pool(reset=...)`); ~40 % (inclusive) in `solve_dependencies`; the "
    "`TransactionalRoute` still opens and commits an ORM session for a GET served by the asyncpg reader; the "
    "request id (`secrets.token_hex`) ~5 %. Making the trivial dependencies `async def` (they then run inline) "
    "and skipping the reset query are the two large, cheap items.",
    "- **Hazards by village + status, first page** — the limit is the plan, not the API: PostgreSQL's custom plan "
    "for `WHERE status = $1 AND village_id = $2 ORDER BY id DESC LIMIT 50` walks `pk_hazard` backwards and "
    "filters ~14,800 rows (820 buffers, 4–8 ms) because the newest hazards are seldom closed, while "
    "`ix_hazard_village_id_status_id` answers in 0.36 ms (the generic plan picks it). The raw side pays the same "
    "(~250–340 q/s), and the 200th page (`id < cursor`) is faster than the first. Rewriting the ORDER BY does not "
    "help (the planner drops the constant columns); `plan_cache_mode = force_generic_plan` on the hot-read "
    "pool's connections does — all its statements are simple parameterised lookups.",
    "- **Analytics computed (stats, compliance, dashboard)** — single requests take 1.4–1.9 s (stats: a "
    "sequential scan of the 1,000,000 hazards and a sort for `percentile_cont` that spills to disk with "
    "`work_mem` 4 MB; compliance: the cadence engine's window functions and sorts over 40,000 enterprises, "
    "300,000 inspections and 60,000 drills; the dashboard runs both plus targets). Under 16 or 32 concurrent "
    "misses (what follows a write when many dashboards poll) the two cores are shared: 12–16 s at 16, 23–46 s "
    "at 32. The service's analytics cache answers repeated questions in ~10 ms until the next write. With 16 "
    "concurrent misses per worker the SQLAlchemy pool (16 + 4) runs dry — a computing request holds its "
    "snapshot connection while `cached()` opens a second one (`db.autocommit()`) to store the answer — and "
    "requests fail after the 30 s pool timeout with a 500 (`QueuePool limit of size 16 overflow 4 reached`). "
    "Storing the answer on the request's own connection after the read, or a single-flight per cache key, "
    "would avoid both the exhaustion and the duplicated work.",
    "- **Targets computed** — now 160–210 ms for one request (the `deadline_set_on` column and the covering "
    "index avoid most history lookups), but ~0.7 s at 16 and ~1.7 s at 32 concurrent misses: the 500 ms target "
    "holds for a single user, not under concurrent recomputation.",
    "- **POST /inspections with 3 findings** (and reviews) — before commit 023e22d, wait events during a "
    "32-connection run showed on average 22.7 of 29 active sessions waiting on `pg_advisory_xact_lock` (the "
    "commit-order lock of the event feed and the audit chain, held across round trips to a busy worker). With "
    "the events and audit rows sealed inside COMMIT (023e22d, measured here) that wait is gone (0.4 sessions) "
    "but throughput stayed ~85–95 req/s: now ~21 of 23 active sessions are `idle in transaction` waiting for "
    "their worker — the workers are the limit. One request is 17 statements, ~14 of them sequential round trips "
    "inside the transaction: the enterprise lookup, the inspection, each of the 3 hazards and each of their 3 "
    "history rows inserted separately (the service flushes after every hazard), the idempotency record twice, "
    "the event, the audit row, COMMIT, plus an empty `BEGIN; ROLLBACK;` before the idempotency claim. Inserting "
    "the hazards and their history in one flush each (SQLAlchemy then sends multi-row INSERTs) would halve the "
    "round trips and the ORM work per request.",
    "- **CSV export** now streams `COPY … TO STDOUT`: 140,000–215,000 rows/s end to end (76 % of the same COPY "
    "through asyncpg in the final run); the worker's memory does not grow.",
]
