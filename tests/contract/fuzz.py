"""The schemathesis runs of the contract tests: their configuration (generated from the
contract) and the two runs, as a street_admin and as a village_officer, each the
schemathesis CLI in a subprocess against a server of its own.

Statuses a schema-valid request may still get are derived from the contract itself: 412
where the operation honours If-Match (a stale version), 413 where it takes a body (the
size limit), 415 where it documents one (evidence files are typed by content), and 422
where app.api.openapi.rule_rejections names a rule of the domain that the schema cannot
express (an enterprise the caller cannot see, a date in the future, a cursor this API
did not issue, ...); the contract's 422 descriptions list those rules."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from schemathesis.config._checks import (
    NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES,
    POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES,
)

from app.api.openapi import rule_rejections
from app.domain.sectors import SECTOR_CODES
from tests.contract.bodies import today
from tests.contract.conftest import COMMITTED, THOROUGH, operations
from tests.contract.live import ROOT, LiveServer, start_server

EXAMPLES = 200 if THOROUGH else 15
SEED = 20240101
ROLES = ["village1", "admin"]
HOOKS = "tests.contract.schemathesis_hooks"
INDEPENDENT = "independent"
# The CLI's own default budget is 100 examples per operation and phase (about five minutes
# here); the suite gives it less and --thorough the default.
INDEPENDENT_EXAMPLES = 100 if THOROUGH else 25


@dataclass
class Run:
    who: str
    server: LiveServer
    directory: Path
    process: subprocess.Popen[bytes]

    def wait(self) -> str:
        self.process.wait(timeout=3 * 3600 if THOROUGH else 1800)
        return (self.directory / "schemathesis.txt").read_text(encoding="utf-8", errors="replace")


def start_runs(new_database: Callable[[], str], contract: dict[str, Any], tmp: Callable[[str], Path]) -> dict[str, Run]:
    """The runs at once, each against a server and database of its own (fuzzing changes a
    great deal: users, sectors, states), so that the two cores are both at work: the suite's
    two configured runs and the independent one."""
    servers: dict[str, LiveServer] = {}
    started: dict[str, Run] = {}
    try:
        for who in [*ROLES, INDEPENDENT]:  # one after the other: alembic's environment is not thread-safe
            servers[who] = start_server(new_database())
        started[INDEPENDENT] = start_independent_run(servers.pop(INDEPENDENT), tmp(f"schemathesis-{INDEPENDENT}"))
        for who, server in servers.items():
            directory = tmp(f"schemathesis-{who}")
            config = directory / "schemathesis.toml"
            config.write_text(toml(schemathesis_config(server, who, contract)), encoding="utf-8")
            command = [
                sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "--no-color",
                "run", str(COMMITTED), "--url", server.base_url,
            ]
            env = {**os.environ, "SCHEMATHESIS_HOOKS": HOOKS, "PYTHONPATH": str(ROOT)}
            with open(directory / "schemathesis.txt", "wb") as out:  # a file, not a pipe nobody reads yet
                process = subprocess.Popen(command, cwd=directory, stdout=out, stderr=subprocess.STDOUT, env=env)
            started[who] = Run(who, server, directory, process)
    except BaseException:
        stop_runs(started, servers)
        raise
    return started


def independent_command(server: LiveServer, report: Path) -> list[str]:
    """`schemathesis run` as anyone would run it: the committed contract, the service, a
    street_admin's token, every default check and phase; no configuration file, no hooks.
    Only the seed (reproducible), the example budget and a report file are given."""
    return [
        sys.executable, "-m", "schemathesis.cli", "--no-color", "run", str(COMMITTED), "--url", server.base_url,
        "-H", f"Authorization: {server.street.auth('admin')['Authorization']}",
        "--seed", str(SEED), "--max-examples", str(INDEPENDENT_EXAMPLES),
        "--report", "ndjson", "--report-ndjson-path", str(report),
    ]


def start_independent_run(server: LiveServer, directory: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS")}
    command = independent_command(server, directory / "events.ndjson")
    with open(directory / "schemathesis.txt", "wb") as out:
        process = subprocess.Popen(command, cwd=directory, stdout=out, stderr=subprocess.STDOUT, env=env)
    return Run(INDEPENDENT, server, directory, process)


def stop_runs(runs: dict[str, Run], servers: dict[str, LiveServer] | None = None) -> None:
    for run in runs.values():
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()
    for server in (servers or {r.who: r.server for r in runs.values()}).values():
        server.stop()


def expected_statuses(op: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(positive_data_acceptance, negative_data_rejection) expected statuses of an operation."""
    documented = set(op["responses"])
    params = {p["name"] for p in op.get("parameters", [])}
    positive = list(POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES)
    negative = list(NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES)
    if "If-Match" in params:
        assert "412" in documented, op["operationId"]
        positive.append("412")
        # RFC 9110 §13.2.1: preconditions are evaluated before the content is processed, so a
        # stale If-Match answers 412 whatever the body holds.
        negative.append("412")
    if "requestBody" in op:
        assert "413" in documented, op["operationId"]
        positive.append("413")
        negative.append("413")
    if "415" in documented:
        positive.append("415")
    # The hooks keep Idempotency-Keys unique (tests/contract/schemathesis_hooks.py), so a reused
    # key is no excuse for a 422 here.
    if rule_rejections(op, keys_reused=False):
        assert "422" in documented, op["operationId"]
        positive.append("422")
    return positive, negative


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(value)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def toml(data: dict[str, Any], prefix: str = "") -> str:
    """Just enough TOML for a schemathesis.toml: scalars, arrays, tables, arrays of tables."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, (dict, list)) or (
        isinstance(v, list) and not any(isinstance(x, dict) for x in v))]
    out = "\n".join(lines) + ("\n" if lines else "")
    for key, value in data.items():
        name = f"{prefix}.{_toml_key(key)}" if prefix else _toml_key(key)
        if isinstance(value, dict):
            out += f"\n[{name}]\n" + toml(value, name)
        elif isinstance(value, list) and any(isinstance(x, dict) for x in value):
            for item in value:
                out += f"\n[[{name}]]\n" + toml(item, name)
    return out


def schemathesis_config(server: LiveServer, who: str, contract: dict[str, Any]) -> dict[str, Any]:
    ids = server.street.ids
    day = today()
    dictionaries = {
        "hazards": [ids[f"hazard{n}"] for n in range(5)],
        "enterprises": [ids[f"e{n}"] for n in range(1, 6)],
        "villages": [ids["v1"], ids["v2"]],
        "units": [ids["v1"], ids["v2"], ids["emergency"], ids["housing"]],
        "users": [v for k, v in ids.items() if k.startswith("user_") and k != f"user_{who}"],
        "tasks": [ids["task"]],
        "reports": [ids["report"]],
        "inspections": [ids["inspection"]],
        "drills": [ids["drill"]],
        "trainings": [ids["training"]],
        "attachments": [ids["attachment"]],
        "tracking_codes": [ids["tracking_code"]],
        "sectors": sorted(SECTOR_CODES),
        # Business dates the rules accept: what happened is not in the future, a step is not
        # before the previous one (the seed's steps are today's), deadlines lie ahead.
        "today": [str(day)],
        "past": [str(day - timedelta(days=n)) for n in (0, 1, 7, 40, 400)],
        "future": [str(day + timedelta(days=n)) for n in (31, 60, 365)],
    }
    # Known objects half of the time, generated values the other half: the run reaches the
    # service's logic, not only its 404s and 422s.
    bindings = {
        "path.hazard_id": "hazards", "path.enterprise_id": "enterprises", "path.task_id": "tasks",
        "path.report_id": "reports", "path.inspection_id": "inspections", "path.drill_id": "drills",
        "path.training_id": "trainings", "path.attachment_id": "attachments", "path.org_unit_id": "units",
        "path.user_id": "users", "path.tracking_code": "tracking_codes",
        "query.village_id": "villages", "query.enterprise_id": "enterprises", "query.sector": "sectors",
        "body.enterprise_id": "enterprises", "body.village_id": "villages", "body.sector": "sectors",
        "body.hazard_id": "hazards", "body.assignee_org_unit_id": "units", "body.target_org_unit_id": "units",
        "body.attachment_ids[*]": "attachments", "body.findings[*].enterprise_id": "enterprises",
        "body.discovered_on": "past", "body.held_on": "past", "body.performed_on": "past", "body.registered_on": "past",
        "body.effective_on": "today", "body.completed_on": "today", "body.referred_on": "today",
        "body.findings[*].discovered_on": "today", "body.deadline": "future", "body.due_on": "future",
        "body.findings[*].deadline": "future", "query.as_of": "past",
    }
    per_operation = []
    for _, _, op in operations(contract):
        positive, negative = expected_statuses(op)
        per_operation.append({
            "include-operation-id": op["operationId"],
            "checks": {
                "positive_data_acceptance": {"expected-statuses": positive},
                "negative_data_rejection": {"expected-statuses": negative},
            },
        })
    return {
        "seed": SEED,
        "base-url": server.base_url,
        # One worker each (the two runs go side by side): several threads parsing hypothesis
        # strategies at once trip a CPython 3.11 `ast` race ("AST constructor recursion depth
        # mismatch"), an error of the tool, not of the API.
        "workers": 1,
        "request-timeout": 30,
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large", "large_base_example"],
        "headers": {"Authorization": server.street.auth(who)["Authorization"]},
        "cache": {"enabled": False},
        "generation": {"max-examples": EXAMPLES, "database": "none"},
        # Scenarios (the contract's links, and those inferred from Location headers) are cheap
        # next to the per-operation phases: run more of them.
        "phases": {"stateful": {"generation": {"max-examples": 3 * EXAMPLES}}},
        "dictionaries": {name: {"values": values} for name, values in dictionaries.items()},
        "parameters": {key: {"dictionary": name, "probability": 0.5} for key, name in bindings.items()},
        "operations": per_operation,
    }


def server_errors(server: LiveServer) -> str:
    try:
        lines = server.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(line for line in lines if '"level": "error"' in line or "Traceback" in line)[-20000:]




def _problem_code(response: dict[str, Any]) -> str | None:
    content = response.get("content") or {}
    raw = base64.b64decode(content["$base64"]) if "$base64" in content else str(content).encode()
    try:
        return json.loads(raw).get("code")
    except (ValueError, AttributeError):
        return None


def declared_refusal(op: dict[str, Any], status: int, code: str | None) -> str | None:
    """Why the contract lets this operation refuse a schema-valid request with `status`, or
    None: a stale but well-formed If-Match (412), evidence whose content is not of its
    declared type (415), and the rules of the domain its 422 lists — a reused
    Idempotency-Key, an id the caller cannot see, a date relative to today or the history."""
    names = {p["name"] for p in op.get("parameters", [])}
    documented = set(op["responses"])
    if status == 412 and code == "precondition_failed" and "If-Match" in names and "412" in documented:
        return "stale If-Match"
    if status == 415 and code == "unsupported_media_type" and "415" in documented:
        return "file content not of its type"
    if status == 422 and code == "idempotency_key_reused" and "Idempotency-Key" in names:
        return "reused Idempotency-Key"
    if status == 422 and code not in (None, "validation_error") and rule_rejections(op, keys_reused=False):
        return "rule of the domain"
    return None


def classify_independent(events: Path, contract: dict[str, Any]) -> tuple[dict[str, int], list[str]]:
    """(tolerated failures by reason, untolerated failures) of an independent run's NDJSON
    events. A failure of any check other than positive data acceptance is untolerated; a
    rejected "positive" case is tolerated when a part of it was generated negative (the
    tool's own mix-up) or when the contract declares the refusal (declared_refusal)."""
    ops = {(m, p): op for m, p, op in operations(contract)}
    tolerated: dict[str, int] = {}
    untolerated: list[str] = []
    for line in events.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        (kind, data), = event.items()
        recorder = data.get("recorder") if isinstance(data, dict) else None
        if not recorder:
            continue
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                if check.get("status") != "failure":
                    continue
                case = recorder["cases"][case_id]["value"]
                response = (recorder.get("interactions", {}).get(case_id) or {}).get("response") or {}
                status = response.get("status_code")
                label = f"{case['method']} {case['path']}: {check['name']} [{status}]"
                op = ops.get((case["method"].upper(), case["path"]))
                if (check["name"] == "negative_data_rejection" and status == 412 and op is not None
                        and "If-Match" in {p["name"] for p in op.get("parameters", [])}):
                    # RFC 9110 §13.2.1: the precondition is evaluated before the content is read.
                    tolerated["stale If-Match before the content"] = tolerated.get("stale If-Match before the content", 0) + 1
                    continue
                if check["name"] != "positive_data_acceptance" or op is None:
                    untolerated.append(f"{label} {check.get('failure_info')}")
                    continue
                modes = {c.get("mode") for c in (case.get("meta") or {}).get("components", {}).values()}
                code = _problem_code(response)
                reason = "a part generated negative" if "negative" in modes else declared_refusal(op, status, code)
                if reason is None:
                    untolerated.append(f"{label} {code}: {response.get('content')}")
                else:
                    tolerated[reason] = tolerated.get(reason, 0) + 1
    return tolerated, untolerated
