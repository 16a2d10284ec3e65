from __future__ import annotations

import uuid

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AppUser
from app.domain.access import Principal
from app.domain.enums import Role

_PRINCIPAL_SQL = text(
    """
    SELECT u.id, u.username, u.role, u.org_unit_id, u.enterprise_id,
           COALESCE(ARRAY(SELECT s.code FROM sector s
                          WHERE u.role = 'department_officer' AND s.lead_department_id = u.org_unit_id),
                    '{}') AS lead_sectors
    FROM app_user u
    WHERE u.id = :id AND u.is_active
      AND (CAST(:token_version AS integer) IS NULL OR u.token_version = CAST(:token_version AS integer))
    """
)


async def load_principal(session: AsyncSession, user_id: uuid.UUID, token_version: int | None = None) -> Principal | None:
    """The caller with the sectors its department leads, in one round trip; None if
    unknown, disabled, or `token_version` (when a token gives one) is not the user's
    current one (A5). Commands and jobs acting for a user pass none."""
    row = (await session.execute(_PRINCIPAL_SQL, {"id": user_id, "token_version": token_version})).one_or_none()
    if row is None:
        return None
    return Principal(
        user_id=row.id,
        username=row.username,
        role=Role(row.role),
        org_unit_id=row.org_unit_id,
        enterprise_id=row.enterprise_id,
        lead_sectors=frozenset(row.lead_sectors or ()),
    )


async def get_by_username(session: AsyncSession, username: str) -> AppUser | None:
    stmt = select(AppUser).where(func.lower(AppUser.username) == username.lower())
    return (await session.execute(stmt)).scalar_one_or_none()


async def get(session: AsyncSession, user_id: uuid.UUID, *, for_update: bool = False) -> AppUser | None:
    stmt = select(AppUser).where(AppUser.id == user_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_page(
    session: AsyncSession, *, limit: int, after: uuid.UUID | None, role: str | None, org_unit_id: uuid.UUID | None
) -> list[AppUser]:
    stmt = select(AppUser).order_by(AppUser.id).limit(limit)
    if after is not None:
        stmt = stmt.where(AppUser.id > after)
    if role is not None:
        stmt = stmt.where(AppUser.role == role)
    if org_unit_id is not None:
        stmt = stmt.where(AppUser.org_unit_id == org_unit_id)
    return list((await session.execute(stmt)).scalars())


async def street_admin_exists(session: AsyncSession) -> bool:
    stmt = select(AppUser.id).where(AppUser.role == Role.street_admin.value).limit(1)
    return (await session.execute(stmt)).first() is not None
