"""The ledger imports' jobs (I1–I2): the upload queues `imports.validate` with the stored
file, the commit request queues `imports.commit` with the import's `committing` status.

Both call the service functions, which are safe to run again: a worker killed mid-way
leaves its job to another worker after the heartbeat timeout, and the retry finds the
import as the interrupted run left it — `validating` starts the validation over (the staged
rows and errors of the broken run are dropped first), `committing` commits in one
transaction that the kill rolled back, so the rows are written once or not at all; a
committed import's retry does nothing."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from app.jobs.registry import JobEnv, task
from app.services import imports

log = logging.getLogger("anquan.imports")


@task(imports.VALIDATE_TASK, max_attempts=3)
async def validate_import(env: JobEnv, payload: dict[str, Any]) -> None:
    import_id = uuid.UUID(payload["import_id"])
    try:
        await imports.validate(env.db, env.settings.audit_keys, import_id, clock=env.clock)
    except Exception:
        # a file this code cannot read fails the same way again: `failed`, the user re-uploads
        log.exception("import %s: the validation failed", import_id)
        await imports.mark_failed(env.db, env.settings.audit_keys, import_id, clock=env.clock)


@task(imports.COMMIT_TASK, max_attempts=3)
async def commit_import(env: JobEnv, payload: dict[str, Any]) -> None:
    # an error sets the import back to `ready` (and is raised: the engine's retry then finds
    # nothing to commit)
    await imports.commit(env.db, env.settings.audit_keys, uuid.UUID(payload["import_id"]), clock=env.clock)
