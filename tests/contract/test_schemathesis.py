"""Schemathesis against the running service, every operation of openapi/openapi.json, with
every default check (server errors, status codes, content types, response schemas and
headers, negative data rejected, positive data accepted, missing auth → 401, unsupported
methods → 405, Allow headers, use after free, resource availability), as a street_admin
and as a village_officer, and stateful runs that follow the contract's links.

The budget is bounded so that CI stays fast; `./scripts/test --thorough`
(ANQUAN_TEST_THOROUGH=1) runs a larger one. The runs are the schemathesis CLI in
subprocesses (tests/contract/fuzz.py), so a failure reads exactly as schemathesis reports
it, with a curl line to reproduce it. The numbers of operations and test cases each run
exercised are printed at the end of the pytest run."""

from __future__ import annotations

import re

import pytest

from tests.contract.conftest import SCHEMATHESIS_SUMMARIES, operations
from tests.contract.fuzz import (
    EXAMPLES,
    INDEPENDENT,
    ROLES,
    Run,
    classify_independent,
    expected_statuses,
    server_errors,
)


def test_expected_statuses_are_documented(contract):
    """Every status the run tolerates on valid input is one the contract documents."""
    for _, _, op in operations(contract):
        positive, _ = expected_statuses(op)
        extra = {s for s in positive if s.isdigit()} - {"401", "403", "404", "409", "429"}
        assert extra <= set(op["responses"]), (op["operationId"], extra)


@pytest.mark.parametrize("who", ROLES)
def test_schemathesis(schemathesis_runs: dict[str, Run], who: str, record_property) -> None:
    run = schemathesis_runs[who]
    output = run.wait()
    tested = re.search(r"API Operations:\s+Selected: (\d+)/(\d+)\s+Tested: (\d+)", output)
    cases = re.search(r"Test cases:\s+(\d+) generated", output)
    took = re.search(r"in ([0-9.]+)s =+\s*$", output)
    summary = (
        f"schemathesis as {run.server.street.usernames[who]}: {tested.group(3) if tested else '?'} operations, "
        f"{cases.group(1) if cases else '?'} test cases, max {EXAMPLES} examples per operation and phase, "
        f"{took.group(1) if took else '?'} s"
    )
    SCHEMATHESIS_SUMMARIES.append(summary)
    record_property("schemathesis", summary)
    assert run.process.returncode == 0, output[-60000:] + "\n--- server errors ---\n" + server_errors(run.server)
    assert tested and tested.group(1) == tested.group(2) == tested.group(3), output[-5000:]


def test_independent_schemathesis_run(schemathesis_runs: dict[str, Run], contract, record_property) -> None:
    """The bare `schemathesis run` (tests/contract/fuzz.py independent_command): no failure
    but those the contract declares — a schema-valid request may still meet a stale ETag,
    evidence whose bytes are not of their type, or a rule of the domain listed in the
    operation's 422 (an unknown id, a date in the future, a reused Idempotency-Key)."""
    run = schemathesis_runs[INDEPENDENT]
    output = run.wait()
    tolerated, untolerated = classify_independent(run.directory / "events.ndjson", contract)
    tested = re.search(r"API Operations:\s+Selected: (\d+)/(\d+)\s+Tested: (\d+)", output)
    cases = re.search(r"Test cases:\s+(\d+) generated", output)
    summary = (
        f"independent schemathesis run as a street_admin: {tested.group(3) if tested else '?'} operations, "
        f"{cases.group(1) if cases else '?'} test cases, {len(untolerated)} undeclared failures; declared refusals: "
        + (", ".join(f"{reason} {n}" for reason, n in sorted(tolerated.items())) or "none")
    )
    SCHEMATHESIS_SUMMARIES.append(summary)
    record_property("schemathesis_independent", summary)
    assert untolerated == [], "\n".join(untolerated) + "\n" + output[-20000:] + "\n--- server errors ---\n" + server_errors(run.server)
    assert tested and tested.group(1) == tested.group(2) == tested.group(3), output[-5000:]
    assert "Errors:" not in output.split("SUMMARY")[-1], output[-5000:]
