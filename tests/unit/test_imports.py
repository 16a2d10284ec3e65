"""Ledger import I1/I2 (app.domain.imports): cells, headers, rows, duplicates within a file,
and the round trip of the hazard export."""

import re
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from uuid import UUID

import pytest

from app.domain.imports import (
    COLUMNS,
    HAZARD_EXPORT_HEADERS,
    MAX_DATE,
    MIN_DATE,
    CellError,
    DrillRow,
    DuplicateFinder,
    EnterpriseRow,
    HazardRow,
    ImportKind,
    InspectionRow,
    Issue,
    TrainingRow,
    headers,
    is_blank,
    map_headers,
    parse_bool,
    parse_credit_code,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_int,
    parse_phone,
    parse_row,
    parse_rows,
    parse_tags,
    parse_text,
)
from app.domain.labels import GRADE_LABELS, SECTOR_LABELS, STANDARDIZATION_LABELS

TODAY = date(2025, 5, 1)
CODE = "91340100MA2N0K1X2Q"  # valid (GB 32100-2015 check character Q)
CODE2 = "91110000600037341L"
CJK = re.compile(r"[\u4e00-\u9fff]")


def error_of(fn, value) -> str:
    with pytest.raises(CellError) as exc:
        fn(value)
    assert CJK.search(exc.value.message), "messages are in Chinese"
    return exc.value.message


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        date(2024, 3, 1),
        datetime(2024, 3, 1, 0, 0),
        datetime(2024, 3, 1, 17, 45, 12),
        "2024-03-01",
        "2024-3-1",
        "2024/3/1",
        "2024/03/01",
        "2024.3.1",
        "2024年3月1日",
        "2024年03月01日",
        "2024年3月1",
        " 2024-03-01 ",
        "2024-03-01 00:00:00",
        "2024-03-01T08:30",
        "２０２４年３月１日",
        "2024／3／1",
        45352,
        45352.0,
        45352.75,
        Decimal("45352"),
    ],
)
def test_i1_dates_in_every_form(value):
    assert parse_date(value) == date(2024, 3, 1)


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_i1_blank_date_is_none(value):
    assert parse_date(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2000-01-01", MIN_DATE),
        ("2100-12-31", MAX_DATE),
        (36526, date(2000, 1, 1)),
        (73415, date(2100, 12, 31)),
        ("2024-02-29", date(2024, 2, 29)),
        ("2000-02-29", date(2000, 2, 29)),
        (45351, date(2024, 2, 29)),
    ],
)
def test_i1_date_range_and_leap_days(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1999-12-31", "日期须在2000年1月1日至2100年12月31日之间"),
        ("2101-01-01", "日期须在2000年1月1日至2100年12月31日之间"),
        (36525, "日期须在2000年1月1日至2100年12月31日之间"),
        (73416, "日期须在2000年1月1日至2100年12月31日之间"),
        (datetime(1999, 12, 31, 23, 59), "日期须在2000年1月1日至2100年12月31日之间"),
        (10**9, "日期须在2000年1月1日至2100年12月31日之间"),
        ("2024-02-30", "日期不存在：2024年2月30日"),
        ("2023-02-29", "日期不存在：2023年2月29日"),
        ("2100-02-29", "日期不存在：2100年2月29日"),  # 2100 is not a leap year
        ("2024年13月1日", "日期不存在：2024年13月1日"),
        (60, "日期不存在：1900年2月29日"),  # Excel's day that never was
    ],
)
def test_i1_impossible_or_out_of_range_dates(value, message):
    assert error_of(parse_date, value) == message


@pytest.mark.parametrize("value", ["2024-3/1", "03/01/2024", "20240301", "abc", "2024年", "45352", "2024-03-01 8点"])
def test_i1_unrecognized_date_text(value):
    assert error_of(parse_date, value).startswith("无法识别的日期")


@pytest.mark.parametrize("value", [0, -5, float("nan"), float("inf"), True, False])
def test_i1_numbers_that_are_no_dates(value):
    error_of(parse_date, value)


# --- enumerations --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["重大", "major", "MAJOR", " 重大 ", "Major"])
def test_i1_enum_by_label_or_code(value):
    assert parse_enum(value, GRADE_LABELS) == "major"


def test_i1_unknown_enum_lists_the_labels():
    assert error_of(lambda v: parse_enum(v, GRADE_LABELS), "严重") == "无法识别的取值“严重”，可选：重大、一般"


def test_i1_sector_labels_with_full_width_slashes():
    assert parse_enum("自建房/群租房/大跨度建构筑物", SECTOR_LABELS) == "self_built_housing"
    assert parse_enum("自建房／群租房／大跨度建构筑物", SECTOR_LABELS) == "self_built_housing"
    assert parse_enum("危险化学品", SECTOR_LABELS) == "hazardous_chemicals"


def test_i1_standardization_labels_codes_and_aliases():
    column = next(c for c in COLUMNS[ImportKind.enterprises] if c.field == "standardization_level")
    assert [column.parse(v) for v in ("三级", "3", "二级", "1", "未达标", "无", "none", "一级达标")] == [
        "3", "3", "2", "1", "none", "none", "none", "1",
    ]
    assert column.choices == tuple(STANDARDIZATION_LABELS.values())


def test_i1_tags():
    assert parse_tags("粉尘涉爆、有限空间") == ("confined_space", "dust_explosion")
    assert parse_tags("dust_explosion, 有限空间；有限空间") == ("confined_space", "dust_explosion")
    assert parse_tags(None) == ()
    assert error_of(parse_tags, "粉尘涉爆、闹鬼").startswith("无法识别的取值“闹鬼”")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("是", True), ("否", False), ("TRUE", True), ("false", False), ("Y", True), ("n", False), ("1", True),
     ("0", False), (True, True), (False, False), (1, True), (0, False), (1.0, True), (None, None), ("", None)],
)
def test_i1_booleans(value, expected):
    assert parse_bool(value) is expected


@pytest.mark.parametrize("value", ["可能", "是否", 2, -1, date(2024, 1, 1)])
def test_i1_not_a_boolean(value):
    error_of(parse_bool, value)


# --- phones and credit codes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0551-12345678", "0551-12345678"),
        ("055112345678", "055112345678"),
        ("010-1234567", "010-1234567"),
        ("(0551)12345678", "0551-12345678"),
        ("（0551）12345678", "0551-12345678"),
    ],
)
def test_i1_phones(value, expected):
    assert parse_phone(value) == expected


@pytest.mark.parametrize("value", ["12345678", "551-12345678", 551123456, "1381234567", "23812345678", "138123456789", "电话"])
def test_i1_bad_phones(value):
    assert error_of(parse_phone, value).startswith("电话号码格式不正确")


@pytest.mark.parametrize("value", [CODE, CODE.lower(), f"  {CODE} ", "９１３４０１００ＭＡ２Ｎ０Ｋ１Ｘ２Ｑ", CODE2])
def test_i1_credit_codes(value):
    assert parse_credit_code(value) in (CODE, CODE2)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (CODE[:17], "统一社会信用代码应为18位（当前17位）"),
        (CODE[:17] + "I", "统一社会信用代码含有无效字符：I"),
        ("91ABCDEF" + CODE[8:], "统一社会信用代码第3至8位应为行政区划代码（数字）"),
        (CODE[:17] + "B", "统一社会信用代码校验位错误（第18位应为Q）"),
    ],
)
def test_i1_bad_credit_codes(value, message):
    assert error_of(parse_credit_code, value) == message


# --- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "start"),
    [
        ("储罐\x00区", "含有空字符（NUL）"),
        ("储罐\u202e区", "含有改变文字方向的不可见控制字符（U+202E）"),
        ("储罐\u2066区", "含有改变文字方向的不可见控制字符（U+2066）"),
        ("储罐\u200f区", "含有改变文字方向的不可见控制字符（U+200F）"),
        ("储罐\u200b区", "含有零宽度的不可见字符（U+200B）"),
        ("储罐\ufeff区", "含有零宽度的不可见字符（U+FEFF）"),
        ("储罐\x07区", "含有不可见的控制字符（U+0007）"),
        ("储罐\x9b区", "含有不可见的控制字符（U+009B）"),
        ("储罐\ud800区", "含有无法识别的字符"),
    ],
)
def test_i1_invisible_and_control_characters_are_errors(value, start):
    assert error_of(lambda v: parse_text(v, max_length=200), value).startswith(start)


def test_i1_over_long_cells():
    assert parse_text("字" * 200, max_length=200) == "字" * 200
    assert error_of(lambda v: parse_text(v, max_length=200), "字" * 201) == "超过200个字符的长度限制（共201个字符）"
    assert error_of(lambda v: parse_text(v, max_length=200), "字" * 100_000).startswith("超过200个字符")


def test_i1_text_cleaning():
    assert parse_text("\u3000 储罐区 \u3000", max_length=10) == "储罐区"
    assert parse_text("一\n二\r\n三\t四", max_length=20) == "一 二 三 四"
    assert parse_text("一\r\n二\r三", max_length=20, multiline=True) == "一\n二\n三"
    assert parse_text(12000, max_length=10) == "12000"
    assert parse_text(1.5, max_length=10) == "1.5"
    assert parse_text("  ", max_length=10) is None
    error_of(lambda v: parse_text(v, max_length=10), True)
    error_of(lambda v: parse_text(v, max_length=10), date(2024, 1, 1))


@pytest.mark.parametrize(("value", "expected"), [("'=SUM(A1)", "=SUM(A1)"), ("'-5", "-5"), ("'+86", "+86"),
                                                 ("'@x", "@x"), ("'abc", "'abc"), ("'", "'")])
def test_i1_the_exports_formula_guard_is_undone(value, expected):
    assert parse_text(value, max_length=20) == expected


def test_i1_blank():
    assert is_blank(None) and is_blank("") and is_blank(" \u3000\t\n")
    assert not is_blank(0) and not is_blank("\u200b") and not is_blank(False)


# --- numbers --------------------------------------------------------------------------------------

FUNDS = next(c for c in COLUMNS[ImportKind.hazards] if c.field == "funds").parse


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12000", "12000.00"), ("12,000.50", "12000.50"), ("12000元", "12000.00"), ("12000 元", "12000.00"),
     (12000.5, "12000.50"), (12000, "12000.00"), (Decimal("0.1"), "0.10"), (0.1 + 0.2, "0.30"), ("0", "0.00"),
     ("999999999999.99", "999999999999.99"), ("１２０００", "12000.00")],
)
def test_i1_funds(value, expected):
    assert FUNDS(value) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [("1.234", "最多2位小数"), (1.234, "最多2位小数"), ("-1", "须在0至999999999999.99之间"),
     ("1000000000000", "须在0至999999999999.99之间"), ("abc", "应为数字，而不是“abc”"), ("1e5", "应为数字，而不是“1e5”"),
     (True, "应为数字，不是“是/否”"), (float("nan"), "应为数字"), ("1.2万", "应为数字，而不是“1.2万”")],
)
def test_i1_bad_funds(value, message):
    assert error_of(FUNDS, value) == message


def test_i1_whole_numbers_and_hours():
    assert parse_int("86", minimum=0, maximum=100000) == 86
    assert parse_int(86.0, minimum=0, maximum=100000) == 86
    assert error_of(lambda v: parse_int(v, minimum=0, maximum=100000), "86.5") == "应为整数"
    assert error_of(lambda v: parse_int(v, minimum=0, maximum=100000), 86.5) == "应为整数"
    assert error_of(lambda v: parse_int(v, minimum=0, maximum=100000), 100001) == "须在0至100000之间"
    hours = lambda v: parse_decimal(v, places=1, minimum=Decimal("0.1"), maximum=Decimal("999.9"))  # noqa: E731
    assert hours("8") == Decimal("8.0") and hours(8.5) == Decimal("8.5")
    assert error_of(hours, "0") == "须在0.1至999.9之间"
    assert error_of(hours, "0.05") == "最多1位小数"


# --- headers --------------------------------------------------------------------------------------


def test_i1_hazard_headers_are_the_exports():
    from app.api.exports import HEADERS

    assert list(HAZARD_EXPORT_HEADERS) == HEADERS
    assert headers("hazards")[: len(HEADERS)] == tuple(HEADERS)


@pytest.mark.parametrize("kind", list(ImportKind))
def test_i1_every_kind_reads_its_own_headers(kind):
    result = map_headers(kind, list(headers(kind)))
    assert result.errors == ()
    assert result.header_map is not None and result.header_map.present == frozenset(headers(kind))


@pytest.mark.parametrize("kind", list(ImportKind))
def test_i1_enumeration_columns_offer_their_labels(kind):
    for column in COLUMNS[kind]:
        for choice in column.choices:
            assert column.parse(choice) not in (None, ())
        if column.example:
            column.parse(column.example)  # the template's example row is valid


def test_i1_headers_in_any_order_and_only_the_required_ones():
    result = map_headers("hazards", ["状态", "发现日期", "统一社会信用代码", "来源", "等级", "隐患名称"])
    assert result.errors == () and result.header_map is not None
    assert [c.header for _, c in result.header_map.positions] == ["状态", "发现日期", "统一社会信用代码", "来源", "等级", "隐患名称"]


def test_i1_unknown_header_names_it_and_the_expected_ones():
    result = map_headers("drills", ["所属单位", "演练类型", "演练日期", "参演人数", "天气"])
    assert result.header_map is None
    [issue] = result.errors
    assert issue.column == "天气"
    assert issue.message == "未知的列“天气”，可用的列：所属单位、统一社会信用代码、演练类型、演练日期、参演人数、演练场景、备注"


def test_i1_repeated_and_missing_headers():
    result = map_headers("trainings", ["统一社会信用代码", "培训对象", "培训对象", "培训日期", "学时"])
    assert [(e.column, e.message) for e in result.errors] == [
        ("培训对象", "列“培训对象”出现了两次"),
        ("培训内容", "缺少必需的列“培训内容”"),
        ("是否合格", "缺少必需的列“是否合格”"),
    ]


def test_i1_an_activity_needs_its_enterprise_column():
    result = map_headers("inspections", ["检查类型", "检查日期"])
    assert [(e.column, e.message) for e in result.errors] == [("统一社会信用代码", "缺少必需的列“统一社会信用代码”或“所属单位”")]


def test_i1_header_spelling_tolerated():
    result = map_headers("hazards", ["\ufeff隐患名称*", " 等级 ", "来源", "发现日期", "状态", "所属单位", "整改资金(元)"])
    assert result.errors == ()
    assert result.header_map is not None and "整改资金（元）" in result.header_map.present


def test_i1_no_header_row():
    assert parse_rows("drills", [], today=TODAY) == ([], [(1, Issue("", "文件中没有表头行"))])


# --- rows ---------------------------------------------------------------------------------------------


def sheet(kind, header, *rows):
    return parse_rows(kind, [header, *rows], today=TODAY)


ENTERPRISE_HEADER = list(headers("enterprises"))
ENTERPRISE_CELLS = [
    "东湖精细化工有限公司", CODE, "东湖村", "危险化学品", "是", "正常", "2021/5/10", "有限空间、粉尘涉爆", "王强",
    "138 0013 8000", "王建国", 13900139000, "东湖村工业路8号", "三级", "否", "117.2272", 31.8206,
]


def test_i1_an_enterprise_row():
    [(number, row)], errors = sheet("enterprises", ENTERPRISE_HEADER, ENTERPRISE_CELLS)
    assert errors == [] and number == 2
    assert row == EnterpriseRow(
        name="东湖精细化工有限公司", credit_code=CODE, village_name="东湖村", sector="hazardous_chemicals",
        registered_on=date(2021, 5, 10), principal_name="王强", principal_phone="13800138000",
        actual_controller_name="王建国", actual_controller_phone="13900139000", high_risk=True, status="active",
        tags=("confined_space", "dust_explosion"), address="东湖村工业路8号", standardization_level="3", benchmark=False,
        lng=Decimal("117.2272000"), lat=Decimal("31.8206000"),
    )


def test_i1_an_enterprise_row_with_the_required_cells_only_takes_the_defaults():
    header = ["单位名称", "统一社会信用代码", "所属村居", "行业领域", "登记日期", "主要负责人", "主要负责人电话", "实际控制人", "实际控制人电话"]
    [(_, row)], errors = sheet("enterprises", header, ["甲", CODE, "东湖村", "gas", "2024-01-01", "王", "13800138000", "李", "13900139000"])
    assert errors == []
    assert (row.high_risk, row.status, row.tags, row.standardization_level, row.benchmark, row.lng) == (
        None, "active", (), "none", False, None,
    )


def test_i1_enterprise_row_errors_name_their_columns():
    cells = list(ENTERPRISE_CELLS)
    cells[1] = CODE[:17] + "B"
    cells[3] = "面包店"
    cells[6] = "2026-01-01"  # after today
    cells[9] = "12345"
    cells[16] = None  # latitude without longitude? no: longitude given, latitude missing
    _, errors = sheet("enterprises", ENTERPRISE_HEADER, cells)
    assert [(n, e.column) for n, e in errors] == [(2, "统一社会信用代码"), (2, "行业领域"), (2, "登记日期"), (2, "主要负责人电话"), (2, "纬度")]
    assert dict((e.column, e.message) for _, e in errors)["登记日期"] == "不能晚于今天（2025年5月1日）"
    assert dict((e.column, e.message) for _, e in errors)["纬度"] == "经度和纬度须同时填写"
    assert all(CJK.search(e.message) for _, e in errors)


def test_i1_required_cells():
    cells = list(ENTERPRISE_CELLS)
    cells[0] = "  "
    cells[8] = None
    _, errors = sheet("enterprises", ENTERPRISE_HEADER, cells)
    assert [(e.column, e.message) for _, e in errors] == [("单位名称", "必填，不能为空"), ("主要负责人", "必填，不能为空")]


HAZARD_HEADER = list(HAZARD_EXPORT_HEADERS)


def hazard_cells(**overrides):
    values = {
        "隐患编号": "0190f3a2-7c1e-7b55-9d0a-3c2f1e4d5a6b", "隐患名称": "储罐区可燃气体报警器失效", "所属单位": "东湖精细化工有限公司",
        "统一社会信用代码": CODE, "所属村居": "东湖村", "行业领域": "危险化学品", "等级": "重大", "来源": "督导检查",
        "发现日期": "2025-03-02", "整改期限": "2025-04-30", "状态": "整改中", "是否逾期": "是", "延期次数": 0,
        "挂牌督办": "否", "整改责任人": "李明", "销号日期": None,
    }
    values.update(overrides)
    return [values[h] for h in HAZARD_HEADER]


def hazard_errors(**overrides):
    _, errors = sheet("hazards", HAZARD_HEADER, hazard_cells(**overrides))
    return [(e.column, e.message) for _, e in errors]


def test_i1_a_hazard_row():
    [(_, row)], errors = sheet("hazards", HAZARD_HEADER, hazard_cells())
    assert errors == []
    assert row == HazardRow(
        title="储罐区可燃气体报警器失效", grade="major", source="supervision", discovered_on=date(2025, 3, 2), status="rectifying",
        enterprise_name="东湖精细化工有限公司", credit_code=CODE, source_ref="0190f3a2-7c1e-7b55-9d0a-3c2f1e4d5a6b",
        village_name="东湖村", sector="hazardous_chemicals", deadline=date(2025, 4, 30), extensions=0, listed=False,
        responsible_person="李明",
    )


def test_i1_the_overdue_column_is_derived_and_not_read():
    assert hazard_errors(是否逾期="不知道") == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"整改期限": "2025-03-01"}, [("整改期限", "整改期限不能早于发现日期（2025年3月2日）")]),
        ({"状态": "已销号"}, [("销号日期", "状态为“已销号”时须填写销号日期")]),
        ({"销号日期": "2025-04-01"}, [("销号日期", "只有状态为“已销号”的隐患才能填写销号日期")]),
        ({"状态": "已销号", "销号日期": "2025-03-01"}, [("销号日期", "销号日期不能早于发现日期（2025年3月2日）")]),
        ({"状态": "待审核", "整改责任人": None}, [("整改责任人", "已制定整改方案的隐患须填写整改责任人")]),
        ({"整改期限": None}, [("整改期限", "已制定整改方案的隐患须填写整改期限")]),
        ({"状态": "已上报", "整改期限": None, "延期次数": 2}, [("整改期限", "有延期记录的隐患须填写整改期限")]),
        ({"统一社会信用代码": None, "所属单位": None}, [("统一社会信用代码", "须填写“统一社会信用代码”或“所属单位”")]),
        ({"发现日期": "2025-05-02"}, [("发现日期", "不能晚于今天（2025年5月1日）")]),
        ({"状态": "已销号", "销号日期": "2025-05-02"}, [("销号日期", "不能晚于今天（2025年5月1日）")]),
        ({"延期次数": -1}, [("延期次数", "须在0至100之间")]),
    ],
)
def test_i1_hazard_checks_across_cells(overrides, expected):
    assert hazard_errors(**overrides) == expected


@pytest.mark.parametrize(
    "overrides",
    [
        {"状态": "已上报", "整改期限": None, "整改责任人": None},
        {"状态": "已作废", "整改期限": None, "整改责任人": None},
        {"状态": "已销号", "销号日期": "2025-05-01"},
        {"发现日期": "2025-05-01", "整改期限": "2025-05-01"},
        {"统一社会信用代码": None},
        {"所属单位": None},
    ],
)
def test_i1_hazard_rows_that_are_fine(overrides):
    assert hazard_errors(**overrides) == []


def test_i1_a_failed_cell_does_not_also_fail_the_checks_that_need_it():
    assert hazard_errors(发现日期="2025-02-30") == [("发现日期", "日期不存在：2025年2月30日")]
    assert hazard_errors(统一社会信用代码="X", 所属单位=None) == [("统一社会信用代码", "统一社会信用代码应为18位（当前1位）")]


def test_i1_rows_shorter_than_the_header_and_blank_rows():
    header = ["所属单位", "演练类型", "演练日期", "参演人数", "演练场景", "备注"]
    valid, errors = sheet("drills", header, ["甲公司", "疏散演练", "2025-04-01", "20"], [], [None, " ", "\u3000"], [""] * 6)
    assert errors == []
    assert [(n, r) for n, r in valid] == [(2, DrillRow(kind="evacuation", held_on=date(2025, 4, 1), participants=20, enterprise_name="甲公司"))]


def test_i1_content_without_a_header():
    header = ["所属单位", "", "演练类型", "演练日期", "参演人数"]
    _, errors = sheet("drills", header, ["甲公司", "备注？", "疏散演练", "2025-04-01", 20, "多出来的"])
    assert [(e.column, e.message) for _, e in errors] == [
        ("第2列（无列名）", "该列没有列名，其中的内容无法导入"),
        ("第6列（无列名）", "该列没有列名，其中的内容无法导入"),
    ]
    valid, errors = sheet("drills", header, ["甲公司", None, "疏散演练", "2025-04-01", 20, ""])
    assert errors == [] and len(valid) == 1


def test_i1_inspection_and_training_rows():
    [(_, row)], errors = sheet(
        "inspections", list(headers("inspections")), [None, CODE, "主要负责人带队自查", "2025/4/8", "是", "王强", "检查储罐区"]
    )
    assert errors == []
    assert row == InspectionRow(kind="principal_self", performed_on=date(2025, 4, 8), credit_code=CODE, led_by_principal=True,
                                inspector="王强", notes="检查储罐区")
    [(_, row)], errors = sheet(
        "trainings", list(headers("trainings")), ["甲公司", None, "消防安全责任人", "李娜", "消防安全责任人培训", 45736, "8", "是"]
    )
    assert errors == []
    assert row == TrainingRow(trainee_role="fire_safety_responsible", topic="消防安全责任人培训", held_on=date(2025, 3, 20),
                              hours=Decimal("8.0"), passed=True, enterprise_name="甲公司", trainee_name="李娜")


def test_i1_training_and_drill_errors():
    _, errors = sheet("trainings", list(headers("trainings")), ["甲公司", None, "校长", None, "培训", "2025-06-01", "0", "也许"])
    assert [e.column for _, e in errors] == ["培训对象", "培训日期", "学时", "是否合格"]
    _, errors = sheet("drills", list(headers("drills")), ["甲公司", None, "逃跑", "昨天", "很多", None, None])
    assert [e.column for _, e in errors] == ["演练类型", "演练日期", "参演人数"]


# --- duplicates within the file (I2) --------------------------------------------------------------------


def test_i2_duplicate_credit_codes_within_a_file():
    other = list(ENTERPRISE_CELLS)
    other[0] = "另一家公司"
    again = list(ENTERPRISE_CELLS)
    again[1] = CODE.lower()
    valid, errors = sheet("enterprises", ENTERPRISE_HEADER, ENTERPRISE_CELLS, [None] * 3, other, again)
    assert [n for n, _ in valid] == [2]
    assert errors == [
        (4, Issue("统一社会信用代码", "与第2行重复（统一社会信用代码相同）")),
        (5, Issue("统一社会信用代码", "与第2行重复（统一社会信用代码相同）")),
    ]


def test_i2_duplicate_hazards_within_a_file():
    rows = [
        hazard_cells(),
        hazard_cells(隐患名称=" 储罐区可燃气体报警器失效 "),  # the same after white space
        hazard_cells(发现日期="2025-03-03"),  # another day: another hazard
        hazard_cells(统一社会信用代码=CODE2),  # another enterprise
        hazard_cells(统一社会信用代码=None),  # by name: another key than the credit code
        hazard_cells(统一社会信用代码=None, 隐患编号="other"),
    ]
    valid, errors = sheet("hazards", HAZARD_HEADER, *rows)
    assert [n for n, _ in valid] == [2, 4, 5, 6]
    assert errors == [
        (3, Issue("隐患名称", "与第2行重复（同一单位、隐患名称和发现日期相同）")),
        (7, Issue("隐患名称", "与第6行重复（同一单位、隐患名称和发现日期相同）")),
    ]


def test_i2_activities_have_no_duplicate_key():
    finder = DuplicateFinder(ImportKind.drills)
    row = DrillRow(kind="evacuation", held_on=date(2025, 4, 1), participants=3, credit_code=CODE)
    assert finder.check(2, row) is None and finder.check(3, row) is None


# --- the round trip of the hazard export (I1) ------------------------------------------------------------


def exported(**kw):
    """A ledger line as app.api.exports writes it, from a row like the export query's."""
    from app.api.exports import cells

    values = {
        "id": UUID("0190f3a2-7c1e-7b55-9d0a-3c2f1e4d5a6b"), "title": "储罐区可燃气体报警器失效", "enterprise_name": "东湖精细化工有限公司",
        "credit_code": CODE, "village_name": "东湖村", "sector_name": "危险化学品", "grade": "major", "source": "supervision",
        "discovered_on": date(2024, 11, 2), "deadline": date(2025, 1, 31), "status": "closed", "extensions": 2,
        "listed": True, "responsible_person": "李明", "closed_on": date(2025, 1, 20),
    }
    values.update(kw)
    return values, cells(SimpleNamespace(**values), TODAY)


def as_csv(cell):
    """What the CSV export writes for a value: ISO dates, digits, '' for null, the formula guard."""
    if cell is None:
        return ""
    if isinstance(cell, date):
        return cell.isoformat()
    text = str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@pytest.mark.parametrize("as_file", ["xlsx", "csv"])
@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"status": "rectifying", "closed_on": None, "listed": False, "extensions": 0},
        {"status": "reported", "deadline": None, "responsible_person": None, "closed_on": None, "extensions": 0},
        {"status": "void", "closed_on": None},
        {"title": "=HYPERLINK(\"http://x\")", "enterprise_name": "-东湖-", "grade": "general", "source": "public_report"},
    ],
)
def test_i1_an_export_reimports_unchanged(as_file, changes):
    values, line = exported(**changes)
    if as_file == "csv":
        line = [as_csv(c) for c in line]
    [(_, row)], errors = sheet("hazards", HAZARD_HEADER, line)
    assert errors == []
    assert (row.source_ref, row.title, row.enterprise_name, row.credit_code, row.village_name) == (
        str(values["id"]), values["title"], values["enterprise_name"], values["credit_code"], values["village_name"],
    )
    assert (row.sector, row.grade, row.source, row.status) == (
        "hazardous_chemicals", values["grade"], values["source"], values["status"],
    )
    assert (row.discovered_on, row.deadline, row.extensions, row.listed, row.responsible_person, row.closed_on) == (
        values["discovered_on"], values["deadline"], values["extensions"], values["listed"], values["responsible_person"],
        values["closed_on"],
    )


def test_i1_parse_row_directly():
    result = map_headers("hazards", HAZARD_HEADER)
    assert result.header_map is not None
    parsed = parse_row(result.header_map, hazard_cells(), today=TODAY)
    assert isinstance(parsed.row, HazardRow) and parsed.errors == () and not parsed.blank
    parsed = parse_row(result.header_map, [None] * 3, today=TODAY)
    assert parsed.blank and parsed.row is None


# --- what a commit writes (I3) and what the preview shows ----------------------------------------

from app.domain.imports import ERROR_COLUMN, Step, hazard_steps, shown, staged, title_key  # noqa: E402

D, C = date(2023, 5, 1), date(2024, 6, 30)


@pytest.mark.parametrize(
    ("status", "closed_on", "expected"),
    [
        ("reported", None, [("create", None, "reported", D)]),
        ("rectifying", None, [("create", None, "reported", D), ("plan", "reported", "rectifying", D)]),
        ("pending_review", None, [("create", None, "reported", D), ("plan", "reported", "rectifying", D),
                                  ("submit", "rectifying", "pending_review", D)]),
        ("closed", C, [("create", None, "reported", D), ("plan", "reported", "rectifying", D),
                       ("submit", "rectifying", "pending_review", C), ("approve", "pending_review", "closed", C)]),
        ("void", None, [("create", None, "reported", D), ("void", "reported", "void", D)]),
    ],
)
def test_i3_an_imported_hazards_history_starts_with_the_files_business_dates(status, closed_on, expected):
    assert hazard_steps(status, D, closed_on) == tuple(Step(*e) for e in expected)


def test_i2_the_error_column_of_the_failing_rows_is_not_read():
    result = map_headers("drills", ["所属单位", "演练类型", "演练日期", "参演人数", ERROR_COLUMN])
    assert result.errors == () and result.header_map is not None
    parsed = parse_row(result.header_map, ["甲", "疏散演练", "2025-04-01", 3, "原第3行：演练类型：…"], today=TODAY)
    assert parsed.errors == () and parsed.row is not None


def test_i2_cells_as_the_preview_shows_them():
    assert shown("仓库\x00起火") == "仓库<U+0000>起火"
    assert shown("a\u202eb") == "a<U+202E>b"
    assert shown(date(2024, 3, 1)) == "2024-03-01" and shown(datetime(2024, 3, 1)) == "2024-03-01"
    assert shown(20.0) == "20" and shown(True) == "是" and shown("  ") is None
    assert shown("长" * 500) == "长" * 200 + "…"


def test_i3_staged_values_and_title_keys():
    row = DrillRow(kind="evacuation", held_on=date(2025, 4, 1), participants=3, credit_code=CODE)
    assert staged(row)["held_on"] == "2025-04-01" and staged(row)["participants"] == 3
    assert staged(TrainingRow(trainee_role="principal", topic="t", held_on=date(2025, 1, 1), hours=Decimal("8.0"),
                              passed=True))["hours"] == "8.0"
    assert title_key(" 储罐区　报警器  失效 ") == "储罐区 报警器 失效"
