"""Ledger imports through HTTP (I1–I3): upload → preview with the exact errors → fix →
commit → the rows exist with their history; bad files; access.

The validation and the commit run after the answer (background tasks of the response);
ASGITransport returns once they are done, so each test reads the finished state."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.db.models import AuditLog, Enterprise, Event, Hazard, HazardHistory, LedgerImport
from app.domain.imports import HAZARD_EXPORT_HEADERS, headers
from tests.factories import assert_problem

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


async def uploaded(client, auth, kind, content, filename="ledger.xlsx"):  # type: ignore[no-untyped-def]
    response = await upload(client, auth, kind, content, filename)
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == f"/api/v1/imports/{response.json()['id']}"
    got = await client.get(response.headers["Location"], headers=auth)
    assert got.status_code == 200, got.text
    return got.json()


async def errors_of(client, auth, import_id):  # type: ignore[no-untyped-def]
    response = await client.get(f"/api/v1/imports/{import_id}/errors", headers=auth)
    assert response.status_code == 200, response.text
    return [(e["row"], e["column"], e["message"]) for e in response.json()["items"]]


async def committed(client, auth, import_id, **body):  # type: ignore[no-untyped-def]
    response = await client.post(f"/api/v1/imports/{import_id}/commit", headers=auth, json=body)
    assert response.status_code == 202, response.text
    got = await client.get(f"/api/v1/imports/{import_id}", headers=auth)
    return got.json()


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
