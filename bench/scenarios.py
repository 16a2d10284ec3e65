"""The scenarios: what each sends to the API, how its raw-SQL side is made, and its targets.

The raw side replays the statements the service itself sends for the scenario's request,
captured at run time from the app built in-process on the bench database (bench/capture.py),
so "the same SQL" stays true while the service's SQL is being optimised; the exact texts
and parameters of a run are in bench-results.json (`sql`) and docs/performance.md. What each
scenario's statements are (as of this writing):

- hazard_by_id: one indexed fetch by primary key (the hot-read pool, no transaction);
- hazards_village_status(_p200): `WHERE village_id = … AND status = 'closed' [AND id < cursor]
  ORDER BY id DESC LIMIT 50`;
- hazards_department: `WHERE sector = ANY(the department's lead sectors) ORDER BY id DESC LIMIT 50`;
- stats_by_village: one aggregate over all hazards grouped by village (+ the village names);
- compliance: the cadence engine (C1/C2) over the 40,000 enterprises, summary + first page;
- targets: T1–T3 figures over the major hazards, from their history where needed;
- dashboard: targets, listed count, compliance, supervision (C3), per village and per sector;
- export_csv: the ledger join (hazard, enterprise, village, sector) through a server-side
  cursor in a REPEATABLE READ read-only transaction.

Left out of the replay: the principal lookup, transaction control, the analytics cache."""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx

from bench.capture import Stmt
from bench.driver import HttpLoad, RawOp, RunResult

# --------------------------------------------------------------------------- context


@dataclass
class Context:
    url: str
    conn: asyncpg.Connection
    base_url: str
    today: date  # the service's business date (Asia/Shanghai)
    users: dict[str, tuple[uuid.UUID, str]]
    tokens: dict[str, str]
    scale: float
    seed: int
    run_id: str
    duration: float
    max_requests: int
    shared: dict[str, Any] = field(default_factory=dict)

    def headers(self, user: str, json_body: bool = False) -> dict[str, str]:
        h = {"Authorization": f"Bearer {self.tokens[user]}", "Accept": "application/json"}
        if json_body:
            h["Content-Type"] = "application/json"
        return h

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"{self.seed}:{stream}")


@dataclass
class Built:
    """A scenario ready to run: a fresh load per run (writes need new ids and keys), the
    request whose SQL the raw side replays (`capture_path`; `vary` swaps a sample value
    for each request's own), the sequential path (latency targets), checks after writes."""

    load: Callable[[str], Awaitable[HttpLoad]]
    user: str = "bench_admin"
    capture_path: str | None = None
    vary: tuple[Any, list[Any]] | None = None
    sequential_path: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    verify: Callable[[str, RunResult], Awaitable[dict[str, Any]]] | None = None


def _vary(args: tuple[Any, ...], vary: tuple[Any, list[Any]] | None, i: int) -> tuple[Any, ...]:
    if vary is None:
        return args
    sample, values = vary
    value = values[i % len(values)]
    return tuple(value if a == sample else a for a in args)


async def run_statement(conn: asyncpg.Connection, st: Stmt, args: tuple[Any, ...]) -> int:
    """Run one captured statement as the service did; returns the rows it produced."""
    if st.method == "copy":
        lines = 0

        async def sink(chunk: bytes) -> None:
            nonlocal lines
            lines += bytes(chunk).count(b"\n")

        await conn.copy_from_query(st.sql, *args, output=sink, **st.options)
        return lines - (1 if st.options.get("header") else 0)
    if st.method == "cursor":  # a server-side cursor needs a transaction
        n = 0
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            async for _row in conn.cursor(st.sql, *args, prefetch=500):
                n += 1
        return n
    return len(await conn.fetch(st.sql, *args))


def replay(statements: list[Stmt], vary: tuple[Any, list[Any]] | None = None) -> RawOp:
    """The captured statements of one request, run in order, every row fetched (or
    copied); returns the most rows one of them produced (an export's)."""

    async def op(conn: asyncpg.Connection, i: int) -> int:
        rows = 0
        for st in statements:
            rows = max(rows, await run_statement(conn, st, _vary(st.args, vary, i)))
        return rows

    return op


@dataclass
class Target:
    label: str
    check: Callable[[dict[str, Any], dict[str, dict[str, Any]]], tuple[float | None, bool | None]]


def dig(d: dict[str, Any] | None, *keys: str) -> Any:
    """d[k1][k2]…, or None where a level is missing (results are sparse: a failed run has none)."""
    for k in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(k)
    return d


def at_least(label: str, value: float, *path: str) -> Target:
    def check(r: dict[str, Any], _all: dict[str, dict[str, Any]]) -> tuple[float | None, bool | None]:
        v = dig(r, *path)
        return v, (None if v is None else v >= value)

    return Target(label, check)


def at_most(label: str, value: float, *path: str) -> Target:
    def check(r: dict[str, Any], _all: dict[str, dict[str, Any]]) -> tuple[float | None, bool | None]:
        v = dig(r, *path)
        return v, (None if v is None else v <= value)

    return Target(label, check)


@dataclass
class Scenario:
    name: str
    title: str
    request: str
    user: str
    kind: str  # 'read' | 'write' | 'export'
    build: Callable[[Context], Awaitable[Built]]
    targets: list[Target] = field(default_factory=list)
    sequential: bool = False  # the target is a latency: also sequential requests
    cached: bool = False  # an analytics answer the service caches until the next write


# --------------------------------------------------------------------------- builders


def _get_load(paths: list[str], headers: dict[str, str]) -> Callable[[str], Awaitable[HttpLoad]]:
    async def load(_run: str) -> HttpLoad:
        return HttpLoad("GET", paths, headers)

    return load


GENERATED_BEFORE = datetime(2026, 11, 29, tzinfo=timezone(timedelta(hours=8)))


async def build_hazard_by_id(ctx: Context) -> Built:
    rows = await ctx.conn.fetch(
        "SELECT id FROM hazard WHERE created_at < $1 AND (hashtext(id::text) & 1023) < 24 ORDER BY id", GENERATED_BEFORE
    )
    ids = [r["id"] for r in rows]
    ctx.rng("by-id").shuffle(ids)
    ids = ids[:20_000]
    return Built(
        _get_load([f"/api/v1/hazards/{i}" for i in ids], ctx.headers("bench_admin")),
        capture_path=f"/api/v1/hazards/{ids[0]}", vary=(ids[0], ids), info={"distinct_ids": len(ids)},
    )


async def _largest_village(ctx: Context) -> tuple[uuid.UUID, int]:
    if "village" not in ctx.shared:
        row = await ctx.conn.fetchrow(
            "SELECT village_id, count(*) AS n FROM hazard WHERE status = 'closed' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )
        ctx.shared["village"] = (row["village_id"], row["n"])
    return ctx.shared["village"]


async def build_village_status(ctx: Context) -> Built:
    village, n = await _largest_village(ctx)
    path = "/api/v1/hazards?" + urlencode({"village_id": str(village), "status": "closed", "limit": 50})
    return Built(_get_load([path], ctx.headers("bench_admin")), capture_path=path,
                 info={"village_id": str(village), "matching_rows": n})


async def build_village_status_page200(ctx: Context) -> Built:
    """Walk the cursor once (as a client would) to the 200th page, then hammer that URL."""
    village, n = await _largest_village(ctx)
    base = "/api/v1/hazards?" + urlencode({"village_id": str(village), "status": "closed", "limit": 50})
    want = 200
    cursor, page = None, 1
    headers = ctx.headers("bench_admin")
    async with httpx.AsyncClient(base_url=ctx.base_url, timeout=60) as client:
        while page < want:
            r = await client.get(base + (f"&cursor={cursor}" if cursor else ""), headers=headers)
            r.raise_for_status()
            body = r.json()
            if not body["next_cursor"]:
                break
            cursor, page = body["next_cursor"], page + 1
    if cursor is None:
        raise RuntimeError("the village has a single page of closed hazards; use a larger --scale")
    path = f"{base}&cursor={cursor}"
    return Built(_get_load([path], headers), capture_path=path,
                 info={"page": page, "village_id": str(village), "matching_rows": n})


async def build_department(ctx: Context) -> Built:
    sectors = [r["code"] for r in await ctx.conn.fetch(
        "SELECT s.code FROM sector s JOIN org_unit u ON u.id = s.lead_department_id "
        "WHERE u.code = 'housing_construction' ORDER BY s.code"
    )]
    path = "/api/v1/hazards?limit=50"
    return Built(_get_load([path], ctx.headers("bench_zhujian")), user="bench_zhujian", capture_path=path,
                 info={"sectors": sectors})


def _analytics(path: str) -> Callable[[Context], Awaitable[Built]]:
    async def build(ctx: Context) -> Built:
        return Built(_get_load([path], ctx.headers("bench_admin")), capture_path=path, sequential_path=path)

    return build


async def export_from(ctx: Context) -> tuple[date, int]:
    """The discovery date from which ~100,000 hazards (scaled) are exported."""
    want = max(1000, round(100_000 * ctx.scale))
    first = await ctx.conn.fetchval(
        "SELECT discovered_on FROM hazard ORDER BY discovered_on DESC OFFSET $1 LIMIT 1", want - 1
    )
    rows = await ctx.conn.fetchval("SELECT count(*) FROM hazard WHERE discovered_on >= $1", first)
    return first, rows


async def build_export(ctx: Context) -> Built:
    first, rows = await export_from(ctx)
    path = "/api/v1/hazards/export?" + urlencode({"format": "csv", "discovered_from": first.isoformat()})
    return Built(_get_load([path], ctx.headers("bench_admin")), capture_path=path, sequential_path=path,
                 info={"discovered_from": first.isoformat(), "rows": rows})


async def build_inspections(ctx: Context) -> Built:
    """POST /inspections with 3 findings (general, with a deadline), as street_admin, each
    with a distinct Idempotency-Key; afterwards the rows are counted in SQL."""
    rows = await ctx.conn.fetch(
        "SELECT id FROM enterprise WHERE status = 'active' AND (hashtext(id::text) & 15) = 0 ORDER BY id LIMIT 2000"
    )
    ids = [str(r["id"]) for r in rows]
    deadline = (ctx.today + timedelta(days=30)).isoformat()
    import json

    bodies = [
        json.dumps({
            "enterprise_id": eid, "kind": "supervision", "performed_on": ctx.today.isoformat(),
            "led_by_principal": False, "inspector": "督导组", "notes": "基准测试：督导检查",
            "findings": [
                {"grade": "general", "title": "疏散通道堆放杂物", "deadline": deadline, "location": "仓库"},
                {"grade": "general", "title": "灭火器压力不足", "deadline": deadline},
                {"grade": "general", "title": "电气线路私拉乱接", "deadline": deadline, "description": "配电箱周边"},
            ],
        }, ensure_ascii=False)
        for eid in ids
    ]
    before: dict[str, Any] = {}

    async def load(run: str) -> HttpLoad:
        before[run] = await ctx.conn.fetchrow(
            "SELECT now() AS t0, (SELECT count(*) FROM inspection) AS inspections, (SELECT count(*) FROM hazard) AS hazards"
        )
        return HttpLoad("POST", ["/api/v1/inspections"], ctx.headers("bench_admin", json_body=True), bodies=bodies,
                        idempotency_prefix=f"bench-{ctx.run_id}-{run}-", collect_locations=True)

    async def verify(run: str, result: RunResult) -> dict[str, Any]:
        b0 = before[run]
        prefix = f"bench-{ctx.run_id}-{run}-"
        row = await ctx.conn.fetchrow(
            """
            WITH new AS (SELECT id FROM inspection WHERE created_at >= $1)
            SELECT (SELECT count(*) FROM inspection) - $2 AS inspections_grown,
                   (SELECT count(*) FROM hazard) - $3 AS hazards_grown,
                   (SELECT count(*) FROM new) AS inspections_new,
                   (SELECT count(*) FROM hazard h JOIN new ON new.id = h.inspection_id) AS hazards_of_new,
                   (SELECT count(*) FROM new WHERE (SELECT count(*) FROM hazard h WHERE h.inspection_id = new.id) <> 3)
                       AS inspections_without_3_hazards,
                   (SELECT count(*) FROM idempotency_record WHERE key LIKE $4 AND status_code = 201) AS committed_keys
            """,
            b0["t0"], b0["inspections"], b0["hazards"], prefix + "%",
        )
        acked = [loc.rsplit("/", 1)[-1] for loc in result.locations]
        found = 0
        if acked:
            found = await ctx.conn.fetchval("SELECT count(*) FROM inspection WHERE id = ANY($1::uuid[])", acked)
        out = dict(row)
        out.update({
            "client_2xx": result.ok,
            "client_acknowledged_ids": len(acked),
            "acknowledged_but_missing": len(acked) - found,  # lost rows
            "duplicated": out["inspections_grown"] - out["committed_keys"],
            "in_flight_at_stop": out["committed_keys"] - len(acked),  # committed, answer not awaited by the client
        })
        out["consistent"] = (
            out["acknowledged_but_missing"] == 0 and out["duplicated"] == 0
            and out["inspections_without_3_hazards"] == 0 and out["hazards_grown"] == 3 * out["inspections_grown"]
            and out["in_flight_at_stop"] >= 0
        )
        return out

    return Built(load, info={"enterprises": len(ids)}, verify=verify)


async def prepare_pending_review(ctx: Context, count: int) -> list[str]:
    """`count` fresh hazards in `pending_review` (create -> plan -> submit in their history),
    so that every review request signs off a different one. Removed after the run."""
    from bench.dataset import uuid7 as det_uuid7

    rng = ctx.rng(f"review-{ctx.run_id}-{count}-{len(ctx.shared)}")
    ctx.shared[f"review-{len(ctx.shared)}"] = True
    ents = await ctx.conn.fetch(
        "SELECT id, village_id, sector FROM enterprise WHERE status = 'active' AND (hashtext(id::text) & 7) = 1 ORDER BY id"
    )
    admin = ctx.users["bench_admin"][0]
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    today = ctx.today
    disc, plan, sub, dl = today - timedelta(days=20), today - timedelta(days=15), today - timedelta(days=2), today + timedelta(days=30)
    hazards, history, ids = [], [], []
    now = datetime.now(UTC)
    for i in range(count):
        e = ents[rng.randrange(len(ents))]
        hid = uuid.UUID(det_uuid7(now_ms + i // 50, rng))
        ids.append(str(hid))
        hazards.append((hid, e["id"], e["village_id"], e["sector"], "general", "supervision", "疏散通道堆放杂物", disc,
                        "pending_review", sub, dl, 0, "李明", "清理通道", "已整改完毕", False, admin, 3, now, now))
        for action, frm, to, eff, dline in (("create", None, "reported", disc, None), ("plan", "reported", "rectifying", plan, dl),
                                            ("submit", "rectifying", "pending_review", sub, None)):
            history.append((hid, now, eff, admin, "street_admin", action, frm, to, dline))
    columns = ["id", "enterprise_id", "village_id", "sector", "grade", "source", "title", "discovered_on", "status",
               "status_effective_on", "deadline", "extensions", "responsible_person", "measures", "evidence", "listed",
               "created_by", "version", "created_at", "updated_at"]
    if await ctx.conn.fetchval(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'hazard' AND column_name = 'deadline_set_on'"
    ):
        columns.append("deadline_set_on")  # migration 0006: the date the current deadline was set
        hazards = [h + (plan,) for h in hazards]
    await ctx.conn.copy_records_to_table("hazard", records=hazards, columns=columns)
    await ctx.conn.copy_records_to_table(
        "hazard_history", records=history,
        columns=["hazard_id", "at", "effective_on", "actor_id", "actor_role", "action", "from_status", "to_status", "deadline"],
    )
    return ids


async def build_review(ctx: Context) -> Built:
    """POST /hazards/{id}/review approve by street_admin, each request on another
    pending_review hazard prepared for the run (the run ends when they are used up)."""
    per_run = max(500, min(ctx.max_requests, int(ctx.duration * 600)))
    prepared: dict[str, list[str]] = {}

    async def load(run: str) -> HttpLoad:
        ids = await prepare_pending_review(ctx, per_run)
        prepared[run] = ids
        return HttpLoad("POST", [f"/api/v1/hazards/{i}/review" for i in ids], ctx.headers("bench_admin", json_body=True),
                        bodies=['{"decision": "approve", "comment": "同意销号"}'], each_path_once=True)

    async def verify(run: str, result: RunResult) -> dict[str, Any]:
        ids = prepared[run]
        row = await ctx.conn.fetchrow(
            """
            SELECT count(*) FILTER (WHERE status = 'closed') AS closed,
                   count(*) FILTER (WHERE status = 'pending_review') AS still_pending,
                   (SELECT count(*) FROM hazard_history x WHERE x.hazard_id = ANY($1::uuid[]) AND x.action = 'approve') AS approve_rows
            FROM hazard WHERE id = ANY($1::uuid[])
            """,
            ids,
        )
        out = dict(row)
        out.update({"prepared": len(ids), "client_2xx": result.ok})
        out["consistent"] = out["closed"] == out["approve_rows"] and out["closed"] >= result.ok
        return out

    return Built(load, info={"prepared_per_run": per_run}, verify=verify)


# --------------------------------------------------------------------------- the list


def _ratio_at_least(label: str, value: float) -> Target:
    return at_least(label, value, "ratio")


def _page200_vs_first(r: dict[str, Any], all_results: dict[str, dict[str, Any]]) -> tuple[float | None, bool | None]:
    first = dig(all_results.get("hazards_village_status"), "api", "c16", "p50_ms")
    mine = dig(r, "api", "c16", "p50_ms")
    if not first or mine is None:
        return None, None
    ratio = round(mine / first, 2)
    return ratio, ratio <= 1.2


SCENARIOS: list[Scenario] = [
    Scenario(
        "hazard_by_id", "Hazard by id", "GET /api/v1/hazards/{id}", "street_admin", "read", build_hazard_by_id,
        [at_least("throughput at 32 connections ≥ 1,800 req/s", 1800, "rps"), _ratio_at_least("API ≥ 50 % of raw SQL", 0.5)],
    ),
    Scenario(
        "hazards_village_status", "Hazards by village + status, first page (50)",
        "GET /api/v1/hazards?village_id=…&status=closed&limit=50", "street_admin", "read", build_village_status,
        [at_least("throughput at 32 connections ≥ 800 req/s", 800, "rps"),
         at_most("p95 at 16 connections ≤ 40 ms", 40, "p95_ms"), _ratio_at_least("API ≥ 30 % of raw SQL", 0.3)],
    ),
    Scenario(
        "hazards_village_status_p200", "Same list, 200th page by cursor",
        "GET /api/v1/hazards?village_id=…&status=closed&limit=50&cursor=…", "street_admin", "read",
        build_village_status_page200,
        [Target("p50 at 16 connections within 1.2× the first page's", _page200_vs_first),
         _ratio_at_least("API ≥ 30 % of raw SQL", 0.3)],
    ),
    Scenario(
        "hazards_department", "Hazards of a department officer (sector scope), first page",
        "GET /api/v1/hazards?limit=50 as 住建所 (gas, construction, self_built_housing)", "department_officer", "read",
        build_department, [_ratio_at_least("API ≥ 30 % of raw SQL", 0.3)],
    ),
    Scenario(
        "stats_by_village", "Hazard statistics by village", "GET /api/v1/stats/hazards?group_by=village", "street_admin",
        "read", _analytics("/api/v1/stats/hazards?group_by=village"),
        [at_most("p95 at 16 connections ≤ 250 ms", 250, "p95_ms")], sequential=True, cached=True,
    ),
    Scenario(
        "compliance", "Cadence compliance C1/C2, whole district (first page, summary over all)",
        "GET /api/v1/compliance", "street_admin", "read", _analytics("/api/v1/compliance"),
        [at_most("p95 at 16 connections ≤ 2 s", 2000, "p95_ms")], sequential=True, cached=True,
    ),
    Scenario(
        "targets", "Year-end targets T1–T3", "GET /api/v1/targets", "street_admin", "read", _analytics("/api/v1/targets"),
        [at_most("p95 at 16 connections ≤ 500 ms", 500, "p95_ms")], sequential=True, cached=True,
    ),
    Scenario(
        "dashboard", "Dashboard", "GET /api/v1/dashboard", "street_admin", "read", _analytics("/api/v1/dashboard"),
        [at_most("p95 at 16 connections ≤ 250 ms", 250, "p95_ms")], sequential=True, cached=True,
    ),
    Scenario(
        "export_csv", "CSV export of ~100,000 hazards", "GET /api/v1/hazards/export?format=csv&discovered_from=…",
        "street_admin", "export", build_export,
        [at_least("≥ 50,000 rows/s", 50_000, "export", "rows_per_s"),
         at_most("≤ 100 MiB memory growth of the serving worker", 100, "export", "memory_growth_mib")],
    ),
    Scenario(
        "inspection_create", "Record an inspection with 3 findings", "POST /api/v1/inspections", "street_admin", "write",
        build_inspections,
        [at_least("throughput at 32 connections ≥ 300 req/s", 300, "rps"),
         Target("no lost or duplicated rows", lambda r, _a: (None, dig(r, "checks_consistent")))],
    ),
    Scenario(
        "hazard_review", "Review (approve) a pending hazard", "POST /api/v1/hazards/{id}/review", "street_admin", "write",
        build_review,
        [Target("every 2xx closed its hazard, with its history row", lambda r, _a: (None, dig(r, "checks_consistent")))],
    ),
]
SCENARIO_NAMES = [s.name for s in SCENARIOS]
BY_NAME = {s.name: s for s in SCENARIOS}
CACHED_SUFFIX = "_cached"


def scenario_of(result_name: str) -> Scenario:
    """The scenario of a result row (`dashboard_cached` is the dashboard served from the cache)."""
    return BY_NAME[result_name.removesuffix(CACHED_SUFFIX)]
