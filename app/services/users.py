"""Users and org units (A3: street_admin only).

A5: any change of a user's password, is_active, role, org unit or enterprise ends the user's
sessions; the database bumps app_user.token_version itself (trigger, migration 0011), so no
code path that updates a user can forget it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.db.models import AppUser, Enterprise, OrgUnit
from app.db.repositories import org_units
from app.db.repositories import users as users_repo
from app.db.unit_of_work import UnitOfWork
from app.domain.access import Principal
from app.domain.enums import ROLE_ORG_KIND, OrgUnitKind, Role
from app.domain.errors import Conflict, FieldError, RuleViolation
from app.services.security import PasswordHashing


async def create_user(
    uow: UnitOfWork, passwords: PasswordHashing, data: dict[str, Any], *, actor: Principal | None
) -> AppUser:
    """A3: a user whose org unit fits the role; `actor` None when the system creates it
    (the command line, the first administrator at start-up)."""
    session = uow.session
    role = Role(data["role"])
    errors: list[FieldError] = []
    wanted_kind = ROLE_ORG_KIND[role]
    org_unit_id, enterprise_id = data.get("org_unit_id"), data.get("enterprise_id")
    if wanted_kind is not None:
        unit = await session.get(OrgUnit, org_unit_id) if org_unit_id else None
        if unit is None:
            errors.append(FieldError("org_unit_id", f"role {role} needs an org unit of kind {wanted_kind}"))
        elif unit.kind != wanted_kind.value:
            errors.append(FieldError("org_unit_id", f"role {role} belongs to a {wanted_kind}, not a {unit.kind}"))
    elif org_unit_id is not None:
        errors.append(FieldError("org_unit_id", f"role {role} belongs to no org unit"))
    if role is Role.enterprise_user:
        if enterprise_id is None or await session.get(Enterprise, enterprise_id) is None:
            errors.append(FieldError("enterprise_id", "enterprise_user needs an existing enterprise"))
    elif enterprise_id is not None:
        errors.append(FieldError("enterprise_id", f"role {role} is tied to no enterprise"))
    if errors:
        raise RuleViolation("the user's role and organisation do not fit", errors)
    if await users_repo.get_by_username(session, data["username"]) is not None:
        raise Conflict(f"username {data['username']!r} is taken", code="duplicate_username")
    user = AppUser(
        username=data["username"],
        password_hash=passwords.hash(data["password"]),
        role=role.value,
        org_unit_id=org_unit_id,
        enterprise_id=enterprise_id,
        display_name=data.get("display_name"),
    )
    session.add(user)
    await session.flush()
    await session.refresh(user)
    uow.audit("user.create", "users", user.id, actor=actor)
    return user


async def create_org_unit(uow: UnitOfWork, data: dict[str, Any], *, actor: Principal) -> tuple[OrgUnit, list[str]]:
    session = uow.session
    kind = OrgUnitKind(data["kind"])
    lead = list(dict.fromkeys(data.get("lead_sectors") or []))
    if lead and kind is not OrgUnitKind.department:
        raise RuleViolation("only departments lead sectors", [FieldError("lead_sectors", "only departments lead sectors")])
    known = await org_units.existing_sector_codes(session, lead)
    unknown = [c for c in lead if c not in known]
    if unknown:
        raise RuleViolation("unknown sectors", [FieldError("lead_sectors", f"unknown sector codes: {', '.join(unknown)}")])
    if data.get("code"):
        if (await session.execute(select(OrgUnit.id).where(OrgUnit.code == data["code"]))).first():
            raise Conflict(f"an org unit with code {data['code']!r} exists", code="duplicate_code")
    unit = OrgUnit(kind=kind.value, name=data["name"], code=data.get("code"))
    session.add(unit)
    await session.flush()
    await org_units.assign_lead_sectors(session, unit.id, lead)
    await session.refresh(unit)
    uow.audit("org_unit.create", "org-units", unit.id, actor=actor)
    return unit, lead
