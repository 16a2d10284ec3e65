"""The hot read paths (plain asyncpg + orjson) answer exactly what the response models
document: the same JSON as the pydantic model built from the ORM object."""

from __future__ import annotations

from sqlalchemy import select

from app.api.hazards import to_read
from app.api.schemas.hazards import HazardRead
from app.db.models import Hazard


async def test_hazard_fast_json_matches_the_response_model(client, world, session, clock):
    v = await world.village()
    e = await world.enterprise(v, "hazardous_chemicals")
    admin = await world.as_("street_admin")
    made = await world.hazard(e, status="pending_review", description="说明", criterion_ref="第三条", location="储罐区")
    h = {"id": str(made.id)}
    got = (await client.get(f"/api/v1/hazards/{h['id']}", headers=admin)).json()
    listed = (await client.get("/api/v1/hazards", headers=admin)).json()["items"][0]
    orm = (await session.execute(select(Hazard).where(Hazard.id == h["id"]))).scalar_one()
    await session.refresh(orm)
    expected = to_read(orm, clock().date()).model_dump(mode="json")
    assert got == expected == listed
    HazardRead.model_validate(got)
    assert got["plan"]["funds"] == "85000.00" and got["notified_at"].endswith("Z")
