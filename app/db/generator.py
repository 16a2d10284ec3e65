"""The campaign's history, generated: one generator for the demo street (a few hundred
enterprises, app/db/demo.py) and for the benchmark's district (tens of thousands, bench/).

Given a seed, sizes and the data set's `today`, it writes the same rows, ids included, on
every machine: villages, enterprises with their state history, accounts, principal-led
inspections and evacuation drills on their cadences (C1, C2) with some periods missed,
focus trainings (C4), half-yearly supervision rounds (C3), reports from the public (P1–P3),
hazards from 2023-01-01 to the day before `today` with their full history (H2, H7), listed
hazards and escalations on slow progress (H9). Everything is drawn from
random.Random(f"{seed}:{stream}"), one stream per table and per hazard chunk. Rows go in
with COPY (text format) on the connection given, so the caller owns the transaction.

Realism, in short (details next to each generator):
- villages differ in size: enterprise counts follow 1/(rank+5);
- sectors are weighted (工贸, 商贸, 自建房, 消防 first), a fixed share is high-risk;
- each enterprise has its own diligence: the share of its C1/C2 periods it keeps; the
  current period is done only when the day drawn for it has already passed;
- a hazard's lifecycle is simulated from its discovery (plan after a few days, a deadline of
  1-8 weeks, 6 months for major ones, submission, review, sometimes a rejection, an
  extension, a listing, escalations while overdue, a void) and cut at `today`: old hazards
  are mostly closed, recent ones reported / rectifying / pending review, some stuck and
  overdue;
- every state change is a hazard_history row (create -> [notify] -> plan -> submit ->
  approve) whose transition H2 allows, `effective_on` never decreasing and never on or
  after `today`, the deadline on plan and extend rows; `at` never before `effective_on`."""

from __future__ import annotations

import asyncio
import hashlib
import random
from bisect import bisect_right
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from typing import Any, ClassVar

import asyncpg

FIRST_DAY = date(2023, 1, 1)  # the ledger's first day
FIRST_ORD = FIRST_DAY.toordinal()
CAMPAIGN_ORD = date(2024, 1, 1).toordinal()  # cadences (C1-C3) are owed from here on
T1_END_ORD = date(2024, 12, 31).toordinal()  # T1: the stock cleared by this day
_EPOCH_ORD = date(1970, 1, 1).toordinal()
_CST_MS = 8 * 3600 * 1000  # Asia/Shanghai is UTC+8 all year


@dataclass(frozen=True)
class Sizes:
    """Row counts. `inspections` and `drills` include the cadence rows (C1, C2): each
    enterprise keeps its periods with its own diligence, at most `diligence` on average and
    less when the count does not allow it; the rest are other kinds on random days."""

    villages: int = 400
    departments: int = 12
    enterprises: int = 40_000
    hazards: int = 1_000_000
    inspections: int = 300_000
    drills: int = 60_000
    trainings: int = 60_000
    reports: int = 8_000
    high_risk_share: float = 0.15
    diligence: float = 0.85

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
            reports=s(full.reports, 40),
        )

    @classmethod
    def demo(cls) -> Sizes:
        """The demo street: 8 villages, the ten departments, 200 enterprises and about two
        and a half years of their history."""
        return cls(villages=8, departments=10, enterprises=200, hazards=2_400, inspections=6_500, drills=1_300,
                   trainings=500, reports=60)


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




def credit_code(rng: random.Random, used: set[str], prefix: str = "91330110") -> str:
    from app.domain.enterprises import CREDIT_CODE_CHARSET, credit_code_check_character

    while True:
        first17 = prefix + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(17 - len(prefix)))
        code = first17 + credit_code_check_character(first17)
        if code not in used:
            used.add(code)
            return code


def periods(kind: Any, first: int, last: int) -> list[tuple[int, int]]:
    """The calendar periods of `kind` (app.domain.calendar) that begin on or after ordinal
    `first` and on or before ordinal `last`: (first day, last day) ordinals."""
    from app.domain.calendar import first_full_period_start, periods_from

    start = first_full_period_start(kind, date.fromordinal(first))
    return [(p.start.toordinal(), p.end.toordinal()) for p in periods_from(kind, start, date.fromordinal(last))]


# --------------------------------------------------------------------------- who the rows are for


@dataclass(frozen=True)
class Account:
    """An account of the data set. `tie`: "street_office", a department code,
    "village:N" (the N-th village), "enterprise:N" (the first active enterprise of the N-th
    village) or None."""

    username: str
    role: str
    tie: str | None


@dataclass(frozen=True)
class Profile:
    """How the rows are named. `mark` prefixes every name (villages, enterprises, accounts'
    display names, supervision rounds); `village_names` fixes the villages' names (else
    drawn); `village_officers_every` adds a village officer for every N-th village;
    `min_focus` makes sure each C4 focus group holds at least that many enterprises;
    `assign_leads` gives the sectors without a lead department one."""

    accounts: tuple[Account, ...]
    mark: str = ""
    village_names: tuple[str, ...] | None = None
    village_code: str = "village_{:03d}"
    village_officers_every: int | None = None
    credit_prefix: str = "91330110"
    min_focus: int = 0
    assign_leads: bool = True


@dataclass
class District:
    """What later stages (and the bench's scenarios) need to know about the generated rows."""

    street_office_id: str = ""
    admin_id: str = ""
    department_ids: dict[str, str] = field(default_factory=dict)
    village_ids: list[str] = field(default_factory=list)
    village_names: list[str] = field(default_factory=list)
    # per enterprise (by index)
    ent_id: list[str] = field(default_factory=list)
    ent_name: list[str] = field(default_factory=list)
    ent_village: list[int] = field(default_factory=list)
    ent_sector: list[str] = field(default_factory=list)
    ent_hr: list[bool] = field(default_factory=list)
    ent_first: list[int] = field(default_factory=list)  # first ordinal events may happen
    ent_last: list[int] = field(default_factory=list)  # last ordinal events may happen (closure)
    ent_active: list[list[tuple[int, int]]] = field(default_factory=list)  # active stretches, ordinals
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


# C4's focus groups: (year, tags, roles that cover, share of the group trained, sectors that carry the tag)
FOCUS = (
    (2024, ("hospital_grade2", "hospital_grade3"), ("fire_safety_responsible",), 0.75, ("fire", "other")),
    (2025, ("dust_explosion",), ("principal", "fire_safety_responsible"), 0.70, ("industry_trade",)),
    (2026, ("large_commercial_complex",), ("fire_safety_responsible",), 0.60, ("commerce",)),
)
ESCALATIONS = (  # R3's ladder: days overdue, kind, note
    (1, "letter", "隐患整改逾期，函告企业主要负责人"),
    (15, "circular", "逾期15日未整改，全街道通报"),
    (30, "interview", "逾期30日未整改，约谈企业主要负责人"),
    (60, "exposure", "逾期60日仍未整改，公开曝光"),
)
REPORT_TEXTS = (
    "楼道里堆满纸箱，安全出口被锁", "厂房里粉尘很大，没有除尘设备", "仓库晚上有人私拉电线给电动车充电",
    "饭店后厨液化气瓶放在门口", "工地塔吊在大风天还在作业", "出租屋加盖了两层，墙上有裂缝", "商场消防通道被货架占用",
)
REPORT_NOTES_FALSE = ("现场核查未发现所反映问题", "经核查已于举报前整改完毕", "反映情况与事实不符")

Copy = Callable[[asyncpg.Connection, str, list[str], list[str]], Awaitable[None]]


class Generator:
    """Writes the data set through `conn` (and, for hazards and their history at once,
    `conn2` when given). The street office and the ten departments must exist
    (ensure_reference_data); everything else is written here."""

    def __init__(self, today: date, sizes: Sizes, seed: int, profile: Profile, password_hash: str, *,
                 log: Callable[[str], Any] = lambda _: None) -> None:
        self.today = today
        self.last_ord = today.toordinal() - 1  # nothing happens on or after `today`
        self.sizes = sizes
        self.seed = seed
        self.profile = profile
        self.password_hash = password_hash
        self.log = log
        self.d = District()
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self._findings: list[tuple[int, int, str, str]] = []  # (created ms, enterprise idx, kind, inspection id)
        self._straggler = False  # the first stock hazard always is one: T1 shows the stragglers
        self._reported: list[tuple[int, int, str, str, str]] = []  # (created ms, enterprise, report id, hazard id, received ord)

    def rng(self, stream: str) -> random.Random:
        return random.Random(f"{self.seed}:{stream}")

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

    async def write(self, conn: asyncpg.Connection, conn2: asyncpg.Connection | None = None) -> dict[str, int]:
        import time

        for name, stage in (
            ("org_units", self._org_units),
            ("enterprises", self._enterprises),
            ("accounts", self._accounts),
            ("inspections", self._inspections),
            ("supervision_tasks", self._supervision_tasks),
            ("public_reports", self._public_reports),
            ("hazards_and_history", lambda c: self._hazards(c, conn2)),
            ("drills", self._drills),
            ("trainings", self._trainings),
        ):
            t0 = time.perf_counter()
            before = dict(self.counts)
            await stage(conn)
            self.timings[name] = round(time.perf_counter() - t0, 1)
            new = ", ".join(f"{k} {v - before.get(k, 0):,}" for k, v in self.counts.items() if v != before.get(k, 0))
            self.log(f"  {name}: {self.timings[name]} s  ({new})")
        return self.counts

    # ------------------------------------------------------------------ org units and accounts

    async def _org_units(self, conn: asyncpg.Connection) -> None:
        rng = self.rng("org")
        d, p = self.d, self.profile
        rows = await conn.fetch("SELECT id::text, code FROM org_unit")
        units = {r["code"]: r["id"] for r in rows}
        d.street_office_id = units["street_office"]
        day0 = FIRST_ORD - 31
        base_ms = day_ms(day0)
        lines = []
        for code, name in EXTRA_DEPARTMENTS[: max(0, self.sizes.departments - 10)]:
            uid = uuid7(base_ms + rng.randrange(86_400_000), rng)
            units[code] = uid
            lines.append(line((uid, "department", p.mark + name, code, ts(day0, 36000))))
        d.department_ids = {c: u for c, u in units.items() if c != "street_office"}
        names = list(p.village_names) if p.village_names else _village_names(self.sizes.villages, rng)
        for i, name in enumerate(names[: self.sizes.villages]):
            uid = uuid7(base_ms + 86_400_000 + i * 1000, rng)
            d.village_ids.append(uid)
            d.village_names.append(name)
            lines.append(line((uid, "village", p.mark + name, p.village_code.format(i + 1), ts(day0 + 1, 36000))))
        await self.copy(conn, "org_unit", ["id", "kind", "name", "code", "created_at"], lines)
        if p.assign_leads:
            for sector, dept in ASSIGNED_LEADS.items():
                if dept in units:
                    await conn.execute(
                        "UPDATE sector SET lead_department_id = $1::uuid WHERE code = $2 AND lead_department_id IS NULL",
                        units[dept], sector,
                    )
        # ids now (the rows follow the enterprises, which an enterprise account needs)
        accounts = list(p.accounts)
        if p.village_officers_every:
            for i in range(0, len(d.village_ids), p.village_officers_every):
                accounts.append(Account(f"bench_village_{i + 1:03d}", "village_officer", f"village:{i}"))
        self._accounts_list = accounts
        for i, a in enumerate(accounts):
            d.user_ids[a.username] = uuid7(base_ms + 2 * 86_400_000 + i * 1000, rng)
        d.admin_id = d.user_ids[next(a.username for a in accounts if a.role == "street_admin")]

    async def _accounts(self, conn: asyncpg.Connection) -> None:
        d, p = self.d, self.profile
        lines = []
        for a in self._accounts_list:
            unit = enterprise = N
            if a.tie == "street_office":
                unit = d.street_office_id
            elif a.tie and a.tie.startswith("village:"):
                unit = d.village_ids[int(a.tie.split(":")[1])]
            elif a.tie and a.tie.startswith("enterprise:"):
                v = int(a.tie.split(":")[1])
                enterprise = d.ent_id[next(
                    e for e in range(len(d.ent_id)) if d.ent_village[e] == v and d.ent_active[e][-1][1] >= self.last_ord
                )]
            elif a.tie:
                unit = d.department_ids[a.tie]
            lines.append(line((d.user_ids[a.username], a.username, self.password_hash, a.role, unit, enterprise,
                               p.mark + a.username, "t", ts(FIRST_ORD - 28, 36000))))
        await self.copy(
            conn, "app_user",
            ["id", "username", "password_hash", "role", "org_unit_id", "enterprise_id", "display_name", "is_active", "created_at"],
            lines,
        )

    # ------------------------------------------------------------------ enterprises

    async def _enterprises(self, conn: asyncpg.Connection) -> None:
        from app.domain.sectors import HIGH_RISK_DEFAULT

        rng = self.rng("enterprises")
        d, n, p = self.d, self.sizes.enterprises, self.profile
        last_ord = self.last_ord
        village_pick = Picker(list(range(len(d.village_ids))), [1 / (i + 5) for i in range(len(d.village_ids))])
        sector_pick = Picker(list(SECTOR_WEIGHTS), list(SECTOR_WEIGHTS.values()))
        used: set[str] = set()
        recs = []
        for _ in range(n):
            sector = sector_pick(rng)
            village = village_pick.index(rng)
            # registration: most enterprises are older than the ledger; a steady trickle since
            if rng.random() < 0.85:
                reg = date(1998, 1, 1).toordinal() + rng.randrange(FIRST_ORD - 1 - date(1998, 1, 1).toordinal())
            else:
                reg = FIRST_ORD + rng.randrange(max(1, last_ord - 29 - FIRST_ORD))
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
        # each C4 focus group at least min_focus strong (a small street still has its hospitals)
        for _year, ftags, _roles, _share, sectors in FOCUS:
            have = [r for r in recs if set(r[4]) & set(ftags)]
            spare = [r for r in recs if r[0] in sectors and not set(r[4]) & set(ftags)]
            rng.shuffle(spare)
            for r in spare[: max(0, p.min_focus - len(have))]:
                r[4].append(rng.choice(ftags))
        # exactly the high-risk share: explicit flags on (dust-explosion first) or off
        want = round(n * self.sizes.high_risk_share)
        have_hr = sum(1 for r in recs if r[3])
        order = list(range(n))
        rng.shuffle(order)
        if have_hr < want:
            candidates = sorted(
                (i for i in order if not recs[i][3] and recs[i][0] in ("industry_trade", "gas", "special_equipment", "fire")),
                key=lambda i: "dust_explosion" not in recs[i][4],
            )
            for i in candidates[: want - have_hr]:
                recs[i][3] = True
        elif have_hr > want:
            for i in [i for i in order if recs[i][3]][: have_hr - want]:
                recs[i][3] = False

        ent_lines, state_lines = [], []
        for sector, village, reg, hr, tags in recs:
            created_ord = (FIRST_ORD + 1 + rng.randrange(89)) if reg < FIRST_ORD else min(reg + rng.randrange(20), last_ord)
            created_s = 8 * 3600 + rng.randrange(10 * 3600)
            eid = uuid7(day_ms(created_ord) + created_s * 1000, rng)
            principal, controller = person(rng), person(rng) if rng.random() < 0.4 else None
            controller = controller or principal
            principal_phone = phone(rng)
            trade = rng.choice(TRADE[sector])
            name = f"{p.mark}{d.village_names[village][:2]}{rng.choice(BRAND)}{rng.choice(BRAND)}{trade}{rng.choice(COMPANY)}"
            level = rng.choices(("none", "3", "2", "1"), (80, 15, 4, 1))[0]
            states = [(reg, "active")]
            r = rng.random()
            first = max(reg, FIRST_ORD)
            last = last_ord
            active = [(first, last)]
            lo = max(reg + 30, CAMPAIGN_ORD)
            hi = last_ord - 8
            if r < 0.08 and lo < hi:
                when = lo + rng.randrange(hi - lo)
                if r < 0.03:
                    states.append((when, "closed"))
                    last = when
                    active = [(first, when - 1)]
                elif r < 0.06:
                    states.append((when, "suspended"))
                    active = [(first, when - 1)]
                else:
                    back = min(when + 30 + rng.randrange(150), last_ord)
                    states.append((when, "suspended"))
                    active = [(first, when - 1)]
                    if back > when:
                        states.append((back, "active"))
                        active.append((back, last_ord))
            status = states[-1][1]
            created = ts(created_ord, created_s)
            ent_lines.append(line((
                eid, name, credit_code(rng, used, p.credit_prefix), d.village_ids[village], sector, b(hr), status, iso(reg),
                "{" + ",".join(tags) + "}", principal, principal_phone, controller,
                principal_phone if controller == principal else phone(rng),
                f"{d.village_names[village]}{rng.randrange(1, 300)}号", level, b(level != "none" and rng.random() < 0.05),
                "1", d.admin_id, created, created,
            )))
            for on, st in states:
                at = created if on <= created_ord else ts(on, 9 * 3600 + rng.randrange(8 * 3600))
                state_lines.append(line((eid, iso(on), st, b(hr), at)))
            d.ent_id.append(eid)
            d.ent_name.append(name)
            d.ent_village.append(village)
            d.ent_sector.append(sector)
            d.ent_hr.append(hr)
            d.ent_first.append(first)
            d.ent_last.append(last)
            d.ent_active.append(active)
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

    def _lag(self, rng: random.Random, day: int) -> int:
        """The day a record dated `day` was entered: mostly that day, sometimes a few later."""
        return min(day + (0 if rng.random() < 0.8 else rng.randrange(1, 5)), self.last_ord)

    def _cadence_days(self, rng: random.Random, months_of: Callable[[bool], Any], share: float, budget: int) -> list[tuple[int, int]]:
        """(enterprise, day) of the cadence records: one per period an enterprise keeps.
        Periods are those of its active stretches from 2023 on (2023 kept less often: the
        campaign starts in 2024); each enterprise keeps a period with its own diligence; a
        period's day is drawn in the whole period, so the current one is done only when
        that day has passed. The mean diligence is Sizes.diligence, lower when `share` of
        `budget` cannot pay for it."""
        d = self.d
        owed = []
        for e in range(len(d.ent_id)):
            months = months_of(d.ent_hr[e])
            for a, z in d.ent_active[e]:
                for start, end in periods(months, a, min(z, self.last_ord)):
                    owed.append((e, start, min(end, z)))
        # about 45 % keep (nearly) every period, 40 % most of them, 15 % fall behind: mean 0.84,
        # scaled down when the budget cannot pay for Sizes.diligence
        scale = min(self.sizes.diligence, share * budget / max(1, len(owed))) / 0.84
        diligence = []
        for _e in range(len(d.ent_id)):
            r = rng.random()
            level = rng.uniform(0.97, 1.0) if r < 0.45 else rng.uniform(0.72, 0.92) if r < 0.85 else rng.uniform(0.3, 0.6)
            diligence.append(min(1.0, level * scale))
        out = []
        for e, start, end in owed:
            keep = diligence[e] * (0.6 if start < CAMPAIGN_ORD else 1.0)
            if rng.random() < keep:
                day = self._day_between(rng, start, end)
                if day <= self.last_ord:
                    out.append((e, day))
        return out

    # ------------------------------------------------------------------ inspections

    async def _inspections(self, conn: asyncpg.Connection) -> None:
        """C1: principal-led self-inspections on each enterprise's cadence (monthly when
        high-risk, quarterly otherwise) with its diligence; then other kinds on random days.
        About 45 % of inspections find something, each finding becomes a hazard later."""
        from app.domain.cadence import c1_kind

        rng = self.rng("inspections")
        d = self.d
        other_pick = self._enterprise_picker(1.5)
        kind_pick = Picker(list(INSPECTION_KINDS[1:]), list(INSPECTION_KIND_WEIGHTS[1:]))
        findings_pick = Picker([0, 1, 2, 3, 4, 5], [55, 20, 12, 8, 3, 2])
        budget = round(self.sizes.hazards * 0.27)  # hazards found by recorded inspections
        cadence = self._cadence_days(rng, c1_kind, INSPECTION_KIND_WEIGHTS[0] / 100,
                                     self.sizes.inspections)
        planned = [(e, "principal_self", day, True) for e, day in cadence]
        while len(planned) < self.sizes.inspections:
            kind = kind_pick(rng)
            e = other_pick.index(rng)
            a, z = d.ent_active[e][rng.randrange(len(d.ent_active[e]))]
            if a > min(z, self.last_ord):
                continue
            planned.append((e, kind, self._day_between(rng, a, min(z, self.last_ord)), False))
        recs = []
        for e, kind, day, led in planned:
            ms = day_ms(self._lag(rng, day)) + (8 * 3600 + rng.randrange(11 * 3600)) * 1000 + rng.randrange(1000)
            k = min(findings_pick(rng), budget)
            budget -= k
            recs.append((ms, e, kind, day, k, led))
        recs.sort()
        lines = []
        for ms, e, kind, day, k, led in recs:
            iid = uuid7(ms, rng)
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

    # ------------------------------------------------------------------ supervision rounds

    async def _supervision_tasks(self, conn: asyncpg.Connection) -> None:
        """C3: a supervision round per village and department per half-year since 2024-H1;
        past rounds mostly accepted, the current half-year partly done."""
        rng = self.rng("supervision")
        d, p = self.d, self.profile
        last_ord = self.last_ord
        units = list(zip(d.village_ids, d.village_names, strict=True))
        units += [(r["id"], r["name"]) for r in await conn.fetch(
            "SELECT id::text, name FROM org_unit WHERE kind = 'department' ORDER BY code"
        )]
        lines = []
        halves = [(y, h) for y in range(2024, self.today.year + 1) for h in (1, 2)]
        for y, h in halves:
            start = date(y, 1 if h == 1 else 7, 1).toordinal()
            end = date(y, 6, 30).toordinal() if h == 1 else date(y, 12, 31).toordinal()
            if start > last_ord:
                continue
            current = end >= self.today.toordinal()
            for uid, name in units:
                created_ord = min(start + rng.randrange(10), last_ord)
                created_ms = day_ms(created_ord) + 9 * 3600_000 + rng.randrange(3600_000)
                tid = uuid7(created_ms, rng)
                r = rng.random()
                last_possible = min(end, last_ord)
                submitted_at = completed = review = submission = N
                if ((not current and r < 0.93) or (current and r < 0.55)) and last_possible - created_ord > 5:
                    status = "accepted"
                    done = created_ord + 5 + rng.randrange(max(1, last_possible - created_ord - 5))
                    completed = iso(done)
                    submitted_at = ts(max(created_ord, done - rng.randrange(5)), 15 * 3600)
                    submission = "督导检查已完成，问题清单已移交属地整改"
                    review = "同意"
                    version = "3"
                elif current and r < 0.75 and last_possible - created_ord > 1:
                    status = "submitted"
                    submitted_at = ts(min(last_ord, created_ord + 30 + rng.randrange(60)), 15 * 3600)
                    submission = "督导检查已完成，待审核"
                    version = "2"
                else:
                    status = rng.choice(("open", "returned")) if not current else "open"
                    version = "1" if status == "open" else "3"
                    if status == "returned":
                        review = "材料不全，请补充"
                        submitted_at = ts(min(last_ord, end - 10), 15 * 3600)
                        submission = "已检查"
                half = "上" if h == 1 else "下"
                lines.append(line((
                    tid, "supervision_round", f"{p.mark}{y}年{half}半年安全生产督导检查（{name}）", N, d.street_office_id, uid, N,
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

    # ------------------------------------------------------------------ reports from the public

    async def _public_reports(self, conn: asyncpg.Connection) -> None:
        """P1-P3: reports received since 2023; verified a few days later, about half of them
        substantiated (a hazard with source public_report follows, discovered on the day the
        report came in); the last days' reports still `received`. The tracking codes are
        random and not kept: only their hash is, as for a real report."""
        rng = self.rng("reports")
        d, p = self.d, self.profile
        pick = self._enterprise_picker(2.0)
        recs = []
        for _ in range(self.sizes.reports):
            e = pick.index(rng)
            a, z = d.ent_active[e][0]
            z = min(z, self.last_ord)
            if a > z:
                continue
            day = self._day_between(rng, a, z)
            ms = day_ms(day) + (7 * 3600 + rng.randrange(15 * 3600)) * 1000 + rng.randrange(1000)
            recs.append((ms, e, day))
        recs.sort()
        lines = []
        for ms, e, day in recs:
            rid = uuid7(ms, rng)
            verified = day + rng.randrange(1, 8)
            status, note, by, at, hid, reward = "received", N, N, N, N, "f"
            if verified <= self.last_ord:
                v_ms = day_ms(verified) + (9 * 3600 + rng.randrange(8 * 3600)) * 1000 + rng.randrange(1000)
                by, at = d.admin_id, ms_to_ts(v_ms)
                if rng.random() < 0.55:
                    status, note, reward = "substantiated", "现场核查属实，已立案整改", "t"
                    hid = uuid7(v_ms, rng)
                    self._reported.append((v_ms, e, rid, hid, day))
                else:
                    status, note = "unsubstantiated", rng.choice(REPORT_NOTES_FALSE)
            anonymous = rng.random() < 0.4
            lines.append(line((
                rid, hashlib.sha256(f"{rng.getrandbits(128):032x}".encode()).hexdigest(), rng.choice(REPORT_TEXTS),
                f"{d.village_names[d.ent_village[e]]}{rng.randrange(1, 300)}号", d.ent_name[e] if rng.random() < 0.7 else N,
                d.village_ids[d.ent_village[e]], N if anonymous else person(rng), N if anonymous else phone(rng),
                status, note, by, at, hid, b(reward), ms_to_ts(ms),
            )))
        await self.copy(
            conn, "public_report",
            ["id", "tracking_hash", "description", "location", "enterprise_name", "village_id", "contact_name",
             "contact_phone", "status", "verification_note", "verified_by", "verified_at", "hazard_id", "reward_eligible",
             "received_at"],
            lines,
        )
        del p

    # ------------------------------------------------------------------ hazards

    def _hazard_skeletons(self) -> list[tuple[int, int, str, str, str, str | None, int | None]]:
        """(created ms, enterprise idx, source, inspection id or NULL, report id or NULL,
        hazard id or None, discovered ordinal or None), in creation order: the findings of
        the inspections, the substantiated reports, plus hazards found otherwise (patrols,
        supervision, self-inspection without a recorded inspection, enforcement)."""
        rng = self.rng("hazard-skeletons")
        d = self.d
        out: list[tuple[int, int, str, str, str, str | None, int | None]] = [
            (ms, e, SOURCE_OF_KIND[kind], iid, N, None, None) for ms, e, kind, iid in self._findings
        ]
        out += [(ms, e, "public_report", N, rid, hid, day) for ms, e, rid, hid, day in self._reported]
        self._findings, self._reported = [], []
        pick = self._enterprise_picker(3.0)
        source_pick = Picker(list(INDEPENDENT_SOURCES), list(INDEPENDENT_SOURCE_WEIGHTS))
        for _ in range(self.sizes.hazards - len(out)):
            e = pick.index(rng)
            day = self._day_between(rng, d.ent_first[e], min(d.ent_last[e], self.last_ord))
            created_ord = min(day + (0 if rng.random() < 0.85 else rng.randrange(1, 3)), self.last_ord)
            ms = day_ms(created_ord) + (8 * 3600 + rng.randrange(12 * 3600)) * 1000 + rng.randrange(1000)
            out.append((ms, e, source_pick(rng), N, N, None, None))
        out.sort(key=lambda s: (s[0], s[1]))
        return out

    def _hazard_chunk(self, chunk_no: int, skeletons: list) -> tuple[list[str], list[str], list[str]]:
        """The hazard rows, their history rows and their escalations for one chunk (its own
        random stream)."""
        rng = self.rng(f"hazards-{chunk_no}")
        d = self.d
        admin = d.admin_id
        last_ord = self.last_ord
        rnd, rr = rng.random, rng.randrange
        h_lines: list[str] = []
        x_lines: list[str] = []
        e_lines: list[str] = []
        for ms, e, source, inspection_id, report_id, pre_id, pre_disc in skeletons:
            hid = pre_id or uuid7(ms, rng)
            sector = d.ent_sector[e]
            hr = d.ent_hr[e]
            created_ord = (ms + _CST_MS) // 86_400_000 + _EPOCH_ORD
            # discovered on the entry day, or a day or two before it (found during an inspection:
            # that day; reported by the public: the day the report came in)
            if pre_disc is not None:
                disc = pre_disc
            else:
                disc = created_ord if (inspection_id != N or rnd() < 0.85) else max(d.ent_first[e], created_ord - rr(1, 3))
            major = rnd() < (0.09 if hr else 0.035)
            grade = "major" if major else "general"
            title = rng.choice(HAZARD_TITLES[sector])
            created_ts = ms_to_ts(ms)
            # ---- the lifecycle: (action, from, to, effective ordinal, deadline ordinal or None, comment, data);
            # `step` keeps effective_on non-decreasing (H7)
            steps: list[tuple[str, str | None, str, int, int | None, str | None, str | None]] = []

            def step(action: str, frm: str | None, to: str, eff: int, dl: int | None = None, comment: str | None = None,
                     data: str | None = None, steps: list = steps) -> int:
                eff = max(eff, steps[-1][3]) if steps else eff
                steps.append((action, frm, to, eff, dl, comment, data))
                return eff

            step("create", None, "reported", disc)
            if major:
                step("notify", "reported", "reported", disc)
            if rnd() < 0.03:  # not a hazard after all
                frm = "reported"
                if rnd() < 0.3:
                    plan_day = step("plan", "reported", "rectifying", disc + rr(0, 8))
                    steps[-1] = steps[-1][:4] + (plan_day + rr(7, 60), None, None)
                    frm = "rectifying"
                step("void", frm, "void", steps[-1][3] + rr(1, 45), None, "经核查不构成事故隐患")
            else:
                plan_day = disc + (rr(0, 8) if rnd() < 0.9 else rr(8, 60))
                window = rr(30, 181) if major else rr(7, 61)
                stock = major and disc < CAMPAIGN_ORD  # H10: what the campaign inherits
                if stock and rnd() < 0.4:
                    window = rr(240, 540)  # the old stock: long rectifications, into the campaign's first year
                dl = plan_day + window
                plan_day = step("plan", "reported", "rectifying", plan_day, dl)
                listed = major and rnd() < 0.35
                if listed:
                    step("list", "rectifying", "rectifying", plan_day + rr(0, 30), None, "挂牌督办")
                if rnd() < 0.04:
                    dl += rr(15, 91)
                    step("extend", "rectifying", "rectifying", plan_day + rr(1, window + 1), dl, "整改难度大，申请延期")
                stuck = rnd() < 0.015  # never submitted, overdue once the deadline has passed
                sub = None
                if not stuck:
                    sub = plan_day + int((dl - plan_day) * rnd() ** 1.5) if rnd() < 0.9 else dl + rr(1, 91)
                if stock and (rnd() < 0.08 or not self._straggler):  # extended past T1's date, closed the year after
                    self._straggler = True
                    dl = max(dl, T1_END_ORD) + rr(30, 150)
                    step("extend", "rectifying", "rectifying", T1_END_ORD - rr(10, 60), dl, "整改工程量大，申请延期至次年")
                    sub = dl - rr(0, 25)
                # H9 / R3: a major hazard overdue is escalated along the ladder until it is submitted
                if major:
                    until = min(sub if sub is not None else last_ord, last_ord)
                    for days, kind, note in ESCALATIONS:
                        eff = dl + days
                        if eff >= until or eff < steps[-1][3] or rnd() >= 0.8:
                            continue
                        step("escalate", "rectifying", "rectifying", eff, None, note, f'{{"kind": "{kind}"}}')
                if sub is not None:
                    rev = step("submit", "rectifying", "pending_review", sub) + rr(0, 13)
                    if rnd() < 0.05:
                        rev = step("reject", "pending_review", "rectifying", rev, None, "整改不到位，请继续整改")
                        rev = step("submit", "rectifying", "pending_review", rev + rr(3, 31)) + rr(0, 11)
                    rev = step("approve", "pending_review", "closed", rev)
                    if listed:
                        step("delist", "closed", "closed", rev, None, "隐患已销号，摘牌")
            # ---- cut at the data set's today (a prefix: effective dates do not decrease)
            steps = [s for s in steps if s[3] <= last_ord]
            status = steps[-1][2]
            status_on, deadline, extensions, listed_now, deadline_on = disc, None, 0, False, disc
            planned = submitted = False
            closed_on = None
            for action, frm, to, eff, dl, _, _ in steps:
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
            for action, frm, to, eff, dl, comment, data in steps:
                if action not in ("create", "notify"):
                    lag = 0 if rnd() < 0.85 else rr(1, 4)
                    cand = min(eff + lag, last_ord)
                    if cand > at_ord:
                        at_ord, at_s = cand, 8 * 3600 + rr(11 * 3600)
                    else:
                        at_s = min(at_s + rr(60, 3600), 86399)
                if action == "create":
                    data = f'{{"grade": "{grade}", "source": "{source}"}}'
                elif action == "notify":
                    data = '{"notified": ["principal", "actual_controller"]}'
                    comment = f"重大事故隐患已通知主要负责人{d.ent_principal[e]}、实际控制人{d.ent_controller[e]}"
                elif action == "escalate":
                    kind = data.split('"')[3]  # type: ignore[union-attr]
                    at_ms = day_ms(at_ord) + at_s * 1000
                    e_lines.append(line((uuid7(at_ms, rng), hid, N, kind, comment or "", iso(eff), admin, ts(at_ord, at_s))))
                x_lines.append(
                    f"{hid}\t{ts(at_ord, at_s)}\t{iso(eff)}\t{admin}\tstreet_admin\t{action}\t{frm or N}\t{to}\t"
                    f"{comment or N}\t{iso(dl) if dl is not None else N}\t{data or N}\n"
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
                inspection_id, report_id, admin, str(len(steps)), created_ts, updated_ts, iso(deadline_on),
            )) + "\n")
        return h_lines, x_lines, e_lines

    HAZARD_COLUMNS: ClassVar[list[str]] = [
        "id", "enterprise_id", "village_id", "sector", "grade", "source", "title", "description", "criterion_ref",
        "location", "discovered_on", "status", "status_effective_on", "deadline", "extensions", "responsible_person",
        "measures", "funds", "contingency_plan", "evidence", "listed", "notified_at", "closed_on", "inspection_id",
        "report_id", "created_by", "version", "created_at", "updated_at", "deadline_set_on",
    ]
    HISTORY_COLUMNS: ClassVar[list[str]] = [
        "hazard_id", "at", "effective_on", "actor_id", "actor_role", "action", "from_status", "to_status", "comment",
        "deadline", "data",
    ]
    ESCALATION_COLUMNS: ClassVar[list[str]] = ["id", "hazard_id", "org_unit_id", "kind", "note", "effective_on", "created_by", "created_at"]

    async def _hazards(self, conn: asyncpg.Connection, conn2: asyncpg.Connection | None) -> None:
        """Generated in chunks in a worker thread, each copied while the next is generated.
        With a second connection (the bench, without foreign-key triggers) hazards and
        history go in at once; history ids follow the copy order, so a hazard's steps keep
        increasing ids (the targets SQL takes the last step by id)."""
        skeletons = await asyncio.to_thread(self._hazard_skeletons)
        chunk = 25_000
        parts = [skeletons[i : i + chunk] for i in range(0, len(skeletons), chunk)]
        del skeletons
        pending = asyncio.create_task(asyncio.to_thread(self._hazard_chunk, 0, parts[0])) if parts else None
        for no in range(len(parts)):
            assert pending is not None
            h_lines, x_lines, e_lines = await pending
            parts[no] = []  # free the skeletons
            pending = (
                asyncio.create_task(asyncio.to_thread(self._hazard_chunk, no + 1, parts[no + 1]))
                if no + 1 < len(parts) else None
            )
            if conn2 is not None:
                await asyncio.gather(
                    self.copy(conn, "hazard", self.HAZARD_COLUMNS, h_lines),
                    self.copy(conn2, "hazard_history", self.HISTORY_COLUMNS, x_lines),
                )
            else:
                await self.copy(conn, "hazard", self.HAZARD_COLUMNS, h_lines)
                await self.copy(conn, "hazard_history", self.HISTORY_COLUMNS, x_lines)
            await self.copy(conn, "escalation", self.ESCALATION_COLUMNS, e_lines)
            if no % 8 == 7:
                self.log(f"    hazards {self.counts.get('hazard', 0):,} / {self.sizes.hazards:,}")

    # ------------------------------------------------------------------ drills and trainings

    async def _drills(self, conn: asyncpg.Connection) -> None:
        """C2: evacuation drills on each enterprise's cadence (half-yearly when high-risk,
        yearly otherwise) with its diligence; then other kinds on random days."""
        from app.domain.cadence import c2_kind

        rng = self.rng("drills")
        d = self.d
        pick = self._enterprise_picker(2.0)
        kind_pick = Picker(list(DRILL_KINDS), list(DRILL_KIND_WEIGHTS))
        planned = [(e, day, "evacuation") for e, day in self._cadence_days(
            rng, c2_kind, DRILL_KIND_WEIGHTS[0] / 100, self.sizes.drills)]
        while len(planned) < self.sizes.drills:
            e = pick.index(rng)
            a, z = d.ent_active[e][rng.randrange(len(d.ent_active[e]))]
            if a > min(z, self.last_ord):
                continue
            kind = kind_pick(rng)
            if kind == "hazardous_chemical_leak" and d.ent_sector[e] != "hazardous_chemicals":
                kind = "fire"
            planned.append((e, self._day_between(rng, a, min(z, self.last_ord)), kind))
        recs = []
        for e, day, kind in planned:
            ms = day_ms(self._lag(rng, day)) + (9 * 3600 + rng.randrange(9 * 3600)) * 1000
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
        """Random trainings plus the focus trainings of C4 for most enterprises of each year's
        focus group (a few of them failed)."""
        rng = self.rng("trainings")
        d = self.d
        recs = []
        for year, tags, roles, share, _sectors in FOCUS:
            y0, y1 = date(year, 1, 1).toordinal(), min(date(year, 12, 31).toordinal(), self.last_ord)
            for e, etags in enumerate(d.ent_tags):
                if set(etags) & set(tags) and rng.random() < share:
                    first, last = max(y0, d.ent_first[e]), min(y1, d.ent_last[e])
                    if first <= last:
                        recs.append((e, self._day_between(rng, first, last), rng.choice(roles), rng.random() < 0.95))
        pick = self._enterprise_picker(1.5)
        role_pick = Picker(list(TRAINEE_ROLES), list(TRAINEE_ROLE_WEIGHTS))
        while len(recs) < self.sizes.trainings:
            e = pick.index(rng)
            last = min(d.ent_last[e], self.last_ord)
            recs.append((e, self._day_between(rng, d.ent_first[e], last), role_pick(rng), rng.random() < 0.93))
        recs = recs[: self.sizes.trainings]
        rows = []
        for e, day, role, passed in recs:
            ms = day_ms(self._lag(rng, day)) + (9 * 3600 + rng.randrange(9 * 3600)) * 1000
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
