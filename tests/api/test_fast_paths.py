"""The hot read paths (the ORM statements compiled for asyncpg, rows encoded with orjson)
answer exactly what the response models document: the same JSON as the pydantic model
built from the ORM object, for a hazard in every state, by id and in a page."""

from __future__ import annotations

from sqlalchemy import select

from app.api.hazards import COLUMN_FIELDS, DERIVED, to_read
from app.api.schemas.hazards import HazardRead
from app.db.models import Hazard
from app.domain.hazards import HazardStatus


async def test_hazard_fast_json_matches_the_response_model(client, world, session, clock):
    v = await world.village()
    e = await world.enterprise(v, "hazardous_chemicals")
    admin = await world.as_("street_admin")
    made = [await world.hazard(e, status="pending_review", description="说明", criterion_ref="第三条", location="储罐区")]
    for status in HazardStatus:
        made.append(await world.hazard(e, status=status.value, grade="general"))
    listed = {x["id"]: x for x in (await client.get("/api/v1/hazards", headers=admin)).json()["items"]}
    assert len(listed) == len(made)
    for h in made:
        got = (await client.get(f"/api/v1/hazards/{h.id}", headers=admin)).json()
        orm = (await session.execute(select(Hazard).where(Hazard.id == h.id))).scalar_one()
        await session.refresh(orm)
        expected = to_read(orm, clock().date()).model_dump(mode="json")
        assert got == expected == listed[str(h.id)], h.status
        assert list(got) == list(HazardRead.model_fields)  # every field of the schema, in its order
    first = (await client.get(f"/api/v1/hazards/{made[0].id}", headers=admin)).json()
    assert first["plan"]["funds"] == "85000.00" and first["notified_at"].endswith("Z")
    reported = next(h for h in made if h.status == "reported")
    assert listed[str(reported.id)]["plan"]["deadline"] is None


def test_every_schema_field_is_a_column_or_derived():
    """A field added to HazardRead is read from the row by its name, or has a derivation."""
    columns = set(Hazard.__table__.columns.keys())
    assert set(COLUMN_FIELDS) <= columns, set(COLUMN_FIELDS) - columns
    assert set(COLUMN_FIELDS) | set(DERIVED) == set(HazardRead.model_fields)
