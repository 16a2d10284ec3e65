"""/org-units, /users, /sectors: the organisation (A3: only street_admin manages it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import CurrentUser, Session, StreetAdmin, Work
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import Idempotent
from app.api.pagination import Cursor, Limit, decode_id_cursor, next_id_cursor
from app.api.params import OrgUnitId, UserId
from app.api.routing import TransactionalRoute
from app.api.schemas import examples as ex
from app.api.schemas.common import Id
from app.api.schemas.org import (
    OrgUnitCreate,
    OrgUnitPage,
    OrgUnitRead,
    SectorList,
    SectorRead,
    UserCreate,
    UserPage,
    UserRead,
    UserUpdate,
)
from app.db.models import OrgUnit
from app.db.repositories import org_units as org_repo
from app.db.repositories import users as users_repo
from app.domain.enums import OrgUnitKind, Role
from app.domain.errors import Forbidden, NotFound
from app.services import users as users_service

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute)


def _org_read(unit: OrgUnit, lead: list[str]) -> OrgUnitRead:
    return OrgUnitRead(id=unit.id, kind=unit.kind, name=unit.name, code=unit.code, lead_sectors=lead, created_at=unit.created_at)


@router.get(
    "/org-units",
    response_model=OrgUnitPage,
    tags=["organisation"],
    summary="List org units",
    description="The street office, departments and villages. Every authenticated caller may read them.",
    responses={**answer("A page of org units, in creation order."), **problem_responses(401, 422)},
)
async def list_org_units(
    session: Session,
    _: CurrentUser,
    kind: Annotated[OrgUnitKind | None, Query(description="Only units of this kind.", examples=["village"])] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> OrgUnitPage:
    units = await org_repo.list_page(session, limit=limit, after=decode_id_cursor(cursor), kind=kind)
    lead = await org_repo.lead_sectors(session, [u.id for u in units if u.kind == OrgUnitKind.department.value])
    return OrgUnitPage(items=[_org_read(u, lead.get(u.id, [])) for u in units], next_cursor=next_id_cursor(units, limit))


@router.get(
    "/org-units/{org_unit_id}",
    response_model=OrgUnitRead,
    tags=["organisation"],
    summary="Get an org unit",
    description='A street office, department or village, with the sectors a department leads. Every authenticated caller may read it.',
    responses={**answer("The org unit."), **problem_responses(401, 404, 422)},
)
async def get_org_unit(session: Session, _: CurrentUser, org_unit_id: OrgUnitId) -> OrgUnitRead:
    unit = await org_repo.get(session, org_unit_id)
    if unit is None:
        raise NotFound(f"no org unit {org_unit_id}")
    lead = await org_repo.lead_sectors(session, [unit.id])
    return _org_read(unit, lead.get(unit.id, []))


@router.post(
    "/org-units",
    response_model=OrgUnitRead,
    status_code=201,
    tags=["organisation"],
    summary="Create an org unit",
    description="A village, a department (with the sectors it leads) or the street office. street_admin only.",
    responses={**answer("The org unit as created.", status=201, location=True), **problem_responses(401, 403, 409, 422)},
    dependencies=[Idempotent],
)
async def create_org_unit(work: Work, admin: StreetAdmin, body: OrgUnitCreate, response: Response) -> OrgUnitRead:
    unit, lead = await users_service.create_org_unit(work, body.model_dump(), actor=admin)
    response.headers["Location"] = f"/api/v1/org-units/{unit.id}"
    return _org_read(unit, lead)


@router.get(
    "/sectors",
    response_model=SectorList,
    tags=["organisation"],
    summary="List sectors",
    description="The sectors (行业领域) with their lead department and whether they are high-risk by default.",
    responses={**answer("Every sector."), **problem_responses(401)},
)
async def list_sectors(session: Session, _: CurrentUser) -> SectorList:
    return SectorList(items=[SectorRead.model_validate(s) for s in await org_repo.sectors(session)])


@router.get(
    "/users",
    response_model=UserPage,
    tags=["users"],
    summary="List users",
    description='Accounts, in creation order, keyset paginated; street_admin only. Password hashes are never shown.',
    responses={**answer("A page of users."), **problem_responses(401, 403, 422)},
)
async def list_users(
    session: Session,
    _: StreetAdmin,
    role: Annotated[Role | None, Query(description="Only users of this role.", examples=["village_officer"])] = None,
    org_unit_id: Annotated[Id | None, Query(description="Only users of this org unit.", examples=[ex.VILLAGE_ID])] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> UserPage:
    users = await users_repo.list_page(session, limit=limit, after=decode_id_cursor(cursor), role=role, org_unit_id=org_unit_id)
    return UserPage(items=[UserRead.model_validate(u) for u in users], next_cursor=next_id_cursor(users, limit))


@router.post(
    "/users",
    response_model=UserRead,
    status_code=201,
    tags=["users"],
    summary="Create a user",
    description=(
        "street_admin only. The org unit must fit the role: street office for street_admin and supervisor, a "
        "department for department_officer, a village for village_officer; enterprise_user needs enterprise_id; "
        "district_viewer is a service client that logs in with client_credentials."
    ),
    responses={**answer("The user as created.", status=201, location=True), **problem_responses(401, 403, 409, 422)},
    dependencies=[Idempotent],
)
async def create_user(
    request: Request, work: Work, admin: StreetAdmin, body: UserCreate, response: Response
) -> UserRead:
    user = await users_service.create_user(work, request.app.state.passwords, body.model_dump(), actor=admin)
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return UserRead.model_validate(user)


@router.get(
    "/users/{user_id}",
    response_model=UserRead,
    tags=["users"],
    summary="Get a user",
    description='An account; street_admin only.',
    responses={**answer("The user."), **problem_responses(401, 403, 404, 422)},
)
async def get_user(session: Session, _: StreetAdmin, user_id: UserId) -> UserRead:
    user = await users_repo.get(session, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return UserRead.model_validate(user)


@router.patch(
    "/users/{user_id}",
    response_model=UserRead,
    tags=["users"],
    summary="Disable, enable or reset the password of a user",
    description="street_admin only; an administrator cannot disable their own account (403).",
    responses={**answer("The user as changed."), **problem_responses(401, 403, 404, 422)},
)
async def update_user(
    request: Request, work: Work, admin: StreetAdmin, user_id: UserId, body: UserUpdate
) -> UserRead:
    session = work.session
    user = await users_repo.get(session, user_id, for_update=True)
    if user is None:
        raise NotFound(f"no user {user_id}")
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if user.id == admin.user_id and changes.get("is_active") is False:
        # The street office would lock itself out if its last administrator could do this.
        raise Forbidden("a street_admin may not disable their own account")
    if "password" in changes:
        user.password_hash = request.app.state.passwords.hash(changes.pop("password"))
    for key, value in changes.items():
        setattr(user, key, value)
    await session.flush()
    work.audit("user.update", "users", user.id, actor=admin)
    return UserRead.model_validate(user)
