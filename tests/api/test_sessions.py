"""A5 sessions: token versions, single-use refresh tokens with family revocation, logout,
and the login throttle under real concurrency."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from jose import jwt
from sqlalchemy import select, text, update

from app.db.models import AppUser, RefreshFamily
from tests.factories import assert_problem

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/auth/me"
PASSWORD = "correct-horse-battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client, username: str, password: str = PASSWORD) -> dict:  # type: ignore[no-untyped-def]
    r = await client.post(TOKEN, data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


async def refresh(client, pair: dict) -> httpx.Response:  # type: ignore[no-untyped-def]
    return await client.post(REFRESH, json={"refresh_token": pair["refresh_token"]})


async def me(client, pair: dict) -> httpx.Response:  # type: ignore[no-untyped-def]
    return await client.get(ME, headers=bearer(pair["access_token"]))


async def assert_ended(client, pair: dict) -> None:  # type: ignore[no-untyped-def]
    """Neither token of the pair works any more."""
    assert_problem(await me(client, pair), 401, "invalid_token")
    assert_problem(await refresh(client, pair), 401, "invalid_grant")


async def test_a_password_reset_ends_every_session_of_the_user(client, world):
    admin = world.headers(await world.user("street_admin"))
    user = await world.user("supervisor", username="a5_reset")
    first, second = await login(client, "a5_reset"), await login(client, "a5_reset")
    assert (await me(client, first)).status_code == 200

    r = await client.patch(f"/api/v1/users/{user.id}", json={"password": "a-brand-new-password"}, headers=admin)
    assert r.status_code == 200, r.text

    await assert_ended(client, first)
    await assert_ended(client, second)
    fresh = await login(client, "a5_reset", "a-brand-new-password")
    assert (await me(client, fresh)).status_code == 200
    assert (await refresh(client, fresh)).status_code == 200


async def test_disable_then_enable_does_not_revive_earlier_tokens(client, world):
    admin = world.headers(await world.user("street_admin"))
    user = await world.user("supervisor", username="a5_disable")
    pair = await login(client, "a5_disable")
    for active in (False, True):
        r = await client.patch(f"/api/v1/users/{user.id}", json={"is_active": active}, headers=admin)
        assert r.status_code == 200, r.text
    await assert_ended(client, pair)
    assert (await me(client, await login(client, "a5_disable"))).status_code == 200


async def test_changing_only_the_display_name_keeps_the_sessions(client, world):
    admin = world.headers(await world.user("street_admin"))
    user = await world.user("supervisor", username="a5_display")
    pair = await login(client, "a5_display")
    r = await client.patch(f"/api/v1/users/{user.id}", json={"display_name": "王科长"}, headers=admin)
    assert r.status_code == 200, r.text
    assert (await me(client, pair)).status_code == 200
    assert (await refresh(client, pair)).status_code == 200


async def test_a_change_of_role_or_organisation_ends_the_sessions_whatever_writes_it(client, world, session):
    """The database bumps the version itself, so a DBA's UPDATE or a later endpoint cannot forget."""
    village, other_village = await world.village(), await world.village()
    enterprise = await world.enterprise(village)
    officer = await world.user("village_officer", org_unit=village, username="a5_moved")
    owner = await world.user("enterprise_user", enterprise=enterprise, username="a5_owner")
    supervisor = await world.user("supervisor", username="a5_promoted")
    moved, owned, promoted = [await login(client, n) for n in ("a5_moved", "a5_owner", "a5_promoted")]

    await session.execute(update(AppUser).where(AppUser.id == officer.id).values(org_unit_id=other_village.id))
    await session.execute(
        update(AppUser).where(AppUser.id == owner.id).values(enterprise_id=(await world.enterprise(village)).id)
    )
    await session.execute(update(AppUser).where(AppUser.id == supervisor.id).values(role="street_admin"))
    await session.flush()
    for pair in (moved, owned, promoted):
        await assert_ended(client, pair)


async def test_the_token_version_never_goes_back(client, world, session):
    admin = world.headers(await world.user("street_admin"))
    user = await world.user("supervisor", username="a5_monotonic")
    before = await login(client, "a5_monotonic")
    await client.patch(f"/api/v1/users/{user.id}", json={"is_active": False}, headers=admin)
    await client.patch(f"/api/v1/users/{user.id}", json={"is_active": True}, headers=admin)
    await session.execute(text("UPDATE app_user SET token_version = 0 WHERE id = :id"), {"id": user.id})
    version = (await session.execute(select(AppUser.token_version).where(AppUser.id == user.id))).scalar_one()
    assert version == 2
    assert_problem(await me(client, before), 401, "invalid_token")


async def test_refresh_rotates_and_the_pair_carries_its_session(client, world):
    await world.user("supervisor", username="a5_rotate")
    first = await login(client, "a5_rotate")
    claims = jwt.get_unverified_claims(first["refresh_token"])
    assert claims["gen"] == 0 and claims["fid"] == jwt.get_unverified_claims(first["access_token"])["fid"]

    r = await refresh(client, first)
    assert r.status_code == 200, r.text
    second = r.json()
    assert jwt.get_unverified_claims(second["refresh_token"])["gen"] == 1
    assert jwt.get_unverified_claims(second["refresh_token"])["fid"] == claims["fid"]
    # the earlier access token lives on until it expires: the session is intact
    assert (await me(client, first)).status_code == 200
    third = await refresh(client, second)
    assert third.status_code == 200, third.text
    assert (await me(client, third.json())).status_code == 200


async def test_a_refresh_token_used_twice_revokes_its_whole_family(client, world, session):
    await world.user("supervisor", username="a5_reuse")
    other_session = await login(client, "a5_reuse")
    stolen = await login(client, "a5_reuse")
    r = await refresh(client, stolen)
    assert r.status_code == 200, r.text
    newer = r.json()

    replay = await refresh(client, stolen)
    body = assert_problem(replay, 401, "invalid_grant")
    assert "used before" in body["detail"]
    # the newer pair, issued from the same family, is refused too
    await assert_ended(client, newer)
    assert_problem(await me(client, stolen), 401, "invalid_token")
    family = jwt.get_unverified_claims(stolen["refresh_token"])["fid"]
    row = (await session.execute(select(RefreshFamily).where(RefreshFamily.id == family))).scalar_one()
    assert row.revoked_reason == "reuse" and row.revoked_at is not None
    # another login of the same user is another session, and keeps working
    assert (await me(client, other_session)).status_code == 200
    assert (await refresh(client, other_session)).status_code == 200


async def test_logout_ends_the_session_of_the_bearer_token(client, world):
    await world.user("supervisor", username="a5_logout")
    pair = await login(client, "a5_logout")
    other = await login(client, "a5_logout")
    r = await client.post(LOGOUT, headers=bearer(pair["access_token"]))
    assert r.status_code == 204, r.text
    assert r.content == b""
    await assert_ended(client, pair)
    assert (await me(client, other)).status_code == 200  # the user's other session
    # the ended session cannot log out again
    assert_problem(await client.post(LOGOUT, headers=bearer(pair["access_token"])), 401, "invalid_token")


async def test_logout_with_a_refresh_token_ends_that_session_too(client, world):
    await world.user("supervisor", username="a5_logout_both")
    phone, laptop = await login(client, "a5_logout_both"), await login(client, "a5_logout_both")
    r = await client.post(LOGOUT, headers=bearer(phone["access_token"]), json={"refresh_token": laptop["refresh_token"]})
    assert r.status_code == 204, r.text
    await assert_ended(client, phone)
    await assert_ended(client, laptop)


async def test_logout_refuses_a_refresh_token_of_another_user_and_revokes_nothing(client, world):
    await world.user("supervisor", username="a5_mine")
    await world.user("supervisor", username="a5_theirs")
    mine, theirs = await login(client, "a5_mine"), await login(client, "a5_theirs")
    r = await client.post(LOGOUT, headers=bearer(mine["access_token"]), json={"refresh_token": theirs["refresh_token"]})
    assert_problem(r, 403, "forbidden")
    assert (await me(client, mine)).status_code == 200
    assert (await refresh(client, theirs)).status_code == 200


@pytest.mark.parametrize("not_a_refresh_token", ["garbage", "access"])
async def test_logout_ignores_a_refresh_token_that_does_not_verify(client, world, not_a_refresh_token):
    """RFC 7009 §2.2: an invalid token is no error; the bearer's session ends all the same."""
    await world.user("supervisor", username=f"a5_ignored_{not_a_refresh_token}")
    pair = await login(client, f"a5_ignored_{not_a_refresh_token}")
    sent = pair["access_token"] if not_a_refresh_token == "access" else "garbage"
    r = await client.post(LOGOUT, headers=bearer(pair["access_token"]), json={"refresh_token": sent})
    assert r.status_code == 204, r.text
    await assert_ended(client, pair)


async def test_logout_needs_a_bearer_token(client):
    assert_problem(await client.post(LOGOUT), 401)


async def test_client_credentials_open_a_session_that_logout_ends(client, world):
    await world.user("district_viewer", username="a5_district", password="district-system-secret")
    r = await client.post(
        TOKEN, data={"grant_type": "client_credentials", "client_id": "a5_district", "client_secret": "district-system-secret"}
    )
    assert r.status_code == 200, r.text
    token = r.json()
    assert "fid" in jwt.get_unverified_claims(token["access_token"])
    assert (await me(client, token)).status_code == 200
    assert (await client.post(LOGOUT, headers=bearer(token["access_token"]))).status_code == 204
    assert_problem(await me(client, token), 401, "invalid_token")


# --- real concurrency: separate connections, committed data ---------------------------------


def _client(live, address: str) -> httpx.AsyncClient:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=live.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_two_concurrent_uses_of_one_refresh_token_cannot_both_succeed(live):
    async def build(world):  # type: ignore[no-untyped-def]
        await world.user("supervisor", username="a5_race")

    await live.build(build)
    for attempt in range(3):
        clients = [_client(live, f"198.51.100.{10 + attempt * 8 + n}") for n in range(4)]
        try:
            pair = await login(clients[0], "a5_race")
            results = await asyncio.gather(*[refresh(c, pair) for c in clients])
            codes = sorted(r.status_code for r in results)
            assert codes.count(200) <= 1 and set(codes) <= {200, 401}, [r.text for r in results]
            # whichever won, its pair belongs to a revoked family now
            for r in results:
                if r.status_code == 200:
                    await assert_ended(clients[0], r.json())
        finally:
            for c in clients:
                await c.aclose()


async def test_concurrent_wrong_passwords_are_checked_at_most_max_failures_times(live):
    settings = live.app.state.settings
    assert settings.login_max_failures == 5

    async def build(world):  # type: ignore[no-untyped-def]
        await world.user("supervisor", username="a5_guessed")

    await live.build(build)
    passwords = live.app.state.passwords
    real_verify = passwords.verify
    verified: list[str] = []

    def counting_verify(password_hash, password):  # type: ignore[no-untyped-def]
        verified.append(password)
        return real_verify(password_hash, password)

    passwords.verify = counting_verify  # the real hasher, counted
    clients = [_client(live, f"192.0.2.{n + 1}") for n in range(25)]
    try:
        results = await asyncio.gather(*[
            c.post(TOKEN, data={"username": "a5_guessed", "password": f"wrong-guess-{n}"}) for n, c in enumerate(clients)
        ])
        right = await clients[0].post(TOKEN, data={"username": "a5_guessed", "password": PASSWORD})
    finally:
        passwords.verify = real_verify
        for c in clients:
            await c.aclose()
    codes = [r.status_code for r in results]
    assert len(verified) <= settings.login_max_failures, (len(verified), codes)
    assert codes.count(401) == len(verified) and codes.count(429) == 25 - len(verified), codes
    for r in results:
        if r.status_code == 429:
            assert_problem(r, 429, "rate_limited")
            assert 0 < int(r.headers["retry-after"]) <= settings.login_failure_window_seconds
    # the right password is refused too until the window passes, and is not even checked
    assert_problem(right, 429, "rate_limited")
    assert len(verified) <= settings.login_max_failures
