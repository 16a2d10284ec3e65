"""The task and schedule definitions: each opens a unit of work and calls a service."""

from __future__ import annotations
