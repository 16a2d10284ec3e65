"""Bringing an existing ledger in (台账导入, I1, I2): read one spreadsheet row as plain values
and check it. Pure: the reader (.xlsx / .csv) gives cells, this module gives typed rows or
errors as (column header, message in Chinese).

Headers. Each kind (`enterprises`, `hazards`, `inspections`, `drills`, `trainings`) has its
columns with Chinese headers; the hazard ledger's are the export's (`HAZARD_EXPORT_HEADERS`,
the same as GET /hazards/export), followed by optional columns the export does not carry,
so an export re-imports unchanged. Columns may come in any order; optional ones may be left
out; `是否逾期` is derived and read as nothing. An unknown header is an error naming it and
the expected ones; so are a header given twice and a missing required one.

Cells. Surrounding white space (also the full-width space) is dropped; a blank cell is
None. Text refuses NUL bytes, other control characters, bidirectional controls (U+202A–
U+202E, U+2066–U+2069 …) and zero-width characters, and anything longer than its column
allows. The export's guard against formulas (a `'` before `=`, `+`, `-`, `@`) is undone.
Dates accept date and datetime cells, Excel date serials, `2024-03-01`, `2024/3/1`,
`2024.3.1`, `2024年3月1日` (with an optional time, and full-width digits), from
2000-01-01 to 2100-12-31; days after `today` are refused where a thing must have happened.
Enumerations accept the Chinese label (app.domain.labels, the one table) or the code.
Booleans: 是/否 (also true/false, yes/no, 1/0). Phones: a mainland mobile number (spaces,
dashes and +86 allowed) or a landline with its area code. Credit codes: GB 32100-2015 with
its check character (E1). Amounts: CNY with at most two decimals, thousands separators
and a trailing 元 allowed.

Rows. `parse_row` gives a typed row (`EnterpriseRow`, `HazardRow`, `InspectionRow`,
`DrillRow`, `TrainingRow`) or the errors of every cell, plus the checks across cells (a
hazard's deadline and sign-off date not before its discovery; 销号日期 exactly when
`closed`; a planned hazard's responsible person and deadline). A wholly blank row is
skipped. `DuplicateFinder` flags a credit code, or an enterprise + title + discovered date,
seen on an earlier row of the same file (I2); duplicates against the database are the
service's. A `错误说明` column (the failing rows given back with their errors) is not read.

Commit (I3): `hazard_steps` is the history an imported hazard starts with, from the file's
business dates; `staged` gives a typed row as JSON values; `shown` a cell as the preview
shows it beside its error.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from app.domain.enterprises import CREDIT_CODE_CHARSET, credit_code_check_character, credit_code_problem, is_valid_phone
from app.domain.labels import (
    DRILL_KIND_LABELS,
    ENTERPRISE_STATUS_LABELS,
    GRADE_LABELS,
    INSPECTION_KIND_LABELS,
    SECTOR_LABELS,
    SOURCE_LABELS,
    STANDARDIZATION_LABELS,
    STATUS_LABELS,
    TAG_LABELS,
    TRAINEE_ROLE_LABELS,
    YES_NO_LABELS,
)

Cell = str | int | float | bool | Decimal | date | datetime | None

MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
# Excel's 1900 date system: serial 61 is 1900-03-01, and serial 60 is its 29 February
# 1900, a day that never was (kept for Lotus 1-2-3 compatibility).
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_FAKE_LEAP_DAY = 60


class ImportKind(StrEnum):
    enterprises = "enterprises"
    hazards = "hazards"
    inspections = "inspections"
    drills = "drills"
    trainings = "trainings"


class CellError(ValueError):
    """A cell that cannot be read; `message` is the Chinese text for the preview."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Issue:
    """One error of a row or of the header row: the column header and a Chinese message."""

    column: str
    message: str


# --- cells -----------------------------------------------------------------------------------

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")
_SPACES = " \t\u00a0\u3000\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_blank(value: Cell) -> bool:
    """None, or a string of white space only (the full-width space included)."""
    if value is None:
        return True
    return isinstance(value, str) and not value.strip(_SPACES + "\r\n")


def _strip(value: str) -> str:
    return value.strip(_SPACES + "\r\n")


def _check_characters(text: str) -> None:
    for ch in text:
        code = f"U+{ord(ch):04X}"
        if ch == "\x00":
            raise CellError("含有空字符（NUL），请删除后重新导入")
        if ch in _BIDI:
            raise CellError(f"含有改变文字方向的不可见控制字符（{code}），请删除后重新导入")
        if ch in _ZERO_WIDTH:
            raise CellError(f"含有零宽度的不可见字符（{code}），请删除后重新导入")
        category = unicodedata.category(ch)
        if category == "Cs":
            raise CellError("含有无法识别的字符（编码错误），请检查文件编码")
        if category == "Cc" and ch not in "\t\n\r":
            raise CellError(f"含有不可见的控制字符（{code}），请删除后重新导入")


def _plain(value: Cell, what: str = "文本") -> str:
    """A cell as text before checks: numbers as written, never a date or a boolean."""
    if isinstance(value, bool):
        raise CellError(f"应为{what}，不是“是/否”")
    if isinstance(value, (date, datetime)):
        raise CellError(f"应为{what}，不是日期")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError(f"应为{what}")
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if not isinstance(value, str):
        raise CellError(f"应为{what}")
    return value


def parse_text(value: Cell, *, max_length: int, multiline: bool = False) -> str | None:
    """Text of at most `max_length` characters; line breaks kept only when `multiline`."""
    if is_blank(value):
        return None
    text = _plain(value)
    _check_characters(text)
    if len(text) > 1 and text[0] == "'" and text[1] in _FORMULA_START:
        text = text[1:]  # the export's formula guard
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = re.sub(r"[\t\n]+", " ", text)
    text = _strip(text)
    if len(text) > max_length:
        raise CellError(f"超过{max_length}个字符的长度限制（共{len(text)}个字符）")
    return text


def _normalized(value: Cell, what: str) -> str | None:
    """Text for codes, numbers and dates: NFKC (full-width digits and signs become ASCII)."""
    if is_blank(value):
        return None
    text = _plain(value, what)
    _check_characters(text)
    return _strip(unicodedata.normalize("NFKC", text))


def _in_range(d: date) -> date:
    if not MIN_DATE <= d <= MAX_DATE:
        raise CellError("日期须在2000年1月1日至2100年12月31日之间")
    return d


def _from_serial(serial: float | Decimal) -> date:
    if isinstance(serial, float) and not math.isfinite(serial):
        raise CellError("无法识别的日期")
    days = math.floor(serial)
    if days < 1:
        raise CellError("无法识别的日期")
    if days == _EXCEL_FAKE_LEAP_DAY:
        raise CellError("日期不存在：1900年2月29日")
    # (serials below 60 would need one more day; they lie before 2000 and are refused anyway)
    if days > 2958465:  # 9999-12-31
        raise CellError("日期须在2000年1月1日至2100年12月31日之间")
    return _EXCEL_EPOCH + timedelta(days=days)


_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_FORMS = (
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME),
    re.compile(r"(\d{4})年()(\d{1,2})月(\d{1,2})日?" + _TIME),
)
DATE_FORMAT_HINT = "请使用 2024-03-01、2024/3/1、2024.3.1 或 2024年3月1日 的格式"


def parse_date(value: Cell) -> date | None:
    """A business date (I1), 2000-01-01 … 2100-12-31."""
    if isinstance(value, datetime):
        return _in_range(value.date())
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, bool):
        raise CellError("应为日期，不是“是/否”")
    if isinstance(value, (int, float, Decimal)):
        return _in_range(_from_serial(value))
    text = _normalized(value, "日期")
    if text is None:
        return None
    for form in _DATE_FORMS:
        match = form.fullmatch(text)
        if match:
            year, month, day = int(match[1]), int(match[3]), int(match[4])
            try:
                parsed = date(year, month, day)
            except ValueError:
                raise CellError(f"日期不存在：{year}年{month}月{day}日") from None
            return _in_range(parsed)
    raise CellError(f"无法识别的日期“{text[:40]}”，{DATE_FORMAT_HINT}")


def parse_enum(value: Cell, labels: Mapping[str, str], aliases: Mapping[str, str] | None = None) -> str | None:
    """The code of an enumeration given by its Chinese label or its code (I1)."""
    text = _normalized(value, "选项")
    if text is None:
        return None
    for code, label in labels.items():
        if text == label or text.lower() == code.lower() or text == unicodedata.normalize("NFKC", label):
            return code
    if aliases and text in aliases:
        return aliases[text]
    raise CellError(f"无法识别的取值“{text[:40]}”，可选：{'、'.join(labels.values())}")


_TAG_SEPARATORS = re.compile(r"[、,，;；/|\s]+")


def parse_tags(value: Cell) -> tuple[str, ...]:
    """Tags (E1) by label or code, separated by 、 , ； or spaces; each once, sorted."""
    text = _normalized(value, "选项")
    if text is None:
        return ()
    codes = {parse_enum(part, TAG_LABELS) for part in _TAG_SEPARATORS.split(text) if part}
    return tuple(sorted(c for c in codes if c is not None))


_TRUE = frozenset({"是", "true", "yes", "y", "1", "√"})
_FALSE = frozenset({"否", "false", "no", "n", "0", "×"})


def parse_bool(value: Cell) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)) and value in (0, 1):
        return bool(value)
    if isinstance(value, (int, float, Decimal)):
        raise CellError("应填写“是”或“否”")
    text = _normalized(value, "“是”或“否”")
    if text is None:
        return None
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise CellError(f"应填写“是”或“否”，而不是“{text[:20]}”")


_MOBILE_DIGITS = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_LANDLINE_PARENS = re.compile(r"\((0\d{2,3})\)(\d{7,8})")
PHONE_HINT = "须为11位手机号，或带区号的固定电话（如0551-12345678）"


def parse_phone(value: Cell) -> str | None:
    """A phone as E1 stores it: 13812345678, or 0551-12345678 / 055112345678."""
    text = _normalized(value, "电话号码")
    if text is None:
        return None
    compact = re.sub(r"[\s]", "", text)
    mobile = _MOBILE_DIGITS.fullmatch(compact.replace("-", ""))
    if mobile:
        return mobile[1]
    parens = _LANDLINE_PARENS.fullmatch(compact)
    if parens:
        compact = f"{parens[1]}-{parens[2]}"
    if is_valid_phone(compact):
        return compact
    raise CellError(f"电话号码格式不正确：{PHONE_HINT}")


def parse_credit_code(value: Cell) -> str | None:
    """E1: an 18-character unified social credit code with a valid check character."""
    text = _normalized(value, "统一社会信用代码")
    if text is None:
        return None
    code = text.upper()
    if credit_code_problem(code) is None:
        return code
    if len(code) != 18:
        raise CellError(f"统一社会信用代码应为18位（当前{len(code)}位）")
    bad = sorted({c for c in code if c not in CREDIT_CODE_CHARSET})
    if bad:
        raise CellError(f"统一社会信用代码含有无效字符：{'、'.join(bad)}")
    if not re.fullmatch(r"[0-9]{6}", code[2:8]):
        raise CellError("统一社会信用代码第3至8位应为行政区划代码（数字）")
    raise CellError(f"统一社会信用代码校验位错误（第18位应为{credit_code_check_character(code[:17])}）")


_NUMBER = re.compile(r"[+-]?(\d+(?:\.\d*)?|\.\d+)")


def parse_decimal(value: Cell, *, places: int, minimum: Decimal, maximum: Decimal, unit: str = "") -> Decimal | None:
    """A decimal with at most `places` decimal places in [minimum, maximum]. Text may have
    thousands separators and a trailing `unit` (e.g. 元)."""
    if isinstance(value, bool):
        raise CellError("应为数字，不是“是/否”")
    if isinstance(value, (date, datetime)):
        raise CellError("应为数字，不是日期")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellError("应为数字")
        rounded = round(value, places)
        if abs(value - rounded) > 1e-9 * max(1.0, abs(value)):
            raise CellError("应为整数" if places == 0 else f"最多{places}位小数")
        number = Decimal(repr(rounded))
    elif isinstance(value, (int, Decimal)):
        number = Decimal(value)
    else:
        text = _normalized(value, "数字")
        if text is None:
            return None
        text = text.replace(",", "")
        if unit and text.endswith(unit):
            text = _strip(text[: -len(unit)])
        if not _NUMBER.fullmatch(text):
            raise CellError(f"应为数字，而不是“{text[:20]}”")
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            raise CellError("应为数字") from None
    if not number.is_finite():
        raise CellError("应为数字")
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise CellError("应为整数" if places == 0 else f"最多{places}位小数")
    if not minimum <= number <= maximum:
        raise CellError(f"须在{minimum}至{maximum}之间")
    return number.quantize(Decimal(1).scaleb(-places)) if places else number.quantize(Decimal(1))


def parse_int(value: Cell, *, minimum: int, maximum: int) -> int | None:
    number = parse_decimal(value, places=0, minimum=Decimal(minimum), maximum=Decimal(maximum))
    return None if number is None else int(number)


# --- columns and kinds ----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a kind: its Chinese header, the row field it fills, how a cell is read,
    whether the header and a value are required, and for the template the choices of an
    enumeration (its Chinese labels) and an example value. `ignored` columns are accepted
    (the export has them) but not read."""

    header: str
    field: str
    parse: Callable[[Cell], Any]
    required: bool = False
    choices: tuple[str, ...] = ()
    example: str = ""
    ignored: bool = False


def _text(n: int, multiline: bool = False) -> Callable[[Cell], str | None]:
    return lambda v: parse_text(v, max_length=n, multiline=multiline)


def _enum(labels: Mapping[str, str], aliases: Mapping[str, str] | None = None) -> Callable[[Cell], str | None]:
    return lambda v: parse_enum(v, labels, aliases)


def _choices(labels: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(labels.values())


_FUNDS_MAX = Decimal("999999999999.99")
STANDARDIZATION_ALIASES = {"无": "none", "未评级": "none", "三级达标": "3", "二级达标": "2", "一级达标": "1"}

ENTERPRISE_NAME = "所属单位"
# The column the failing rows of an import come back with (I2): not read on the next upload.
ERROR_COLUMN = "错误说明"
CREDIT_CODE = "统一社会信用代码"

# The hazard ledger's headers, as GET /hazards/export writes them.
HAZARD_EXPORT_HEADERS = (
    "隐患编号", "隐患名称", "所属单位", "统一社会信用代码", "所属村居", "行业领域", "等级", "来源", "发现日期",
    "整改期限", "状态", "是否逾期", "延期次数", "挂牌督办", "整改责任人", "销号日期",
)


def _enterprise_ref() -> tuple[Column, ...]:
    return (
        Column(ENTERPRISE_NAME, "enterprise_name", _text(200), example="【示例】东湖精细化工有限公司"),
        Column(CREDIT_CODE, "credit_code", parse_credit_code, example="91340100MA2N0K1X2Q"),
    )


COLUMNS: Mapping[ImportKind, tuple[Column, ...]] = MappingProxyType({
    ImportKind.enterprises: (
        Column("单位名称", "name", _text(200), required=True, example="【示例】东湖精细化工有限公司"),
        Column(CREDIT_CODE, "credit_code", parse_credit_code, required=True, example="91340100MA2N0K1X2Q"),
        Column("所属村居", "village_name", _text(100), required=True, example="东湖村"),
        Column("行业领域", "sector", _enum(SECTOR_LABELS), required=True, choices=_choices(SECTOR_LABELS), example="危险化学品"),
        Column("是否高危", "high_risk", parse_bool, choices=("是", "否"), example="是"),
        Column("状态", "status", _enum(ENTERPRISE_STATUS_LABELS), choices=_choices(ENTERPRISE_STATUS_LABELS), example="正常"),
        Column("登记日期", "registered_on", parse_date, required=True, example="2021-05-10"),
        Column("重点类别", "tags", parse_tags, choices=_choices(TAG_LABELS), example="有限空间"),
        Column("主要负责人", "principal_name", _text(100), required=True, example="王强"),
        Column("主要负责人电话", "principal_phone", parse_phone, required=True, example="13800138000"),
        Column("实际控制人", "actual_controller_name", _text(100), required=True, example="王建国"),
        Column("实际控制人电话", "actual_controller_phone", parse_phone, required=True, example="13900139000"),
        Column("地址", "address", _text(300), example="东湖村工业路8号"),
        Column(
            "标准化等级", "standardization_level", _enum(STANDARDIZATION_LABELS, STANDARDIZATION_ALIASES),
            choices=_choices(STANDARDIZATION_LABELS), example="三级",
        ),
        Column("标杆企业", "benchmark", parse_bool, choices=("是", "否"), example="否"),
        Column("经度", "lng", lambda v: parse_decimal(v, places=7, minimum=Decimal(-180), maximum=Decimal(180)), example="117.2272"),
        Column("纬度", "lat", lambda v: parse_decimal(v, places=7, minimum=Decimal(-90), maximum=Decimal(90)), example="31.8206"),
    ),
    ImportKind.hazards: (
        Column("隐患编号", "source_ref", _text(64), example=""),
        Column("隐患名称", "title", _text(200), required=True, example="储罐区可燃气体报警器失效"),
        *_enterprise_ref(),
        Column("所属村居", "village_name", _text(100), example="东湖村"),
        Column("行业领域", "sector", _enum(SECTOR_LABELS), choices=_choices(SECTOR_LABELS), example="危险化学品"),
        Column("等级", "grade", _enum(GRADE_LABELS), required=True, choices=_choices(GRADE_LABELS), example="重大"),
        Column("来源", "source", _enum(SOURCE_LABELS), required=True, choices=_choices(SOURCE_LABELS), example="督导检查"),
        Column("发现日期", "discovered_on", parse_date, required=True, example="2025-03-02"),
        Column("整改期限", "deadline", parse_date, example="2025-04-30"),
        Column("状态", "status", _enum(STATUS_LABELS), required=True, choices=_choices(STATUS_LABELS), example="整改中"),
        Column("是否逾期", "overdue", parse_bool, ignored=True),
        Column("延期次数", "extensions", lambda v: parse_int(v, minimum=0, maximum=100), example="0"),
        Column("挂牌督办", "listed", parse_bool, choices=("是", "否"), example="否"),
        Column("整改责任人", "responsible_person", _text(100), example="李明"),
        Column("销号日期", "closed_on", parse_date, example=""),
        # not in the export
        Column("隐患描述", "description", _text(4000, multiline=True), example="除尘器未按规定设置泄爆口"),
        Column("隐患位置", "location", _text(300), example="二号车间"),
        Column("判定标准条款", "criterion_ref", _text(300), example=""),
        Column("判定标准编码", "criterion_code", _text(64), example=""),
        Column("整改措施", "measures", _text(4000, multiline=True), example="更换报警器并联动切断"),
        Column(
            "整改资金（元）", "funds",
            lambda v: parse_decimal(v, places=2, minimum=Decimal(0), maximum=_FUNDS_MAX, unit="元"), example="12000",
        ),
        Column("应急预案", "contingency_plan", _text(4000, multiline=True), example="停用储罐区，设置警戒区"),
    ),
    ImportKind.inspections: (
        *_enterprise_ref(),
        Column("检查类型", "kind", _enum(INSPECTION_KIND_LABELS), required=True, choices=_choices(INSPECTION_KIND_LABELS),
               example="主要负责人带队自查"),
        Column("检查日期", "performed_on", parse_date, required=True, example="2025-04-08"),
        Column("主要负责人带队", "led_by_principal", parse_bool, choices=("是", "否"), example="是"),
        Column("检查人员", "inspector", _text(100), example="王强"),
        Column("检查情况", "notes", _text(4000, multiline=True), example="检查生产区、储罐区"),
    ),
    ImportKind.drills: (
        *_enterprise_ref(),
        Column("演练类型", "kind", _enum(DRILL_KIND_LABELS), required=True, choices=_choices(DRILL_KIND_LABELS), example="疏散演练"),
        Column("演练日期", "held_on", parse_date, required=True, example="2025-05-12"),
        Column("参演人数", "participants", lambda v: parse_int(v, minimum=0, maximum=100000), required=True, example="86"),
        Column("演练场景", "scenario", _text(300), example="二楼配电间起火，全员疏散至东侧广场"),
        Column("备注", "notes", _text(4000, multiline=True), example=""),
    ),
    ImportKind.trainings: (
        *_enterprise_ref(),
        Column("培训对象", "trainee_role", _enum(TRAINEE_ROLE_LABELS), required=True, choices=_choices(TRAINEE_ROLE_LABELS),
               example="消防安全责任人"),
        Column("参训人员", "trainee_name", _text(100), example="李娜"),
        Column("培训内容", "topic", _text(200), required=True, example="消防安全责任人培训"),
        Column("培训日期", "held_on", parse_date, required=True, example="2025-03-20"),
        Column(
            "学时", "hours", lambda v: parse_decimal(v, places=1, minimum=Decimal("0.1"), maximum=Decimal("999.9")),
            required=True, example="8",
        ),
        Column("是否合格", "passed", parse_bool, required=True, choices=("是", "否"), example="是"),
    ),
})

# Kinds whose rows name an enterprise by credit code or name (at least one of the two).
_REFERS_TO_ENTERPRISE = frozenset({ImportKind.hazards, ImportKind.inspections, ImportKind.drills, ImportKind.trainings})


def headers(kind: ImportKind | str) -> tuple[str, ...]:
    """The headers of a kind, in template order."""
    return tuple(c.header for c in COLUMNS[ImportKind(kind)])


# --- typed rows --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseRow:
    name: str
    credit_code: str
    village_name: str
    sector: str
    registered_on: date
    principal_name: str
    principal_phone: str
    actual_controller_name: str
    actual_controller_phone: str
    high_risk: bool | None = None  # None: the sector's default
    status: str = "active"
    tags: tuple[str, ...] = ()
    address: str | None = None
    standardization_level: str = "none"
    benchmark: bool = False
    lng: Decimal | None = None
    lat: Decimal | None = None


@dataclass(frozen=True)
class HazardRow:
    title: str
    grade: str
    source: str
    discovered_on: date
    status: str
    enterprise_name: str | None = None
    credit_code: str | None = None
    source_ref: str | None = None
    village_name: str | None = None
    sector: str | None = None
    deadline: date | None = None
    extensions: int = 0
    listed: bool = False
    responsible_person: str | None = None
    closed_on: date | None = None
    description: str | None = None
    location: str | None = None
    criterion_ref: str | None = None
    criterion_code: str | None = None
    measures: str | None = None
    funds: Decimal | None = None
    contingency_plan: str | None = None


@dataclass(frozen=True)
class InspectionRow:
    kind: str
    performed_on: date
    enterprise_name: str | None = None
    credit_code: str | None = None
    led_by_principal: bool = False
    inspector: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class DrillRow:
    kind: str
    held_on: date
    participants: int
    enterprise_name: str | None = None
    credit_code: str | None = None
    scenario: str | None = None
    notes: str | None = None


@dataclass(frozen=True)
class TrainingRow:
    trainee_role: str
    topic: str
    held_on: date
    hours: Decimal
    passed: bool
    enterprise_name: str | None = None
    credit_code: str | None = None
    trainee_name: str | None = None


Row = EnterpriseRow | HazardRow | InspectionRow | DrillRow | TrainingRow

ROW_TYPES: Mapping[ImportKind, type] = MappingProxyType({
    ImportKind.enterprises: EnterpriseRow,
    ImportKind.hazards: HazardRow,
    ImportKind.inspections: InspectionRow,
    ImportKind.drills: DrillRow,
    ImportKind.trainings: TrainingRow,
})

# Fields that must not lie after the import's `today` (they happened).
_PAST_FIELDS = frozenset({"registered_on", "discovered_on", "closed_on", "performed_on", "held_on"})


# --- the header row ------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderMap:
    """Which cell index holds which column of `kind`; cells under a blank header are not read."""

    kind: ImportKind
    positions: tuple[tuple[int, Column], ...]
    unnamed: tuple[int, ...] = ()
    width: int = 0  # cells in the header row; content beyond them has no header either

    @property
    def present(self) -> frozenset[str]:
        return frozenset(c.header for _, c in self.positions)


@dataclass(frozen=True)
class HeaderResult:
    header_map: HeaderMap | None
    errors: tuple[Issue, ...] = ()


def _header_text(value: Cell) -> str:
    """A header as written, without a BOM, surrounding spaces or a required-mark `*`."""
    text = "" if value is None else str(value)
    text = text.replace("\ufeff", "")
    return _strip(_strip(text).rstrip("*＊"))


def _header_key(text: str) -> str:
    # 整改资金(元) and 整改资金（元） are one header
    return unicodedata.normalize("NFKC", text)


def map_headers(kind: ImportKind | str, cells: Sequence[Cell]) -> HeaderResult:
    """I1: read the header row. Unknown, repeated and missing required headers are errors
    naming the header (and, for an unknown one, the expected headers)."""
    kind = ImportKind(kind)
    columns = {_header_key(c.header): c for c in COLUMNS[kind]}
    expected = "、".join(c.header for c in COLUMNS[kind])
    errors: list[Issue] = []
    positions: list[tuple[int, Column]] = []
    unnamed: list[int] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells):
        name = _header_text(cell)
        if not name:
            unnamed.append(index)
            continue
        if name == ERROR_COLUMN:
            continue
        column = columns.get(_header_key(name))
        if column is None:
            errors.append(Issue(name, f"未知的列“{name}”，可用的列：{expected}"))
            continue
        if column.header in seen:
            errors.append(Issue(name, f"列“{name}”出现了两次"))
            continue
        seen.add(column.header)
        positions.append((index, column))
    for column in COLUMNS[kind]:
        if column.required and column.header not in seen:
            errors.append(Issue(column.header, f"缺少必需的列“{column.header}”"))
    if kind in _REFERS_TO_ENTERPRISE and not {ENTERPRISE_NAME, CREDIT_CODE} & seen:
        errors.append(Issue(CREDIT_CODE, f"缺少必需的列“{CREDIT_CODE}”或“{ENTERPRISE_NAME}”"))
    if errors:
        return HeaderResult(None, tuple(errors))
    return HeaderResult(HeaderMap(kind, tuple(positions), tuple(unnamed), len(cells)))


# --- one row -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowResult:
    """A typed row, or the row's errors; both None/empty for a blank row (`blank`)."""

    row: Row | None
    errors: tuple[Issue, ...] = ()
    blank: bool = False


def _column_label(index: int) -> str:
    return f"第{index + 1}列（无列名）"


def parse_row(header_map: HeaderMap, cells: Sequence[Cell], *, today: date) -> RowResult:
    """I1/I2: one data row under `header_map`, checked cell by cell and across cells."""

    def cell(index: int) -> Cell:
        return cells[index] if index < len(cells) else None

    if all(is_blank(c) for c in cells):
        return RowResult(None, blank=True)
    errors: list[Issue] = []
    values: dict[str, Any] = {}
    headers_of: dict[str, str] = {}
    for index, column in header_map.positions:
        headers_of[column.field] = column.header
        if column.ignored:
            continue
        try:
            value = column.parse(cell(index))
        except CellError as e:
            errors.append(Issue(column.header, e.message))
            continue
        if value is None or value == ():
            if column.required:
                errors.append(Issue(column.header, "必填，不能为空"))
            continue
        if column.field in _PAST_FIELDS and isinstance(value, date) and value > today:
            errors.append(Issue(column.header, f"不能晚于今天（{today.year}年{today.month}月{today.day}日）"))
            continue
        values[column.field] = value
    for index in (*header_map.unnamed, *range(header_map.width, len(cells))):
        if not is_blank(cell(index)):
            errors.append(Issue(_column_label(index), "该列没有列名，其中的内容无法导入"))
    # checks across cells, over the cells that could be read
    failed = {e.column for e in errors}
    errors += [e for e in _row_checks(header_map.kind, values, headers_of) if e.column not in failed]
    if errors:
        return RowResult(None, tuple(errors))
    row_type = ROW_TYPES[header_map.kind]
    accepted = {f.name for f in fields(row_type)}
    return RowResult(row_type(**{k: v for k, v in values.items() if k in accepted}))


def _zh(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _row_checks(kind: ImportKind, v: Mapping[str, Any], header: Mapping[str, str]) -> list[Issue]:
    def col(field_name: str) -> str:
        return header.get(field_name) or next(c.header for c in COLUMNS[kind] if c.field == field_name)

    errors: list[Issue] = []
    if kind in _REFERS_TO_ENTERPRISE and not v.get("credit_code") and not v.get("enterprise_name"):
        named = CREDIT_CODE if CREDIT_CODE in header.values() else ENTERPRISE_NAME
        errors.append(Issue(named, f"须填写“{CREDIT_CODE}”或“{ENTERPRISE_NAME}”"))
    if kind is ImportKind.enterprises:
        if ("lng" in v) != ("lat" in v):
            errors.append(Issue(col("lat" if "lng" in v else "lng"), "经度和纬度须同时填写"))
    if kind is ImportKind.hazards:
        discovered = v.get("discovered_on")
        deadline, closed_on, status = v.get("deadline"), v.get("closed_on"), v.get("status")
        if discovered and deadline and deadline < discovered:
            errors.append(Issue(col("deadline"), f"整改期限不能早于发现日期（{_zh(discovered)}）"))
        if discovered and closed_on and closed_on < discovered:
            errors.append(Issue(col("closed_on"), f"销号日期不能早于发现日期（{_zh(discovered)}）"))
        if status == "closed" and not closed_on:
            errors.append(Issue(col("closed_on"), "状态为“已销号”时须填写销号日期"))
        if status and status != "closed" and closed_on:
            errors.append(Issue(col("closed_on"), "只有状态为“已销号”的隐患才能填写销号日期"))
        if status in ("rectifying", "pending_review", "closed"):
            # H3's minimum for a planned hazard (the export carries no more of the plan)
            if not v.get("responsible_person"):
                errors.append(Issue(col("responsible_person"), "已制定整改方案的隐患须填写整改责任人"))
            if not deadline:
                errors.append(Issue(col("deadline"), "已制定整改方案的隐患须填写整改期限"))
        if v.get("extensions") and not deadline:
            errors.append(Issue(col("deadline"), "有延期记录的隐患须填写整改期限"))
    return errors


def parse_rows(
    kind: ImportKind | str, rows: Sequence[Sequence[Cell]], *, today: date
) -> tuple[list[tuple[int, Row]], list[tuple[int, Issue]]]:
    """A whole small sheet (header first) at once: the valid rows and every error, each
    with its spreadsheet row number (the header is row 1). Blank rows are skipped, and
    duplicates within the sheet are errors. For large files, use map_headers, parse_row
    and DuplicateFinder as the rows stream by."""
    if not rows:
        return [], [(1, Issue("", "文件中没有表头行"))]
    result = map_headers(kind, rows[0])
    if result.header_map is None:
        return [], [(1, e) for e in result.errors]
    valid: list[tuple[int, Row]] = []
    errors: list[tuple[int, Issue]] = []
    duplicates = DuplicateFinder(ImportKind(kind))
    for number, cells in enumerate(rows[1:], start=2):
        parsed = parse_row(result.header_map, cells, today=today)
        if parsed.blank:
            continue
        if parsed.row is None:
            errors += [(number, e) for e in parsed.errors]
            continue
        duplicate = duplicates.check(number, parsed.row)
        if duplicate is not None:
            errors.append((number, duplicate))
            continue
        valid.append((number, parsed.row))
    return valid, errors


# --- duplicates within a file (I2) ------------------------------------------------------------


def _same_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def duplicate_key(row: Row) -> tuple[object, ...] | None:
    """I2: what makes two rows of a file the same thing: an enterprise's credit code; a
    hazard's enterprise (credit code, else name), title and discovered date. None for kinds
    without such a key."""
    if isinstance(row, EnterpriseRow):
        return ("credit_code", row.credit_code)
    if isinstance(row, HazardRow):
        enterprise = ("credit_code", row.credit_code) if row.credit_code else ("name", _same_text(row.enterprise_name or ""))
        return ("hazard", *enterprise, _same_text(row.title), row.discovered_on)
    return None


@dataclass
class DuplicateFinder:
    """I2: feed rows in file order; `check` names the earlier row a row repeats."""

    kind: ImportKind
    _seen: dict[tuple[object, ...], int] = field(default_factory=dict)

    def check(self, row_number: int, row: Row) -> Issue | None:
        key = duplicate_key(row)
        if key is None:
            return None
        first = self._seen.get(key)
        if first is None:
            self._seen[key] = row_number
            return None
        if isinstance(row, EnterpriseRow):
            return Issue(CREDIT_CODE, f"与第{first}行重复（统一社会信用代码相同）")
        return Issue("隐患名称", f"与第{first}行重复（同一单位、隐患名称和发现日期相同）")


# --- what a commit writes (I3) ------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One history row of an imported hazard (H7): action, from-state, to-state, business date."""

    action: str
    from_status: str | None
    to_status: str
    effective_on: date


def hazard_steps(status: str, discovered_on: date, closed_on: date | None) -> tuple[Step, ...]:
    """I3: the history an imported hazard starts with, from the file's business dates: it is
    recorded on its discovery date, planned then if it went further, submitted and approved
    on its sign-off date if closed (an open hazard pending review was submitted on a day the
    ledger does not keep: its discovery date, the earliest it can have been), voided on its
    discovery date. So its state on a date D is what the ledger says it was (T1–T3)."""
    steps = [Step("create", None, "reported", discovered_on)]
    if status == "void":
        steps.append(Step("void", "reported", "void", discovered_on))
    if status in ("rectifying", "pending_review", "closed"):
        steps.append(Step("plan", "reported", "rectifying", discovered_on))
    if status in ("pending_review", "closed"):
        submitted_on = closed_on if status == "closed" and closed_on else discovered_on
        steps.append(Step("submit", "rectifying", "pending_review", submitted_on))
    if status == "closed":
        steps.append(Step("approve", "pending_review", "closed", closed_on or discovered_on))
    return tuple(steps)


def title_key(title: str) -> str:
    """I2: a hazard title as duplicates compare it (NFKC, white space collapsed)."""
    return _same_text(title)


def staged(row: Row) -> dict[str, Any]:
    """A typed row as JSON values (dates ISO, amounts as text), for the staging table."""
    out: dict[str, Any] = {}
    for f in fields(row):
        value = getattr(row, f.name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def shown(value: Cell, limit: int = 200) -> str | None:
    """A cell as the preview shows it beside its error: dates ISO, control characters
    (a NUL too) as their code points, at most `limit` characters."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        text = YES_NO_LABELS[value]
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ") if value.time() != datetime.min.time() else value.date().isoformat()
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    text = "".join(
        f"<U+{ord(ch):04X}>" if unicodedata.category(ch) in ("Cc", "Cs", "Cf") and ch not in "\t\n" else ch
        for ch in text[: limit + 1]
    )
    return text if len(text) <= limit else text[:limit] + "…"
