"""POST /auth/token (password, client_credentials), /auth/refresh, /auth/me, the login throttle."""

from __future__ import annotations

from datetime import timedelta

import pytest
from jose import jwt

from tests.factories import assert_problem, problem_fields

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/auth/me"
PASSWORD = "correct-horse-battery"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client, username: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return await client.post(TOKEN, data={"username": username, "password": password, **extra})


async def test_password_grant(client, world):
    user = await world.user("village_officer", org_unit=await world.village(), username="officer_pw")
    r = await login(client, "officer_pw")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert jwt.get_unverified_claims(body["access_token"])["sub"] == str(user.id)
    assert jwt.get_unverified_claims(body["refresh_token"])["typ"] == "refresh"
    me = await client.get(ME, headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == str(user.id)


async def test_password_grant_with_explicit_grant_type_and_any_case_username(client, world):
    await world.user("supervisor", username="Mixed_Case")
    r = await login(client, "mixed_case", grant_type="password")
    assert r.status_code == 200, r.text


async def test_wrong_password_is_401_invalid_grant(client, world):
    await world.user("supervisor", username="sup_wrong")
    r = await login(client, "sup_wrong", "not-the-password")
    body = assert_problem(r, 401, "invalid_grant")
    assert body["detail"] == "invalid credentials"
    assert "access_token" not in body


async def test_unknown_user_is_401_like_a_wrong_password(client, world):
    await world.user("supervisor", username="sup_known")
    unknown = assert_problem(await login(client, "nobody_here"), 401, "invalid_grant")
    wrong = assert_problem(await login(client, "sup_known", "nope-nope-nope"), 401, "invalid_grant")
    assert unknown["detail"] == wrong["detail"]  # no user enumeration


async def test_disabled_user_cannot_log_in_and_its_token_is_rejected(client, world):
    admin = world.headers(await world.user("street_admin"))
    user = await world.user("supervisor", username="sup_disabled")
    token = (await login(client, "sup_disabled")).json()["access_token"]
    assert (await client.get(ME, headers=bearer(token))).status_code == 200

    r = await client.patch(f"/api/v1/users/{user.id}", json={"is_active": False}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["is_active"] is False

    assert_problem(await login(client, "sup_disabled"), 401, "invalid_grant")
    assert_problem(await client.get(ME, headers=bearer(token)), 401, "invalid_token")

    r = await client.patch(f"/api/v1/users/{user.id}", json={"is_active": True}, headers=admin)
    assert r.status_code == 200 and r.json()["is_active"] is True
    # A5: re-enabling does not revive the tokens issued before; a new login works
    assert_problem(await client.get(ME, headers=bearer(token)), 401, "invalid_token")
    fresh = (await login(client, "sup_disabled")).json()["access_token"]
    assert (await client.get(ME, headers=bearer(fresh))).status_code == 200


async def test_disabled_user_refresh_is_rejected(client, world):
    admin = world.headers(await world.user("street_admin"))
    user = await world.user("supervisor", username="sup_refresh_disabled")
    refresh = (await login(client, "sup_refresh_disabled")).json()["refresh_token"]
    await client.patch(f"/api/v1/users/{user.id}", json={"is_active": False}, headers=admin)
    assert_problem(await client.post(REFRESH, json={"refresh_token": refresh}), 401, "invalid_grant")


async def test_password_reset_by_admin(client, world):
    admin = world.headers(await world.user("street_admin"))
    user = await world.user("supervisor", username="sup_reset")
    r = await client.patch(f"/api/v1/users/{user.id}", json={"password": "a-brand-new-password"}, headers=admin)
    assert r.status_code == 200, r.text
    assert_problem(await login(client, "sup_reset"), 401, "invalid_grant")
    assert (await login(client, "sup_reset", "a-brand-new-password")).status_code == 200


async def test_client_credentials_for_district_viewer(client, world):
    system = await world.user("district_viewer", username="district_sys", password="district-system-secret")
    r = await client.post(
        TOKEN,
        data={"grant_type": "client_credentials", "client_id": "district_sys", "client_secret": "district-system-secret"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert set(body) == {"access_token", "token_type", "expires_in"}  # no refresh_token
    me = await client.get(ME, headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == {
        "id": str(system.id),
        "username": "district_sys",
        "role": "district_viewer",
        "org_unit_id": None,
        "enterprise_id": None,
    }


async def test_client_credentials_wrong_secret_is_401(client, world):
    await world.user("district_viewer", username="district_bad", password="district-system-secret")
    r = await client.post(
        TOKEN, data={"grant_type": "client_credentials", "client_id": "district_bad", "client_secret": "wrong-secret"}
    )
    assert_problem(r, 401, "invalid_grant")


async def test_district_viewer_cannot_use_password_grant(client, world):
    await world.user("district_viewer", username="district_pw", password=PASSWORD)
    assert_problem(await login(client, "district_pw"), 401, "invalid_grant")


@pytest.mark.parametrize("role", ["street_admin", "supervisor", "village_officer"])
async def test_a_person_cannot_use_client_credentials(client, world, role):
    org_unit = await world.village() if role == "village_officer" else None
    await world.user(role, org_unit=org_unit, username=f"person_{role}")
    r = await client.post(
        TOKEN, data={"grant_type": "client_credentials", "client_id": f"person_{role}", "client_secret": PASSWORD}
    )
    assert_problem(r, 401, "invalid_grant")


async def test_refresh_returns_a_new_pair(client, world):
    user = await world.user("supervisor", username="sup_refresh")
    first = (await login(client, "sup_refresh")).json()
    r = await client.post(REFRESH, json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    pair = r.json()
    assert pair["access_token"] != first["access_token"]
    assert pair["refresh_token"] and pair["refresh_token"] != first["refresh_token"]
    assert jwt.get_unverified_claims(pair["refresh_token"])["typ"] == "refresh"
    me = await client.get(ME, headers=bearer(pair["access_token"]))
    assert me.status_code == 200 and me.json()["id"] == str(user.id)


async def test_access_token_used_as_refresh_token_is_rejected(client, world):
    await world.user("supervisor", username="sup_refresh_access")
    access = (await login(client, "sup_refresh_access")).json()["access_token"]
    assert_problem(await client.post(REFRESH, json={"refresh_token": access}), 401, "invalid_grant")


async def test_refresh_with_garbage_is_401(client):
    assert_problem(await client.post(REFRESH, json={"refresh_token": "garbage"}), 401, "invalid_grant")


async def test_refresh_without_a_token_is_422(client):
    assert problem_fields(await client.post(REFRESH, json={})) == ["refresh_token"]


async def test_me_fields(client, world):
    village = await world.village()
    enterprise = await world.enterprise(village)
    for user in (
        await world.user("village_officer", org_unit=village),
        await world.user("enterprise_user", enterprise=enterprise),
    ):
        r = await client.get(ME, headers=world.headers(user))
        assert r.status_code == 200
        assert r.json() == {
            "id": str(user.id),
            "username": user.username,
            "role": user.role,
            "org_unit_id": str(user.org_unit_id) if user.org_unit_id else None,
            "enterprise_id": str(user.enterprise_id) if user.enterprise_id else None,
        }


async def test_login_throttle_per_username(client, world, settings):
    assert settings.login_max_failures == 5
    await world.user("supervisor", username="sup_throttled")
    await world.user("supervisor", username="sup_bystander")
    for _ in range(settings.login_max_failures):
        assert_problem(await login(client, "sup_throttled", "wrong-password!"), 401, "invalid_grant")

    r = await login(client, "sup_throttled")  # the right password, but too late
    body = assert_problem(r, 429, "rate_limited")
    retry_after = r.headers["retry-after"]
    assert retry_after.isdigit() and 0 < int(retry_after) <= settings.login_failure_window_seconds
    assert "access_token" not in body
    # the throttle is per username, whatever its case
    assert_problem(await login(client, "SUP_THROTTLED"), 429, "rate_limited")
    # another account is unaffected
    assert (await login(client, "sup_bystander")).status_code == 200


async def test_login_throttle_ends_with_its_window(client, world, settings, clock):
    await world.user("supervisor", username="sup_window")
    for _ in range(settings.login_max_failures):
        await login(client, "sup_window", "wrong-password!")
    r = await login(client, "sup_window")
    assert r.status_code == 429
    clock.now = clock.now + timedelta(seconds=int(r.headers["retry-after"]))
    assert (await login(client, "sup_window")).status_code == 200


async def test_successful_login_resets_the_failure_count(client, world, settings):
    await world.user("supervisor", username="sup_reset_count")
    for _ in range(settings.login_max_failures - 1):
        await login(client, "sup_reset_count", "wrong-password!")
    assert (await login(client, "sup_reset_count")).status_code == 200
    for _ in range(settings.login_max_failures - 1):
        await login(client, "sup_reset_count", "wrong-password!")
    assert (await login(client, "sup_reset_count")).status_code == 200


async def test_unsupported_grant_type_is_422(client):
    r = await client.post(TOKEN, data={"grant_type": "authorization_code", "code": "x"})
    body = assert_problem(r, 422, "unsupported_grant_type")
    assert [e["field"] for e in body["errors"]] == ["grant_type"]
    assert body["detail"].startswith("grant_type must be password or client_credentials")


async def test_password_grant_without_password_is_422(client):
    assert problem_fields(await client.post(TOKEN, data={"username": "someone"})) == ["password"]
    assert problem_fields(await client.post(TOKEN, data={"password": PASSWORD})) == ["username"]
    assert problem_fields(await client.post(TOKEN, data={})) == ["username", "password"]


async def test_client_credentials_without_secret_is_422(client):
    r = await client.post(TOKEN, data={"grant_type": "client_credentials", "client_id": "x"})
    assert problem_fields(r) == ["client_secret"]


async def test_token_endpoint_refuses_nul_in_username(client):
    r = await client.post(TOKEN, data={"username": "ad\x00min", "password": PASSWORD})
    assert problem_fields(r) == ["username"]
