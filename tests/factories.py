"""Builders: they flush, never commit (the test's outer transaction is rolled back)."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AppUser, Enterprise, EnterpriseState, Hazard, OrgUnit
from app.db.repositories.users import load_principal
from app.db.unit_of_work import UnitOfWork
from app.domain import hazards as hazard_rules
from app.domain.access import scope_for
from app.domain.calendar import business_date
from app.domain.enterprises import (
    CREDIT_CODE_CHARSET,
    credit_code_check_character,
    default_high_risk,
)
from app.domain.enums import Role

_counter = itertools.count(1)
_rng = random.Random(7)


def credit_code() -> str:
    body = "91340" + "".join(_rng.choice("0123456789") for _ in range(3))
    body += "".join(_rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    return body + credit_code_check_character(body)


class World:
    def __init__(self, session: AsyncSession, app: Any) -> None:
        self.session = session
        self.app = app

    async def org_unit(self, code: str) -> OrgUnit:
        return (await self.session.execute(select(OrgUnit).where(OrgUnit.code == code))).scalar_one()

    async def street_office(self) -> OrgUnit:
        return await self.org_unit("street_office")

    async def department(self, code: str = "housing_construction") -> OrgUnit:
        return await self.org_unit(code)

    async def village(self, name: str | None = None) -> OrgUnit:
        n = next(_counter)
        unit = OrgUnit(kind="village", name=name or f"测试村{n}", code=f"test-village-{n}-{uuid.uuid4().hex[:6]}")
        self.session.add(unit)
        await self.session.flush()
        return unit

    async def enterprise(self, village: OrgUnit, sector: str = "industry_trade", **overrides: Any) -> Enterprise:
        n = next(_counter)
        values: dict[str, Any] = {
            "name": f"测试企业{n}有限公司",
            "credit_code": credit_code(),
            "village_id": village.id,
            "sector": sector,
            "high_risk": default_high_risk(sector),
            "status": "active",
            "registered_on": date(2020, 1, 1),
            "tags": [],
            "principal_name": "王强",
            "principal_phone": "13800138000",
            "controller_name": "王建国",
            "controller_phone": "13900139000",
        }
        values.update(overrides)
        e = Enterprise(**values)
        self.session.add(e)
        await self.session.flush()
        self.session.add(
            EnterpriseState(enterprise_id=e.id, effective_on=e.registered_on, status=e.status, high_risk=e.high_risk)
        )
        await self.session.flush()
        return e

    async def user(
        self,
        role: Role | str,
        *,
        org_unit: OrgUnit | None = None,
        enterprise: Enterprise | None = None,
        password: str = "correct-horse-battery",
        username: str | None = None,
    ) -> AppUser:
        role = Role(role)
        if org_unit is None and role in (Role.street_admin, Role.supervisor):
            org_unit = await self.street_office()
        user = AppUser(
            username=username or f"{role.value}_{next(_counter)}",
            password_hash=self.app.state.passwords.hash(password),
            role=role.value,
            org_unit_id=org_unit.id if org_unit else None,
            enterprise_id=enterprise.id if enterprise else None,
        )
        self.session.add(user)
        await self.session.flush()
        return user

    async def context(self, user: AppUser) -> Any:
        """A use case's Context acting as `user`, on this world's session and the app's clock."""
        from app.services.context import Context

        principal = await load_principal(self.session, user.id)
        assert principal is not None, user
        now = self.app.state.clock()
        uow = UnitOfWork(self.session, self.app.state.audit_keys, clock=self.app.state.clock, seal_now=True)
        return Context(uow, principal, scope_for(principal), now, business_date(now))

    # The steps that lead from `reported` to each state (H2).
    HAZARD_PATHS: ClassVar[dict[str, tuple[str, ...]]] = {
        "reported": (),
        "rectifying": ("plan",),
        "pending_review": ("plan", "submit"),
        "closed": ("plan", "submit", "approve"),
        "void": ("void",),
    }

    async def hazard(
        self,
        enterprise: Enterprise,
        *,
        status: str = "reported",
        grade: str = "major",
        source: str = "supervision",
        title: str = "除尘器未设置泄爆口",
        discovered_on: date = date(2025, 6, 1),
        deadline: date = date(2025, 7, 31),
        by: AppUser | None = None,
        **fields: Any,
    ) -> Hazard:
        """A hazard of `enterprise` in state `status`, recorded and walked there through the
        hazard services as `by` (default: a new street_admin), with its history rows, events
        and audit entries, each step effective on `discovered_on`. A complete plan for its
        grade (H3) with `deadline`; evidence as a text (H4)."""
        from app.services import hazards as service

        if by is None:
            by = self._hazard_admin = getattr(self, "_hazard_admin", None) or await self.user(Role.street_admin)
        ctx = await self.context(by)
        hazard = await service.create(ctx, service.NewHazard(
            enterprise_id=enterprise.id, grade=grade, source=source, title=title, discovered_on=discovered_on, **fields))
        plan = hazard_rules.Plan("李明", "更换泄爆装置", Decimal("85000.00"), deadline, "停用设备并设置警戒")
        steps = {
            "plan": lambda: service.plan(ctx, hazard, service.PlanInput(plan, effective_on=discovered_on)),
            "submit": lambda: service.submit(ctx, hazard, service.SubmitInput("已整改完毕", effective_on=discovered_on)),
            "approve": lambda: service.review(ctx, hazard, service.ReviewInput(approve=True, effective_on=discovered_on)),
            "void": lambda: service.void(ctx, hazard, service.ReasonInput("经核查不构成隐患", discovered_on)),
        }
        for step in self.HAZARD_PATHS[status]:
            await steps[step]()
        await ctx.uow.write_queued()
        await self.session.flush()
        return hazard

    def headers(self, user: AppUser) -> dict[str, str]:
        token = self.app.state.tokens.issue(user.id, user.role)
        return {"Authorization": f"Bearer {token}"}

    async def as_(self, role: Role | str, **kwargs: Any) -> dict[str, str]:
        return self.headers(await self.user(role, **kwargs))


# --- request bodies and response checks shared by the API tests ---------------------------


def enterprise_payload(village_id: uuid.UUID | str, sector: str = "industry_trade", **overrides: Any) -> dict[str, Any]:
    """A valid POST /enterprises body (fresh credit code each call)."""
    n = next(_counter)
    body: dict[str, Any] = {
        "name": f"接口企业{n}有限公司",
        "credit_code": credit_code(),
        "village_id": str(village_id),
        "sector": sector,
        "registered_on": "2021-05-10",
        "tags": [],
        "principal": {"name": "王强", "phone": "13800138000"},
        "actual_controller": {"name": "王建国", "phone": "13900139000"},
    }
    body.update(overrides)
    return body


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """An RFC 9457 body with the given status (and code); returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["code"], str) and body["code"]
    if code is not None:
        assert body["code"] == code, body
    return body


def problem_fields(response: Any, status: int = 422, code: str | None = None) -> list[str]:
    """The `errors[].field` names of a problem response."""
    body = assert_problem(response, status, code)
    return [e["field"] for e in body.get("errors") or []]
