"""A clearly labelled demo data set (【演示】) for an empty database: 8 villages, about 200
enterprises and one account per role. Deterministic, so the README can list it."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AppUser, Enterprise, EnterpriseState, OrgUnit
from app.db.reference import department, street_office
from app.domain.enterprises import (
    CREDIT_CODE_CHARSET,
    credit_code_check_character,
    default_high_risk,
)
from app.domain.enums import Role
from app.domain.sectors import SECTORS
from app.services.security import PasswordHashing

DEMO_PASSWORD = "anquan-demo-2024"
DEMO_MARK = "【演示】"
VILLAGES = ("东湖村", "西岭村", "南塘社区", "北关社区", "青石村", "柳河村", "新城社区", "桃园村")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = "伟芳娜敏静强磊军洋勇艳杰涛明超秀霞平刚桂"
_TRADES = {
    "fire": "商贸", "gas": "燃气", "construction": "建筑工程", "self_built_housing": "房屋租赁",
    "hazardous_chemicals": "化工", "industry_trade": "机械制造", "road_transport": "运输",
    "road_traffic": "驾驶培训", "campus": "幼儿园", "sports_venues": "体育场馆", "elderly_care": "养老院",
    "child_welfare": "儿童福利院", "agriculture": "农机合作社", "special_equipment": "电梯维保",
    "forestry": "林场", "commerce": "商场", "power": "电力工程", "postal": "快递",
    "grain_storage": "粮库", "civil_explosives": "烟花爆竹", "other": "综合服务",
}

# (username, role, what it is tied to) — listed in the README
DEMO_ACCOUNTS = (
    ("admin", Role.street_admin, "street_office"),
    ("supervisor", Role.supervisor, "street_office"),
    ("dept_housing", Role.department_officer, "housing_construction"),
    ("dept_emergency", Role.department_officer, "emergency_management"),
    ("village_donghu", Role.village_officer, "village:0"),
    ("enterprise_demo", Role.enterprise_user, "enterprise:0"),
    ("district_client", Role.district_viewer, None),
)


def demo_credit_code(rng: random.Random) -> str:
    body = "91" + "340" + "".join(rng.choice("0123456789") for _ in range(3))
    body += "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    return body + credit_code_check_character(body)


def _person(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN)
    return name, "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


async def is_empty(session: AsyncSession) -> bool:
    return (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one() == 0 and (
        await session.execute(select(func.count()).select_from(AppUser))
    ).scalar_one() == 0


async def load_demo(session: AsyncSession, passwords: PasswordHashing, *, enterprises: int = 200, seed: int = 2024) -> None:
    rng = random.Random(seed)
    villages = [OrgUnit(kind="village", name=DEMO_MARK + name, code=f"demo-village-{i + 1}") for i, name in enumerate(VILLAGES)]
    session.add_all(villages)
    await session.flush()
    sector_codes = [s.code for s in SECTORS]
    weights = [6 if s.code in ("fire", "industry_trade", "commerce", "self_built_housing") else 2 for s in SECTORS]
    made: list[Enterprise] = []
    codes: set[str] = set()
    for i in range(enterprises):
        sector = rng.choices(sector_codes, weights)[0]
        code = demo_credit_code(rng)
        while code in codes:
            code = demo_credit_code(rng)
        codes.add(code)
        p_name, p_phone = _person(rng)
        c_name, c_phone = (p_name, p_phone) if rng.random() < 0.6 else _person(rng)
        tags = []
        if sector == "industry_trade" and rng.random() < 0.3:
            tags.append(rng.choice(["dust_explosion", "confined_space", "ammonia_refrigeration"]))
        if sector == "commerce" and rng.random() < 0.2:
            tags.append("large_commercial_complex")
        status = "active" if rng.random() < 0.92 else rng.choice(["suspended", "closed"])
        registered_on = date(2015, 1, 1) + timedelta(days=rng.randrange(0, 365 * 11))
        e = Enterprise(
            name=f"{DEMO_MARK}{rng.choice(VILLAGES)[:2]}{_TRADES[sector]}{i + 1:03d}有限公司",
            credit_code=code,
            village_id=villages[i % len(villages)].id,
            sector=sector,
            high_risk=default_high_risk(sector),
            status=status,
            registered_on=registered_on,
            tags=tags,
            principal_name=p_name,
            principal_phone=p_phone,
            controller_name=c_name,
            controller_phone=c_phone,
            standardization_level=rng.choice(["none", "none", "3", "3", "2", "1"]),
        )
        made.append(e)
    session.add_all(made)
    await session.flush()
    session.add_all(
        EnterpriseState(enterprise_id=e.id, effective_on=e.registered_on, status=e.status, high_risk=e.high_risk)
        for e in made
    )
    office = await street_office(session)
    password_hash = passwords.hash(DEMO_PASSWORD)
    for username, role, tie in DEMO_ACCOUNTS:
        org_unit_id = enterprise_id = None
        if tie == "street_office":
            org_unit_id = office.id
        elif tie and tie.startswith("village:"):
            org_unit_id = villages[int(tie.split(":")[1])].id
        elif tie and tie.startswith("enterprise:"):
            enterprise_id = made[int(tie.split(":")[1])].id
        elif tie:
            org_unit_id = (await department(session, tie)).id
        session.add(
            AppUser(
                username=username,
                password_hash=password_hash,
                role=role.value,
                org_unit_id=org_unit_id,
                enterprise_id=enterprise_id,
                display_name=f"{DEMO_MARK}{username}",
            )
        )
    await session.flush()
