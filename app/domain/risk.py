"""Enterprise risk level, four colours (K4 安全风险分级; plan §6, §13, §24).

The level comes from a score, the sum of documented parts, so an official sees why. Higher
is riskier. The default scoring (`DEFAULT_SCORING`, every number configurable):

Inherent risk (固有风险), from the enterprise's registry entry (E1, §1):
- sector: hazardous_chemicals 35, civil_explosives 35, gas 25, construction 20,
  road_transport 20, industry_trade 15, special_equipment 15, fire 10, self_built_housing 10,
  campus 10, elderly_care 10, child_welfare 10, power 10, grain_storage 10; the others 5;
- high-risk (高危行业领域, defaulted from the sector or set explicitly): 15;
- tags: dust_explosion 15 (粉尘涉爆), ammonia_refrigeration 15 (涉氨制冷), confined_space 10
  (有限空间), hospital_grade3 10, hospital_grade2 5, large_commercial_complex 10.

Condition (现实状况), on the day, from the hazards (H6) and the cadences (C1, C2):
- each open major hazard: 15, at most 45;
- each of them overdue: 10 more, at most 30;
- each open general hazard: 2, at most 10;
- each C1 or C2 period missed that ended in the last 12 months: 5, at most 20.

Management (管理水平, §24): standardization (安全生产标准化) level 3: −5, level 2: −10,
level 1: −15; a benchmark enterprise (标杆): −5 more.

Level: score ≥ 75 `red` (重大风险), ≥ 50 `orange` (较大风险), ≥ 25 `yellow` (一般风险), else
`blue` (低风险). Floor: an enterprise with an overdue open major hazard is at least `orange`
(the part `overdue_major_floor` adds the points that lift it there), whatever its size.

The parts always add up to the score. An official's override (level and reason) wins: the
answer then says `overridden`, gives the reason, and still shows the computed level and
its parts. For example, a high-risk hazardous-chemicals enterprise at standardization level
3 with one open major hazard, overdue: 35 + 15 + 15 + 10 − 5 = 70 → orange.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from app.domain.calendar import parse_period
from app.domain.enums import EnterpriseTag, StandardizationLevel
from app.domain.errors import FieldError, RuleViolation
from app.domain.labels import RISK_LEVEL_LABELS, SECTOR_LABELS, STANDARDIZATION_LABELS, TAG_LABELS
from app.domain.sectors import SECTOR_CODES
from app.domain.targets import same_dates_previous_year


class RiskLevel(StrEnum):
    red = "red"
    orange = "orange"
    yellow = "yellow"
    blue = "blue"


# Most severe first.
SEVERITY = (RiskLevel.red, RiskLevel.orange, RiskLevel.yellow, RiskLevel.blue)


def more_severe(a: RiskLevel | str, b: RiskLevel | str) -> RiskLevel:
    """The more severe of two levels."""
    a, b = RiskLevel(a), RiskLevel(b)
    return a if SEVERITY.index(a) <= SEVERITY.index(b) else b


MAX_POINTS = 1000
MAX_CAP = 10000


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class RiskThresholds:
    """Lowest scores of red, orange and yellow; below `yellow` is blue."""

    red: int = 75
    orange: int = 50
    yellow: int = 25

    def __post_init__(self) -> None:
        errors = threshold_problems(self.red, self.orange, self.yellow)
        if errors:
            raise RuleViolation("invalid risk thresholds", errors, code="invalid_risk_scoring")

    def level(self, score: int) -> RiskLevel:
        if score >= self.red:
            return RiskLevel.red
        if score >= self.orange:
            return RiskLevel.orange
        if score >= self.yellow:
            return RiskLevel.yellow
        return RiskLevel.blue

    def lowest(self, level: RiskLevel) -> int | None:
        """The lowest score of `level` (None for blue: it has no floor)."""
        return {RiskLevel.red: self.red, RiskLevel.orange: self.orange, RiskLevel.yellow: self.yellow}.get(level)


def threshold_problems(red: object, orange: object, yellow: object, prefix: str = "") -> list[FieldError]:
    errors: list[FieldError] = []
    for name, value in (("red", red), ("orange", orange), ("yellow", yellow)):
        if not _is_int(value):
            errors.append(FieldError(f"{prefix}{name}", "must be a whole number"))
        elif not -MAX_CAP <= value <= MAX_CAP:  # type: ignore[operator]
            errors.append(FieldError(f"{prefix}{name}", f"must lie between {-MAX_CAP} and {MAX_CAP}"))
    if errors:
        return errors
    if not orange < red:  # type: ignore[operator]
        errors.append(FieldError(f"{prefix}orange", f"must be below red ({red})"))
    if not yellow < orange:  # type: ignore[operator]
        errors.append(FieldError(f"{prefix}yellow", f"must be below orange ({orange})"))
    return errors


def _frozen(mapping: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(mapping))


DEFAULT_SECTOR_POINTS = _frozen(
    {
        "hazardous_chemicals": 35,
        "civil_explosives": 35,
        "gas": 25,
        "construction": 20,
        "road_transport": 20,
        "industry_trade": 15,
        "special_equipment": 15,
        "fire": 10,
        "self_built_housing": 10,
        "campus": 10,
        "elderly_care": 10,
        "child_welfare": 10,
        "power": 10,
        "grain_storage": 10,
    }
)
DEFAULT_TAG_POINTS = _frozen(
    {
        "dust_explosion": 15,
        "ammonia_refrigeration": 15,
        "confined_space": 10,
        "hospital_grade3": 10,
        "hospital_grade2": 5,
        "large_commercial_complex": 10,
    }
)
DEFAULT_STANDARDIZATION_POINTS = _frozen({"none": 0, "3": -5, "2": -10, "1": -15})


@dataclass(frozen=True)
class RiskScoring:
    """K4's configurable score: points per factor, caps for the counted ones, thresholds.

    Sectors not in `sector_points` score `other_sector_points`; tags not in `tag_points`
    score nothing. Validated on construction (RuleViolation naming the fields).
    """

    sector_points: Mapping[str, int] = field(default_factory=lambda: DEFAULT_SECTOR_POINTS)
    other_sector_points: int = 5
    high_risk_points: int = 15
    tag_points: Mapping[str, int] = field(default_factory=lambda: DEFAULT_TAG_POINTS)
    open_major_points: int = 15
    open_major_cap: int = 45
    overdue_major_points: int = 10
    overdue_major_cap: int = 30
    open_general_points: int = 2
    open_general_cap: int = 10
    missed_period_points: int = 5
    missed_period_cap: int = 20
    standardization_points: Mapping[str, int] = field(default_factory=lambda: DEFAULT_STANDARDIZATION_POINTS)
    benchmark_points: int = -5
    thresholds: RiskThresholds = field(default_factory=RiskThresholds)
    overdue_major_floor: RiskLevel | None = RiskLevel.orange

    def __post_init__(self) -> None:
        errors = scoring_problems(self)
        if errors:
            raise RuleViolation("invalid risk scoring", errors, code="invalid_risk_scoring")
        for name in ("sector_points", "tag_points", "standardization_points"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        if self.overdue_major_floor is not None:
            object.__setattr__(self, "overdue_major_floor", RiskLevel(self.overdue_major_floor))


_POINT_FIELDS = (
    "other_sector_points", "high_risk_points", "open_major_points", "overdue_major_points",
    "open_general_points", "missed_period_points", "benchmark_points",
)
_CAP_FIELDS = ("open_major_cap", "overdue_major_cap", "open_general_cap", "missed_period_cap")


def _points_problem(name: str, value: object) -> FieldError | None:
    if not _is_int(value):
        return FieldError(name, "must be a whole number")
    if not -MAX_POINTS <= value <= MAX_POINTS:  # type: ignore[operator]
        return FieldError(name, f"must lie between {-MAX_POINTS} and {MAX_POINTS}")
    return None


def _table_problems(name: str, table: object, known: Iterable[str], *, complete: bool) -> list[FieldError]:
    if not isinstance(table, Mapping):
        return [FieldError(name, "must be an object of points")]
    known_set = set(known)
    errors = []
    for key, value in table.items():
        if key not in known_set:
            errors.append(FieldError(f"{name}.{key}", f"unknown; expected one of: {', '.join(sorted(known_set))}"))
        elif (problem := _points_problem(f"{name}.{key}", value)) is not None:
            errors.append(problem)
    if complete:
        errors += [FieldError(f"{name}.{key}", "required") for key in sorted(known_set - set(table))]
    return errors


def scoring_problems(s: RiskScoring) -> list[FieldError]:
    """K4: what is wrong with a scoring configuration."""
    errors: list[FieldError] = []
    errors += _table_problems("sector_points", s.sector_points, SECTOR_CODES, complete=False)
    errors += _table_problems("tag_points", s.tag_points, (t.value for t in EnterpriseTag), complete=False)
    errors += _table_problems(
        "standardization_points", s.standardization_points, (v.value for v in StandardizationLevel), complete=True
    )
    for name in _POINT_FIELDS:
        if (problem := _points_problem(name, getattr(s, name))) is not None:
            errors.append(problem)
    for name in _CAP_FIELDS:
        value = getattr(s, name)
        if not _is_int(value):
            errors.append(FieldError(name, "must be a whole number"))
        elif not 0 <= value <= MAX_CAP:
            errors.append(FieldError(name, f"must lie between 0 and {MAX_CAP}"))
    if not isinstance(s.thresholds, RiskThresholds):
        errors.append(FieldError("thresholds", "must be red, orange and yellow thresholds"))
    floor = s.overdue_major_floor
    if floor is not None and floor not in RiskLevel.__members__.values():
        errors.append(FieldError("overdue_major_floor", f"unknown level {floor!r}; expected red, orange, yellow, blue or null"))
    return errors


DEFAULT_SCORING = RiskScoring()


@dataclass(frozen=True)
class RiskFacts:
    """What the score reads of one enterprise on a day.

    `overdue_major` counts the open major hazards past their deadline (H6), so it is at
    most `open_major`; `missed_periods` the C1 and C2 periods missed that ended in the last
    12 months (see `missed_in_last_12_months`).
    """

    sector: str
    high_risk: bool
    tags: frozenset[str] = frozenset()
    standardization_level: str = "none"
    benchmark: bool = False
    open_major: int = 0
    overdue_major: int = 0
    open_general: int = 0
    missed_periods: int = 0

    def __post_init__(self) -> None:
        for name in ("open_major", "overdue_major", "open_general", "missed_periods"):
            value = getattr(self, name)
            if not _is_int(value) or value < 0:
                raise ValueError(f"{name} must be a count, got {value!r}")
        if self.overdue_major > self.open_major:
            raise ValueError("overdue_major counts open major hazards: it cannot exceed open_major")
        object.__setattr__(self, "tags", frozenset(self.tags))


@dataclass(frozen=True)
class ScorePart:
    """One part of the score: the factor, its points and why, in Chinese."""

    factor: str
    points: int
    why: str


@dataclass(frozen=True)
class RiskOverride:
    """An official's level for the enterprise, with the reason (K4)."""

    level: RiskLevel
    reason: str

    def __post_init__(self) -> None:
        errors = override_problems(self.level, self.reason)
        if errors:
            raise RuleViolation("invalid risk override", errors, code="invalid_risk_override")
        object.__setattr__(self, "level", RiskLevel(self.level))
        object.__setattr__(self, "reason", self.reason.strip())


MAX_REASON = 1000


def override_problems(level: object, reason: object) -> list[FieldError]:
    """K4: an override needs a known level and a reason."""
    errors = []
    if not isinstance(level, str) or level not in RiskLevel.__members__.values():
        errors.append(FieldError("level", f"unknown level {level!r}; expected red, orange, yellow or blue"))
    if not isinstance(reason, str) or not reason.strip():
        errors.append(FieldError("reason", "an override needs a reason"))
    elif len(reason.strip()) > MAX_REASON:
        errors.append(FieldError("reason", f"at most {MAX_REASON} characters"))
    return errors


@dataclass(frozen=True)
class RiskAssessment:
    """K4's answer: `level` (the override's when overridden), `score` = sum of `parts`."""

    level: RiskLevel
    score: int
    parts: tuple[ScorePart, ...]
    computed_level: RiskLevel
    overridden: bool = False
    override_reason: str | None = None

    @property
    def why(self) -> str:
        computed = f"{RISK_LEVEL_LABELS[self.computed_level.value]}（{self.score}分）"
        if self.overridden:
            return f"人工认定为{RISK_LEVEL_LABELS[self.level.value]}，理由：{self.override_reason}；按评分为{computed}"
        return f"按评分为{computed}"


def _counted(count: int, each: int, cap: int) -> int:
    total = count * each
    return min(total, cap) if each >= 0 else max(total, -cap)


def score_parts(facts: RiskFacts, scoring: RiskScoring = DEFAULT_SCORING) -> list[ScorePart]:
    """K4: the non-zero parts of the score, inherent risk, then condition, then management
    (the floor, if any, last)."""
    s = scoring
    parts: list[ScorePart] = []

    def add(factor: str, points: int, why: str) -> None:
        if points:
            parts.append(ScorePart(factor, points, why))

    sector_name = SECTOR_LABELS.get(facts.sector, facts.sector)
    add("sector", s.sector_points.get(facts.sector, s.other_sector_points), f"行业领域：{sector_name}")
    if facts.high_risk:
        add("high_risk", s.high_risk_points, "高危行业领域")
    for tag in sorted(facts.tags):
        add(f"tag:{tag}", s.tag_points.get(tag, 0), f"重点对象：{TAG_LABELS.get(tag, tag)}")

    add(
        "open_major_hazards",
        _counted(facts.open_major, s.open_major_points, s.open_major_cap),
        f"未销号重大事故隐患{facts.open_major}项（每项{s.open_major_points}分，最多{s.open_major_cap}分）",
    )
    add(
        "overdue_major_hazards",
        _counted(facts.overdue_major, s.overdue_major_points, s.overdue_major_cap),
        f"其中逾期未整改{facts.overdue_major}项（每项另加{s.overdue_major_points}分，最多{s.overdue_major_cap}分）",
    )
    add(
        "open_general_hazards",
        _counted(facts.open_general, s.open_general_points, s.open_general_cap),
        f"未销号一般隐患{facts.open_general}项（每项{s.open_general_points}分，最多{s.open_general_cap}分）",
    )
    add(
        "missed_periods",
        _counted(facts.missed_periods, s.missed_period_points, s.missed_period_cap),
        f"近12个月缺失主要负责人带队检查或应急疏散演练{facts.missed_periods}期"
        f"（每期{s.missed_period_points}分，最多{s.missed_period_cap}分）",
    )

    level = facts.standardization_level
    add("standardization", s.standardization_points.get(level, 0), f"安全生产标准化{STANDARDIZATION_LABELS.get(level, level)}")
    if facts.benchmark:
        add("benchmark", s.benchmark_points, "安全生产标准化标杆企业")

    floor = s.overdue_major_floor
    if floor is not None and facts.overdue_major > 0:
        lowest = s.thresholds.lowest(floor)
        total = sum(p.points for p in parts)
        if lowest is not None and total < lowest:
            add(
                "overdue_major_floor",
                lowest - total,
                f"存在逾期未整改的重大事故隐患，风险等级不低于{RISK_LEVEL_LABELS[floor.value]}",
            )
    return parts


def assess_risk(
    facts: RiskFacts,
    scoring: RiskScoring = DEFAULT_SCORING,
    override: RiskOverride | None = None,
) -> RiskAssessment:
    """K4: level, score and its parts; an override wins and says so."""
    parts = tuple(score_parts(facts, scoring))
    score = sum(p.points for p in parts)
    computed = scoring.thresholds.level(score)
    if override is None:
        return RiskAssessment(level=computed, score=score, parts=parts, computed_level=computed)
    return RiskAssessment(
        level=override.level,
        score=score,
        parts=parts,
        computed_level=computed,
        overridden=True,
        override_reason=override.reason,
    )


def missed_in_last_12_months(missed_labels: Iterable[str], today: date) -> int:
    """K4: how many of the missed periods (C1/C2 `CadenceResult.missed` labels) ended in
    the 12 months before `today` (after the same date a year earlier, before today)."""
    year_ago = same_dates_previous_year(today)
    return sum(1 for label in missed_labels if year_ago < parse_period(label).end < today)


_CONFIG_FIELDS = frozenset(RiskScoring.__dataclass_fields__) - {"thresholds"}


def scoring_from_config(config: Mapping[str, object]) -> RiskScoring:
    """K4: a scoring from a configuration object — any of RiskScoring's fields, with
    `thresholds` as {red, orange, yellow}; what is left out keeps its default. Raises
    RuleViolation naming the fields."""
    if not isinstance(config, Mapping):
        raise RuleViolation("invalid risk scoring", [FieldError("risk_scoring", "must be an object")], code="invalid_risk_scoring")
    unknown = sorted(set(config) - _CONFIG_FIELDS - {"thresholds"})
    if unknown:
        raise RuleViolation(
            "invalid risk scoring", [FieldError(k, "unknown setting") for k in unknown], code="invalid_risk_scoring"
        )
    values = {k: v for k, v in config.items() if k != "thresholds"}
    thresholds = config.get("thresholds")
    if thresholds is not None:
        if not isinstance(thresholds, Mapping) or set(thresholds) - {"red", "orange", "yellow"}:
            raise RuleViolation(
                "invalid risk scoring", [FieldError("thresholds", "must be an object of red, orange and yellow")],
                code="invalid_risk_scoring",
            )
        errors = threshold_problems(*(thresholds.get(k, getattr(RiskThresholds(), k)) for k in ("red", "orange", "yellow")),
                                    prefix="thresholds.")
        if errors:
            raise RuleViolation("invalid risk scoring", errors, code="invalid_risk_scoring")
        values["thresholds"] = RiskThresholds(**thresholds)  # type: ignore[arg-type]
    return RiskScoring(**values)  # type: ignore[arg-type]
