"""First admin: created at start-up when none exists and the settings name one."""

from __future__ import annotations

import logging

from sqlalchemy import text

from app.db.reference import ensure_reference_data, street_office
from app.db.repositories.users import street_admin_exists
from app.db.session import Database
from app.db.unit_of_work import unit_of_work
from app.domain.enums import Role
from app.services.security import PasswordHashing
from app.services.users import create_user
from app.settings import Settings

log = logging.getLogger("anquan.bootstrap")


async def ensure_bootstrap_admin(db: Database, passwords: PasswordHashing, settings: Settings) -> bool:
    assert settings.bootstrap_admin_username and settings.bootstrap_admin_password
    async with unit_of_work(db, settings.audit_keys) as uow:
        session = uow.session
        # one start-up at a time decides (several workers may start together)
        await session.execute(text("SELECT pg_advisory_xact_lock(727001)"))
        if await street_admin_exists(session):
            return False
        await ensure_reference_data(session)
        office = await street_office(session)
        await create_user(
            uow,
            passwords,
            {
                "username": settings.bootstrap_admin_username,
                "password": settings.bootstrap_admin_password.get_secret_value(),
                "role": Role.street_admin,
                "org_unit_id": office.id,
            },
            actor=None,
        )
    log.info("created the first street_admin %r", settings.bootstrap_admin_username)
    return True
