"""Ledger imports through HTTP (I1–I3): upload → preview with the exact errors → fix →
commit → the rows exist with their history; bad files; access.

The validation and the commit are jobs (imports.validate, imports.commit) run by a real
worker of the job engine on a committed database of the module's own: the client commits the
test's world before each request, and the helpers follow the import until its job is done."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from collections.abc import AsyncIterator
from datetime import date, datetime, timezone

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.db.models import AuditLog, Enterprise, Event, Hazard, HazardHistory, LedgerImport
from app.db import migrate
from app.db.reference import ensure_reference_data
from app.db.session import Database
from app.domain.imports import HAZARD_EXPORT_HEADERS, headers
from tests.conftest import Clock
from tests.factories import assert_problem
from tests.jobs.conftest import worker

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows, *, sheet_title="Sheet") -> bytes:  # type: ignore[no-untyped-def]
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


async def upload(client, auth, kind, content, filename="ledger.xlsx"):  # type: ignore[no-untyped-def]
    return await client.post(
        "/api/v1/imports", headers=auth, data={"kind": kind}, files={"file": (filename, content, "application/octet-stream")}
    )


NOW = datetime(2025, 6, 16, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
async def imports_db(scratch_database) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    """A committed database of the module's own, with a real worker of the job engine on it."""
    url = scratch_database()
    await asyncio.to_thread(migrate.upgrade, url)
    database = Database.from_url(url, pool_size=8, max_overflow=4)
    async with database.transaction() as s:
        await ensure_reference_data(s)
    try:
        async with worker(database, url, clock=Clock(NOW)):
            yield database
    finally:
        await database.dispose()


@pytest.fixture
def db(imports_db: Database) -> Database:
    return imports_db


@pytest.fixture
async def client(app, session) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """Commits the test's world before each request, so the worker sees it."""

    async def commit_world(_: httpx.Request) -> None:
        await session.commit()

    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", event_hooks={"request": [commit_world]}
    ) as c:
        yield c


async def followed(client, auth, location, *, while_status, timeout=120.0):  # type: ignore[no-untyped-def]
    """The import once its job is done: polled while its status is `while_status`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        got = await client.get(location, headers=auth)
        assert got.status_code == 200, got.text
        if got.json()["status"] != while_status:
            return got.json()
        assert loop.time() < deadline, f"the import is still {while_status}"
        await asyncio.sleep(0.05)


async def uploaded(client, auth, kind, content, filename="ledger.xlsx"):  # type: ignore[no-untyped-def]
    response = await upload(client, auth, kind, content, filename)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "validating"
    assert response.headers["Location"] == f"/api/v1/imports/{response.json()['id']}"
    return await followed(client, auth, response.headers["Location"], while_status="validating")


async def errors_of(client, auth, import_id):  # type: ignore[no-untyped-def]
    response = await client.get(f"/api/v1/imports/{import_id}/errors", headers=auth)
    assert response.status_code == 200, response.text
    return [(e["row"], e["column"], e["message"]) for e in response.json()["items"]]


async def committed(client, auth, import_id, **body):  # type: ignore[no-untyped-def]
    response = await client.post(f"/api/v1/imports/{import_id}/commit", headers=auth, json=body)
    assert response.status_code == 202, response.text
    return await followed(client, auth, f"/api/v1/imports/{import_id}", while_status="committing")


def hazard_line(enterprise, **overrides):  # type: ignore[no-untyped-def]
    values = {
        "隐患编号": None, "隐患名称": "储罐区可燃气体报警器失效", "所属单位": enterprise.name,
        "统一社会信用代码": enterprise.credit_code, "所属村居": None, "行业领域": None, "等级": "重大", "来源": "督导检查",
        "发现日期": "2024-03-02", "整改期限": "2024-04-30", "状态": "整改中", "是否逾期": None, "延期次数": 0,
        "挂牌督办": "否", "整改责任人": "李明", "销号日期": None,
    }
    values.update(overrides)
    return [values[h] for h in HAZARD_EXPORT_HEADERS]


async def test_i2_preview_counts_and_exact_errors_then_commit_writes_only_with_skip_invalid(client, world, session):
    village = await world.village()
    enterprise = await world.enterprise(village, sector="hazardous_chemicals")
    auth = await world.as_("street_admin")
    content = xlsx([
        list(HAZARD_EXPORT_HEADERS),
        hazard_line(enterprise),
        hazard_line(enterprise, 发现日期="2024-02-30"),
        hazard_line(enterprise, 隐患名称="配电箱未接地", 等级="一般", 状态="已销号", 销号日期="2024-06-30"),
        [None] * 16,
        hazard_line(enterprise),  # the same as row 2
        hazard_line(enterprise, 统一社会信用代码="91340100MA2N0K1X2Q", 所属单位=None),
    ])
    imp = await uploaded(client, auth, "hazards", content)
    assert imp["status"] == "ready"
    assert imp["progress"] == {"rows_done": 5, "rows_total": 5}
    assert imp["counts"] == {"valid": 2, "invalid": 2, "duplicates": 1}
    assert await errors_of(client, auth, imp["id"]) == [
        (3, "发现日期", "日期不存在：2024年2月30日"),
        (6, "隐患名称", "与第2行重复（同一单位、隐患名称和发现日期相同）"),
        (7, "统一社会信用代码", "未找到统一社会信用代码为91340100MA2N0K1X2Q的单位（或不在您的管辖范围内）"),
    ]
    before = await session.scalar(select(func.count()).select_from(Hazard))
    refused = await client.post(f"/api/v1/imports/{imp['id']}/commit", headers=auth, json={})
    assert_problem(refused, 409, "import_has_errors")
    assert await session.scalar(select(func.count()).select_from(Hazard)) == before

    done = await committed(client, auth, imp["id"], skip_invalid=True)
    assert done["status"] == "committed" and done["created_count"] == 2
    rows = (await session.execute(select(Hazard).where(Hazard.enterprise_id == enterprise.id).order_by(Hazard.title))).scalars().all()
    assert [(h.title, h.grade, h.status, h.closed_on) for h in rows] == [
        ("储罐区可燃气体报警器失效", "major", "rectifying", None),
        ("配电箱未接地", "general", "closed", date(2024, 6, 30)),
    ]
    closed = rows[1]
    history = (await session.execute(
        select(HazardHistory.action, HazardHistory.to_status, HazardHistory.effective_on)
        .where(HazardHistory.hazard_id == closed.id).order_by(HazardHistory.id)
    )).all()
    assert [tuple(h) for h in history] == [
        ("create", "reported", date(2024, 3, 2)), ("plan", "rectifying", date(2024, 3, 2)),
        ("submit", "pending_review", date(2024, 6, 30)), ("approve", "closed", date(2024, 6, 30)),
    ]
    events = (await session.execute(select(Event.type, Event.resource_id).where(Event.type.in_(("hazard.created", "import.committed"))))).all()
    assert sorted(e.type for e in events if e.resource_id in {h.id for h in rows}) == ["hazard.created", "hazard.created"]
    assert any(e.type == "import.committed" and str(e.resource_id) == imp["id"] for e in events)
    actions = set((await session.execute(select(AuditLog.action).where(AuditLog.resource_id == imp["id"]))).scalars())
    assert {"import.create", "import.commit", "import.commit.hazards"} <= actions

    again = await client.post(f"/api/v1/imports/{imp['id']}/commit", headers=auth, json={"skip_invalid": True})
    assert again.status_code == 202 and again.json()["status"] == "committed"
    assert await session.scalar(select(func.count()).select_from(Hazard).where(Hazard.enterprise_id == enterprise.id)) == 2
    second = await upload(client, auth, "hazards", content)
    body = assert_problem(second, 409, "already_imported")
    assert body["import_id"] == imp["id"]


async def test_i3_a_hazard_imported_as_closed_counts_as_closed_then_in_t1(client, world):
    village = await world.village()
    enterprise = await world.enterprise(village, sector="hazardous_chemicals")
    auth = await world.as_("street_admin")
    stock = dict(等级="重大", 发现日期="2023-05-01", 整改期限="2024-06-30")
    content = xlsx([
        list(HAZARD_EXPORT_HEADERS),
        hazard_line(enterprise, 隐患名称="存量一", 状态="已销号", 销号日期="2024-06-30", **stock),
        hazard_line(enterprise, 隐患名称="存量二", 状态="已销号", 销号日期="2025-02-01", **stock),
    ])

    async def t1(as_of):  # type: ignore[no-untyped-def]
        r = await client.get(f"/api/v1/targets?as_of={as_of}&village_id={village.id}", headers=auth)
        assert r.status_code == 200, r.text
        return next(t for t in r.json()["items"] if t["code"] == "stock_cleared")

    imp = await uploaded(client, auth, "hazards", content)
    assert (await committed(client, auth, imp["id"]))["status"] == "committed"
    target = await t1("2024-12-31")
    assert target["status"] == "at_risk", target  # the second was closed only in 2025
    assert (await t1("2025-01-01"))["status"] == "missed"
    assert (target["figures"]["stock_total"], target["figures"]["open_stock"]) == (2, 1), target["figures"]
    assert (await t1("2024-06-29"))["figures"]["open_stock"] == 2
    assert (await t1("2024-06-30"))["figures"]["open_stock"] == 1


async def test_i1_enterprises_villages_by_name_scope_and_registered_duplicates(client, world, session):
    east, west = await world.village("东湖村甲"), await world.village("西岭村甲")
    existing = await world.enterprise(east)
    officer = await world.as_("village_officer", org_unit=east)
    header = list(headers("enterprises"))[:12]

    def line(name, code, village, **kw):  # type: ignore[no-untyped-def]
        cells = [name, code, village, "工贸", None, "正常", "2021/5/10", None, "王强", "13800138000", "王建国", "13900139000"]
        return cells

    from tests.factories import credit_code
    codes = [credit_code() for _ in range(3)]
    content = csv_bytes([
        header,
        line("新单位甲", codes[0], "东湖村甲"),
        line("新单位乙", codes[1], "西岭村甲"),  # another village: outside the officer's scope
        line("新单位丙", codes[2], "不存在村"),
        line("老单位", existing.credit_code, "东湖村甲"),
    ], encoding="gbk")
    imp = await uploaded(client, officer, "enterprises", content, "单位.csv")
    assert imp["encoding"] == "gbk" and imp["file_format"] == "csv"
    errors = await errors_of(client, officer, imp["id"])
    assert errors[0] == (3, "所属村居", "只能导入本村居的单位")
    assert errors[1][:2] == (4, "所属村居") and errors[1][2].startswith("未找到名为“不存在村”的村居，可选：")
    assert errors[2] == (5, "统一社会信用代码", "该统一社会信用代码已登记")
    assert imp["counts"] == {"valid": 1, "invalid": 2, "duplicates": 1}
    assert (await committed(client, officer, imp["id"], skip_invalid=True))["status"] == "committed"
    made = (await session.execute(select(Enterprise).where(Enterprise.credit_code.in_(codes)))).scalars().all()
    assert [(e.name, e.village_id, e.high_risk) for e in made] == [("新单位甲", east.id, False)]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
async def test_i1_csv_encodings_are_detected(client, world, encoding):
    village = await world.village()
    enterprise = await world.enterprise(village)
    auth = await world.as_("street_admin")
    rows = [["统一社会信用代码", "演练类型", "演练日期", "参演人数", "演练场景"],
            [enterprise.credit_code, "疏散演练", "2025年3月1日", "20", "仓库起火𠀀" if encoding == "gb18030" else "仓库起火"]]
    imp = await uploaded(client, auth, "drills", csv_bytes(rows, encoding), "演练.csv")
    assert imp["encoding"] == ("utf-8" if encoding == "utf-8-sig" else encoding)
    assert imp["counts"] == {"valid": 1, "invalid": 0, "duplicates": 0}


def _zip_with(extra: dict[str, bytes], content_types: bytes | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx([["a"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml" and content_types is not None:
                data = content_types
            target.writestr(item.filename, data)
        for name, data in extra.items():
            target.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 100, "photo.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls"),
        (_zip_with({"xl/vbaProject.bin": b"macro"}), "ledger.xlsx"),
        (_zip_with({}, b'<Types><Override ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/></Types>'),
         "ledger.xlsx"),
        (xlsx([["a"]]), "ledger.xlsm"),
        (_zip_with({}, b"<Types><Default ContentType='application/xml'/></Types>"), "document.docx"),
        ("隐患名称\n".encode("utf-16"), "utf16.csv"),
    ],
    ids=["binary", "xls", "vba-project", "macro-content-type", "xlsm-name", "other-zip", "utf-16"],
)
async def test_i1_wrong_file_types_and_macros_are_415(client, world, content, filename):
    auth = await world.as_("street_admin")
    assert_problem(await upload(client, auth, "hazards", content, filename), 415, "unsupported_media_type")


async def test_i1_a_file_over_the_limit_is_413(client, world, app):
    app.state.settings.import_max_bytes = 4096
    auth = await world.as_("street_admin")
    assert_problem(await upload(client, auth, "hazards", b"a," * 3000, "big.csv"), 413)


def _bomb(sheet_xml: bytes, declared: int | None = None) -> bytes:
    """An .xlsx whose sheet is `sheet_xml` (deflated), its size in the directory `declared`."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([["a"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename))
    data = bytearray(out.getvalue())
    if declared is not None:  # lie about the uncompressed size in both headers
        archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        real = info.file_size.to_bytes(4, "little")
        data = bytearray(bytes(data).replace(real + len(b"xl/worksheets/sheet1.xml").to_bytes(2, "little"),
                                             declared.to_bytes(4, "little") + len(b"xl/worksheets/sheet1.xml").to_bytes(2, "little")))
    return bytes(data)


SHEET_HEAD = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"


@pytest.mark.parametrize(
    "content",
    [
        _bomb(SHEET_HEAD + b'<row r="1">' + b'<c r="A1" t="inlineStr"><is><t>a</t></is></c>' * 2 + b"</row>"
              + b" " * (300 * 1024 * 1024) + SHEET_TAIL),
        _bomb(SHEET_HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
              + SHEET_TAIL),
        _bomb(SHEET_HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row>' + b" " * (5 * 1024 * 1024) + SHEET_TAIL, declared=2000),
    ],
    ids=["expands-to-300-MiB", "one-cell-at-XFD1048576", "lies-about-its-size"],
)
async def test_i1_zip_bombs_are_refused_before_the_sheet_is_read(client, world, content):
    auth = await world.as_("street_admin")
    assert len(content) < 2 * 1024 * 1024
    assert_problem(await upload(client, auth, "hazards", content), 413, "payload_too_large")


async def test_i1_unknown_header_fails_the_import_naming_it_and_the_expected(client, world):
    auth = await world.as_("street_admin")
    imp = await uploaded(client, auth, "drills", xlsx([["所属单位", "演练类型", "演练日期", "参演人数", "天气"], ["甲", "疏散演练", "2025-01-01", 3, "晴"]]))
    assert imp["status"] == "failed"
    assert await errors_of(client, auth, imp["id"]) == [
        (1, "天气", "未知的列“天气”，可用的列：所属单位、统一社会信用代码、演练类型、演练日期、参演人数、演练场景、备注"),
    ]
    assert_problem(await client.post(f"/api/v1/imports/{imp['id']}/commit", headers=auth, json={"skip_invalid": True}),
                   409, "import_not_ready")


async def test_i1_bad_cells_are_row_errors_and_empty_trailing_rows_are_not_counted(client, world):
    village = await world.village()
    enterprise = await world.enterprise(village)
    auth = await world.as_("street_admin")
    header = ["统一社会信用代码", "演练类型", "演练日期", "参演人数", "演练场景"]
    lines = [
        header,
        [enterprise.credit_code, "疏散演练", "2025-03-01", "20", "仓库\x00起火"],
        [enterprise.credit_code, "疏散演练", "2025-03-01", "20", "长" * 40000],
        [enterprise.credit_code, "疏散演练", "2023-02-29", "20", None],
        [enterprise.credit_code, "疏散演练", "2025-03-01", "20", None],
    ] + [[None] * 5] * 200_000
    content = csv_bytes(lines)
    imp = await uploaded(client, auth, "drills", content, "drills.csv")
    assert imp["progress"] == {"rows_done": 4, "rows_total": 4}
    assert imp["counts"] == {"valid": 1, "invalid": 3, "duplicates": 0}
    errors = await client.get(f"/api/v1/imports/{imp['id']}/errors", headers=auth)
    items = errors.json()["items"]
    assert [(e["row"], e["column"], e["message"]) for e in items] == [
        (2, "演练场景", "含有空字符（NUL），请删除后重新导入"),
        (3, "演练场景", "超过300个字符的长度限制（共40000个字符）"),
        (4, "演练日期", "日期不存在：2023年2月29日"),
    ]
    assert items[0]["value"] == "仓库<U+0000>起火"
    assert len(items[1]["value"]) == 201


async def test_i1_xlsx_formula_cells_are_their_cached_values_never_evaluated(client, world):
    village = await world.village()
    enterprise = await world.enterprise(village)
    auth = await world.as_("street_admin")
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "演练类型", "演练日期", "参演人数", "演练场景"])
    ws.append([enterprise.credit_code, "疏散演练", date(2025, 3, 1), "=10+10", "=HYPERLINK(\"http://x\")"])
    out = io.BytesIO()
    wb.save(out)  # openpyxl stores formulas without a cached value
    imp = await uploaded(client, auth, "drills", out.getvalue())
    assert await errors_of(client, auth, imp["id"]) == [(2, "参演人数", "必填，不能为空")]


async def test_i2_the_failing_rows_come_back_as_a_workbook_that_reimports_once_fixed(client, world, session):
    village = await world.village()
    enterprise = await world.enterprise(village)
    auth = await world.as_("street_admin")
    header = ["统一社会信用代码", "演练类型", "演练日期", "参演人数"]
    imp = await uploaded(client, auth, "drills", xlsx([
        header, [enterprise.credit_code, "疏散演练", "2025-03-01", 20], [enterprise.credit_code, "逃跑演练", "2025-03-02", 5],
    ]))
    for kwargs in ({"params": {"format": "xlsx"}}, {"headers": {**auth, "Accept": XLSX}}):
        r = await client.get(f"/api/v1/imports/{imp['id']}/errors", **({"headers": auth} | kwargs))
        assert r.status_code == 200 and r.headers["content-type"] == XLSX, r.text
        rows = [list(x) for x in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)]
        assert rows == [header + ["错误说明"], [enterprise.credit_code, "逃跑演练", "2025-03-02", 5,
                                              "原第3行：演练类型：无法识别的取值“逃跑演练”，可选：疏散演练、消防演练、危化品泄漏演练、有限空间救援演练、特种设备演练、其他"]]
    assert (await committed(client, auth, imp["id"], skip_invalid=True))["created_count"] == 1
    fixed = load_workbook(io.BytesIO(r.content))
    fixed.active["B2"] = "消防演练"
    out = io.BytesIO()
    fixed.save(out)
    again = await uploaded(client, auth, "drills", out.getvalue())
    assert again["counts"] == {"valid": 1, "invalid": 0, "duplicates": 0}
    assert (await committed(client, auth, again["id"]))["created_count"] == 1


async def test_i1_template_has_headers_dropdowns_and_instructions(client, world):
    village = await world.village("模板村")
    auth = await world.as_("village_officer", org_unit=village)
    r = await client.get("/api/v1/imports/templates/hazards", headers=auth)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["隐患台账", "选项", "填写说明"] and wb["选项"].sheet_state == "hidden"
    ws = wb["隐患台账"]
    assert [c.value for c in ws[1]] == list(headers("hazards"))
    assert [c.value for c in ws[1]][:16] == list(HAZARD_EXPORT_HEADERS)
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    choices = wb["选项"]

    def options(column_letter):  # type: ignore[no-untyped-def]
        ref = lists[f"{column_letter}2"].split("!")[1].replace("$", "")
        start, end = ref.split(":")
        return [c.value for row in choices[start:end] for c in row]

    assert options("G") == ["重大", "一般"]  # 等级
    assert options("K") == ["已上报", "整改中", "待审核", "已销号", "已作废"]  # 状态
    assert options("E") == ["模板村"]  # the officer's own village
    notes = [c.value for c in wb["填写说明"]["A"] if c.value]
    assert notes[0] == "使用说明" and any("示例" in n for n in notes)
    assert ws.max_row == 1  # no example among the rows to import
    # the example row of the instructions sheet is valid
    example_at = next(i for i, c in enumerate(wb["填写说明"]["A"], start=1) if c.value == "隐患编号")
    example = [c.value for c in wb["填写说明"][example_at + 1]]
    assert example[1] == "储罐区可燃气体报警器失效"


@pytest.mark.parametrize("role", ["enterprise_user", "supervisor", "district_viewer"])
async def test_i1_only_the_street_admin_and_officers_import(client, world, role):
    village = await world.village()
    enterprise = await world.enterprise(village)
    kwargs = {"enterprise": enterprise} if role == "enterprise_user" else {}
    auth = await world.as_(role, **kwargs)
    assert_problem(await upload(client, auth, "drills", csv_bytes([["所属单位"]]), "a.csv"), 403, "forbidden")
    assert_problem(await client.get("/api/v1/imports/templates/drills", headers=auth), 403, "forbidden")


async def test_a2_another_offices_import_answers_404_on_every_endpoint(client, world):
    east, west = await world.village(), await world.village()
    mine = await world.as_("village_officer", org_unit=east)
    colleague = await world.as_("village_officer", org_unit=east)
    other = await world.as_("village_officer", org_unit=west)
    department = await world.as_("department_officer", org_unit=await world.department())
    enterprise_user = await world.as_("enterprise_user", enterprise=await world.enterprise(east))
    admin = await world.as_("street_admin")
    imp = await uploaded(client, mine, "drills", csv_bytes([["所属单位", "演练类型", "演练日期", "参演人数"], ["甲", "疏散演练", "2025-01-01", "3"]]), "a.csv")
    paths = [f"/api/v1/imports/{imp['id']}", f"/api/v1/imports/{imp['id']}/errors", f"/api/v1/imports/{imp['id']}/errors?format=xlsx"]
    for auth in (other, department, enterprise_user):
        for path in paths:
            assert_problem(await client.get(path, headers=auth), 404, "not_found")
        assert_problem(await client.post(f"/api/v1/imports/{imp['id']}/commit", headers=auth, json={"skip_invalid": True}), 404)
    for auth in (colleague, admin):
        assert (await client.get(paths[0], headers=auth)).status_code == 200
