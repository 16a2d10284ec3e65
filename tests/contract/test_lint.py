"""Lint gates of the committed contract: Redocly CLI (recommended rules) and Spectral
(spectral:oas) report 0 errors and 0 warnings. Both run from the versions pinned in
tools/openapi-lint/package-lock.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.contract.conftest import COMMITTED, LINT_SUMMARIES
from tests.contract.node import LINT_TOOLS, npm_ci, run


@pytest.fixture(scope="module")
def lint_bin() -> Path:
    return npm_ci(LINT_TOOLS)


def test_redocly_recommended_is_clean(lint_bin: Path) -> None:
    done = run([str(lint_bin / "redocly"), "lint", str(COMMITTED), "--format=json", "--config", "redocly.yaml"], LINT_TOOLS)
    report = json.loads(done.stdout)
    totals = report["totals"]
    problems = [
        f"{p['severity']} {p['ruleId']}: {p['message']} at {p['location'][0].get('pointer')}" for p in report["problems"]
    ]
    LINT_SUMMARIES.append(f"redocly lint (recommended): {totals['errors']} errors, {totals['warnings']} warnings")
    assert (totals["errors"], totals["warnings"]) == (0, 0), "\n".join(problems)
    assert done.returncode == 0, done.stderr


def test_spectral_oas_is_clean(lint_bin: Path, tmp_path: Path) -> None:
    out = tmp_path / "spectral.json"
    done = run(
        [str(lint_bin / "spectral"), "lint", str(COMMITTED), "--format=json", f"--output={out}", "--ruleset",
         ".spectral.yaml", "--fail-severity=hint"],
        LINT_TOOLS,
    )
    assert out.exists(), done.stdout + done.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    severities = {0: "error", 1: "warning", 2: "info", 3: "hint"}
    problems = [f"{severities[r['severity']]} {r['code']}: {r['message']} at {'.'.join(map(str, r['path']))}" for r in results]
    errors = sum(r["severity"] == 0 for r in results)
    warnings = sum(r["severity"] == 1 for r in results)
    LINT_SUMMARIES.append(f"spectral lint (spectral:oas): {errors} errors, {warnings} warnings")
    assert problems == [], "\n".join(problems)
    assert done.returncode == 0, done.stderr
