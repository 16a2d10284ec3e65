"""A clearly labelled demo data set (【演示】) for an empty database: 8 villages, 200
enterprises, one account per role, and about two and a half years of the campaign's
history up to the day before `today` (app/db/generator.py, the generator the benchmark
uses at district scale). Deterministic for a given `today`, so the README can list it."""

from __future__ import annotations

import time
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.generator import Account, Generator, Profile, Sizes
from app.db.models import AppUser, Enterprise
from app.domain.calendar import business_date
from app.domain.enums import Role
from app.services.security import PasswordHashing

DEMO_PASSWORD = "anquan-demo-2024"
DEMO_MARK = "【演示】"
DEMO_SEED = 2024
VILLAGES = ("东湖村", "西岭村", "南塘社区", "北关社区", "青石村", "柳河村", "新城社区", "桃园村")

# (username, role, what it is tied to) — listed in the README
DEMO_ACCOUNTS = (
    Account("admin", Role.street_admin.value, "street_office"),
    Account("supervisor", Role.supervisor.value, "street_office"),
    Account("dept_housing", Role.department_officer.value, "housing_construction"),
    Account("dept_emergency", Role.department_officer.value, "emergency_management"),
    Account("village_donghu", Role.village_officer.value, "village:0"),
    Account("enterprise_demo", Role.enterprise_user.value, "enterprise:0"),
    Account("district_client", Role.district_viewer.value, None),
)
DEMO_PROFILE = Profile(
    accounts=DEMO_ACCOUNTS,
    mark=DEMO_MARK,
    village_names=VILLAGES,
    village_code="demo-village-{}",
    credit_prefix="91340102",
    min_focus=6,
    assign_leads=False,
)


async def is_empty(session: AsyncSession) -> bool:
    return (await session.execute(select(func.count()).select_from(Enterprise))).scalar_one() == 0 and (
        await session.execute(select(func.count()).select_from(AppUser))
    ).scalar_one() == 0


async def load_demo(
    session: AsyncSession, passwords: PasswordHashing, *, today: date | None = None, seed: int = DEMO_SEED
) -> dict[str, int]:
    """Write the demo set in the session's transaction (COPY on its connection); the
    reference data must be there. `today` defaults to today in Asia/Shanghai. Returns the
    rows written per table (and `load_ms`)."""
    from datetime import UTC

    started = time.perf_counter()
    today = today or business_date(datetime.now(UTC))
    await session.flush()
    raw = await (await session.connection()).get_raw_connection()
    conn = raw.driver_connection
    generator = Generator(today, Sizes.demo(), seed, DEMO_PROFILE, passwords.hash(DEMO_PASSWORD))
    counts = await generator.write(conn)
    for table in ("hazard_history", "hazard", "inspection", "drill", "training", "enterprise", "public_report"):
        await conn.execute(f"ANALYZE {table}")
    return counts | {"load_ms": round((time.perf_counter() - started) * 1000)}
