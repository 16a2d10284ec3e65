"""Enterprise registry use cases (E1, E2, A1–A4)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Enterprise, EnterpriseState, OrgUnit
from app.db.repositories import enterprises as repo
from app.db.repositories import org_units
from app.db.unit_of_work import UnitOfWork
from app.domain import access
from app.domain.access import Principal, Scope
from app.domain.enterprises import credit_code_problem, default_high_risk
from app.domain.enums import OrgUnitKind
from app.domain.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation

RESOURCE = "enterprises"  # the audit trail's name for them
# Request field -> model column for the nested contact persons.
_PERSON_FIELDS = {"principal": ("principal_name", "principal_phone"), "actual_controller": ("controller_name", "controller_phone")}


async def _check_village(session: AsyncSession, village_id: uuid.UUID, errors: list[FieldError]) -> None:
    unit = await session.get(OrgUnit, village_id)
    if unit is None or unit.kind != OrgUnitKind.village.value:
        errors.append(FieldError("village_id", "no village with this id"))


async def _check_sector(session: AsyncSession, sector: str, errors: list[FieldError]) -> None:
    if not await org_units.existing_sector_codes(session, [sector]):
        errors.append(FieldError("sector", f"unknown sector {sector!r}; see GET /api/v1/sectors"))


def _check_credit_code(code: str, errors: list[FieldError]) -> None:
    problem = credit_code_problem(code)
    if problem:
        errors.append(FieldError("credit_code", problem))


def _raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise RuleViolation(f"{len(errors)} field{'s are' if len(errors) != 1 else ' is'} invalid", errors)


async def create(uow: UnitOfWork, principal: Principal, data: dict[str, Any], *, now: datetime) -> Enterprise:
    session = uow.session
    data["credit_code"] = data["credit_code"].upper()
    errors: list[FieldError] = []
    _check_credit_code(data["credit_code"], errors)
    await _check_village(session, data["village_id"], errors)
    await _check_sector(session, data["sector"], errors)
    _raise_if(errors)
    reason = access.can_register_enterprise(principal, village_id=data["village_id"], sector=data["sector"])
    if reason:
        raise Forbidden(reason)
    if await repo.credit_code_taken(session, data["credit_code"]):
        raise Conflict(f"an enterprise with credit code {data['credit_code']} is registered", code="duplicate_credit_code")
    principal_person, controller = data.pop("principal"), data.pop("actual_controller")
    high_risk = data.pop("high_risk")
    location = data.pop("location", None)  # K6
    enterprise = Enterprise(
        **data,
        longitude=location["lng"] if location else None,
        latitude=location["lat"] if location else None,
        high_risk=default_high_risk(data["sector"]) if high_risk is None else high_risk,
        principal_name=principal_person["name"],
        principal_phone=principal_person["phone"],
        controller_name=controller["name"],
        controller_phone=controller["phone"],
        created_by=principal.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(enterprise)
    await session.flush()
    session.add(
        EnterpriseState(
            enterprise_id=enterprise.id,
            effective_on=enterprise.registered_on,
            status=enterprise.status,
            high_risk=enterprise.high_risk,
            at=now,
        )
    )
    await session.flush()
    uow.audit("enterprise.create", RESOURCE, enterprise.id, actor=principal)
    return enterprise


async def update(
    uow: UnitOfWork,
    principal: Principal,
    scope: Scope,
    enterprise: Enterprise,
    changes: dict[str, Any],
    *,
    now: datetime,
    today: date,
) -> Enterprise:
    session = uow.session
    effective_on = changes.pop("effective_on", None)
    errors: list[FieldError] = []
    for name in ("name", "village_id", "sector", "status", "registered_on", "standardization_level", "benchmark", "tags", "principal", "actual_controller"):
        if name in changes and changes[name] is None:
            errors.append(FieldError(name, "may not be null"))
    _raise_if(errors)
    # Sent explicitly (even when it equals the current value) it wins over the sector's default.
    high_risk_given = "high_risk" in changes
    if high_risk_given and changes["high_risk"] is None:  # null = back to the sector's default
        changes["high_risk"] = default_high_risk(changes.get("sector") or enterprise.sector)
    # Only fields whose value actually changes count (a client may echo the resource back).
    changes = {k: v for k, v in changes.items() if _current(enterprise, k) != v}
    reason = access.can_edit_enterprise(principal, set(changes))
    if reason:
        raise Forbidden(reason)
    if "village_id" in changes:
        await _check_village(session, changes["village_id"], errors)
    if "sector" in changes:
        await _check_sector(session, changes["sector"], errors)
    if effective_on is not None:
        if effective_on > today:
            errors.append(FieldError("effective_on", "may not be in the future"))
        latest = await repo.latest_state_date(session, enterprise.id)
        if latest is not None and effective_on < latest:
            errors.append(FieldError("effective_on", f"may not be before the previous change ({latest.isoformat()})"))
    _raise_if(errors)

    if "sector" in changes and not high_risk_given:
        # A unit moved to another sector takes that sector's default unless told otherwise.
        new_default = default_high_risk(changes["sector"])
        if new_default != enterprise.high_risk:
            changes["high_risk"] = new_default
    state_changed = any(k in changes for k in ("status", "high_risk"))
    for key, value in changes.items():
        if key in _PERSON_FIELDS:
            name_col, phone_col = _PERSON_FIELDS[key]
            setattr(enterprise, name_col, value["name"])
            setattr(enterprise, phone_col, value["phone"])
        elif key == "location":  # K6: null removes the coordinates
            enterprise.longitude = value["lng"] if value else None
            enterprise.latitude = value["lat"] if value else None
        else:
            setattr(enterprise, key, value)
    # A department or village officer may not move a unit out of its own reach.
    if not scope.sees(enterprise_id=enterprise.id, village_id=enterprise.village_id, sector=enterprise.sector):
        raise Forbidden("the change would move the enterprise outside your scope")
    if changes:
        enterprise.version += 1
        enterprise.updated_at = now
    if state_changed:
        session.add(
            EnterpriseState(
                enterprise_id=enterprise.id,
                effective_on=effective_on or today,
                status=enterprise.status,
                high_risk=enterprise.high_risk,
                at=now,
            )
        )
    await session.flush()
    uow.audit("enterprise.update", RESOURCE, enterprise.id, actor=principal)
    return enterprise


def _current(enterprise: Enterprise, key: str) -> Any:
    if key == "location":
        return location_of(enterprise)
    if key in _PERSON_FIELDS:
        name_col, phone_col = _PERSON_FIELDS[key]
        return {"name": getattr(enterprise, name_col), "phone": getattr(enterprise, phone_col)}
    return getattr(enterprise, key, None)


def location_of(enterprise: Enterprise) -> dict[str, float] | None:
    """K6: the coordinates as {lng, lat}, or None."""
    if enterprise.longitude is None or enterprise.latitude is None:
        return None
    return {"lng": enterprise.longitude, "lat": enterprise.latitude}


async def load(session: AsyncSession, scope: Scope, enterprise_id: uuid.UUID, *, for_update: bool = False) -> Enterprise:
    enterprise = await repo.get(session, scope, enterprise_id, for_update=for_update)
    if enterprise is None:
        raise NotFound(f"no enterprise {enterprise_id}")
    return enterprise
