"""The task and schedule definitions: each opens a unit of work and calls a service."""

from __future__ import annotations

from app.jobs import delivery_tasks  # noqa: F401  (notifications and webhooks)
