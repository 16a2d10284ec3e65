"""A deterministic district: 400 villages, 12 departments, 40,000 enterprises (15 % high-risk),
1,000,000 hazards discovered 2023-01-01..2026-11-28 with their history, 300,000 inspections,
60,000 drills, 60,000 trainings, supervision rounds and a few accounts.

Everything is drawn from random.Random(seed) (one stream per table, one per hazard chunk),
so a seed and a scale give the same rows, ids included, on every machine. The schema comes
from the migrations (app.db.migrate.upgrade) and the reference data from
ensure_reference_data; the rows go in with COPY (text format), hazards and their history in
chunks generated in a thread while the previous chunk is being copied.

Realism, in short (details next to each generator):
- villages differ in size: enterprise counts follow 1/(rank+5), so the largest village (an
  industrial community) holds ~4.5 % of the enterprises and ~45,000 hazards;
- sectors are weighted (工贸, 商贸, 自建房, 消防 first), 15 % of enterprises are high-risk;
- a hazard's lifecycle is simulated from its discovery (plan after a few days, a deadline of
  1-8 weeks, 6 months for major ones, submission, review, sometimes a rejection, an
  extension, a listing, a void) and cut at the data set's today (2026-11-29): old hazards are
  mostly closed, recent ones reported / rectifying / pending review, some stuck and overdue;
- every state change is a hazard_history row (create -> [notify] -> plan -> submit -> approve),
  effective_on non-decreasing, the deadline on plan and extend rows."""

from __future__ import annotations

import asyncio
import json
import random
import time
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import accumulate
from typing import Any

import asyncpg

GENERATOR_VERSION = 4
DEFAULT_SEED = 20240101

REF_DATE = date(2026, 11, 29)  # the data set's "today": nothing in it happens on or after this day
FIRST_DAY = date(2023, 1, 1)
LAST_DAY = REF_DATE - timedelta(days=1)
FIRST_ORD, LAST_ORD = FIRST_DAY.toordinal(), LAST_DAY.toordinal()
CAMPAIGN_ORD = date(2024, 1, 1).toordinal()
_EPOCH_ORD = date(1970, 1, 1).toordinal()
_CST_MS = 8 * 3600 * 1000  # Asia/Shanghai is UTC+8 all year

PASSWORD = "bench-password-2026"


@dataclass(frozen=True)
class Sizes:
    villages: int = 400
    departments: int = 12
    enterprises: int = 40_000
    hazards: int = 1_000_000
    inspections: int = 300_000
    drills: int = 60_000
    trainings: int = 60_000
    high_risk_share: float = 0.15

    @classmethod
    def scaled(cls, scale: float) -> Sizes:
        full = cls()

        def s(n: int, floor: int) -> int:
            return max(floor, round(n * scale))

        return cls(
            villages=s(full.villages, 8),
            departments=full.departments,
            enterprises=s(full.enterprises, 200),
            hazards=s(full.hazards, 2_000),
            inspections=s(full.inspections, 600),
            drills=s(full.drills, 120),
            trainings=s(full.trainings, 120),
        )


# --------------------------------------------------------------------------- helpers


def day_ms(ordinal: int) -> int:
    """Milliseconds since the epoch of 00:00 Asia/Shanghai on that day."""
    return (ordinal - _EPOCH_ORD) * 86_400_000 - _CST_MS


def uuid7(ms: int, rng: random.Random) -> str:
    """A version-7 UUID (as app.db.ids.uuid7) whose time is `ms` and whose random bits come
    from `rng`: ids sort by creation time, as the service's own do."""
    rand = rng.getrandbits(74)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_ISO: dict[int, str] = {}


def iso(ordinal: int) -> str:
    s = _ISO.get(ordinal)
    if s is None:
        s = _ISO[ordinal] = date.fromordinal(ordinal).isoformat()
    return s


def ts(ordinal: int, second_of_day: int) -> str:
    """A timestamptz literal in Asia/Shanghai."""
    h, rem = divmod(second_of_day, 3600)
    return f"{iso(ordinal)} {h:02d}:{rem // 60:02d}:{rem % 60:02d}+08"


def ms_to_ts(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone(timedelta(hours=8))).isoformat(sep=" ", timespec="milliseconds")


N = "\\N"  # NULL in COPY text format


def line(values: tuple | list) -> str:
    return "\t".join(values) + "\n"


def b(v: bool) -> str:
    return "t" if v else "f"


class Picker:
    """Weighted choice by bisect on cumulative weights (faster than rng.choices per call)."""

    def __init__(self, items: list[Any], weights: list[float]) -> None:
        self.items = items
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect_right(self.cum, rng.random() * self.total)]

    def index(self, rng: random.Random) -> int:
        return bisect_right(self.cum, rng.random() * self.total)


# --------------------------------------------------------------------------- vocabulary

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红丽斌波辉宇浩凯鹏飞俊峰玲燕雪琳婷晨阳海林春梅兰云龙亮晓"
VILLAGE_A = "东西南北上下前后新老大小金银石桥河湖山岭塘港湾林竹梅兰桂枫柳杨松青白红黄清"
VILLAGE_B = "湖岭塘关石河城园庄湾桥坪港山浦溪头口坝沟岗洋埠店墩"
BRAND = "恒信达丰盛华泰和兴隆鑫源瑞祥宏远嘉诚永安通利富康昌顺德金鼎晟博汇中天宇新明荣"
SECTOR_WEIGHTS = {
    "fire": 10, "gas": 3, "construction": 6, "self_built_housing": 12, "hazardous_chemicals": 3,
    "industry_trade": 18, "road_transport": 4, "road_traffic": 2, "campus": 2, "sports_venues": 1,
    "elderly_care": 1.5, "child_welfare": 0.3, "agriculture": 3, "special_equipment": 4, "forestry": 0.5,
    "commerce": 15, "power": 1, "postal": 2, "grain_storage": 0.5, "civil_explosives": 0.2, "other": 6,
}
TRADE = {
    "fire": ("商贸", "餐饮管理", "宾馆", "娱乐"), "gas": ("燃气", "液化气供应"), "construction": ("建筑工程", "建设", "装饰工程"),
    "self_built_housing": ("房屋租赁", "物业管理"), "hazardous_chemicals": ("化工", "化学品经营"),
    "industry_trade": ("机械制造", "五金", "纺织", "家具", "食品", "塑业", "金属制品"), "road_transport": ("运输", "物流"),
    "road_traffic": ("驾驶培训", "汽车服务"), "campus": ("幼儿园", "培训学校"), "sports_venues": ("体育场馆", "健身"),
    "elderly_care": ("养老院", "颐养中心"), "child_welfare": ("儿童福利院",), "agriculture": ("农机合作社", "农业开发"),
    "special_equipment": ("电梯维保", "起重设备"), "forestry": ("林场", "苗木"), "commerce": ("商场", "超市", "商贸"),
    "power": ("电力工程",), "postal": ("快递", "速递"), "grain_storage": ("粮库", "粮油"),
    "civil_explosives": ("烟花爆竹",), "other": ("综合服务", "科技", "实业"),
}
COMPANY = ("有限公司", "有限公司", "有限公司", "股份有限公司", "厂", "经营部")
HAZARD_TITLES = {
    "fire": ("疏散通道堆放杂物", "安全出口上锁", "消防设施未定期维护保养", "电气线路私拉乱接", "应急照明损坏"),
    "gas": ("燃气管道老化锈蚀", "液化气钢瓶超期未检", "燃气报警器未安装", "用气场所未设置切断阀"),
    "construction": ("高处作业未系安全带", "脚手架连墙件缺失", "深基坑未设置临边防护", "塔吊限位装置失效", "施工用电未三级配电"),
    "self_built_housing": ("房屋墙体开裂", "擅自加层改变结构", "群租房未设置独立疏散通道", "电动自行车室内充电"),
    "hazardous_chemicals": ("储罐区可燃气体报警仪失效", "危化品超量储存", "装卸作业未设置静电接地", "重大危险源未实施监控"),
    "industry_trade": ("除尘器未设置泄爆装置", "有限空间作业未审批", "涉氨制冷机房通风不足", "机械防护罩缺失", "粉尘清扫制度未落实"),
    "road_transport": ("车辆动态监控未落实", "驾驶员超时驾驶", "危货车辆未按规定路线行驶"),
    "road_traffic": ("路口交通标志缺失", "校车安全设施不全"),
    "campus": ("校舍消防设施失效", "食堂燃气管道未固定", "校门防冲撞设施缺失"),
    "sports_venues": ("看台护栏松动", "场馆疏散指示不清"),
    "elderly_care": ("养老机构使用易燃夹芯板", "床头呼叫装置损坏", "厨房灭火设施缺失"),
    "child_welfare": ("室内插座无防护", "疏散预案未演练"),
    "agriculture": ("农机未年检", "农药存放不规范"),
    "special_equipment": ("电梯超期未检验", "起重机械钢丝绳断丝", "压力容器安全阀失效"),
    "forestry": ("林区违规用火", "防火隔离带未清理"),
    "commerce": ("商场防火卷帘故障", "仓库与营业区未分隔", "疏散通道被占用"),
    "power": ("配电房无挡鼠板", "变压器周边杂草未清理"),
    "postal": ("分拣场所电动车违规充电", "快件仓库消防设施不足"),
    "grain_storage": ("粮仓熏蒸作业未审批", "输送设备防护缺失"),
    "civil_explosives": ("烟花爆竹超量储存", "仓库防雷设施失效"),
    "other": ("安全管理制度不健全", "特种作业人员无证上岗", "安全培训记录缺失"),
}
CRITERIA = (
    "《工贸企业重大事故隐患判定标准》第{}条", "《房屋市政工程生产安全重大事故隐患判定标准》第{}条",
    "《重大火灾隐患判定方法》第{}条", "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准》第{}条",
)
DESCRIPTIONS = ("现场检查发现，需立即整改", "复查时仍未整改到位", "群众反映后核查属实", "企业自查上报", "督导组抽查发现")
LOCATIONS = ("1号车间", "2号车间", "仓库", "配电房", "厨房", "楼梯间", "地下室", "厂区东侧", "办公楼三层", "生产线")
MEASURES = ("立即停止相关作业并整改", "更换损坏设施设备", "清理通道并建立巡查制度", "委托专业单位检测维修", "加装防护装置")
CONTINGENCY = ("停用设备并设置警戒区域", "安排专人值守，发现异常立即撤离", "配备应急器材并组织演练")
EVIDENCE = ("已整改完毕，附整改前后照片", "整改完成，经企业自查合格", "已更换设备并通过检测")
INSPECTION_KINDS = ("principal_self", "village_patrol", "department", "enforcement", "supervision")
INSPECTION_KIND_WEIGHTS = (55, 20, 12, 8, 5)
SOURCE_OF_KIND = {
    "principal_self": "self_inspection", "village_patrol": "patrol", "department": "supervision",
    "enforcement": "enforcement", "supervision": "supervision",
}
INDEPENDENT_SOURCES = ("patrol", "supervision", "self_inspection", "enforcement", "other")
INDEPENDENT_SOURCE_WEIGHTS = (30, 27, 27, 8, 8)
DRILL_KINDS = ("evacuation", "fire", "hazardous_chemical_leak", "confined_space_rescue", "special_equipment", "other")
DRILL_KIND_WEIGHTS = (60, 20, 5, 5, 4, 6)
TRAINEE_ROLES = ("principal", "fire_safety_responsible", "safety_manager", "special_operations", "employee")
TRAINEE_ROLE_WEIGHTS = (20, 25, 20, 15, 20)
TRAINING_TOPICS = {
    "principal": "主要负责人安全生产知识和管理能力培训", "fire_safety_responsible": "消防安全责任人培训",
    "safety_manager": "安全管理人员继续教育", "special_operations": "特种作业人员复审培训", "employee": "从业人员三级安全教育",
}
EXTRA_DEPARTMENTS = (("economic_development", "经济发展办"), ("comprehensive_enforcement", "综合行政执法队"))
# sectors without a lead department get one from the street office (docs/rules.md §1)
ASSIGNED_LEADS = {
    "commerce": "economic_development", "power": "economic_development", "postal": "economic_development",
    "grain_storage": "comprehensive_enforcement", "other": "comprehensive_enforcement", "civil_explosives": "police",
}


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


# --------------------------------------------------------------------------- the district


@dataclass
class District:
    """What later stages (and the scenarios) need to know about the generated rows."""

    street_office_id: str = ""
    admin_id: str = ""
    department_ids: dict[str, str] = field(default_factory=dict)
    village_ids: list[str] = field(default_factory=list)
    village_names: list[str] = field(default_factory=list)
    # per enterprise (by index)
    ent_id: list[str] = field(default_factory=list)
    ent_village: list[int] = field(default_factory=list)
    ent_sector: list[str] = field(default_factory=list)
    ent_hr: list[bool] = field(default_factory=list)
    ent_first: list[int] = field(default_factory=list)  # first ordinal events may happen
    ent_last: list[int] = field(default_factory=list)  # last ordinal events may happen (closure)
    ent_principal: list[str] = field(default_factory=list)
    ent_controller: list[str] = field(default_factory=list)
    ent_tags: list[tuple[str, ...]] = field(default_factory=list)
    user_ids: dict[str, str] = field(default_factory=dict)


def _village_names(n: int, rng: random.Random) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        base = rng.choice(VILLAGE_A) + rng.choice(VILLAGE_B)
        name = base + ("社区" if rng.random() < 0.2 else "村")
        if name in seen:
            name = f"{base}{len(names) + 1}村"
        seen.add(name)
        names.append(name)
    return names


def credit_code(rng: random.Random, used: set[str]) -> str:
    from app.domain.enterprises import CREDIT_CODE_CHARSET, credit_code_check_character

    while True:
        first17 = "91330110" + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
        code = first17 + credit_code_check_character(first17)
        if code not in used:
            used.add(code)
            return code


class Loader:
    def __init__(self, url: str, sizes: Sizes, seed: int, *, log: Any = print) -> None:
        self.url = url
        self.sizes = sizes
        self.seed = seed
        self.log = log
        self.d = District()
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.replica = False
        self.has_deadline_set_on = False
        self._findings: list[tuple[int, int, str, str]] = []  # (created ms, enterprise idx, kind, inspection id)

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"{self.seed}:{stream}")

    async def _connect(self) -> asyncpg.Connection:
        conn = await asyncpg.connect(self.url)
        if self.replica:
            await conn.execute("SET session_replication_role = replica")
        await conn.execute("SET synchronous_commit = off")
        return conn

    async def copy(self, conn: asyncpg.Connection, table: str, columns: list[str], lines: list[str]) -> None:
        if not lines:
            return
        data = "".join(lines).encode()

        async def chunks():  # asyncpg takes bytes for a path: hand it an async iterable
            view = memoryview(data)
            for i in range(0, len(data), 1 << 20):
                yield view[i : i + (1 << 20)]

        await conn.copy_to_table(table, source=chunks(), columns=columns, format="text")
        self.counts[table] = self.counts.get(table, 0) + len(lines)

    # ------------------------------------------------------------------ stages

    async def run(self) -> dict[str, Any]:
        started = time.perf_counter()
        await self._schema()
        conn = await self._probe_replica()
        try:
            for name, stage in (
                ("org_units_and_users", self._org_units_and_users),
                ("enterprises", self._enterprises),
                ("inspections", self._inspections),
                ("supervision_tasks", self._supervision_tasks),
                ("hazards_and_history", self._hazards),
                ("drills", self._drills),
                ("trainings", self._trainings),
            ):
                t0 = time.perf_counter()
                before = dict(self.counts)
                await stage(conn)
                self.timings[name] = round(time.perf_counter() - t0, 1)
                new = ", ".join(f"{k} {v - before.get(k, 0):,}" for k, v in self.counts.items() if v != before.get(k, 0))
                self.log(f"  {name}: {self.timings[name]} s  ({new})")
            t0 = time.perf_counter()
            await conn.execute("RESET session_replication_role")
            from bench.run import refill_read_model

            await refill_read_model(conn)  # COPY as replica fired no trigger
            self.timings["read_model"] = round(time.perf_counter() - t0, 1)
            self.log(f"  read_model: {self.timings['read_model']} s")
            t0 = time.perf_counter()
            for table in ("hazard_history", "hazard", "inspection", "enterprise_state", "enterprise", "drill", "training",
                          "supervision_task", "org_unit", "app_user", "sector"):
                await conn.execute(f"VACUUM (ANALYZE) {table}")
            try:
                await conn.execute("CHECKPOINT")
            except asyncpg.PostgresError:
                pass
            self.timings["vacuum_analyze"] = round(time.perf_counter() - t0, 1)
            self.log(f"  vacuum_analyze: {self.timings['vacuum_analyze']} s")
            total = round(time.perf_counter() - started, 1)
            meta = {
                "generator_version": GENERATOR_VERSION,
                "seed": self.seed,
                "sizes": asdict(self.sizes),
                "counts": self.counts,
                "timings_s": self.timings,
                "generation_seconds": total,
                "reference_date": REF_DATE.isoformat(),
                "loaded_at": datetime.now(UTC).isoformat(),
                "foreign_key_checks_during_copy": not self.replica,
                "max_history_id": await conn.fetchval("SELECT coalesce(max(id), 0) FROM hazard_history"),
            }
            await conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
            await conn.execute(
                "INSERT INTO bench_meta VALUES ('dataset', $1::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                json.dumps(meta),
            )
            return meta
        finally:
            await conn.close()

    async def _schema(self) -> None:
        from app.db import migrate

        t0 = time.perf_counter()
        await asyncio.to_thread(migrate.upgrade, self.url)
        from sqlalchemy.ext.asyncio import AsyncSession

        from app.db.reference import ensure_reference_data
        from app.db.session import Database

        db = Database.from_url(self.url, pool_size=1, max_overflow=0)
        try:
            async with db.transaction() as session:
                assert isinstance(session, AsyncSession)
                await ensure_reference_data(session)
        finally:
            await db.dispose()
        self.timings["schema_and_reference"] = round(time.perf_counter() - t0, 1)

    async def _probe_replica(self) -> asyncpg.Connection:
        """COPY without per-row foreign-key triggers when we may (superuser): the rows are
        consistent by construction. Otherwise the checks run; it is only slower."""
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute("SET session_replication_role = replica")
            self.replica = True
        except asyncpg.InsufficientPrivilegeError:
            self.replica = False
        await conn.execute("SET synchronous_commit = off")
        return conn

    async def _org_units_and_users(self, conn: asyncpg.Connection) -> None:
        rng = self.rng("org")
        d = self.d
        rows = await conn.fetch("SELECT id, code FROM org_unit")
        units = {r["code"]: str(r["id"]) for r in rows}
        d.street_office_id = units["street_office"]
        base_ms = day_ms(date(2022, 12, 1).toordinal())
        lines = []
        for code, name in EXTRA_DEPARTMENTS[: max(0, self.sizes.departments - 10)]:
            uid = uuid7(base_ms + rng.randrange(86_400_000), rng)
            units[code] = uid
            lines.append(line((uid, "department", name, code, ts(date(2022, 12, 1).toordinal(), 36000))))
        d.department_ids = {c: u for c, u in units.items() if c != "street_office"}
        names = _village_names(self.sizes.villages, rng)
        for i, name in enumerate(names):
            uid = uuid7(base_ms + 86_400_000 + i * 1000, rng)
            d.village_ids.append(uid)
            d.village_names.append(name)
            lines.append(line((uid, "village", name, f"village_{i + 1:03d}", ts(date(2022, 12, 2).toordinal(), 36000))))
        await self.copy(conn, "org_unit", ["id", "kind", "name", "code", "created_at"], lines)
        for sector, dept in ASSIGNED_LEADS.items():
            if dept in units:
                await conn.execute(
                    "UPDATE sector SET lead_department_id = $1::uuid WHERE code = $2 AND lead_department_id IS NULL",
                    units[dept], sector,
                )

        # accounts: the password is hashed once (argon2 is slow on purpose) and reused
        from app.services.security import PasswordHashing
        from app.settings import Settings

        password_hash = PasswordHashing(Settings(env="dev")).hash(PASSWORD)
        users: list[tuple[str, str, str | None]] = [
            ("bench_admin", "street_admin", d.street_office_id),
            ("bench_supervisor", "supervisor", d.street_office_id),
            ("bench_zhujian", "department_officer", units["housing_construction"]),
            ("bench_yingji", "department_officer", units["emergency_management"]),
            ("bench_district", "district_viewer", None),
        ]
        for i in range(0, len(d.village_ids), 10):
            users.append((f"bench_village_{i + 1:03d}", "village_officer", d.village_ids[i]))
        lines = []
        for i, (username, role, unit) in enumerate(users):
            uid = uuid7(base_ms + 2 * 86_400_000 + i * 1000, rng)
            d.user_ids[username] = uid
            lines.append(line((uid, username, password_hash, role, unit or N, N, username, "t", ts(date(2022, 12, 3).toordinal(), 36000))))
        d.admin_id = d.user_ids["bench_admin"]
        await self.copy(
            conn, "app_user",
            ["id", "username", "password_hash", "role", "org_unit_id", "enterprise_id", "display_name", "is_active", "created_at"],
            lines,
        )

    async def _enterprises(self, conn: asyncpg.Connection) -> None:
        from app.domain.sectors import HIGH_RISK_DEFAULT

        rng = self.rng("enterprises")
        d, n = self.d, self.sizes.enterprises
        village_pick = Picker(list(range(len(d.village_ids))), [1 / (i + 5) for i in range(len(d.village_ids))])
        sector_pick = Picker(list(SECTOR_WEIGHTS), list(SECTOR_WEIGHTS.values()))
        used: set[str] = set()
        recs = []
        for _ in range(n):
            sector = sector_pick(rng)
            village = village_pick.index(rng)
            # registration: most enterprises are older than the ledger; a steady trickle since
            if rng.random() < 0.85:
                reg = date(1998, 1, 1).toordinal() + rng.randrange(date(2022, 12, 31).toordinal() - date(1998, 1, 1).toordinal())
            else:
                reg = FIRST_ORD + rng.randrange(date(2026, 10, 31).toordinal() - FIRST_ORD)
            tags: list[str] = []
            if sector == "industry_trade":
                if rng.random() < 0.10:
                    tags.append("dust_explosion")
                if rng.random() < 0.12:
                    tags.append("confined_space")
                if rng.random() < 0.03:
                    tags.append("ammonia_refrigeration")
            elif sector == "commerce":
                if rng.random() < 0.03:
                    tags.append("large_commercial_complex")
                if rng.random() < 0.02:
                    tags.append("ammonia_refrigeration")
            elif sector in ("fire", "other") and rng.random() < 0.01:
                tags.append(rng.choice(("hospital_grade2", "hospital_grade3")))
            recs.append([sector, village, reg, HIGH_RISK_DEFAULT.get(sector, False), tags])
        # exactly the high-risk share: explicit flags on (dust-explosion first) or off
        want = round(n * self.sizes.high_risk_share)
        have = sum(1 for r in recs if r[3])
        order = list(range(n))
        rng.shuffle(order)
        if have < want:
            candidates = sorted(
                (i for i in order if not recs[i][3] and recs[i][0] in ("industry_trade", "gas", "special_equipment", "fire")),
                key=lambda i: "dust_explosion" not in recs[i][4],
            )
            for i in candidates[: want - have]:
                recs[i][3] = True
        elif have > want:
            for i in [i for i in order if recs[i][3]][: have - want]:
                recs[i][3] = False

        ent_lines, state_lines = [], []
        for sector, village, reg, hr, tags in recs:
            created_ord = (FIRST_ORD + 1 + rng.randrange(89)) if reg < FIRST_ORD else min(reg + rng.randrange(20), LAST_ORD)
            created_s = 8 * 3600 + rng.randrange(10 * 3600)
            eid = uuid7(day_ms(created_ord) + created_s * 1000, rng)
            principal, controller = person(rng), person(rng) if rng.random() < 0.4 else None
            controller = controller or principal
            trade = rng.choice(TRADE[sector])
            name = f"{d.village_names[village][:2]}{rng.choice(BRAND)}{rng.choice(BRAND)}{trade}{rng.choice(COMPANY)}"
            level = rng.choices(("none", "3", "2", "1"), (80, 15, 4, 1))[0]
            states = [(reg, "active")]
            r = rng.random()
            first = max(reg, FIRST_ORD)
            last = LAST_ORD
            lo = max(reg + 30, CAMPAIGN_ORD)
            hi = date(2026, 11, 20).toordinal()
            if r < 0.08 and lo < hi:
                when = lo + rng.randrange(hi - lo)
                if r < 0.03:
                    states.append((when, "closed"))
                    last = when
                elif r < 0.06:
                    states.append((when, "suspended"))
                else:
                    back = min(when + 30 + rng.randrange(150), LAST_ORD)
                    states.append((when, "suspended"))
                    if back > when:
                        states.append((back, "active"))
            status = states[-1][1]
            created = ts(created_ord, created_s)
            ent_lines.append(line((
                eid, name, credit_code(rng, used), d.village_ids[village], sector, b(hr), status, iso(reg),
                "{" + ",".join(tags) + "}", principal, phone(rng), controller, phone(rng),
                f"{d.village_names[village]}{rng.randrange(1, 300)}号", level, b(level != "none" and rng.random() < 0.05),
                "1", d.admin_id, created, created,
            )))
            for on, st in states:
                at = created if on <= created_ord else ts(on, 9 * 3600 + rng.randrange(8 * 3600))
                state_lines.append(line((eid, iso(on), st, b(hr), at)))
            d.ent_id.append(eid)
            d.ent_village.append(village)
            d.ent_sector.append(sector)
            d.ent_hr.append(hr)
            d.ent_first.append(first)
            d.ent_last.append(last)
            d.ent_principal.append(principal)
            d.ent_controller.append(controller)
            d.ent_tags.append(tuple(tags))
        await self.copy(
            conn, "enterprise",
            ["id", "name", "credit_code", "village_id", "sector", "high_risk", "status", "registered_on", "tags",
             "principal_name", "principal_phone", "controller_name", "controller_phone", "address",
             "standardization_level", "benchmark", "version", "created_by", "created_at", "updated_at"],
            ent_lines,
        )
        await self.copy(conn, "enterprise_state", ["enterprise_id", "effective_on", "status", "high_risk", "at"], state_lines)

    def _enterprise_picker(self, hr_weight: float) -> Picker:
        d = self.d
        return Picker(list(range(len(d.ent_id))), [hr_weight if hr else 1.0 for hr in d.ent_hr])

    def _day_between(self, rng: random.Random, first: int, last: int) -> int:
        return first + rng.randrange(max(1, last - first + 1))

    async def _inspections(self, conn: asyncpg.Connection) -> None:
        """Principal-led self-inspections lean on high-risk enterprises (monthly cadence, C1);
        about 45 % of inspections find something, each finding becomes a hazard later."""
        rng = self.rng("inspections")
        d = self.d
        self_pick, other_pick = self._enterprise_picker(4.0), self._enterprise_picker(1.5)
        kind_pick = Picker(list(INSPECTION_KINDS), list(INSPECTION_KIND_WEIGHTS))
        findings_pick = Picker([0, 1, 2, 3, 4, 5], [55, 20, 12, 8, 3, 2])
        budget = round(self.sizes.hazards * 0.27)  # hazards found by recorded inspections
        recs = []
        for _ in range(self.sizes.inspections):
            kind = kind_pick(rng)
            e = (self_pick if kind == "principal_self" else other_pick).index(rng)
            day = self._day_between(rng, d.ent_first[e], d.ent_last[e])
            created_ord = min(day + (0 if rng.random() < 0.8 else rng.randrange(1, 4)), LAST_ORD)
            ms = day_ms(created_ord) + (8 * 3600 + rng.randrange(11 * 3600)) * 1000 + rng.randrange(1000)
            k = findings_pick(rng)
            k = min(k, budget)
            budget -= k
            recs.append((ms, e, kind, day, k))
        recs.sort()
        lines = []
        for ms, e, kind, day, k in recs:
            iid = uuid7(ms, rng)
            led = kind == "principal_self" and rng.random() < 0.85
            inspector = d.ent_principal[e] if kind == "principal_self" else person(rng)
            notes = rng.choice(("检查发现问题已现场交办", "未发现明显隐患", "已督促企业落实整改")) if rng.random() < 0.3 else N
            lines.append(line((
                iid, d.ent_id[e], d.village_ids[d.ent_village[e]], d.ent_sector[e], kind, iso(day), b(led), inspector,
                notes, str(k), d.admin_id, ms_to_ts(ms),
            )))
            for _ in range(k):
                self._findings.append((ms, e, kind, iid))
        await self.copy(
            conn, "inspection",
            ["id", "enterprise_id", "village_id", "sector", "kind", "performed_on", "led_by_principal", "inspector",
             "notes", "findings_count", "created_by", "created_at"],
            lines,
        )

    async def _supervision_tasks(self, conn: asyncpg.Connection) -> None:
        """C3: a supervision round per village and department per half-year since 2024-H1;
        past rounds mostly accepted, the current half-year partly done."""
        rng = self.rng("supervision")
        d = self.d
        units = [(uid, name) for uid, name in zip(d.village_ids, d.village_names, strict=True)]
        dept_names = {r["id"]: r["name"] for r in await conn.fetch("SELECT id::text, name FROM org_unit WHERE kind = 'department'")}
        units += sorted(dept_names.items())
        lines = []
        halves = [(y, h) for y in (2024, 2025, 2026) for h in (1, 2)]
        for y, h in halves:
            start = date(y, 1 if h == 1 else 7, 1).toordinal()
            end = date(y, 6, 30).toordinal() if h == 1 else date(y, 12, 31).toordinal()
            current = end >= REF_DATE.toordinal()
            for uid, name in units:
                created_ord = start + rng.randrange(10)
                created_ms = day_ms(created_ord) + 9 * 3600_000 + rng.randrange(3600_000)
                tid = uuid7(created_ms, rng)
                r = rng.random()
                last_possible = min(end, LAST_ORD)
                submitted_at = completed = review = submission = N
                if (not current and r < 0.93) or (current and r < 0.55):
                    status = "accepted"
                    done = created_ord + 5 + rng.randrange(max(1, last_possible - created_ord - 5))
                    completed = iso(done)
                    submitted_at = ts(max(created_ord, done - rng.randrange(5)), 15 * 3600)
                    submission = "督导检查已完成，问题清单已移交属地整改"
                    review = "同意"
                    version = "3"
                elif current and r < 0.75:
                    status = "submitted"
                    submitted_at = ts(min(LAST_ORD, created_ord + 30 + rng.randrange(60)), 15 * 3600)
                    submission = "督导检查已完成，待审核"
                    version = "2"
                else:
                    status = rng.choice(("open", "returned")) if not current else "open"
                    version = "1" if status == "open" else "3"
                    if status == "returned":
                        review = "材料不全，请补充"
                        submitted_at = ts(min(LAST_ORD, end - 10), 15 * 3600)
                        submission = "已检查"
                half = "上" if h == 1 else "下"
                lines.append(line((
                    tid, "supervision_round", f"{y}年{half}半年安全生产督导检查（{name}）", N, d.street_office_id, uid, N,
                    iso(end), status, submission, review, submitted_at, completed, d.admin_id, version,
                    ms_to_ts(created_ms), ms_to_ts(created_ms),
                )))
        await self.copy(
            conn, "supervision_task",
            ["id", "kind", "title", "description", "assignee_org_unit_id", "target_org_unit_id", "hazard_id", "due_on",
             "status", "submission", "review_comment", "submitted_at", "completed_on", "created_by", "version",
             "created_at", "updated_at"],
            lines,
        )

    # ------------------------------------------------------------------ hazards

    def _hazard_skeletons(self) -> list[tuple[int, int, str, str]]:
        """(created ms, enterprise idx, source, inspection id or NULL), in creation order:
        the findings of the inspections plus hazards found otherwise (patrols, supervision,
        self-inspection without a recorded inspection, enforcement)."""
        rng = self.rng("hazard-skeletons")
        d = self.d
        out = [(ms, e, SOURCE_OF_KIND[kind], iid) for ms, e, kind, iid in self._findings]
        self._findings = []
        pick = self._enterprise_picker(3.0)
        source_pick = Picker(list(INDEPENDENT_SOURCES), list(INDEPENDENT_SOURCE_WEIGHTS))
        for _ in range(self.sizes.hazards - len(out)):
            e = pick.index(rng)
            day = self._day_between(rng, d.ent_first[e], d.ent_last[e])
            created_ord = min(day + (0 if rng.random() < 0.85 else rng.randrange(1, 3)), LAST_ORD)
            ms = day_ms(created_ord) + (8 * 3600 + rng.randrange(12 * 3600)) * 1000 + rng.randrange(1000)
            out.append((ms, e, source_pick(rng), N))
        out.sort()
        return out

    def _hazard_chunk(self, chunk_no: int, skeletons: list[tuple[int, int, str, str]]) -> tuple[list[str], list[str]]:
        """The hazard rows and their history rows for one chunk (its own random stream)."""
        rng = self.rng(f"hazards-{chunk_no}")
        d = self.d
        admin = d.admin_id
        rnd, rr = rng.random, rng.randrange
        h_lines: list[str] = []
        x_lines: list[str] = []
        for ms, e, source, inspection_id in skeletons:
            hid = uuid7(ms, rng)
            sector = d.ent_sector[e]
            hr = d.ent_hr[e]
            created_ord = (ms + _CST_MS) // 86_400_000 + _EPOCH_ORD
            # discovered on the entry day, or a day or two before it (found during an inspection: that day)
            disc = created_ord if (inspection_id != N or rnd() < 0.85) else max(d.ent_first[e], created_ord - rr(1, 3))
            major = rnd() < (0.09 if hr else 0.035)
            grade = "major" if major else "general"
            title = rng.choice(HAZARD_TITLES[sector])
            created_ts = ms_to_ts(ms)
            # ---- the lifecycle: (action, from, to, effective ordinal, deadline ordinal or None, comment);
            # `step` keeps effective_on non-decreasing (H7)
            steps: list[tuple[str, str | None, str, int, int | None, str | None]] = []

            def step(action: str, frm: str | None, to: str, eff: int, dl: int | None = None, comment: str | None = None,
                     steps: list = steps) -> int:
                eff = max(eff, steps[-1][3]) if steps else eff
                steps.append((action, frm, to, eff, dl, comment))
                return eff

            step("create", None, "reported", disc)
            if major:
                step("notify", "reported", "reported", disc)
            if rnd() < 0.03:  # not a hazard after all
                frm = "reported"
                if rnd() < 0.3:
                    plan_day = step("plan", "reported", "rectifying", disc + rr(0, 8))
                    steps[-1] = steps[-1][:4] + (plan_day + rr(7, 60), None)
                    frm = "rectifying"
                step("void", frm, "void", steps[-1][3] + rr(1, 45), None, "经核查不构成事故隐患")
            else:
                plan_day = disc + (rr(0, 8) if rnd() < 0.9 else rr(8, 60))
                window = rr(30, 181) if major else rr(7, 61)
                dl = plan_day + window
                plan_day = step("plan", "reported", "rectifying", plan_day, dl)
                listed = major and rnd() < 0.25
                if listed:
                    step("list", "rectifying", "rectifying", plan_day + rr(0, 30), None, "挂牌督办")
                if rnd() < 0.04:
                    dl += rr(15, 91)
                    step("extend", "rectifying", "rectifying", plan_day + rr(1, window + 1), dl, "整改难度大，申请延期")
                if rnd() >= 0.015:  # else stuck: never submitted, overdue once the deadline has passed
                    sub = plan_day + int((dl - plan_day) * rnd() ** 1.5) if rnd() < 0.9 else dl + rr(1, 91)
                    rev = step("submit", "rectifying", "pending_review", sub) + rr(0, 13)
                    if rnd() < 0.05:
                        rev = step("reject", "pending_review", "rectifying", rev, None, "整改不到位，请继续整改")
                        rev = step("submit", "rectifying", "pending_review", rev + rr(3, 31)) + rr(0, 11)
                    rev = step("approve", "pending_review", "closed", rev)
                    if listed:
                        step("delist", "closed", "closed", rev, None, "隐患已销号，摘牌")
            # ---- cut at the data set's today (a prefix: effective dates do not decrease)
            steps = [s for s in steps if s[3] <= LAST_ORD]
            status = steps[-1][2]
            status_on, deadline, extensions, listed_now, deadline_on = disc, None, 0, False, disc
            planned = submitted = False
            closed_on = None
            for action, frm, to, eff, dl, _ in steps:
                if to != frm:
                    status_on = eff
                if dl is not None:
                    deadline, deadline_on = dl, eff
                if action == "plan":
                    planned = True
                elif action == "extend":
                    extensions += 1
                elif action == "submit":
                    submitted = True
                elif action == "approve":
                    closed_on = eff
                elif action in ("list", "delist"):
                    listed_now = action == "list"
            if planned:
                responsible = person(rng)
                measures = rng.choice(MEASURES) if (major or rnd() < 0.5) else N
                funds = f"{rr(5, 500) * 1000}.00" if major else (f"{rr(1, 50) * 100}.00" if rnd() < 0.2 else N)
                contingency = rng.choice(CONTINGENCY) if major else N
            else:
                responsible = measures = funds = contingency = N
            # history rows; `at` = effective day plus an occasional late entry, never decreasing
            at_ord, at_s = created_ord, (ms // 1000 + 8 * 3600) % 86400
            for action, frm, to, eff, dl, comment in steps:
                if action not in ("create", "notify"):
                    lag = 0 if rnd() < 0.85 else rr(1, 4)
                    cand = min(eff + lag, LAST_ORD)
                    if cand > at_ord:
                        at_ord, at_s = cand, 8 * 3600 + rr(11 * 3600)
                    else:
                        at_s = min(at_s + rr(60, 3600), 86399)
                if action == "create":
                    data = f'{{"grade": "{grade}", "source": "{source}"}}'
                elif action == "notify":
                    data = '{"notified": ["principal", "actual_controller"]}'
                    comment = f"重大事故隐患已通知主要负责人{d.ent_principal[e]}、实际控制人{d.ent_controller[e]}"
                else:
                    data = N
                x_lines.append(
                    f"{hid}\t{ts(at_ord, at_s)}\t{iso(eff)}\t{admin}\tstreet_admin\t{action}\t{frm or N}\t{to}\t"
                    f"{comment or N}\t{iso(dl) if dl is not None else N}\t{data}\n"
                )
            updated_ts = ts(at_ord, at_s) if len(steps) > 1 else created_ts
            h_lines.append("\t".join((
                hid, d.ent_id[e], d.village_ids[d.ent_village[e]], sector, grade, source, title,
                rng.choice(DESCRIPTIONS) if rnd() < 0.6 else N,
                rng.choice(CRITERIA).format(rr(1, 20)) if major else N,
                rng.choice(LOCATIONS) if rnd() < 0.5 else N,
                iso(disc), status, iso(status_on), iso(deadline) if deadline is not None else N, str(extensions),
                responsible, measures, funds, contingency,
                rng.choice(EVIDENCE) if submitted else N,
                b(listed_now), created_ts if major else N, iso(closed_on) if closed_on is not None else N,
                inspection_id, admin, str(len(steps)), created_ts, updated_ts,
                *((iso(deadline_on),) if self.has_deadline_set_on else ()),
            )) + "\n")
        return h_lines, x_lines

    HAZARD_COLUMNS = [
        "id", "enterprise_id", "village_id", "sector", "grade", "source", "title", "description", "criterion_ref",
        "location", "discovered_on", "status", "status_effective_on", "deadline", "extensions", "responsible_person",
        "measures", "funds", "contingency_plan", "evidence", "listed", "notified_at", "closed_on", "inspection_id",
        "created_by", "version", "created_at", "updated_at",
    ]
    HISTORY_COLUMNS = [
        "hazard_id", "at", "effective_on", "actor_id", "actor_role", "action", "from_status", "to_status", "comment",
        "deadline", "data",
    ]

    async def _hazard_columns(self, conn: asyncpg.Connection) -> list[str]:
        """The generated columns, plus the ones later migrations added that the generator
        knows how to fill (hazard.deadline_set_on, migration 0006)."""
        present = {r["column_name"] for r in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'hazard'"
        )}
        self.has_deadline_set_on = "deadline_set_on" in present
        return self.HAZARD_COLUMNS + (["deadline_set_on"] if self.has_deadline_set_on else [])

    async def _hazards(self, conn: asyncpg.Connection) -> None:
        """Generated in chunks in a worker thread, each copied while the next is generated.
        Without foreign-key triggers (superuser) hazards and history go in on two
        connections at once; history ids follow the copy order, so a hazard's steps keep
        increasing ids (the targets SQL takes the last step by id)."""
        columns = await self._hazard_columns(conn)
        skeletons = await asyncio.to_thread(self._hazard_skeletons)
        chunk = 25_000
        parts = [skeletons[i : i + chunk] for i in range(0, len(skeletons), chunk)]
        del skeletons
        conn2 = await self._connect()
        try:
            pending = asyncio.create_task(asyncio.to_thread(self._hazard_chunk, 0, parts[0])) if parts else None
            for no in range(len(parts)):
                assert pending is not None
                h_lines, x_lines = await pending
                parts[no] = []  # free the skeletons
                pending = (
                    asyncio.create_task(asyncio.to_thread(self._hazard_chunk, no + 1, parts[no + 1]))
                    if no + 1 < len(parts) else None
                )
                if self.replica:
                    await asyncio.gather(
                        self.copy(conn, "hazard", columns, h_lines),
                        self.copy(conn2, "hazard_history", self.HISTORY_COLUMNS, x_lines),
                    )
                else:
                    await self.copy(conn, "hazard", columns, h_lines)
                    await self.copy(conn, "hazard_history", self.HISTORY_COLUMNS, x_lines)
                if no % 8 == 7:
                    self.log(f"    hazards {self.counts.get('hazard', 0):,} / {self.sizes.hazards:,}")
        finally:
            await conn2.close()

    # ------------------------------------------------------------------ drills and trainings

    async def _drills(self, conn: asyncpg.Connection) -> None:
        rng = self.rng("drills")
        d = self.d
        pick = self._enterprise_picker(2.0)
        kind_pick = Picker(list(DRILL_KINDS), list(DRILL_KIND_WEIGHTS))
        recs = []
        for _ in range(self.sizes.drills):
            e = pick.index(rng)
            day = self._day_between(rng, d.ent_first[e], d.ent_last[e])
            kind = kind_pick(rng)
            if kind == "hazardous_chemical_leak" and d.ent_sector[e] != "hazardous_chemicals":
                kind = "evacuation"
            ms = day_ms(min(day + rr_lag(rng), LAST_ORD)) + (9 * 3600 + rng.randrange(9 * 3600)) * 1000
            recs.append((ms, e, day, kind))
        recs.sort()
        lines = [
            line((uuid7(ms, rng), d.ent_id[e], d.village_ids[d.ent_village[e]], d.ent_sector[e], kind, iso(day),
                  str(rng.randrange(8, 400)), "全员疏散及初期火灾扑救" if kind in ("evacuation", "fire") else "专项应急处置",
                  N, d.admin_id, ms_to_ts(ms)))
            for ms, e, day, kind in recs
        ]
        await self.copy(
            conn, "drill",
            ["id", "enterprise_id", "village_id", "sector", "kind", "held_on", "participants", "scenario", "notes",
             "created_by", "created_at"],
            lines,
        )

    async def _trainings(self, conn: asyncpg.Connection) -> None:
        """Random trainings plus the focus trainings of C4 for most tagged enterprises."""
        rng = self.rng("trainings")
        d = self.d
        recs = []
        focus = (
            (2024, ("hospital_grade2", "hospital_grade3"), ("fire_safety_responsible",), 0.75),
            (2025, ("dust_explosion",), ("principal", "fire_safety_responsible"), 0.70),
            (2026, ("large_commercial_complex",), ("fire_safety_responsible",), 0.60),
        )
        for year, tags, roles, share in focus:
            y0, y1 = date(year, 1, 1).toordinal(), min(date(year, 12, 31).toordinal(), LAST_ORD)
            for e, etags in enumerate(d.ent_tags):
                if set(etags) & set(tags) and rng.random() < share:
                    first, last = max(y0, d.ent_first[e]), min(y1, d.ent_last[e])
                    if first <= last:
                        recs.append((e, self._day_between(rng, first, last), rng.choice(roles), rng.random() < 0.95))
        pick = self._enterprise_picker(1.5)
        role_pick = Picker(list(TRAINEE_ROLES), list(TRAINEE_ROLE_WEIGHTS))
        while len(recs) < self.sizes.trainings:
            e = pick.index(rng)
            recs.append((e, self._day_between(rng, d.ent_first[e], d.ent_last[e]), role_pick(rng), rng.random() < 0.93))
        recs = recs[: self.sizes.trainings]
        rows = []
        for e, day, role, passed in recs:
            ms = day_ms(min(day + rr_lag(rng), LAST_ORD)) + (9 * 3600 + rng.randrange(9 * 3600)) * 1000
            rows.append((ms, e, day, role, passed))
        rows.sort()
        lines = [
            line((uuid7(ms, rng), d.ent_id[e], d.village_ids[d.ent_village[e]], d.ent_sector[e], role, person(rng),
                  TRAINING_TOPICS[role], iso(day), rng.choice(("2.0", "4.0", "8.0", "16.0", "24.0", "32.0")), b(passed),
                  d.admin_id, ms_to_ts(ms)))
            for ms, e, day, role, passed in rows
        ]
        await self.copy(
            conn, "training",
            ["id", "enterprise_id", "village_id", "sector", "trainee_role", "trainee_name", "topic", "held_on", "hours",
             "passed", "created_by", "created_at"],
            lines,
        )


def rr_lag(rng: random.Random) -> int:
    return 0 if rng.random() < 0.8 else rng.randrange(1, 5)


async def read_meta(url: str) -> dict[str, Any] | None:
    conn = await asyncpg.connect(url)
    try:
        exists = await conn.fetchval("SELECT to_regclass('bench_meta') IS NOT NULL")
        if not exists:
            return None
        raw = await conn.fetchval("SELECT value FROM bench_meta WHERE key = 'dataset'")
        return json.loads(raw) if raw else None
    finally:
        await conn.close()


async def reusable(url: str, sizes: Sizes, seed: int) -> dict[str, Any] | None:
    """The marker of a complete load with the same generator, seed and sizes, if any (and
    its counts still match: the bench's own writes are removed before each run)."""
    meta = await read_meta(url)
    if not meta or meta.get("generator_version") != GENERATOR_VERSION or meta.get("seed") != seed:
        return None
    if meta.get("sizes") != asdict(sizes):
        return None
    return meta
