async def test_healthz(client):
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


async def test_readyz(client):
    r = await client.get("/readyz")
    assert r.status_code == 200


async def test_login_and_me(client, world):
    user = await world.user("street_admin", username="smoke_admin", password="correct-horse-battery")
    r = await client.post("/api/v1/auth/token", data={"username": "smoke_admin", "password": "correct-horse-battery"})
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    assert me.json()["id"] == str(user.id)
