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
