"""K4 and K6 through HTTP: the risk endpoint explains its level, overrides are kept with a
reason, the list filters by level, coordinates are range-checked and the map shows the
visible enterprises with their colour."""

from __future__ import annotations

import pytest

from tests.factories import enterprise_payload, problem_fields


@pytest.fixture
async def street(world):
    v1, v2 = await world.village(), await world.village()
    # hazardous chemicals, high-risk, standardization level 3: 35 + 15 − 5 = 45 (yellow)
    chem = await world.enterprise(v1, "hazardous_chemicals", standardization_level="3",
                                  longitude=117.2272, latitude=31.8206)
    shop = await world.enterprise(v1, "commerce", longitude=117.3, latitude=31.9)
    far = await world.enterprise(v2, "construction", longitude=117.1, latitude=31.7)
    emergency = await world.department("emergency_management")
    housing = await world.department("housing_construction")
    return {
        "v1": v1, "chem": chem, "shop": shop, "far": far,
        "admin": await world.as_("street_admin"),
        "emergency": await world.as_("department_officer", org_unit=emergency),
        "housing": await world.as_("department_officer", org_unit=housing),
        "village1": await world.as_("village_officer", org_unit=v1),
        "village2": await world.as_("village_officer", org_unit=v2),
        "ent_shop": await world.as_("enterprise_user", enterprise=shop),
    }


async def _risk(client, headers, e):  # type: ignore[no-untyped-def]
    r = await client.get(f"/api/v1/enterprises/{e.id}/risk", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_k4_the_level_is_explained_by_its_parts(client, street, clock):
    clock.set("2025-06-16T02:00:00+00:00")
    risk = await _risk(client, street["village1"], street["chem"])
    assert {p["factor"]: p["points"] for p in risk["parts"]} == {
        "sector": 35, "high_risk": 15, "standardization": -5, "missed_periods": 20,
    }
    # registered 2020: C1 monthly (high-risk) from 2024 on, none held — far more than 4 periods missed
    assert risk["score"] == sum(p["points"] for p in risk["parts"]) == 65 and risk["level"] == "orange"
    assert all(p["why"] for p in risk["parts"]) and risk["overridden"] is False
    # an overdue major hazard: +15 +10 → 90, red
    r = await client.post("/api/v1/hazards", headers=street["admin"], json={
        "enterprise_id": str(street["chem"].id), "grade": "major", "source": "supervision", "title": "储罐区报警器失效",
        "discovered_on": "2025-05-01", "deadline": "2025-06-01"})
    assert r.status_code == 201, r.text
    risk = await _risk(client, street["admin"], street["chem"])
    assert risk["score"] == 90 and risk["level"] == "red"
    assert {p["factor"] for p in risk["parts"]} >= {"open_major_hazards", "overdue_major_hazards"}


async def test_k4_overrides_need_a_reason_and_are_kept(client, street):
    url = f"/api/v1/enterprises/{street['shop'].id}/risk"
    before = await _risk(client, street["admin"], street["shop"])
    assert problem_fields(await client.put(url, headers=street["admin"], json={"level": "red", "reason": " "})) == ["reason"]
    # commerce has no lead department: only street_admin; the village officer may not
    assert (await client.put(url, headers=street["village1"], json={"level": "red", "reason": "提级"})).status_code == 403
    assert (await client.put(url, headers=street["ent_shop"], json={"level": "blue", "reason": "降级"})).status_code == 403
    r = await client.put(url, headers=street["admin"], json={"level": "red", "reason": "近期发生险情，提级管控"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["level"] == "red" and body["overridden"] and body["computed_level"] == before["computed_level"]
    assert body["override_reason"] == "近期发生险情，提级管控" and len(body["history"]) == 1
    listed = (await client.get("/api/v1/enterprises?risk_level=red", headers=street["admin"])).json()["items"]
    assert [e["id"] for e in listed] == [str(street["shop"].id)]
    r = await client.put(url, headers=street["admin"], json={"level": None, "reason": "险情已消除"})
    assert r.json()["overridden"] is False and r.json()["level"] == before["level"] and len(r.json()["history"]) == 2
    assert (await client.get("/api/v1/enterprises?risk_level=red", headers=street["admin"])).json()["items"] == []


async def test_k4_a_lead_department_overrides_its_sectors_only(client, street):
    body = {"level": "orange", "reason": "专项检查发现问题较多"}
    r = await client.put(f"/api/v1/enterprises/{street['chem'].id}/risk", headers=street["emergency"], json=body)
    assert r.status_code == 200, r.text
    # 住建所 cannot see a hazardous-chemicals enterprise: 404 (A2)
    r = await client.put(f"/api/v1/enterprises/{street['chem'].id}/risk", headers=street["housing"], json=body)
    assert r.status_code == 404
    assert (await client.get(f"/api/v1/enterprises/{street['chem'].id}/risk", headers=street["village2"])).status_code == 404


async def test_k4_the_list_filters_by_level(client, street):
    levels = {e: (await _risk(client, street["admin"], street[e]))["level"] for e in ("chem", "shop", "far")}
    for level in set(levels.values()):
        r = await client.get(f"/api/v1/enterprises?risk_level={level}&limit=200", headers=street["admin"])
        ids = {e["id"] for e in r.json()["items"]}
        assert {str(street[k].id) for k, v in levels.items() if v == level} <= ids
        assert not {str(street[k].id) for k, v in levels.items() if v != level} & ids
    r = await client.get("/api/v1/enterprises?risk_level=purple", headers=street["admin"])
    assert problem_fields(r) == ["risk_level"]


async def test_k6_coordinates_are_range_checked(client, street):
    body = enterprise_payload(street["v1"].id, location={"lng": 181, "lat": 31.8})
    assert problem_fields(await client.post("/api/v1/enterprises", headers=street["admin"], json=body)) == ["location.lng"]
    body = enterprise_payload(street["v1"].id, location={"lng": 117.2, "lat": -91})
    assert problem_fields(await client.post("/api/v1/enterprises", headers=street["admin"], json=body)) == ["location.lat"]
    body = enterprise_payload(street["v1"].id, location={"lng": 117.25, "lat": 31.85})
    r = await client.post("/api/v1/enterprises", headers=street["admin"], json=body)
    assert r.status_code == 201 and r.json()["location"] == {"lng": 117.25, "lat": 31.85}
    r = await client.patch(f"/api/v1/enterprises/{r.json()['id']}", headers=street["admin"], json={"location": None})
    assert r.status_code == 200 and r.json()["location"] is None


async def test_k6_the_map_shows_visible_enterprises_with_their_colour(client, street):
    r = await client.get("/api/v1/enterprises/geojson", headers=street["village1"])
    assert r.status_code == 200, r.text
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    by_id = {f["id"]: f for f in fc["features"]}
    assert set(by_id) == {str(street["chem"].id), str(street["shop"].id)}  # not the other village's
    chem = by_id[str(street["chem"].id)]
    assert chem["geometry"] == {"type": "Point", "coordinates": [117.2272, 31.8206]}
    assert chem["properties"]["risk_level"] == (await _risk(client, street["admin"], street["chem"]))["level"]


async def test_k4_the_scoring_is_configurable(db, clock, street):
    import httpx

    from app.main import create_app
    from tests.conftest import test_settings

    scoring = {"sector_points": {"hazardous_chemicals": 60}, "thresholds": {"red": 200, "orange": 150, "yellow": 90}}
    app = create_app(test_settings(risk_scoring=json_text(scoring)), database=db, clock=clock)
    # the tokens of the default app are signed with the same test secret
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        risk = await _risk(c, street["admin"], street["chem"])
    parts = {p["factor"]: p["points"] for p in risk["parts"]}
    assert parts["sector"] == 60 and risk["score"] == 60 + 15 - 5 + 20 and risk["level"] == "yellow"


def json_text(value):  # type: ignore[no-untyped-def]
    import json

    return json.dumps(value)


async def test_k4_a_filtered_page_may_be_short_and_following_the_cursor_finds_every_match(client, street, monkeypatch):
    from app.services import risk

    monkeypatch.setattr(risk, "BATCH", 2)
    monkeypatch.setattr(risk, "SCAN_BUDGET", 2)
    levels = {}
    for key in ("chem", "shop", "far"):
        levels[str(street[key].id)] = (await _risk(client, street["admin"], street[key]))["level"]
    for level in set(levels.values()):
        found, cursor, pages = [], None, 0
        while True:
            url = f"/api/v1/enterprises?risk_level={level}&limit=1" + (f"&cursor={cursor}" if cursor else "")
            body = (await client.get(url, headers=street["admin"])).json()
            found += [e["id"] for e in body["items"]]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None or pages > 20:
                break
        assert {i for i in found if i in levels} == {i for i, v in levels.items() if v == level}
        assert len(found) == len(set(found))
