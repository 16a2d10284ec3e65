"""Operational safety: structured logs without secrets, CORS allow-list, rate limits."""

from __future__ import annotations

import json
import logging

import httpx

from app.logs import JsonFormatter
from app.main import create_app
from tests.conftest import test_settings


async def test_logs_are_json_and_hold_no_passwords_or_tokens(client, world, caplog):
    await world.user("street_admin", username="log_admin", password="s3cret-Passw0rd!")
    caplog.set_level(logging.INFO)
    r = await client.post("/api/v1/auth/token", data={"username": "log_admin", "password": "s3cret-Passw0rd!"})
    token = r.json()["access_token"]
    await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    await client.get("/api/v1/public/reports/TRACKINGCODE123456789")
    lines = [JsonFormatter().format(rec) for rec in caplog.records if rec.name.startswith("anquan")]
    access = [json.loads(line) for line in lines if '"msg": "request"' in line]
    assert {a["path"] for a in access} >= {"/api/v1/auth/token", "/api/v1/auth/me", "/api/v1/public/reports/***"}
    me = next(a for a in access if a["path"] == "/api/v1/auth/me")
    assert me["status"] == 200 and me["user_id"] and me["request_id"] and me["duration_ms"] >= 0
    blob = "\n".join(lines)
    assert "s3cret-Passw0rd!" not in blob and token not in blob and "TRACKINGCODE123456789" not in blob


async def test_cors_allows_only_configured_origins(db, clock):
    for origins, origin, allowed in (([], "https://dash.example.org", False),
                                      (["https://dash.example.org"], "https://dash.example.org", True),
                                      (["https://dash.example.org"], "https://evil.example.com", False)):
        app = create_app(test_settings(cors_origins=origins), database=db, clock=clock)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.options("/api/v1/hazards", headers={"Origin": origin, "Access-Control-Request-Method": "GET"})
            assert (r.headers.get("access-control-allow-origin") == origin) is allowed, (origins, origin, r.headers)


async def test_refresh_is_rate_limited_per_address(db, clock):
    app = create_app(test_settings(auth_rate_per_minute=3), database=db, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("198.51.100.4", 1)), base_url="http://t") as c:
        codes = [(await c.post("/api/v1/auth/refresh", json={"refresh_token": "x"})).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        r = await c.post("/api/v1/auth/refresh", json={"refresh_token": "x"})
        assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("198.51.100.5", 1)), base_url="http://t") as c:
        assert (await c.post("/api/v1/auth/refresh", json={"refresh_token": "x"})).status_code == 401
