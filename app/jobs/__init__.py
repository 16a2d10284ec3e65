"""The job engine's wiring (PgQueuer on the service's PostgreSQL): the task registry
(registry.py), the task definitions (tasks.py: open a unit of work, call a service), the
schedules (schedules.py: cron in Asia/Shanghai) and the worker (engine.py).

Jobs are enqueued with the write that causes them (`UnitOfWork.enqueue`, R7). Any number of
workers (`python -m app.cli worker`, or in-process under ./scripts/run) share the queue:
each job is picked by one worker; a worker that stops beating (killed, stuck) loses its
jobs to another after the heartbeat timeout; a job that keeps failing ends `failed` with
its error (`GET /api/v1/jobs?status=failed`)."""
