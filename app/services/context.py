"""What a use case runs with: its unit of work, the caller, what the caller may see (A1),
and the request's clock. The HTTP layer builds it per request (app/api/deps.Ctx); the CLI
and jobs build it around a unit of work of their own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.unit_of_work import UnitOfWork
from app.domain.access import Principal, Scope


@dataclass
class Context:
    uow: UnitOfWork
    principal: Principal
    scope: Scope
    now: datetime
    today: date

    @property
    def session(self) -> AsyncSession:
        return self.uow.session

    def event(self, type: str, resource: str, resource_id: uuid.UUID, **kw: Any) -> None:
        self.uow.event(type, resource, resource_id, **kw)

    def audit(self, action: str, resource: str, resource_id: Any) -> None:
        """The caller did `action` to the resource: its audit entry."""
        self.uow.audit(action, resource, resource_id, actor=self.principal)
