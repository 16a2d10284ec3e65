"""The service as it runs in production: `uvicorn app.main:create_app --factory` with several
workers, uvloop and httptools, ANQUAN_ENV=production, a random JWT secret, on a free
loopback port, its logs (the app's JSON access lines included) to var/bench/service.log."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    root: Path
    database_url: str
    workers: int = 2
    pool_size: int = 16
    max_overflow: int = 4
    port: int = field(default_factory=free_port)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(36)[:48])
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
            "--workers", str(self.workers), "--host", "127.0.0.1", "--port", str(self.port),
            "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
            "--timeout-keep-alive", "30",
        ]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ANQUAN_") and k != "DATABASE_URL"}
        env.update({
            "DATABASE_URL": self.database_url,
            "ANQUAN_ENV": "production",
            "ANQUAN_JWT_SECRET": self.secret,
            "ANQUAN_AUDIT_KEY": self.secret[::-1],
            "ANQUAN_ACCESS_TOKEN_TTL_SECONDS": "86400",
            # 32 connections over 2 workers: 16 requests in flight per worker, a few more for
            # the CSV export's own connection (the asyncpg reader pool, if any, is as large)
            "ANQUAN_DB_POOL_SIZE": str(self.pool_size),
            "ANQUAN_DB_MAX_OVERFLOW": str(self.max_overflow),
            "ANQUAN_DATA_DIR": str(self.root / "var" / "bench" / "data"),
        })
        return env

    async def start(self, timeout: float = 60.0) -> None:
        self.log_path = self.root / "var" / "bench" / "service.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept for the life of the process
        self.proc = subprocess.Popen(
            self.command, cwd=self.root, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"the service exited with {self.proc.returncode}; see {self.log_path}")
                try:
                    r = await client.get(self.base_url + "/readyz")
                    if r.status_code == 200 and len(self.worker_processes()) >= self.workers:
                        # every worker answers /readyz before the load starts
                        for _ in range(self.workers * 4):
                            await client.get(self.base_url + "/readyz")
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"the service did not become ready in {timeout} s; see {self.log_path}")

    def worker_processes(self) -> list[psutil.Process]:
        if self.proc is None:
            return []
        out = []
        try:
            children = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        for p in children:  # the workers, not multiprocessing's resource tracker
            try:
                cmd = " ".join(p.cmdline())
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            if "resource_tracker" not in cmd and "semaphore_tracker" not in cmd:
                out.append(p)
        return out

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def tokens(self, users: dict[str, tuple[uuid.UUID, str]]) -> dict[str, str]:
        """Access tokens minted with the service's secret (what POST /auth/token would
        return; logging in is not what is measured, and argon2 is slow on purpose)."""
        from app.services.security import TokenService
        from app.settings import Settings

        settings = Settings(env="production", jwt_secret=self.secret, audit_key=self.secret[::-1],
                            access_token_ttl_seconds=86400)
        service = TokenService(settings)
        return {name: service.issue(uid, role) for name, (uid, role) in users.items()}


class AccessLogWindow:
    """The service's own timings (`duration_ms` of its JSON access lines) for the requests
    of one run: read from the log's size at the start of the run to its end."""

    def __init__(self, log_path: Path | None) -> None:
        self.log_path = log_path
        self.offset = log_path.stat().st_size if log_path and log_path.exists() else 0

    def durations(self) -> list[float]:
        if not self.log_path or not self.log_path.exists():
            return []
        import json

        out = []
        with open(self.log_path, "rb") as f:
            f.seek(self.offset)
            for raw in f:
                if b'"anquan.access"' not in raw:
                    continue
                try:
                    rec = json.loads(raw)
                except ValueError:
                    continue
                if str(rec.get("path", "")).startswith("/api/") and "duration_ms" in rec:
                    out.append(float(rec["duration_ms"]))
        return out


class RssSampler:
    """Peak RSS of each worker, sampled every `interval` seconds while running."""

    def __init__(self, processes: list[psutil.Process], interval: float = 0.05) -> None:
        self.processes = processes
        self.interval = interval
        self.baseline: dict[int, int] = {}
        self.peak: dict[int, int] = {}
        self._task: asyncio.Task | None = None

    def _sample(self) -> dict[int, int]:
        out = {}
        for p in self.processes:
            try:
                out[p.pid] = p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return out

    async def _run(self) -> None:
        while True:
            for pid, rss in self._sample().items():
                self.peak[pid] = max(self.peak.get(pid, 0), rss)
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        self.baseline = self._sample()
        self.peak = dict(self.baseline)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> dict[str, float]:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        growth = {pid: self.peak[pid] - self.baseline.get(pid, self.peak[pid]) for pid in self.peak}
        mib = 1024 * 1024
        return {
            "max_growth_mib": round(max(growth.values(), default=0) / mib, 1),
            "baseline_mib": {str(k): round(v / mib, 1) for k, v in self.baseline.items()},
            "peak_mib": {str(k): round(v / mib, 1) for k, v in self.peak.items()},
        }


SERVICE_APPLICATIONS = ("anquan", "anquan-read")  # the service's engine and its asyncpg reader pool


async def wait_idle(database_url: str, *, timeout: float = 600.0,
                    application_names: tuple[str, ...] = SERVICE_APPLICATIONS) -> float:
    """Wait until the service's connections are idle (requests abandoned by the load
    generator at the end of a run keep running server-side). Returns the seconds waited."""
    import asyncpg

    started = time.monotonic()
    conn = await asyncpg.connect(database_url)
    try:
        quiet = 0
        while time.monotonic() - started < timeout:
            busy = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = ANY($1::text[]) AND state <> 'idle' "
                "AND pid <> pg_backend_pid() AND datname = current_database()",
                list(application_names),
            )
            quiet = quiet + 1 if busy == 0 else 0
            if quiet >= 3:
                break
            await asyncio.sleep(0.2)
    finally:
        await conn.close()
    return round(time.monotonic() - started, 1)
