"""CPU used by work that is not the benchmark's (another test suite on a shared machine, or
other databases on the same PostgreSQL): recorded for every run, and waited out before it."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import asyncpg
import psutil

from bench import BENCH_DATABASE

Key = tuple[int, float]  # (pid, create_time): pids get reused


def _cpu(p: psutil.Process) -> float:
    t = p.cpu_times()
    return t.user + t.system


def _snapshot() -> dict[Key, tuple[float, str]]:
    out = {}
    for p in psutil.process_iter(["pid", "create_time", "name"]):
        try:
            out[(p.info["pid"], p.info["create_time"])] = (_cpu(p), p.info["name"] or "")
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return out


async def _foreign_backends(url: str) -> set[int]:
    """PostgreSQL client backends working for other databases."""
    try:
        conn = await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError):
        return set()
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname IS DISTINCT FROM $1",
            BENCH_DATABASE,
        )
        return {r["pid"] for r in rows}
    finally:
        await conn.close()


def _ours() -> set[int]:
    me = psutil.Process(os.getpid())
    try:
        return {me.pid} | {c.pid for c in me.children(recursive=True)}
    except psutil.NoSuchProcess:
        return {me.pid}


def _system_busy() -> float:
    t = psutil.cpu_times()
    idle = t.idle + getattr(t, "iowait", 0.0)
    return sum(t) - idle


class ForeignCpu:
    """CPU seconds per wall second spent outside the benchmark: the machine's busy time
    (/proc/stat, so short-lived processes such as a test suite's are counted) minus what
    the benchmark's own processes used — the bench, the service and wrk (all children of
    the bench), and PostgreSQL except the backends serving other databases."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._start: dict[Key, tuple[float, str]] = {}
        self._busy0 = 0.0
        self._t0 = 0.0

    def start(self) -> None:
        self._start = _snapshot()
        self._busy0 = _system_busy()
        self._t0 = time.monotonic()

    async def stop(self) -> dict[str, Any]:
        end = _snapshot()
        busy = max(0.0, _system_busy() - self._busy0)
        wall = max(1e-6, time.monotonic() - self._t0)
        ours_pids = _ours()
        foreign_pg = await _foreign_backends(self.url)
        ours = 0.0
        others: dict[str, float] = {}
        for key, (cpu, name) in end.items():
            before = self._start.get(key)
            delta = max(0.0, cpu - before[0]) if before else cpu  # born during the window
            pid = key[0]
            if pid in ours_pids or (name.startswith("postgres") and pid not in foreign_pg):
                ours += delta
            elif before is not None:
                others[name] = others.get(name, 0.0) + delta
        foreign = max(0.0, busy - ours)
        busiest = sorted(others.items(), key=lambda kv: -kv[1])[:3]
        return {
            "foreign_cpu_cores": round(foreign / wall, 2),
            "total_cpu_cores": round(busy / wall, 2),
            "foreign_top": {k: round(v / wall, 2) for k, v in busiest if v / wall >= 0.05},
        }


async def wait_quiet(url: str, *, max_wait: float, threshold: float = 0.25, log: Any = None) -> dict[str, Any]:
    """Wait (at most `max_wait` s) until other work uses less than `threshold` of a core
    over two consecutive seconds."""
    started = time.monotonic()
    calm = 0
    last: dict[str, Any] = {}
    warned = False
    while True:
        mon = ForeignCpu(url)
        mon.start()
        await asyncio.sleep(1.0)
        last = await mon.stop()
        calm = calm + 1 if last["foreign_cpu_cores"] < threshold else 0
        waited = time.monotonic() - started
        if calm >= 2 or waited >= max_wait:
            break
        if log and not warned and waited > 5:
            log(f"    waiting for the machine to be quiet: other processes use {last['foreign_cpu_cores']} cores "
                f"({last['foreign_top']})")
            warned = True
    return {"waited_s": round(time.monotonic() - started, 1), **last}
