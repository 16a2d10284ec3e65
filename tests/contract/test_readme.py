"""The README's examples run as written: every ```sh block of README.md, in order, in one
bash session against the real service (uvicorn on a scratch database with the demo data
loaded, tests/contract/live.py), so the README cannot drift from what the service does.

Conventions: a block whose info string is `sh no-run` is not run (it starts the service,
builds an image, or talks to production); every other `sh` block is. `http://127.0.0.1:8000`
is replaced by the test server's address. Commands run under `set -euo pipefail`, and `curl`
is given `--fail-with-body`, so a command that fails or an answer with an error status (4xx,
5xx) fails the test, with the output so far."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.db import migrate
from app.db.demo import load_demo
from app.db.reference import ensure_reference_data
from app.db.session import Database
from app.services.security import PasswordHashing
from tests.conftest import test_settings
from tests.contract.live import ROOT, start_server

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```$", re.S | re.M)
PRELUDE = """set -euo pipefail
curl() { command curl --fail-with-body "$@"; }
"""


def runnable_blocks(readme: str) -> list[str]:
    blocks = []
    for info, body in FENCE.findall(readme):
        words = info.split()
        if words[:1] == ["sh"] and "no-run" not in words[1:]:
            blocks.append(body)
    return blocks


def test_the_convention_sorts_the_blocks():
    text = "```sh\necho a\n```\n```sh no-run\necho b\n```\n```ts\nx\n```\n```\nplain\n```\n"
    assert runnable_blocks(text) == ["echo a\n"]


async def _demo(url: str) -> None:
    db = Database.from_url(url, pool_size=1, max_overflow=0)
    try:
        async with db.transaction() as session:
            await ensure_reference_data(session)
            await load_demo(session, PasswordHashing(test_settings()))
    finally:
        await db.dispose()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is needed to run the README's examples")
def test_the_readmes_examples_run_as_written(scratch_database, tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = runnable_blocks(readme)
    script = "\n".join(blocks)
    # the examples the README promises are among those run
    for needle in ("/hazards/$H/review", "/targets?as_of=", "/imports/templates/hazards", "/imports/$IMP/commit"):
        assert needle in script, needle
    url = scratch_database()
    migrate.upgrade(url)
    asyncio.run(_demo(url))
    server = start_server(url, seed=False)
    try:
        script = script.replace("http://127.0.0.1:8000", server.base_url)
        done = subprocess.run(
            ["bash", "-c", PRELUDE + script], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, f"exit {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}"
        assert '"status":"committed"' in done.stdout or "committed" in done.stdout
        assert (tmp_path / "failing-rows.xlsx").stat().st_size > 0
    finally:
        server.stop()
