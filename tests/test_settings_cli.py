"""Settings (one pydantic-settings class) and the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from app.db import migrate
from app.db.models import AppUser
from app.db.session import Database
from app.main import create_app
from app.services.bootstrap import ensure_bootstrap_admin
from app.services.security import PasswordHashing
from app.settings import DEV_JWT_SECRET, Settings, to_async_url
from tests.conftest import test_settings as make_settings

ROOT = Path(__file__).resolve().parents[1]
SECRET_40 = "s" * 40
AUDIT_40 = "a" * 40


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("ANQUAN_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)


def test_production_refuses_the_default_secret():
    with pytest.raises(ValidationError, match="ANQUAN_JWT_SECRET"):
        Settings(env="production")


def test_production_refuses_a_short_secret():
    with pytest.raises(ValidationError, match="ANQUAN_JWT_SECRET"):
        Settings(env="production", jwt_secret="x" * 31)


def test_production_accepts_a_long_secret():
    settings = Settings(env="production", jwt_secret=SECRET_40, audit_key=AUDIT_40)
    assert settings.jwt_secret.get_secret_value() == SECRET_40
    assert settings.env == "production"


def test_test_env_refuses_the_default_secret():
    with pytest.raises(ValidationError):
        Settings(env="test", jwt_secret=DEV_JWT_SECRET)


def test_dev_has_a_working_default():
    assert Settings().env == "dev"
    assert Settings().jwt_secret.get_secret_value() == DEV_JWT_SECRET


@pytest.mark.parametrize("env", ["dev", "test", "production"])
def test_an_empty_secret_is_refused_everywhere(env):
    """An empty HMAC key would let anybody sign tokens."""
    with pytest.raises(ValidationError, match="ANQUAN_JWT_SECRET"):
        Settings(env=env, jwt_secret="")


def test_production_refuses_a_short_previous_key():
    """Rotation keys verify tokens too: the same rule as the active key."""
    with pytest.raises(ValidationError, match="ANQUAN_JWT_PREVIOUS_KEYS"):
        Settings(env="production", jwt_secret=SECRET_40, jwt_previous_keys={"k0": "short"})
    ok = Settings(env="production", jwt_secret=SECRET_40, jwt_previous_keys={"k0": "p" * 40}, audit_key=AUDIT_40)
    assert ok.jwt_previous_keys["k0"].get_secret_value() == "p" * 40


def test_an_empty_previous_key_is_refused_in_dev():
    with pytest.raises(ValidationError, match="ANQUAN_JWT_PREVIOUS_KEYS"):
        Settings(env="dev", jwt_previous_keys={"k0": ""})


def test_env_prefix_and_database_url_are_read(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.example/anquan")
    monkeypatch.setenv("ANQUAN_ENV", "production")
    monkeypatch.setenv("ANQUAN_JWT_SECRET", SECRET_40)
    monkeypatch.setenv("ANQUAN_AUDIT_KEY", AUDIT_40)
    monkeypatch.setenv("ANQUAN_LOGIN_MAX_FAILURES", "7")
    settings = Settings()
    assert settings.database_url == "postgresql://app@db.example/anquan"
    assert settings.async_database_url == "postgresql+asyncpg://app@db.example/anquan"
    assert settings.env == "production"
    assert settings.login_max_failures == 7


def test_prefixed_database_url_wins(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://plain@h/db")
    monkeypatch.setenv("ANQUAN_DATABASE_URL", "postgresql://prefixed@h/db")
    assert Settings().database_url == "postgresql://prefixed@h/db"


def test_to_async_url_translates_sslmode():
    assert to_async_url("postgresql://u@h/db?sslmode=require") == "postgresql+asyncpg://u@h/db?ssl=require"
    assert to_async_url("postgres://u:p@h:5433/db") == "postgresql+asyncpg://u:p@h:5433/db"
    assert to_async_url("postgresql+asyncpg://u@h/db") == "postgresql+asyncpg://u@h/db"
    with pytest.raises(ValueError, match="unsupported database URL scheme"):
        to_async_url("mysql://u@h/db")


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_") and k != "DATABASE_URL"}
    env.update({"DATABASE_URL": url, "ANQUAN_ENV": "dev", "ANQUAN_ARGON2_TIME_COST": "1", "ANQUAN_ARGON2_MEMORY_KIB": "8192"})
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


async def _login(url: str, username: str, password: str) -> httpx.Response:
    db = Database.from_url(url, pool_size=2, max_overflow=0)
    try:
        app = create_app(make_settings(), database=db)
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
            if r.status_code != 200:
                return r
            return await client.get(
                "/api/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
            )
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def migrated_url(scratch_database) -> str:  # type: ignore[no-untyped-def]
    url = scratch_database()
    migrate.upgrade(url)
    return url


async def test_cli_create_user_then_login(migrated_url):
    done = _cli(migrated_url, "create-user", "--username", "cli_admin", "--password", "cli-password-123", "--role", "street_admin")
    assert done.returncode == 0, done.stderr
    user_id = done.stdout.strip()
    me = await _login(migrated_url, "cli_admin", "cli-password-123")
    assert me.status_code == 200, me.text
    assert me.json()["id"] == user_id
    assert me.json()["role"] == "street_admin"
    assert me.json()["org_unit_id"] is not None  # the street office, found by the CLI


async def test_cli_create_user_refuses_a_bad_role_fit(migrated_url):
    done = _cli(migrated_url, "create-user", "--username", "cli_village", "--password", "cli-password-123", "--role", "village_officer")
    assert done.returncode == 2
    assert "org_unit_id" in done.stderr
    assert (await _login(migrated_url, "cli_village", "cli-password-123")).status_code == 401


def test_cli_without_database_url_or_embedded_database_says_what_to_do(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_") and k != "DATABASE_URL"}
    env["ANQUAN_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "verify-audit"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "DATABASE_URL is not set" in done.stderr and str(tmp_path / "pgdata") in done.stderr
    assert "./scripts/run" in done.stderr and "./scripts/cli migrate" in done.stderr
    assert not (tmp_path / "pgdata").exists()  # nothing was created for a command that only reads


async def test_bootstrap_admin_created_once(db, session):
    settings = make_settings(bootstrap_admin_username="first_admin", bootstrap_admin_password="first-admin-password")
    passwords = PasswordHashing(settings)
    count = select(func.count()).select_from(AppUser).where(AppUser.role == "street_admin")
    assert (await session.execute(count)).scalar_one() == 0

    assert await ensure_bootstrap_admin(db, passwords, settings) is True
    admin = (await session.execute(select(AppUser).where(AppUser.username == "first_admin"))).scalar_one()
    assert admin.role == "street_admin"
    assert admin.org_unit_id is not None
    assert passwords.verify(admin.password_hash, "first-admin-password")

    assert await ensure_bootstrap_admin(db, passwords, settings) is False
    assert (await session.execute(count)).scalar_one() == 1


async def test_bootstrap_admin_not_created_when_an_admin_exists(db, session, world):
    await world.user("street_admin", username="existing_admin")
    settings = make_settings(bootstrap_admin_username="another_admin", bootstrap_admin_password="another-password")
    assert await ensure_bootstrap_admin(db, PasswordHashing(settings), settings) is False
    assert (await session.execute(select(AppUser).where(AppUser.username == "another_admin"))).first() is None


def test_k4_risk_scoring_is_read_from_the_environment_and_checked(monkeypatch):
    monkeypatch.setenv("ANQUAN_RISK_SCORING", '{"high_risk_points": 30, "thresholds": {"red": 90}}')
    assert make_settings().scoring.high_risk_points == 30 and make_settings().scoring.thresholds.red == 90
    monkeypatch.setenv("ANQUAN_RISK_SCORING", '{"thresholds": {"red": 10}}')
    with pytest.raises(ValidationError, match="ANQUAN_RISK_SCORING: thresholds.orange"):
        make_settings()
    monkeypatch.setenv("ANQUAN_RISK_SCORING", '{"no_such_points": 1}')
    with pytest.raises(ValidationError, match="no_such_points: unknown setting"):
        make_settings()
