async def test_analytics_smoke(client, world):
    v = await world.village()
    e = await world.enterprise(v, "hazardous_chemicals")
    admin = await world.as_("street_admin")
    for path in ["/api/v1/compliance?as_of=2025-06-01", "/api/v1/compliance/supervision?as_of=2025-06-01",
                 "/api/v1/compliance/training?year=2025", "/api/v1/targets?as_of=2025-06-01",
                 "/api/v1/stats/hazards?group_by=village", "/api/v1/dashboard?as_of=2025-06-01", "/api/v1/campaign"]:
        r = await client.get(path, headers=admin)
        assert r.status_code == 200, (path, r.text)
        print(path, r.json())
