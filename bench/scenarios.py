"""The scenarios: what each sends to the API, the SQL the same answer costs when run through
asyncpg directly (same filters, same LIMIT, the caller's scope included), and its targets.

The SQL texts below are what the service sends (as SQLAlchemy renders it, or the
hand-written statements of app/db/repositories); the long cadence and target statements are
composed from the service's own SQL constants (app.db.repositories.compliance.CADENCE_CTES,
app.db.repositories.targets.TARGETS_SQL) so that the raw side follows the service when that
SQL changes. `python -m bench --print-sql` prints them all. What the raw side does not
include: the service's per-request principal lookup (one indexed query), the transaction
(BEGIN/COMMIT), validation and JSON encoding — that is the overhead the ratio shows."""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx

from bench.driver import HttpLoad, RawOp, RunResult, Statement, statements_op

# --------------------------------------------------------------------------- SQL texts

HAZARD_COLUMNS = (
    "hazard.id, hazard.enterprise_id, hazard.village_id, hazard.sector, hazard.grade, hazard.source, hazard.title, "
    "hazard.description, hazard.criterion_ref, hazard.location, hazard.discovered_on, hazard.status, "
    "hazard.status_effective_on, hazard.deadline, hazard.extensions, hazard.responsible_person, hazard.measures, "
    "hazard.funds, hazard.contingency_plan, hazard.evidence, hazard.listed, hazard.notified_at, hazard.closed_on, "
    "hazard.inspection_id, hazard.report_id, hazard.supervision_task_id, hazard.created_by, hazard.version, "
    "hazard.created_at, hazard.updated_at"
)

# GET /hazards/{id} as street_admin (scope: all)
SQL_HAZARD_BY_ID = f"SELECT {HAZARD_COLUMNS} FROM hazard WHERE hazard.id = $1::UUID"

# GET /hazards?village_id=&status=&limit=50, first page and a page after a cursor
SQL_HAZARDS_VILLAGE_STATUS = (
    f"SELECT {HAZARD_COLUMNS} FROM hazard WHERE hazard.status = $1::VARCHAR AND hazard.village_id = $2::UUID "
    "ORDER BY hazard.id DESC LIMIT $3::INTEGER"
)
SQL_HAZARDS_VILLAGE_STATUS_AFTER = (
    f"SELECT {HAZARD_COLUMNS} FROM hazard WHERE hazard.status = $1::VARCHAR AND hazard.village_id = $2::UUID "
    "AND hazard.id < $3::UUID ORDER BY hazard.id DESC LIMIT $4::INTEGER"
)

# GET /hazards?limit=50 as a department officer (A1: the sectors its department leads)
SQL_HAZARDS_SECTORS = (
    f"SELECT {HAZARD_COLUMNS} FROM hazard WHERE hazard.sector IN ($2::VARCHAR, $3::VARCHAR, $4::VARCHAR) "
    "ORDER BY hazard.id DESC LIMIT $1::INTEGER"
)

# GET /stats/hazards?group_by=village (app/db/repositories/stats.py), then the labels
SQL_STATS_BY_VILLAGE = """
SELECT hazard.village_id AS key, count(*) AS total,
       count(*) FILTER (WHERE hazard.status IN ('reported', 'rectifying', 'pending_review')) AS open,
       count(*) FILTER (WHERE hazard.status IN ('reported', 'rectifying', 'pending_review') AND hazard.deadline < $1::DATE) AS overdue,
       count(*) FILTER (WHERE hazard.status = 'closed') AS closed,
       count(*) FILTER (WHERE hazard.status = 'void') AS void,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(hazard.closed_on - hazard.discovered_on AS INTEGER))
           FILTER (WHERE hazard.status = 'closed') AS median_days
FROM hazard GROUP BY hazard.village_id ORDER BY hazard.village_id
"""
SQL_VILLAGE_LABELS = "SELECT org_unit.id, org_unit.name FROM org_unit WHERE org_unit.id = ANY($1::UUID[])"
SQL_SECTOR_LABELS = "SELECT sector.code, sector.name FROM sector WHERE sector.code = ANY($1::VARCHAR[])"

# GET /dashboard: listed major hazards, and C3 (app/services/compliance.py)
SQL_LISTED_MAJOR = "SELECT count(*) AS count_1 FROM hazard WHERE hazard.listed AND hazard.grade = $1::VARCHAR"
SQL_C3 = """
SELECT u.id, u.name, u.kind,
       coalesce(array_agg(t.completed_on ORDER BY t.completed_on) FILTER (WHERE t.id IS NOT NULL), '{}') AS done_on
FROM org_unit u
LEFT JOIN supervision_task t
  ON t.target_org_unit_id = u.id AND t.kind = 'supervision_round' AND t.status = 'accepted'
 AND t.completed_on <= :as_of
WHERE u.kind IN ('village', 'department') AND (CAST(:unit AS uuid) IS NULL OR u.id = CAST(:unit AS uuid))
  AND (CAST(:kind AS varchar) IS NULL OR u.kind = CAST(:kind AS varchar))
GROUP BY u.id, u.name, u.kind
ORDER BY u.kind, u.name, u.id
"""

# GET /hazards/export?format=csv&discovered_from= (app/api/exports.py): streamed by a
# server-side cursor in a REPEATABLE READ read-only transaction
SQL_EXPORT = """
SELECT hazard.id, hazard.title, enterprise.name AS enterprise_name, enterprise.credit_code,
       org_unit.name AS village_name, sector.name AS sector_name, hazard.grade, hazard.source, hazard.discovered_on,
       hazard.deadline, hazard.status, hazard.extensions, hazard.listed, hazard.responsible_person, hazard.closed_on
FROM hazard JOIN enterprise ON enterprise.id = hazard.enterprise_id JOIN org_unit ON org_unit.id = hazard.village_id
     JOIN sector ON sector.code = hazard.sector
WHERE hazard.discovered_on >= $1::DATE ORDER BY hazard.id DESC
"""


def _summary_sql(o: str) -> str:
    return f"""json_build_object(
        'applicable', count(*) FILTER (WHERE {o}_m IS NOT NULL),
        'done', count(*) FILTER (WHERE {o}_m IS NOT NULL AND {o}_done),
        'due', count(*) FILTER (WHERE {o}_m IS NOT NULL AND NOT {o}_done),
        'not_applicable', count(*) FILTER (WHERE {o}_m IS NULL),
        'with_missed', count(*) FILTER (WHERE {o}_missed > 0),
        'missed_periods', coalesce(sum({o}_missed), 0))"""


def sql_compliance_page() -> str:
    """GET /compliance (whole district, first page of 50): summary + page in one statement."""
    from app.db.repositories.compliance import CADENCE_CTES

    return f"""
    WITH {CADENCE_CTES.replace("{scope}", "TRUE")}
    SELECT
      (SELECT json_build_object('principal_inspection', {_summary_sql('c1')}, 'drill', {_summary_sql('c2')},
                                'enterprises', count(*)) FROM res) AS summary,
      (SELECT coalesce(json_agg(r ORDER BY r.id), '[]'::json) FROM (
          SELECT * FROM res WHERE TRUE ORDER BY id LIMIT :limit) r) AS items
    """


def sql_compliance_by_group(group: str) -> str:
    from app.db.repositories.compliance import CADENCE_CTES

    return f"""
    WITH {CADENCE_CTES.replace("{scope}", "TRUE")}
    SELECT {group} AS key,
           count(*) FILTER (WHERE c1_m IS NOT NULL) AS c1_applicable,
           count(*) FILTER (WHERE c1_m IS NOT NULL AND c1_done) AS c1_done,
           count(*) FILTER (WHERE c1_missed > 0) AS c1_with_missed,
           count(*) FILTER (WHERE c2_m IS NOT NULL) AS c2_applicable,
           count(*) FILTER (WHERE c2_m IS NOT NULL AND c2_done) AS c2_done,
           count(*) FILTER (WHERE c2_missed > 0) AS c2_with_missed
    FROM res GROUP BY {group} ORDER BY {group}
    """


def sql_targets(group: str | None = None) -> str:
    """GET /targets: T1-T3 figures from history (app/db/repositories/targets.py)."""
    from app.db.repositories.targets import TARGETS_SQL

    sql = TARGETS_SQL.replace("{where}", "TRUE")
    if group:
        return sql.replace("{group_key}", f"{group} AS key,").replace("{group_by}", f"GROUP BY {group} ORDER BY {group}")
    return sql.replace("{group_key}", "").replace("{group_by}", "")


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def to_dollar(sql: str, params: dict[str, Any]) -> Statement:
    """SQLAlchemy-style :name parameters to asyncpg's $n (what the asyncpg dialect does)."""
    order: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    text = _NAMED.sub(sub, sql)
    return text, tuple(params[n] for n in order)


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
    """A scenario ready to run: a fresh load per run (writes need new ids and keys), the raw
    operation (reads), the sequential path (latency targets), and checks after a write run."""

    load: Callable[[str], Awaitable[HttpLoad]]
    raw: RawOp | None = None
    sequential_path: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    verify: Callable[[str, RunResult], Awaitable[dict[str, Any]]] | None = None


@dataclass
class Target:
    label: str
    check: Callable[[dict[str, Any], dict[str, dict[str, Any]]], tuple[float | None, bool | None]]


def _get(d: dict[str, Any] | None, *keys: str) -> Any:
    for k in keys:
        if d is None:
            return None
        d = d.get(k)
    return d


def at_least(label: str, value: float, *path: str) -> Target:
    def check(r: dict[str, Any], _all: dict[str, dict[str, Any]]) -> tuple[float | None, bool | None]:
        v = _get(r, *path)
        return v, (None if v is None else v >= value)

    return Target(label, check)


def at_most(label: str, value: float, *path: str) -> Target:
    def check(r: dict[str, Any], _all: dict[str, dict[str, Any]]) -> tuple[float | None, bool | None]:
        v = _get(r, *path)
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
    sql: Callable[[], list[str]]
    targets: list[Target] = field(default_factory=list)
    sequential: bool = False  # the target is a latency: also sequential requests


# --------------------------------------------------------------------------- builders


def _get_load(paths: list[str], headers: dict[str, str]) -> Callable[[str], Awaitable[HttpLoad]]:
    async def load(_run: str) -> HttpLoad:
        return HttpLoad("GET", paths, headers)

    return load


async def build_hazard_by_id(ctx: Context) -> Built:
    rows = await ctx.conn.fetch(
        "SELECT id FROM hazard WHERE created_at < $1 AND (hashtext(id::text) & 1023) < 24 ORDER BY id",
        datetime(2026, 11, 29, tzinfo=timezone(timedelta(hours=8))),
    )
    ids = [r["id"] for r in rows]
    ctx.rng("by-id").shuffle(ids)
    ids = ids[:20_000]

    async def raw(conn: asyncpg.Connection, i: int) -> None:
        await conn.fetch(SQL_HAZARD_BY_ID, ids[i % len(ids)])

    return Built(_get_load([f"/api/v1/hazards/{i}" for i in ids], ctx.headers("bench_admin")), raw,
                 info={"distinct_ids": len(ids)})


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

    async def raw(conn: asyncpg.Connection, _i: int) -> None:
        await conn.fetch(SQL_HAZARDS_VILLAGE_STATUS, "closed", village, 50)

    return Built(_get_load([path], ctx.headers("bench_admin")), raw, info={"village_id": str(village), "matching_rows": n})


async def build_village_status_page200(ctx: Context) -> Built:
    """Walk the cursor once (as a client would) to the 200th page, then hammer that URL."""
    village, n = await _largest_village(ctx)
    base = "/api/v1/hazards?" + urlencode({"village_id": str(village), "status": "closed", "limit": 50})
    want = 200
    cursor, page, last_id = None, 1, None
    headers = ctx.headers("bench_admin")
    async with httpx.AsyncClient(base_url=ctx.base_url, timeout=60) as client:
        while page < want:
            r = await client.get(base + (f"&cursor={cursor}" if cursor else ""), headers=headers)
            r.raise_for_status()
            body = r.json()
            if not body["next_cursor"]:
                break
            cursor, page, last_id = body["next_cursor"], page + 1, body["items"][-1]["id"]
    if cursor is None:
        raise RuntimeError("the village has a single page of closed hazards; use a larger --scale")
    path = f"{base}&cursor={cursor}"
    after = uuid.UUID(last_id)

    async def raw(conn: asyncpg.Connection, _i: int) -> None:
        await conn.fetch(SQL_HAZARDS_VILLAGE_STATUS_AFTER, "closed", village, after, 50)

    return Built(_get_load([path], headers), raw, info={"page": page, "village_id": str(village), "matching_rows": n})


async def build_department(ctx: Context) -> Built:
    sectors = [r["code"] for r in await ctx.conn.fetch(
        "SELECT s.code FROM sector s JOIN org_unit u ON u.id = s.lead_department_id "
        "WHERE u.code = 'housing_construction' ORDER BY s.code"
    )]
    assert len(sectors) == 3, sectors

    async def raw(conn: asyncpg.Connection, _i: int) -> None:
        await conn.fetch(SQL_HAZARDS_SECTORS, 50, *sectors)

    return Built(_get_load(["/api/v1/hazards?limit=50"], ctx.headers("bench_zhujian")), raw,
                 info={"sectors": sectors})


async def build_stats(ctx: Context) -> Built:
    villages = [r["id"] for r in await ctx.conn.fetch("SELECT id FROM org_unit WHERE kind = 'village' ORDER BY id")]
    path = "/api/v1/stats/hazards?group_by=village"
    raw = statements_op(lambda _i: [(SQL_STATS_BY_VILLAGE, (ctx.today,)), (SQL_VILLAGE_LABELS, (villages,))])
    return Built(_get_load([path], ctx.headers("bench_admin")), raw, sequential_path=path)


def compliance_statements(ctx: Context, limit: int) -> list[Statement]:
    return [to_dollar(sql_compliance_page(), {"as_of": ctx.today, "limit": limit})]


async def build_compliance(ctx: Context) -> Built:
    path = "/api/v1/compliance"
    raw = statements_op(lambda _i: compliance_statements(ctx, 50))
    return Built(_get_load([path], ctx.headers("bench_admin")), raw, sequential_path=path)


def targets_statements(ctx: Context, group: str | None = None) -> list[Statement]:
    from app.domain.targets import same_dates_previous_year

    return [to_dollar(sql_targets(group), {"as_of": ctx.today, "prev_same_date": same_dates_previous_year(ctx.today)})]


async def build_targets(ctx: Context) -> Built:
    path = "/api/v1/targets"
    raw = statements_op(lambda _i: targets_statements(ctx))
    return Built(_get_load([path], ctx.headers("bench_admin")), raw, sequential_path=path)


async def build_dashboard(ctx: Context) -> Built:
    villages = [r["id"] for r in await ctx.conn.fetch("SELECT id FROM org_unit WHERE kind = 'village' ORDER BY id")]
    sectors = [r["code"] for r in await ctx.conn.fetch("SELECT code FROM sector ORDER BY code")]

    def statements(_i: int) -> list[Statement]:
        out = targets_statements(ctx)
        out.append((SQL_LISTED_MAJOR, ("major",)))
        out += compliance_statements(ctx, 1)
        out.append(to_dollar(SQL_C3, {"as_of": ctx.today, "unit": None, "kind": None}))
        for group, labels in (("village_id", (SQL_VILLAGE_LABELS, (villages,))), ("sector", (SQL_SECTOR_LABELS, (sectors,)))):
            out += targets_statements(ctx, group)
            out.append(to_dollar(sql_compliance_by_group(group), {"as_of": ctx.today}))
            out.append(labels)
        return out

    path = "/api/v1/dashboard"
    return Built(_get_load([path], ctx.headers("bench_admin")), statements_op(statements), sequential_path=path)


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

    async def raw(conn: asyncpg.Connection, _i: int) -> int:
        n = 0
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            async for _row in conn.cursor(SQL_EXPORT, first, prefetch=500):
                n += 1
        return n

    return Built(_get_load([path], ctx.headers("bench_admin")), raw, sequential_path=path,
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
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    today = ctx.today
    disc, plan, sub, dl = today - timedelta(days=20), today - timedelta(days=15), today - timedelta(days=2), today + timedelta(days=30)
    hazards, history, ids = [], [], []
    now = datetime.now(timezone.utc)
    for i in range(count):
        e = ents[rng.randrange(len(ents))]
        hid = uuid.UUID(det_uuid7(now_ms + i // 50, rng))
        ids.append(str(hid))
        hazards.append((hid, e["id"], e["village_id"], e["sector"], "general", "supervision", "疏散通道堆放杂物", disc,
                        "pending_review", sub, dl, 0, "李明", "清理通道", "已整改完毕", False, admin, 3, now, now))
        for action, frm, to, eff, dline in (("create", None, "reported", disc, None), ("plan", "reported", "rectifying", plan, dl),
                                            ("submit", "rectifying", "pending_review", sub, None)):
            history.append((hid, now, eff, admin, "street_admin", action, frm, to, dline))
    await ctx.conn.copy_records_to_table(
        "hazard", records=hazards,
        columns=["id", "enterprise_id", "village_id", "sector", "grade", "source", "title", "discovered_on", "status",
                 "status_effective_on", "deadline", "extensions", "responsible_person", "measures", "evidence", "listed",
                 "created_by", "version", "created_at", "updated_at"],
    )
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
    first = _get(all_results.get("hazards_village_status"), "api", "c16", "p50_ms")
    mine = _get(r, "api", "c16", "p50_ms")
    if not first or mine is None:
        return None, None
    ratio = round(mine / first, 2)
    return ratio, ratio <= 1.2


SCENARIOS: list[Scenario] = [
    Scenario(
        "hazard_by_id", "Hazard by id", "GET /api/v1/hazards/{id}", "street_admin", "read", build_hazard_by_id,
        lambda: [SQL_HAZARD_BY_ID],
        [at_least("throughput at 32 connections ≥ 1,800 req/s", 1800, "rps"), _ratio_at_least("API ≥ 50 % of raw SQL", 0.5)],
    ),
    Scenario(
        "hazards_village_status", "Hazards by village + status, first page (50)",
        "GET /api/v1/hazards?village_id=…&status=closed&limit=50", "street_admin", "read", build_village_status,
        lambda: [SQL_HAZARDS_VILLAGE_STATUS],
        [at_least("throughput at 32 connections ≥ 800 req/s", 800, "rps"),
         at_most("p95 at 16 connections ≤ 40 ms", 40, "p95_ms"), _ratio_at_least("API ≥ 30 % of raw SQL", 0.3)],
    ),
    Scenario(
        "hazards_village_status_p200", "Same list, 200th page by cursor",
        "GET /api/v1/hazards?village_id=…&status=closed&limit=50&cursor=…", "street_admin", "read",
        build_village_status_page200, lambda: [SQL_HAZARDS_VILLAGE_STATUS_AFTER],
        [Target("p50 at 16 connections within 1.2× the first page's", _page200_vs_first),
         _ratio_at_least("API ≥ 30 % of raw SQL", 0.3)],
    ),
    Scenario(
        "hazards_department", "Hazards of a department officer (sector scope), first page",
        "GET /api/v1/hazards?limit=50 (住建所: gas, construction, self_built_housing)", "department_officer", "read",
        build_department, lambda: [SQL_HAZARDS_SECTORS], [_ratio_at_least("API ≥ 30 % of raw SQL", 0.3)],
    ),
    Scenario(
        "stats_by_village", "Hazard statistics by village", "GET /api/v1/stats/hazards?group_by=village", "street_admin",
        "read", build_stats, lambda: [SQL_STATS_BY_VILLAGE, SQL_VILLAGE_LABELS],
        [at_most("p95 at 16 connections ≤ 250 ms", 250, "p95_ms")], sequential=True,
    ),
    Scenario(
        "compliance", "Cadence compliance C1/C2, whole district (first page, summary over all)",
        "GET /api/v1/compliance", "street_admin", "read", build_compliance, lambda: [sql_compliance_page()],
        [at_most("p95 at 16 connections ≤ 2 s", 2000, "p95_ms")], sequential=True,
    ),
    Scenario(
        "targets", "Year-end targets T1–T3", "GET /api/v1/targets", "street_admin", "read", build_targets,
        lambda: [sql_targets()], [at_most("p95 at 16 connections ≤ 500 ms", 500, "p95_ms")], sequential=True,
    ),
    Scenario(
        "dashboard", "Dashboard", "GET /api/v1/dashboard", "street_admin", "read", build_dashboard,
        lambda: [sql_targets(), SQL_LISTED_MAJOR, sql_compliance_page(), SQL_C3, sql_targets("village_id"),
                 sql_compliance_by_group("village_id"), SQL_VILLAGE_LABELS, sql_targets("sector"),
                 sql_compliance_by_group("sector"), SQL_SECTOR_LABELS],
        [at_most("p95 at 16 connections ≤ 250 ms", 250, "p95_ms")], sequential=True,
    ),
    Scenario(
        "export_csv", "CSV export of ~100,000 hazards", "GET /api/v1/hazards/export?format=csv&discovered_from=…",
        "street_admin", "export", build_export, lambda: [SQL_EXPORT],
        [at_least("≥ 50,000 rows/s", 50_000, "export", "rows_per_s"),
         at_most("≤ 100 MiB memory growth of the serving worker", 100, "export", "memory_growth_mib")],
    ),
    Scenario(
        "inspection_create", "Record an inspection with 3 findings", "POST /api/v1/inspections", "street_admin", "write",
        build_inspections, lambda: [],
        [at_least("throughput at 32 connections ≥ 300 req/s", 300, "rps"),
         Target("no lost or duplicated rows", lambda r, _a: (None, _get(r, "checks_consistent")))],
    ),
    Scenario(
        "hazard_review", "Review (approve) a pending hazard", "POST /api/v1/hazards/{id}/review", "street_admin", "write",
        build_review, lambda: [],
        [Target("every 2xx closed its hazard, with its history row", lambda r, _a: (None, _get(r, "checks_consistent")))],
    ),
]
SCENARIO_NAMES = [s.name for s in SCENARIOS]
BY_NAME = {s.name: s for s in SCENARIOS}
