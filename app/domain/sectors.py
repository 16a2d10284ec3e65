"""Reference data of docs/rules.md §1: the ten departments and the sectors they lead."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DepartmentRef:
    code: str
    name: str


@dataclass(frozen=True)
class SectorRef:
    code: str
    name: str
    lead_department: str | None  # DepartmentRef.code; None = assigned by the street office
    high_risk_default: bool


DEPARTMENTS: tuple[DepartmentRef, ...] = (
    DepartmentRef("housing_construction", "住建所"),
    DepartmentRef("police", "派出所"),
    DepartmentRef("fire_rescue", "消防救援队"),
    DepartmentRef("market_regulation", "市场监管"),
    DepartmentRef("emergency_management", "应急管理"),
    DepartmentRef("education_sports", "教体"),
    DepartmentRef("civil_affairs", "民政"),
    DepartmentRef("transport", "交通运输"),
    DepartmentRef("agriculture_rural", "农业农村"),
    DepartmentRef("forestry", "林业"),
)

SECTORS: tuple[SectorRef, ...] = (
    SectorRef("fire", "消防", "fire_rescue", False),
    SectorRef("gas", "城镇燃气", "housing_construction", False),
    SectorRef("construction", "建筑施工", "housing_construction", True),
    SectorRef("self_built_housing", "自建房/群租房/大跨度建构筑物", "housing_construction", False),
    SectorRef("hazardous_chemicals", "危险化学品", "emergency_management", True),
    SectorRef("industry_trade", "工贸", "emergency_management", False),
    SectorRef("road_transport", "道路运输", "transport", True),
    SectorRef("road_traffic", "道路交通", "police", False),
    SectorRef("campus", "校园", "education_sports", False),
    SectorRef("sports_venues", "体育场馆和设施", "education_sports", False),
    SectorRef("elderly_care", "养老服务", "civil_affairs", False),
    SectorRef("child_welfare", "儿童福利", "civil_affairs", False),
    SectorRef("agriculture", "农业/农机", "agriculture_rural", False),
    SectorRef("special_equipment", "特种设备", "market_regulation", False),
    SectorRef("forestry", "林业", "forestry", False),
    SectorRef("commerce", "商贸", None, False),
    SectorRef("power", "电力", None, False),
    SectorRef("postal", "邮政快递", None, False),
    SectorRef("grain_storage", "粮食仓储", None, False),
    SectorRef("civil_explosives", "民用爆炸物品", None, True),
    SectorRef("other", "其他", None, False),
)

SECTOR_CODES: frozenset[str] = frozenset(s.code for s in SECTORS)
HIGH_RISK_DEFAULT: dict[str, bool] = {s.code: s.high_risk_default for s in SECTORS}
