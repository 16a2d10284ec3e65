"""python -m bench.risk --scale S [--repeat N] [--reuse]

The cost of K4's risk levels for a whole scope (no cache, no HTTP): every enterprise the
street admin sees, and those of one village officer, assessed in batches as the hazard
export's `risk_level` filter, `/stats/hazards?group_by=risk_level` and the dashboard's
`risk_levels` do (app/services/risk.levels_in_scope: the facts of the whole scope at once),
from the read model and from the reference computation over the ledger; and, for
comparison, one page of 500 as the enterprise list's filter assesses it, split into its
statements.
The median of N sequential computations in one process, after one that warms the caches.
Results: var/bench/risk.json."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bench.__main__ import log
from bench.growth import scaled_cli, timed


async def measure(url: str, repeat: int) -> dict[str, Any]:
    from sqlalchemy import text

    from app.db.repositories import enterprises as enterprises_repo
    from app.db.repositories import risk as risk_repo
    from app.db.repositories.read_model import READ_MODEL, REFERENCE
    from app.db.session import Database
    from app.domain.access import Scope, ScopeKind
    from app.services import compliance as service
    from app.services import risk
    from bench.run import business_today

    db = Database.from_url(url, pool_size=1, max_overflow=0)
    street = Scope(ScopeKind.all)
    today = business_today()
    out: dict[str, Any] = {"today": today.isoformat()}
    try:
        async with db.transaction() as session:
            village = (await session.execute(text(
                "SELECT village_id, count(*) AS n FROM enterprise GROUP BY village_id ORDER BY n DESC, village_id LIMIT 1"
            ))).one()
            batch = await enterprises_repo.list_page(session, street, enterprises_repo.EnterpriseFilters(),
                                                     limit=risk.BATCH, after=None)
            found = await risk.levels_in_scope(session, street, today=today)
            levels = {lvl: sum(1 for at in found.values() if at.level.value == lvl) for lvl in ("red", "orange", "yellow", "blue")}
            out["enterprises"] = len(found)
            out["levels"] = levels | {"overridden": sum(at.overridden for at in found.values())}
            out["village_enterprises"] = village.n
        log(f"  {out['enterprises']} enterprises, {out['levels']}; the largest village has {village.n}")
        scopes = {"street": street, "village": Scope(ScopeKind.village, village_id=village.village_id)}
        ids = [e.id for e in batch]
        for source in (READ_MODEL, REFERENCE):
            for name, scope in scopes.items():
                key = f"levels_in_scope_{name}"
                out.setdefault(key, {})[source] = await timed(
                    db, lambda s, sc=scope, src=source: risk.levels_in_scope(s, sc, today=today, source=src), repeat)
                log(f"    {source} {key}: {out[key][source]}")
            parts: dict[str, Callable[[Any], Awaitable[Any]]] = {
                "batch_list_page": lambda s: enterprises_repo.list_page(
                    s, street, enterprises_repo.EnterpriseFilters(), limit=risk.BATCH, after=None),
                "batch_hazards": lambda s, src=source: s.execute(risk_repo._HAZARDS[src], {"ids": ids, "today": today}),
                "batch_missed_once": lambda s, src=source: risk_repo._missed(s, risk_repo._MISSED[src], {"ids": ids}, today),
                "batch_overrides": lambda s: risk_repo.overrides(s, ids),
                "batch_facts": lambda s, src=source: risk_repo.facts(s, batch, today, src),
                "batch_assess_many": lambda s, src=source: risk.assess_many(s, batch, today, source=src),
                "street_facts_in_scope": lambda s, src=source: risk_repo.facts_in_scope(s, street, today, src),
            }
            for name, ask in parts.items():
                out.setdefault(name, {})[source] = await timed(db, ask, repeat)
                log(f"    {source} {name}: {out[name][source]}")
            for group in ("risk_level", "village"):
                key = f"stats_by_{group}"
                out.setdefault(key, {})[source] = await timed(db, lambda s, g=group, src=source: service.hazard_stats(
                    s, street, group_by=g, today=today, first=None, last=None, grade=None, source=src), repeat)
                log(f"    {source} {key}: {out[key][source]}")
    finally:
        await db.dispose()
    return out


def main() -> int:
    return scaled_cli("python -m bench.risk", __doc__, measure, "risk", repeat=3, out="risk.json")


if __name__ == "__main__":
    raise SystemExit(main())
