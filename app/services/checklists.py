"""Checklists (K3): versioned templates managed by street_admin and the lead departments.
A version no inspection has used yet is edited in place; a version in use is never changed:
editing it makes the next version of the checklist."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from app.db.ids import uuid7
from app.db.models import Checklist, ChecklistItem
from app.db.repositories import checklists as repo
from app.db.repositories import criteria as criteria_repo
from app.domain import criteria as rules
from app.domain.access import Principal
from app.domain.enums import Role
from app.domain.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation
from app.domain.hazards import Grade
from app.domain.sectors import SECTOR_CODES
from app.services.context import Context

RESOURCE = "checklists"


def _may_manage(p: Principal, sectors: list[str]) -> str | None:
    """K3: street_admin manages every checklist; a department officer those whose sectors
    are all among the sectors its department leads. None = allowed, else the reason."""
    if p.role is Role.street_admin:
        return None
    if p.role is Role.department_officer:
        if sectors and set(sectors) <= p.lead_sectors:
            return None
        return "department officers manage checklists of the sectors their department leads only"
    return "only street_admin and the lead departments manage checklists"


async def load(ctx: Context, checklist_id: Any, *, for_update: bool = False) -> Checklist:
    checklist = await repo.get(ctx.session, checklist_id, for_update=for_update)
    if checklist is None:
        raise NotFound(f"no checklist {checklist_id}")
    return checklist


async def _items(ctx: Context, data: dict[str, Any]) -> tuple[list[rules.ChecklistItem], int | None]:
    """The items as the pure rules' values (a criterion's grade is the default grade), and
    the library version their criteria are of."""
    errors: list[FieldError] = []
    unknown = sorted(set(data["sectors"]) - SECTOR_CODES)
    if unknown:
        errors.append(FieldError("sectors", f"unknown sector codes: {', '.join(unknown)}"))
    if not data["sectors"] and not data["tags"]:
        errors.append(FieldError("sectors", "a checklist applies to at least one sector or tag"))
    version = await criteria_repo.current_version(ctx.session)
    codes = [i["criterion_code"] for i in data["items"] if i.get("criterion_code")]
    library = await criteria_repo.library(ctx.session, version, codes) if version is not None else {}
    items = []
    for raw in data["items"]:
        criterion = library.get(raw.get("criterion_code") or "")
        grade = raw.get("grade") or (criterion.grade if criterion is not None else Grade.general)
        items.append(rules.ChecklistItem(id=uuid7(), text=raw["text"], criterion_code=raw.get("criterion_code"), grade=Grade(grade)))
    errors += rules.checklist_problems(items, library)
    if data["sectors"]:  # a failure must be citable for an enterprise of the checklist's sectors (K2)
        for i, item in enumerate(items):
            criterion = library.get(item.criterion_code or "")
            if criterion is not None and not criterion.sectors & set(data["sectors"]):
                errors.append(FieldError(
                    f"items[{i}].criterion_code",
                    f"criterion {criterion.code} applies to {', '.join(sorted(criterion.sectors))}, none of the checklist's sectors",
                ))
    if errors:
        raise RuleViolation("invalid checklist", errors, code="invalid_checklist")
    return items, version


def _add_items(ctx: Context, checklist_id: Any, items: list[rules.ChecklistItem], version: int | None) -> None:
    ctx.session.add_all(
        ChecklistItem(
            id=item.id, checklist_id=checklist_id, position=i, text=item.text,
            criterion_version=version if item.criterion_code else None, criterion_code=item.criterion_code,
            grade=Grade(item.grade).value,
        )
        for i, item in enumerate(items, start=1)
    )


async def create(ctx: Context, data: dict[str, Any]) -> Checklist:
    reason = _may_manage(ctx.principal, data["sectors"])
    if reason:
        raise Forbidden(reason)
    items, version = await _items(ctx, data)
    checklist_id = uuid7()
    checklist = Checklist(
        id=checklist_id, series_id=checklist_id, version=1, name=data["name"], sectors=data["sectors"],
        tags=data["tags"], is_default=False, revision=1, created_by=ctx.principal.user_id, created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(checklist)
    await ctx.session.flush()
    _add_items(ctx, checklist.id, items, version)
    await ctx.session.flush()
    ctx.audit("checklist.create", RESOURCE, checklist.id)
    return checklist


async def replace(ctx: Context, checklist: Checklist, data: dict[str, Any]) -> tuple[Checklist, bool]:
    """K3: the new content of a checklist; (the version holding it, whether it is new).
    Only the latest version of a checklist is edited; one in use gets a successor."""
    for sectors in (checklist.sectors, data["sectors"]):
        reason = _may_manage(ctx.principal, sectors)
        if reason:
            raise Forbidden(reason)
    latest = await repo.latest_version(ctx.session, checklist.series_id)
    if checklist.version != latest:
        raise Conflict(
            f"version {checklist.version} is not the latest ({latest}): edit the latest version", code="checklist_superseded"
        )
    items, version = await _items(ctx, data)
    if await repo.in_use(ctx.session, checklist.id):
        successor = Checklist(
            id=uuid7(), series_id=checklist.series_id, version=checklist.version + 1, name=data["name"],
            sectors=data["sectors"], tags=data["tags"], is_default=checklist.is_default, revision=1,
            created_by=ctx.principal.user_id, created_at=ctx.now, updated_at=ctx.now,
        )
        ctx.session.add(successor)
        await ctx.session.flush()
        _add_items(ctx, successor.id, items, version)
        await ctx.session.flush()
        ctx.audit("checklist.version", RESOURCE, successor.id)
        return successor, True
    await ctx.session.execute(delete(ChecklistItem).where(ChecklistItem.checklist_id == checklist.id))
    checklist.name = data["name"]
    checklist.sectors = data["sectors"]
    checklist.tags = data["tags"]
    checklist.revision += 1
    checklist.updated_at = ctx.now
    _add_items(ctx, checklist.id, items, version)
    await ctx.session.flush()
    ctx.audit("checklist.update", RESOURCE, checklist.id)
    return checklist, False
