"""The ledger export (隐患台账导出): Chinese headers and values, the filters and the scope of
list_hazards, CSV and XLSX with the same rows.

The export streams from a connection of its own after the request's transaction has
closed, so these tests run on the committed `live` database (today there: 2025-06-16)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from app.db.models import Hazard
from tests.factories import assert_problem, problem_fields

HEADERS = [
    "隐患编号", "隐患名称", "所属单位", "统一社会信用代码", "所属村居", "行业领域", "等级", "来源", "发现日期",
    "整改期限", "状态", "是否逾期", "延期次数", "挂牌督办", "整改责任人", "销号日期",
]


def hazard(enterprise, **overrides) -> Hazard:  # type: ignore[no-untyped-def]
    values = {
        "enterprise_id": enterprise.id, "village_id": enterprise.village_id, "sector": enterprise.sector,
        "grade": "general", "source": "supervision", "title": "配电箱未接地", "discovered_on": date(2025, 6, 1),
        "status": "reported", "status_effective_on": date(2025, 6, 1),
    }
    values.update(overrides)
    return Hazard(**values)


def read_csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = []
    for row in sheet.iter_rows(values_only=True):
        values = ["" if v is None else v.date().isoformat() if isinstance(v, datetime) else str(v) for v in row]
        rows.append(values + [""] * (len(HEADERS) - len(values)))  # empty trailing cells are not stored
    return rows


async def _ledger(world):  # type: ignore[no-untyped-def]
    v1, v2 = await world.village("东风村"), await world.village("红旗社区")
    e1 = await world.enterprise(v1, "industry_trade", name="东风机械厂")
    e2 = await world.enterprise(v2, "fire", name="红旗商场")
    rows = {
        "major": hazard(e1, grade="major", title="除尘器未设置泄爆口", deadline=date(2025, 7, 31)),
        "overdue": hazard(e1, source="public_report", status="rectifying", title="消防通道堵塞", deadline=date(2025, 6, 10),
                          responsible_person="李明", extensions=2, listed=True),
        "closed": hazard(e1, source="self_inspection", status="closed", deadline=date(2025, 6, 5),
                         closed_on=date(2025, 6, 4), responsible_person="王强"),
        "void": hazard(e1, source="patrol", status="void", title="=HYPERLINK(\"http://x\")"),
        "pending": hazard(e1, source="enforcement", status="pending_review", deadline=date(2025, 6, 30)),
        "other": hazard(e1, source="other", discovered_on=date(2024, 3, 2)),
        "elsewhere": hazard(e2, title="红旗商场疏散指示灯损坏"),
    }
    world.session.add_all(rows.values())
    await world.session.flush()
    admin = world.headers(await world.user("street_admin"))
    officer = world.headers(await world.user("village_officer", org_unit=v1))
    other_officer = world.headers(await world.user("village_officer", org_unit=v2))
    e2_user = world.headers(await world.user("enterprise_user", enterprise=e2))
    return {"v1": v1, "v2": v2, "e1": e1, "e2": e2, "rows": rows, "admin": admin, "officer": officer,
            "other_officer": other_officer, "e2_user": e2_user}


@pytest.fixture(scope="module")
async def ledger(live):  # type: ignore[no-untyped-def]
    return await live.build(_ledger)


@pytest.fixture
async def client(live):  # type: ignore[no-untyped-def]
    async with live.client() as c:
        yield c


async def test_export_csv_has_chinese_headers_and_values(client, ledger):
    r = await client.get(f"/api/v1/hazards/export?format=csv&village_id={ledger['v1'].id}", headers=ledger["admin"])
    rows = read_csv(r)
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"] == 'attachment; filename="hazards-20250616.csv"'
    assert rows[0] == HEADERS
    by_id = {row[0]: row for row in rows[1:]}
    h = ledger["rows"]
    assert set(by_id) == {str(h[k].id) for k in ("major", "overdue", "closed", "void", "pending", "other")}
    assert [row[0] for row in rows[1:]] == sorted(by_id, reverse=True)  # newest first, as list_hazards
    e1 = ledger["e1"]
    assert by_id[str(h["major"].id)] == [
        str(h["major"].id), "除尘器未设置泄爆口", "东风机械厂", e1.credit_code, "东风村", "工贸", "重大", "督导检查",
        "2025-06-01", "2025-07-31", "已上报", "否", "0", "否", "", "",
    ]
    assert by_id[str(h["overdue"].id)][6:] == [
        "一般", "群众举报", "2025-06-01", "2025-06-10", "整改中", "是", "2", "是", "李明", ""]
    assert by_id[str(h["closed"].id)][7:] == ["自查", "2025-06-01", "2025-06-05", "已销号", "否", "0", "否", "王强", "2025-06-04"]
    assert by_id[str(h["void"].id)][7] == "巡查" and by_id[str(h["void"].id)][10] == "已作废"
    assert by_id[str(h["pending"].id)][7] == "执法检查" and by_id[str(h["pending"].id)][10] == "待审核"
    assert by_id[str(h["other"].id)][7] == "其他" and by_id[str(h["other"].id)][8] == "2024-03-02"
    # a title that a spreadsheet would run as a formula is written as text
    assert by_id[str(h["void"].id)][1] == "'=HYPERLINK(\"http://x\")"


async def test_export_applies_the_filters_of_list_hazards(client, ledger):
    h, admin, v1 = ledger["rows"], ledger["admin"], ledger["v1"].id

    async def ids(query: str) -> set[str]:
        r = await client.get(f"/api/v1/hazards/export?village_id={v1}&{query}", headers=admin)
        listed = await client.get(f"/api/v1/hazards?village_id={v1}&{query}", headers=admin)
        exported = {row[0] for row in read_csv(r)[1:]}
        assert exported == {i["id"] for i in listed.json()["items"]}  # the same rows as the list
        return exported

    assert await ids("status=closed") == {str(h["closed"].id)}
    assert await ids("overdue=true") == {str(h["overdue"].id)}
    assert await ids("grade=major") == {str(h["major"].id)}
    assert await ids("source=public_report&listed=true") == {str(h["overdue"].id)}
    assert await ids("discovered_to=2024-12-31") == {str(h["other"].id)}
    assert await ids("q=泄爆") == {str(h["major"].id)}
    assert await ids("status=closed&grade=major") == set()


@pytest.mark.parametrize("who,village", [("officer", "v1"), ("other_officer", "v2"), ("e2_user", "v2")])
async def test_a1_export_holds_only_the_callers_hazards(client, ledger, who, village):
    r = await client.get("/api/v1/hazards/export", headers=ledger[who])
    rows = read_csv(r)
    expected = {str(x.id) for x in ledger["rows"].values() if x.village_id == ledger[village].id}
    assert {row[0] for row in rows[1:]} == expected
    # another village named in the filter gives nothing, not the other village's rows
    other = ledger["v2" if village == "v1" else "v1"]
    assert read_csv(await client.get(f"/api/v1/hazards/export?village_id={other.id}", headers=ledger[who]))[1:] == []


async def test_export_xlsx_opens_and_has_the_same_rows(client, ledger):
    query = f"village_id={ledger['v1'].id}"
    as_csv = read_csv(await client.get(f"/api/v1/hazards/export?format=csv&{query}", headers=ledger["admin"]))
    r = await client.get(f"/api/v1/hazards/export?format=xlsx&{query}", headers=ledger["admin"])
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.headers["content-disposition"] == 'attachment; filename="hazards-20250616.xlsx"'
    as_xlsx = read_xlsx(r)
    void_id = str(ledger["rows"]["void"].id)
    for row in as_csv:
        if row[0] == void_id:
            row[1] = row[1].removeprefix("'")  # CSV's formula guard; the XLSX cell is typed as text
    assert as_xlsx == as_csv
    # the formula-looking title is a string cell, not a formula
    sheet = load_workbook(io.BytesIO(r.content)).active
    [cell] = [row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == void_id]
    assert cell.data_type == "s" and cell.value.startswith("=")


async def test_export_format_must_be_csv_or_xlsx(client, ledger):
    r = await client.get("/api/v1/hazards/export?format=pdf", headers=ledger["admin"])
    assert problem_fields(r, 422) == ["format"]
    assert_problem(await client.get("/api/v1/hazards/export"), 401)


async def _many(world):  # type: ignore[no-untyped-def]
    v = await world.village()
    e = await world.enterprise(v, "commerce")
    world.session.add_all(hazard(e, title=f"隐患{i:04d}") for i in range(1234))
    await world.session.flush()
    return v, world.headers(await world.user("village_officer", org_unit=v))


async def test_export_streams_more_rows_than_one_chunk(client, live):
    _, officer = await live.build(_many)
    for fmt, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        rows = read(await client.get(f"/api/v1/hazards/export?format={fmt}", headers=officer))
        assert len(rows) == 1235 and rows[0] == HEADERS
        assert len({row[0] for row in rows[1:]}) == 1234


async def test_export_reads_a_read_only_repeatable_read_snapshot(live):
    from sqlalchemy import func, select

    from app.api.exports import row_chunks

    stmt = select(func.current_setting("transaction_isolation"), func.current_setting("transaction_read_only"))
    chunks = [rows async for rows in row_chunks(live.db.engine, stmt)]
    assert [tuple(r) for rows in chunks for r in rows] == [("repeatable read", "on")]
    # rows come in chunks from a server-side cursor, not as one list
    series = select(func.generate_series(1, 1234))
    assert [len(rows) async for rows in row_chunks(live.db.engine, series)] == [500, 500, 234]
    # and the pooled connection is handed back as it was
    async with live.db.engine.connect() as conn:
        assert (await conn.execute(stmt)).one() == ("read committed", "off")


async def test_k4_export_filters_by_the_enterprises_risk_level(client, ledger):
    admin, h = ledger["admin"], ledger["rows"]
    levels = {}
    for key in ("e1", "e2"):
        r = await client.get(f"/api/v1/enterprises/{ledger[key].id}/risk", headers=admin)
        levels[key] = r.json()["level"]
    assert levels["e1"] != levels["e2"]  # the filter has something to tell apart
    ours = {str(x.id) for x in h.values()}  # the live database holds other tests' hazards too
    for level in ("red", "orange", "yellow", "blue"):
        want = {str(x.id) for x in h.values() if levels["e1" if x.enterprise_id == ledger["e1"].id else "e2"] == level}
        for fmt, read in (("csv", read_csv), ("xlsx", read_xlsx)):
            rows = read(await client.get(f"/api/v1/hazards/export?format={fmt}&risk_level={level}", headers=admin))
            assert {row[0] for row in rows[1:]} & ours == want, (level, fmt)
    # with the other filters, and within the caller's scope (A1)
    r = await client.get(f"/api/v1/hazards/export?risk_level={levels['e1']}&status=closed", headers=admin)
    assert {row[0] for row in read_csv(r)[1:]} & ours == {str(h["closed"].id)}
    r = await client.get(f"/api/v1/hazards/export?risk_level={levels['e1']}", headers=ledger["other_officer"])
    assert read_csv(r)[1:] == []
    r = await client.get(f"/api/v1/hazards/export?risk_level={levels['e2']}", headers=ledger["officer"])
    assert read_csv(r)[1:] == []
    assert problem_fields(await client.get("/api/v1/hazards/export?risk_level=purple", headers=admin)) == ["risk_level"]
