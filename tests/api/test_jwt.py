"""Bearer JWTs: every forged, stale or mismatched token is a 401 problem; keys rotate by kid."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from jose import jwt

from app.main import create_app
from tests.conftest import TEST_SECRET
from tests.conftest import test_settings as make_settings
from tests.factories import assert_problem

ME = "/api/v1/auth/me"
NEW_SECRET = "rotated-secret-" + "y" * 40


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def claims_for(user, **overrides: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "anquan",
        "aud": "anquan-api",
        "sub": str(user.id),
        "role": user.role,
        "typ": "access",
        "ver": 0,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
    }
    for key, value in overrides.items():
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value
    return claims


def sign(claims: dict[str, Any], *, key: str = TEST_SECRET, kid: Any = "k1", alg: str = "HS256") -> str:
    headers = {} if kid is None else {"kid": kid}
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def user(world):  # type: ignore[no-untyped-def]
    return await world.user("supervisor")


async def test_a_well_formed_token_is_accepted(client, user):
    """The control: the hand-built token is right, so each rejection below is for its one flaw."""
    r = await client.get(ME, headers=bearer(sign(claims_for(user))))
    assert r.status_code == 200, r.text
    assert r.json()["id"] == str(user.id)


def _forgeries(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    now = int(time.time())
    good = claims_for(user)
    return {
        "alg_none": _b64({"alg": "none", "typ": "JWT", "kid": "k1"}) + "." + _b64(good) + ".",
        "alg_none_uppercase": _b64({"alg": "NONE", "kid": "k1"}) + "." + _b64(good) + ".",
        "wrong_signature": sign(good, key="another-secret-" + "z" * 40),
        "tampered_payload": ".".join(
            [sign(good).split(".")[0], _b64({**good, "role": "street_admin"}), sign(good).split(".")[2]]
        ),
        "wrong_audience": sign(claims_for(user, aud="someone-else")),
        "missing_audience": sign(claims_for(user, aud=None)),
        "wrong_issuer": sign(claims_for(user, iss="evil")),
        "missing_issuer": sign(claims_for(user, iss=None)),
        "expired": sign(claims_for(user, iat=now - 7200, nbf=now - 7200, exp=now - 60)),
        "missing_exp": sign(claims_for(user, exp=None)),
        "unknown_kid": sign(good, kid="k9"),
        "missing_kid": sign(good, kid=None),
        "kid_not_a_string": sign(good, kid=["k1"]),
        "kid_an_object": sign(good, kid={"k": "k1"}),
        "not_yet_valid": sign(claims_for(user, nbf=now + 3600)),
        "missing_sub": sign(claims_for(user, sub=None)),
        "sub_not_a_uuid": sign(claims_for(user, sub="admin")),
        "sub_unknown_user": sign(claims_for(user, sub=str(uuid.uuid4()))),
        "refresh_as_access": sign(claims_for(user, typ="refresh")),
        "missing_typ": sign(claims_for(user, typ=None)),
        "role_differs": sign(claims_for(user, role="street_admin")),
        "missing_role": sign(claims_for(user, role=None)),
        "missing_version": sign(claims_for(user, ver=None)),
        "version_a_string": sign(claims_for(user, ver="0")),
        "version_a_boolean": sign(claims_for(user, ver=False)),
        "version_not_current": sign(claims_for(user, ver=1)),
        "session_not_a_uuid": sign(claims_for(user, fid="s1")),
        "session_unknown": sign(claims_for(user, fid=str(uuid.uuid4()))),
        "empty_key_hs256": sign(good, key=""),
        "hs512": sign(good, alg="HS512"),
        "garbage": "not-a-jwt",
        "three_garbage_parts": "a.b.c",
        "empty_parts": "..",
    }


FORGERIES = [
    "alg_none",
    "alg_none_uppercase",
    "wrong_signature",
    "tampered_payload",
    "wrong_audience",
    "missing_audience",
    "wrong_issuer",
    "missing_issuer",
    "expired",
    "missing_exp",
    "unknown_kid",
    "missing_kid",
    "kid_not_a_string",
    "kid_an_object",
    "not_yet_valid",
    "missing_sub",
    "sub_not_a_uuid",
    "sub_unknown_user",
    "refresh_as_access",
    "missing_typ",
    "role_differs",
    "missing_role",
    "missing_version",
    "version_a_string",
    "version_a_boolean",
    "version_not_current",
    "session_not_a_uuid",
    "session_unknown",
    "empty_key_hs256",
    "hs512",
    "garbage",
    "three_garbage_parts",
    "empty_parts",
]


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_rejected_tokens_answer_401_problem(client, user, forgery):
    token = _forgeries(user)[forgery]
    r = await client.get(ME, headers=bearer(token))
    body = assert_problem(r, 401, "invalid_token")
    assert r.headers["www-authenticate"] == 'Bearer realm="anquan"'
    assert str(user.id) not in body.get("detail", "")


async def test_no_token_is_401(client):
    r = await client.get(ME)
    assert_problem(r, 401, "unauthenticated")


@pytest.mark.parametrize("scheme", ["Basic", "Token"])
async def test_other_schemes_are_401(client, user, scheme):
    r = await client.get(ME, headers={"Authorization": f"{scheme} {sign(claims_for(user))}"})
    assert_problem(r, 401, "unauthenticated")


def test_an_empty_verification_key_cannot_be_configured():
    """So no app verifies an HS256 token signed with the empty key (see empty_key_hs256)."""
    with pytest.raises(ValueError):
        make_settings(jwt_previous_keys={"old": ""})


async def _me(app, token: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.8", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        return await c.get(ME, headers=bearer(token))


async def test_key_rotation_accepts_previous_keys_by_kid(db, clock, user, app):
    old_token = app.state.tokens.issue(user.id, user.role)  # signed with k1 / TEST_SECRET
    rotated = create_app(
        make_settings(jwt_secret=NEW_SECRET, jwt_kid="k2", jwt_previous_keys={"k1": TEST_SECRET}),
        database=db,
        clock=clock,
    )
    r = await _me(rotated, old_token)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == str(user.id)

    new_token = rotated.state.tokens.issue(user.id, user.role)
    assert jwt.get_unverified_header(new_token)["kid"] == "k2"
    assert (await _me(rotated, new_token)).status_code == 200

    # the old app does not know k2
    assert_problem(await _me(app, new_token), 401, "invalid_token")
    # a token naming k2 but signed with the old secret is a forgery
    assert_problem(await _me(rotated, sign(claims_for(user), kid="k2")), 401, "invalid_token")
    # a token naming k1 but signed with the new secret too
    assert_problem(await _me(rotated, sign(claims_for(user), key=NEW_SECRET, kid="k1")), 401, "invalid_token")


async def test_retired_keys_are_rejected(db, clock, user, app):
    old_token = app.state.tokens.issue(user.id, user.role)
    retired = create_app(make_settings(jwt_secret=NEW_SECRET, jwt_kid="k2"), database=db, clock=clock)
    assert_problem(await _me(retired, old_token), 401, "invalid_token")


async def test_issued_tokens_carry_the_required_claims(app, user):
    token = app.state.tokens.issue(user.id, user.role)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256" and header["kid"] == "k1"
    claims = jwt.get_unverified_claims(token)
    assert claims["iss"] == "anquan" and claims["aud"] == "anquan-api"
    assert claims["sub"] == str(user.id) and claims["role"] == "supervisor" and claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == 3600
