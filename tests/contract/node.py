"""Node tools of the contract tests, from pinned versions: each tool directory has a
package.json and a package-lock.json; `npm ci` installs it on first use (from npm's cache
when it holds the packages, so it also works offline once filled), again only when the lock
file changed. Install scripts are not run (the tools need none; one is telemetry)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_TOOLS = ROOT / "tools" / "openapi-lint"
TYPESCRIPT_SDK = ROOT / "clients" / "typescript"

# No telemetry, no update checks, no colour: the tools run offline and their output is parsed.
NODE_ENV = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "NO_UPDATE_NOTIFIER": "1",
    "npm_config_update_notifier": "false",
    "npm_config_fund": "false",
    "npm_config_audit": "false",
    "NO_COLOR": "1",
    "FORCE_COLOR": "0",
}


def node_env(**extra: str) -> dict[str, str]:
    return {**os.environ, **NODE_ENV, **extra}


def npm_ci(directory: Path) -> Path:
    """`npm ci` in `directory` unless its node_modules matches the lock file; the bin folder."""
    npm = shutil.which("npm")
    assert npm, "npm is needed for the contract's lint gates and the TypeScript SDK (Node.js 20 or later)"
    lock = directory / "package-lock.json"
    stamp = directory / "node_modules" / ".anquan-installed"
    if not stamp.exists() or stamp.read_bytes() != lock.read_bytes():
        done = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=directory, env=node_env(), capture_output=True, text=True, timeout=600,
        )
        assert done.returncode == 0, f"npm ci in {directory} failed:\n{done.stdout}\n{done.stderr}"
        stamp.write_bytes(lock.read_bytes())
    return directory / "node_modules" / ".bin"


def run(command: list[str], cwd: Path, *, timeout: int = 300, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=node_env(**env), capture_output=True, text=True, timeout=timeout)
