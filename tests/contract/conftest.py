"""Shared fixtures of the contract tests: the committed contract and the real service."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.contract.live import LiveServer, start_server

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"
METHODS = ("get", "put", "post", "patch", "delete")
THOROUGH = os.environ.get("ANQUAN_TEST_THOROUGH") == "1"

# Suites that test the HTTP contract only (the schema, its linters, the generated clients,
# the README against a demo service): their result does not depend on which PostgreSQL the
# service runs on. ANQUAN_TEST_SKIP_HTTP_CONTRACT=1 skips them; .ci/run sets it for its
# second run, against the PostgreSQL server, after they ran against the embedded one.
HTTP_CONTRACT_SUITES = frozenset({"test_schemathesis.py", "test_lint.py", "test_clients.py", "test_readme.py"})
SKIP_HTTP_CONTRACT = os.environ.get("ANQUAN_TEST_SKIP_HTTP_CONTRACT") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SKIP_HTTP_CONTRACT:
        return
    skip = pytest.mark.skip(reason="ANQUAN_TEST_SKIP_HTTP_CONTRACT=1: the HTTP contract suites ran on the first database")
    for item in items:
        if item.path.name in HTTP_CONTRACT_SUITES:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def contract() -> dict[str, Any]:
    """openapi/openapi.json as committed: what clients build against."""
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def operations(contract: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in contract["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


@pytest.fixture(scope="session")
def server(scratch_database) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    """The service on a seeded scratch database, shared by the BOLA, property and limit
    tests (each builds the objects it needs; the schemathesis run has a server of its own)."""
    live = start_server(scratch_database())
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        yield client


@pytest.fixture(scope="session")
def schemathesis_runs(background_schemathesis_runs):  # type: ignore[no-untyped-def]
    """The schemathesis runs (tests/contract/fuzz.py), started with the session by
    tests/conftest.py, in the background while the rest of the suite runs."""
    return background_schemathesis_runs


SCHEMATHESIS_SUMMARIES: list[str] = []
LINT_SUMMARIES: list[str] = []
CLIENT_SUMMARIES: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """What the schemathesis runs exercised, what the linters and the generators said, at
    the end of every run that includes them."""
    for title, lines in (("schemathesis", SCHEMATHESIS_SUMMARIES), ("contract lint", LINT_SUMMARIES),
                         ("generated clients", CLIENT_SUMMARIES)):
        if lines:
            terminalreporter.section(title)
            for line in lines:
                terminalreporter.write_line(line)
