"""Shortcuts for API tests that drive hazards through HTTP."""

from __future__ import annotations

from typing import Any

MAJOR_PLAN = {
    "responsible_person": "李明",
    "measures": "更换泄爆装置",
    "funds": "85000.00",
    "deadline": "2025-07-31",
    "contingency_plan": "停用设备并设置警戒",
}
GENERAL_PLAN = {"responsible_person": "李明", "deadline": "2025-07-31"}


async def create_hazard(client, headers, enterprise, **overrides: Any) -> dict:  # type: ignore[no-untyped-def]
    body = {
        "enterprise_id": str(enterprise.id),
        "grade": "major",
        "source": "supervision",
        "title": "除尘器未设置泄爆口",
        "discovered_on": "2025-06-01",
    }
    body.update(overrides)
    r = await client.post("/api/v1/hazards", headers=headers, json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def drive(client, headers, hazard: dict, *steps: str) -> dict:  # type: ignore[no-untyped-def]
    """Walk a hazard through plan/submit/approve as `headers`."""
    plan = MAJOR_PLAN if hazard["grade"] == "major" else GENERAL_PLAN
    bodies = {
        "plan": ("plan", plan),
        "submit": ("submit", {"evidence": "已整改完毕"}),
        "approve": ("review", {"decision": "approve"}),
        "reject": ("review", {"decision": "reject", "comment": "证据不足"}),
    }
    for step in steps:
        path, body = bodies[step]
        r = await client.post(f"/api/v1/hazards/{hazard['id']}/{path}", headers=headers, json=body)
        assert r.status_code == 200, (step, r.text)
        hazard = r.json()
    return hazard


def shuffle_unit_of_work(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Make SQLAlchemy's unit of work iterate its internal sets in random order (its own
    testing aid, RandomSet): rows inserted in one flush must then be ordered by mapped
    dependencies, not by luck."""
    import sqlalchemy.orm.dependency
    import sqlalchemy.orm.mapper
    import sqlalchemy.orm.session
    import sqlalchemy.orm.unitofwork
    import sqlalchemy.util.topological
    from sqlalchemy.testing.util import RandomSet

    for module in (sqlalchemy.util.topological, sqlalchemy.orm.unitofwork, sqlalchemy.orm.session,
                   sqlalchemy.orm.mapper, sqlalchemy.orm.dependency):
        monkeypatch.setattr(module, "set", RandomSet, raising=False)
