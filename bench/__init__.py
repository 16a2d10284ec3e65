"""The benchmark harness of Anquan: a deterministic district data set loaded with COPY into
its own database (`anquan_bench`), the service started as in production (several uvicorn
workers), load driven over loopback with wrk (or a Python fallback), and the same SQL run
through asyncpg directly at the same concurrency to show the limit.

Entry point: `./scripts/bench` (`python -m bench`). See docs/performance.md."""

BENCH_DATABASE = "anquan_bench"
