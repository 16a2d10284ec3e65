"""Reference data (docs/rules.md §1): the street office, the ten departments and the sectors.
Idempotent: existing rows, and the street office's later reassignments, are kept."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.ids import uuid7
from app.db.models import OrgUnit
from app.domain.sectors import DEPARTMENTS, SECTORS

STREET_OFFICE_CODE = "street_office"
STREET_OFFICE_NAME = "街道安委会办公室"

_INSERT_UNIT = text(
    "INSERT INTO org_unit (id, kind, name, code) VALUES (:id, :kind, :name, :code) ON CONFLICT (code) DO NOTHING"
)
_INSERT_SECTOR = text(
    """
    INSERT INTO sector (code, name, lead_department_id, high_risk_default, position)
    VALUES (:code, :name, (SELECT id FROM org_unit WHERE code = :lead), :high_risk_default, :position)
    ON CONFLICT (code) DO NOTHING
    """
)


async def ensure_reference_data(session: AsyncSession) -> None:
    await session.execute(
        _INSERT_UNIT, {"id": uuid7(), "kind": "street_office", "name": STREET_OFFICE_NAME, "code": STREET_OFFICE_CODE}
    )
    for dept in DEPARTMENTS:
        await session.execute(_INSERT_UNIT, {"id": uuid7(), "kind": "department", "name": dept.name, "code": dept.code})
    for position, sector in enumerate(SECTORS):
        await session.execute(
            _INSERT_SECTOR,
            {
                "code": sector.code,
                "name": sector.name,
                "lead": sector.lead_department,
                "high_risk_default": sector.high_risk_default,
                "position": position,
            },
        )
    await session.flush()


async def street_office(session: AsyncSession) -> OrgUnit:
    return (await session.execute(select(OrgUnit).where(OrgUnit.code == STREET_OFFICE_CODE))).scalar_one()


async def department(session: AsyncSession, code: str) -> OrgUnit:
    return (await session.execute(select(OrgUnit).where(OrgUnit.code == code))).scalar_one()
