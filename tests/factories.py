"""Builders: they flush, never commit (the test's outer transaction is rolled back)."""

from __future__ import annotations

import itertools
import random
import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AppUser, Enterprise, EnterpriseState, OrgUnit
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
