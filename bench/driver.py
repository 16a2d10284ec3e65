"""Load drivers. Every run is bounded twice: by a duration and by a request count (whichever
comes first; each result says which).

- wrk (Debian's `wrk`, preferred): a generated Lua script rotates the paths (or uses each
  once: reviews), adds the bearer token, a distinct Idempotency-Key per POST, counts the
  status codes and keeps the Location of every 2xx (for the no-lost-rows check), stops a
  thread at its request cap (wrk.thread:stop) and prints p50/p75/p90/p95/p99 from wrk's
  own latency histogram in done(). wrk measures from the request's write to the end of
  its response, on keep-alive connections, without pipelining (closed loop).
- python (fallback when wrk is missing): the same with httpx over N keep-alive
  connections. A Python client on the same two cores is slower than the service it
  drives, so it under-reports throughput and over-reports latency: install wrk.
- raw SQL: the scenario's statements through asyncpg, one connection per concurrent
  client, for the same duration and cap, on uvloop.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx


@dataclass
class HttpLoad:
    """What one load run sends."""

    method: str
    paths: list[str]
    headers: dict[str, str]
    bodies: list[str] | None = None
    each_path_once: bool = False  # each path is used by one request only (reviews)
    idempotency_prefix: str | None = None  # a distinct Idempotency-Key per request
    collect_locations: bool = False


@dataclass
class RunResult:
    connections: int
    requests: int  # completed responses
    ok: int  # 2xx
    duration_s: float
    rps: float
    p50_ms: float | None
    p75_ms: float | None
    p90_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    mean_ms: float | None
    bound: str  # 'duration' | 'requests' | 'paths'
    errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    locations: list[str] = field(default_factory=list)
    driver: str = "wrk"
    background: dict[str, Any] = field(default_factory=dict)  # CPU used by other work (bench.monitor)
    service_timing: dict[str, Any] = field(default_factory=dict)  # the service's own durations (access log)

    def brief(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "locations"}
        return out


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def _ms(us: float | None) -> float | None:
    return None if us is None else round(us / 1000, 2)


def wrk_path() -> str | None:
    return shutil.which("wrk")


def wrk_version() -> str | None:
    exe = wrk_path()
    if not exe:
        return None
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    m = re.search(r"wrk (\S+)", out.stdout + out.stderr)
    return m.group(1) if m else "unknown"


def _lua_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string literal is a valid Lua string literal here


_LUA = r"""
local ffi = require("ffi")
pcall(ffi.cdef, [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]])
local tsp = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, tsp)
  return tonumber(tsp.tv_sec) * 1000000 + tonumber(tsp.tv_nsec) / 1000
end

local method = @METHOD@
local paths = @PATHS@
local bodies = @BODIES@
local base_headers = @HEADERS@
local once = @ONCE@
local cap = @CAP@
local key_prefix = @KEY_PREFIX@
local collect = @COLLECT@
local locations_file = @LOCATIONS_FILE@
local done_prefix = @DONE_PREFIX@
local nthreads = @THREADS@
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  n = 0         -- requests written by this thread
  reserved = 0  -- requests granted by delay() (written now or on the next loop turn)
  answered = 0  -- responses received
  phantom = (tid == 0)  -- wrk calls request() once on thread 0 before the run (script_verify_request)
  t_first = 0
  t_last = 0
  stopped = ""
  statuses = {}
  locs = {}
end

local function copy_headers()
  local h = {}
  for k, v in pairs(base_headers) do h[k] = v end
  return h
end

local function finish()
  if done_prefix ~= "" then
    local f = io.open(done_prefix .. tid, "w")
    if f then f:close() end
  end
  wrk.thread:stop()
end

-- delay() runs before each request (wrk then calls request() on the next loop turn). A
-- thread at its cap (or out of paths) parks its connections with a very long delay and
-- stops once every request it granted has its answer: nothing in flight is abandoned, as
-- it would be by wrk.thread:stop() at the cap.
function delay()
  local why = nil
  if reserved >= cap then why = "requests" end
  if once and tid + reserved * nthreads + 1 > #paths then why = "paths" end
  if why then
    stopped = why
    if answered >= reserved then finish() end
    return 86400000
  end
  reserved = reserved + 1
  return 0
end

function request()
  if phantom then
    phantom = false
    return wrk.format(method, paths[1], copy_headers(), bodies and bodies[1] or nil)
  end
  local t = now_us()
  if n == 0 then t_first = t end
  local i
  if once then
    i = tid + n * nthreads + 1
  else
    i = ((tid + n * nthreads) % #paths) + 1
  end
  n = n + 1
  local h = copy_headers()
  if key_prefix then h["Idempotency-Key"] = key_prefix .. tid .. "-" .. n end
  local body = nil
  if bodies then body = bodies[((tid + n * nthreads) % #bodies) + 1] end
  return wrk.format(method, paths[i], h, body)
end

function response(status, headers, body)
  answered = answered + 1
  t_last = now_us()
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
  if collect and status >= 200 and status < 300 then
    local loc = headers["location"] or headers["Location"]
    if loc then table.insert(locs, loc) end
  end
  if stopped ~= "" and answered >= reserved then finish() end
end

local function esc(s)
  return (string.gsub(tostring(s), '[%c"\\]', ""))
end

function done(summary, latency, requests)
  local first, last, stop_reason = nil, 0, ""
  local st = {}
  local sent = 0
  local per_thread = {}
  local f = nil
  if collect and locations_file ~= "" then f = io.open(locations_file, "w") end
  for _, t in ipairs(threads) do
    local tf = t:get("t_first")
    if tf and tf > 0 and (first == nil or tf < first) then first = tf end
    local tl = t:get("t_last")
    if tl and tl > last then last = tl end
    local s = t:get("stopped")
    if s and s ~= "" then stop_reason = s end
    sent = sent + (t:get("n") or 0)
    table.insert(per_thread, string.format("[%d,%d]", t:get("n") or 0, t:get("answered") or 0))
    local ts = t:get("statuses") or {}
    for k, v in pairs(ts) do st[k] = (st[k] or 0) + v end
    if f then
      for _, v in ipairs(t:get("locs") or {}) do f:write(v, "\n") end
    end
  end
  if f then f:close() end
  local parts = {}
  for k, v in pairs(st) do table.insert(parts, string.format('"%s":%d', esc(k), v)) end
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"sent":%d,"duration_us":%d,"bytes":%d,"span_us":%d,"stopped":"%s",' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50":%d,"p75":%d,"p90":%d,"p95":%d,"p99":%d,"max":%d,"mean":%f,"statuses":{%s},"threads":[%s]}\n',
    summary.requests, sent, summary.duration, summary.bytes, (first and (last - first)) or 0, stop_reason,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, table.concat(parts, ","), table.concat(per_thread, ",")))
end
"""




def _lua_table(values: list[str]) -> str:
    return "{" + ",".join(_lua_str(v) for v in values) + "}"


async def run_wrk(
    base_url: str, load: HttpLoad, *, connections: int, duration: float, max_requests: int, threads: int = 2,
    timeout_s: int = 60, workdir: Path,
) -> RunResult:
    threads = max(1, min(threads, connections))
    per_thread_cap = max(1, math.ceil(max_requests / threads))
    workdir.mkdir(parents=True, exist_ok=True)
    locations_file = workdir / "locations.txt" if load.collect_locations else None
    done_dir = Path(tempfile.mkdtemp(prefix="wrk-done-", dir=workdir))
    done_prefix = done_dir / "thread-"
    script = (
        _LUA.replace("@METHOD@", _lua_str(load.method))
        .replace("@PATHS@", _lua_table(load.paths))
        .replace("@BODIES@", _lua_table(load.bodies) if load.bodies else "nil")
        .replace("@HEADERS@", "{" + ",".join(f"[{_lua_str(k)}]={_lua_str(v)}" for k, v in load.headers.items()) + "}")
        .replace("@ONCE@", "true" if load.each_path_once else "false")
        .replace("@CAP@", str(per_thread_cap))
        .replace("@KEY_PREFIX@", _lua_str(load.idempotency_prefix) if load.idempotency_prefix else "nil")
        .replace("@COLLECT@", "true" if load.collect_locations else "false")
        .replace("@LOCATIONS_FILE@", _lua_str(str(locations_file) if locations_file else ""))
        .replace("@THREADS@", str(threads))
        .replace("@DONE_PREFIX@", _lua_str(str(done_prefix)))
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", dir=workdir, delete=False, encoding="utf-8") as f:
        f.write(script)
        script_path = f.name
    cmd = [
        wrk_path() or "wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(duration))}s",
        "--timeout", f"{timeout_s}s", "-s", script_path, base_url,
    ]
    proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    communicate = asyncio.ensure_future(proc.communicate())
    # wrk's main thread sleeps for the whole duration even when every thread has stopped at
    # its cap; SIGINT ends that sleep (wrk then prints its results and runs done()).
    while not communicate.done():
        await asyncio.sleep(0.1)
        if len(list(done_dir.glob("thread-*"))) >= threads and proc.returncode is None:
            try:
                proc.send_signal(signal.SIGINT)
            except ProcessLookupError:
                pass
            break
    out, err = await communicate
    shutil.rmtree(done_dir, ignore_errors=True)
    Path(script_path).unlink(missing_ok=True)
    text = out.decode(errors="replace")
    m = re.search(r"^BENCH_RESULT (\{.*\})$", text, re.MULTILINE)
    if proc.returncode != 0 or not m:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {text[-2000:]} {err.decode(errors='replace')[-2000:]}")
    r = json.loads(m.group(1))
    if os.environ.get("BENCH_DEBUG_WRK"):
        print(m.group(1))
    stopped = r["stopped"] or "duration"
    # a capped run ends with its last answer, before the duration: time the span in Lua
    span_s = r["span_us"] / 1e6 if stopped != "duration" and r["span_us"] > 0 else r["duration_us"] / 1e6
    statuses = {k: int(v) for k, v in r["statuses"].items()}
    if statuses:
        ok = sum(v for k, v in statuses.items() if k.startswith("2"))
    else:
        ok = r["requests"] - r["errors"]["status"]
    locations = []
    if locations_file and locations_file.exists():
        locations = [x for x in locations_file.read_text().splitlines() if x]
        locations_file.unlink()
    return RunResult(
        connections=connections, requests=r["requests"], ok=ok, duration_s=round(span_s, 3),
        rps=round(r["requests"] / span_s, 1) if span_s > 0 else 0.0,
        p50_ms=_ms(r["p50"]), p75_ms=_ms(r["p75"]), p90_ms=_ms(r["p90"]), p95_ms=_ms(r["p95"]), p99_ms=_ms(r["p99"]),
        max_ms=_ms(r["max"]), mean_ms=_ms(r["mean"]), bound=stopped, errors=r["errors"], statuses=statuses,
        locations=locations, driver="wrk",
    )


async def run_python(
    base_url: str, load: HttpLoad, *, connections: int, duration: float, max_requests: int, timeout_s: int = 60,
    **_: Any,
) -> RunResult:
    """The httpx fallback: `connections` clients in a closed loop (under-reports)."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    locations: list[str] = []
    errors = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0}
    counter = {"n": 0}
    stopped = {"why": "duration"}
    start = time.perf_counter()
    deadline = start + duration
    last_done = {"t": start}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout_s) as client:

        async def worker(tid: int) -> None:
            while time.perf_counter() < deadline:
                n = counter["n"]
                if n >= max_requests:
                    stopped["why"] = "requests"
                    return
                if load.each_path_once and n >= len(load.paths):
                    stopped["why"] = "paths"
                    return
                counter["n"] = n + 1
                path = load.paths[n % len(load.paths)]
                headers = dict(load.headers)
                if load.idempotency_prefix:
                    headers["Idempotency-Key"] = f"{load.idempotency_prefix}{tid}-{n}"
                body = load.bodies[n % len(load.bodies)] if load.bodies else None
                t0 = time.perf_counter()
                try:
                    r = await client.request(load.method, path, headers=headers, content=body)
                    await r.aread()
                except httpx.TimeoutException:
                    errors["timeout"] += 1
                    continue
                except httpx.HTTPError:
                    errors["read"] += 1
                    continue
                t1 = time.perf_counter()
                last_done["t"] = t1
                latencies.append((t1 - t0) * 1e6)
                statuses[str(r.status_code)] = statuses.get(str(r.status_code), 0) + 1
                if r.status_code >= 400:
                    errors["status"] += 1
                if load.collect_locations and 200 <= r.status_code < 300 and "location" in r.headers:
                    locations.append(r.headers["location"])

        tasks = [asyncio.create_task(worker(i)) for i in range(connections)]
        await asyncio.wait(tasks, timeout=duration + 0.5)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    span = (last_done["t"] if stopped["why"] != "duration" else time.perf_counter()) - start
    span = min(span, duration + 0.5)
    ok = sum(v for k, v in statuses.items() if k.startswith("2"))
    q = {p: percentile(latencies, p) for p in (50, 75, 90, 95, 99)}
    return RunResult(
        connections=connections, requests=len(latencies), ok=ok, duration_s=round(span, 3),
        rps=round(len(latencies) / span, 1) if span > 0 else 0.0,
        p50_ms=_ms(q[50]), p75_ms=_ms(q[75]), p90_ms=_ms(q[90]), p95_ms=_ms(q[95]), p99_ms=_ms(q[99]),
        max_ms=_ms(max(latencies) if latencies else None),
        mean_ms=_ms(sum(latencies) / len(latencies) if latencies else None),
        bound=stopped["why"], errors=errors, statuses=statuses, locations=locations, driver="python-httpx",
    )


SLOW_MS, SLOW_COUNT = 5000, 3  # a request slower than 5 s: three sequential ones are enough


async def sequential_http(base_url: str, path: str, headers: dict[str, str], count: int, *, warmup: int = 1,
                          timeout_s: float = 600, before_each: Callable[[], Awaitable[None]] | None = None,
                          ) -> dict[str, Any]:
    """`count` requests one after the other (after `warmup`): what a single user waits.
    `before_each` runs before every request, untimed (the bench empties a cache with it)."""
    times: list[float] = []
    statuses: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout_s) as client:
        i = 0
        while i < warmup + count:
            if before_each is not None:
                await before_each()
            t0 = time.perf_counter()
            r = await client.get(path, headers=headers)
            elapsed = (time.perf_counter() - t0) * 1000
            statuses[str(r.status_code)] = statuses.get(str(r.status_code), 0) + 1
            if i >= warmup:
                times.append(elapsed)
            elif elapsed > SLOW_MS:
                count = min(count, SLOW_COUNT)
            i += 1
    return _seq_summary(times, statuses)


def _seq_summary(times: list[float], statuses: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "requests": len(times),
        "p50_ms": round(percentile(times, 50) or 0, 2),
        "p95_ms": round(percentile(times, 95) or 0, 2),
        "min_ms": round(min(times), 2) if times else None,
        "max_ms": round(max(times), 2) if times else None,
        **({"statuses": statuses} if statuses is not None else {}),
    }


# --------------------------------------------------------------------------- raw SQL

RawOp = Callable[[asyncpg.Connection, int], Awaitable[Any]]


# the service's own session settings (jit, timezone, ...), set by the runner from the capture
# for each scenario: those of the pool that ran the scenario's statements
RAW_SESSION_SETTINGS: dict[str, str] = {"TimeZone": "UTC"}


async def connect_raw(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(url, server_settings={**RAW_SESSION_SETTINGS, "application_name": "anquan_bench_raw"})


async def _connections(url: str, n: int) -> list[asyncpg.Connection]:
    return list(await asyncio.gather(*[connect_raw(url) for _ in range(n)]))


async def run_raw(url: str, op: RawOp, *, connections: int, duration: float, max_requests: int,
                  before_close: Callable[[], Awaitable[None]] | None = None) -> RunResult:
    """`connections` clients, each on its own connection, running `op` in a closed loop.
    `before_close` runs after the last answer, while the connections (and their backends)
    still exist."""
    conns = await _connections(url, connections)
    latencies: list[float] = []
    counter = {"n": 0}
    stopped = {"why": "duration"}
    start = time.perf_counter()
    deadline = start + duration
    last_done = {"t": start}
    errors = {"sql": 0}

    async def worker(conn: asyncpg.Connection) -> None:
        while time.perf_counter() < deadline:
            n = counter["n"]
            if n >= max_requests:
                stopped["why"] = "requests"
                return
            counter["n"] = n + 1
            t0 = time.perf_counter()
            try:
                await op(conn, n)
            except asyncpg.PostgresError:
                errors["sql"] += 1
                continue
            t1 = time.perf_counter()
            last_done["t"] = t1
            latencies.append((t1 - t0) * 1e6)

    tasks = [asyncio.create_task(worker(c)) for c in conns]
    await asyncio.wait(tasks, timeout=duration)
    finished_at = time.perf_counter()
    for t in tasks:
        t.cancel()  # like wrk: what is in flight at the end is abandoned (and cancelled server-side)
    await asyncio.gather(*tasks, return_exceptions=True)
    if before_close is not None:
        await before_close()
    for c in conns:
        c.terminate()
    span = (last_done["t"] if stopped["why"] != "duration" else finished_at) - start
    q = {p: percentile(latencies, p) for p in (50, 75, 90, 95, 99)}
    return RunResult(
        connections=connections, requests=len(latencies), ok=len(latencies), duration_s=round(span, 3),
        rps=round(len(latencies) / span, 1) if span > 0 else 0.0,
        p50_ms=_ms(q[50]), p75_ms=_ms(q[75]), p90_ms=_ms(q[90]), p95_ms=_ms(q[95]), p99_ms=_ms(q[99]),
        max_ms=_ms(max(latencies) if latencies else None),
        mean_ms=_ms(sum(latencies) / len(latencies) if latencies else None),
        bound=stopped["why"], errors=errors, driver="asyncpg",
    )


async def sequential_raw(url: str, op: RawOp, count: int, *, warmup: int = 1) -> dict[str, Any]:
    conn = (await _connections(url, 1))[0]
    times = []
    try:
        i = 0
        while i < warmup + count:
            t0 = time.perf_counter()
            await op(conn, i)
            elapsed = (time.perf_counter() - t0) * 1000
            if i >= warmup:
                times.append(elapsed)
            elif elapsed > SLOW_MS:
                count = min(count, SLOW_COUNT)
            i += 1
    finally:
        await conn.close()
    return _seq_summary(times)
