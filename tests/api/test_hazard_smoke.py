async def test_hazard_lifecycle_smoke(client, world):
    v = await world.village()
    e = await world.enterprise(v, "hazardous_chemicals")
    admin = await world.as_("street_admin")
    r = await client.post("/api/v1/hazards", headers=admin, json={
        "enterprise_id": str(e.id), "grade": "major", "source": "supervision", "title": "t", "discovered_on": "2025-06-01"})
    assert r.status_code == 201, r.text
    h = r.json()
    assert h["village_id"] == str(v.id) and h["notified_at"]
    hid = h["id"]
    r = await client.post(f"/api/v1/hazards/{hid}/plan", headers=admin, json={"responsible_person": "李"})
    assert r.status_code == 422, r.text
    print(r.json())
    r = await client.post(f"/api/v1/hazards/{hid}/plan", headers=admin, json={
        "responsible_person": "李", "measures": "m", "funds": "100.50", "deadline": "2025-07-01", "contingency_plan": "c"})
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/hazards/{hid}/review", headers=admin, json={"decision": "approve"})
    assert r.status_code == 409, r.text
    print(r.json())
    r = await client.post(f"/api/v1/hazards/{hid}/submit", headers=admin, json={"evidence": "done"})
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/hazards/{hid}/review", headers=admin, json={"decision": "approve"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "closed"
    r = await client.get(f"/api/v1/hazards/{hid}/history", headers=admin)
    print([ (x["action"], x["to_status"]) for x in r.json()["items"]])
    r = await client.get("/api/v1/hazards", headers=admin)
    assert len(r.json()["items"]) == 1
