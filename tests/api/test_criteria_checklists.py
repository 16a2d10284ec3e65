"""K1–K3 through HTTP: the criteria library loaded by the migration, hazards citing a
criterion, checklists (versions, ETag) and inspections walking through a checklist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db.models import Hazard, Inspection
from tests.factories import problem_fields

DATA = Path(__file__).resolve().parents[2] / "app" / "data" / "criteria"
DUST = "GMQY-2023-11-1"  # 工贸 第十一条（一）, dust explosion


def _files() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(DATA.glob("*.json"))]


@pytest.fixture
async def street(world):
    v1, v2 = await world.village(), await world.village()
    e1 = await world.enterprise(v1, "industry_trade", tags=["dust_explosion"])
    e2 = await world.enterprise(v2, "construction")
    emergency = await world.department("emergency_management")
    housing = await world.department("housing_construction")
    return {
        "v1": v1, "v2": v2, "e1": e1, "e2": e2,
        "admin": await world.as_("street_admin"),
        "emergency": await world.as_("department_officer", org_unit=emergency),
        "housing": await world.as_("department_officer", org_unit=housing),
        "village1": await world.as_("village_officer", org_unit=v1),
        "village2": await world.as_("village_officer", org_unit=v2),
        "ent2": await world.as_("enterprise_user", enterprise=e2),
    }


async def _all(client, headers, path):  # type: ignore[no-untyped-def]
    items, cursor = [], None
    while True:
        r = await client.get(path + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return items


async def test_k1_the_library_lists_every_compiled_criterion_with_its_source(client, street):
    files = _files()
    expected = {c["code"]: (f["standard"], c) for f in files for c in f["criteria"]}
    listed = await _all(client, street["village1"], "/api/v1/criteria?limit=7")
    assert {c["code"] for c in listed} == set(expected) and len(listed) == len(expected) == 85
    for c in listed:
        standard, raw = expected[c["code"]]
        assert c["text"] == raw["text"] and c["sectors"] == raw["sectors"] and c["grade"] == raw["grade"]
        assert c["standard"]["number"] == standard["number"] and c["standard"]["title"] == standard["title"]
        assert c["standard"]["article"] == raw["article"] and c["standard"]["item"] == raw["item"]
        assert c["effective_to"] == standard["effective_to"]
        assert [s["id"] for s in c["sources"]] == [s["id"] for s in standard["sources"] if s["id"] in raw["source_ids"]]


async def test_k1_filters_by_sector_document_and_major(client, street):
    gas = await _all(client, street["admin"], "/api/v1/criteria?sector=gas&limit=200")
    assert gas and all("gas" in c["sectors"] for c in gas)
    doc = await _all(client, street["admin"], "/api/v1/criteria?document=应急管理部令第10号&limit=200")
    assert len(doc) == 31 and all(c["code"].startswith("GMQY") for c in doc)
    assert await _all(client, street["admin"], "/api/v1/criteria?major=false&limit=200") == []
    r = await client.get(f"/api/v1/criteria/{DUST}", headers=street["ent2"])
    assert r.status_code == 200 and r.json()["tags"] == ["dust_explosion"]
    assert (await client.get("/api/v1/criteria/NOPE-1", headers=street["admin"])).status_code == 404


async def test_k2_hazards_cite_criteria_by_code(client, street):
    body = {"enterprise_id": str(street["e1"].id), "grade": "major", "source": "supervision", "title": "除尘系统未泄爆",
            "discovered_on": "2025-06-01", "criterion_code": DUST}
    r = await client.post("/api/v1/hazards", headers=street["admin"], json=body)
    assert r.status_code == 201, r.text
    assert r.json()["criterion_code"] == DUST
    assert (await client.get(f"/api/v1/hazards/{r.json()['id']}", headers=street["admin"])).json()["criterion_code"] == DUST
    # unknown code, another sector's criterion, a major criterion with grade general: 422 naming criterion_code
    for change in ({"criterion_code": "GMQY-2023-99"}, {"criterion_code": "FWSZ-2022-8-1"}, {"grade": "general"}):
        r = await client.post("/api/v1/hazards", headers=street["admin"], json={**body, **change})
        assert problem_fields(r) == ["criterion_code"], (change, r.text)


async def test_k1_a_new_version_is_loaded_by_street_admin_only(client, street):
    files = _files()
    files[0]["criteria"] = files[0]["criteria"][:1]
    r = await client.post("/api/v1/criteria/versions", headers=street["emergency"], json={"documents": files})
    assert r.status_code == 403
    broken = json.loads(json.dumps(files))
    broken[1]["criteria"][0]["sectors"] = ["nowhere"]
    r = await client.post("/api/v1/criteria/versions", headers=street["admin"], json={"documents": broken})
    assert problem_fields(r) == ["documents[1].criteria[0].sectors"]
    r = await client.post("/api/v1/criteria/versions", headers=street["admin"], json={"documents": files, "note": "测试"})
    assert r.status_code == 201, r.text
    v = r.json()["version"]
    assert v >= 2 and r.json()["criteria_count"] == 85 - len(_files()[0]["criteria"]) + 1
    listed = await _all(client, street["admin"], "/api/v1/criteria?limit=200")
    assert len(listed) == r.json()["criteria_count"] and {c["version"] for c in listed} == {v}
    old = await _all(client, street["admin"], "/api/v1/criteria?version=1&limit=200")
    assert len(old) == 85


async def _default(client, headers, sector):  # type: ignore[no-untyped-def]
    r = await client.get(f"/api/v1/checklists?sector={sector}", headers=headers)
    assert r.status_code == 200, r.text
    return next(c for c in r.json()["items"] if c["is_default"])


async def test_k3_default_checklists_are_built_from_the_library(client, street):
    checklist = await _default(client, street["village1"], "industry_trade")
    assert checklist["version"] == 1 and checklist["sectors"] == ["industry_trade"]
    codes = [c["code"] for c in await _all(client, street["admin"], "/api/v1/criteria?sector=industry_trade&limit=200")
             if c["effective_to"] is None]
    assert [i["criterion_code"] for i in checklist["items"]] == codes
    assert all(i["grade"] == "major" for i in checklist["items"])


async def test_k3_etag_and_if_none_match(client, street):
    checklist = await _default(client, street["admin"], "gas")
    r = await client.get(f"/api/v1/checklists/{checklist['id']}", headers=street["ent2"])
    assert r.status_code == 200 and r.headers["ETag"]
    r2 = await client.get(f"/api/v1/checklists/{checklist['id']}", headers={**street["ent2"], "If-None-Match": r.headers["ETag"]})
    assert r2.status_code == 304 and r2.content == b""
    page = await client.get("/api/v1/checklists", headers=street["ent2"])
    assert page.status_code == 200 and page.headers["ETag"]
    cached = {**street["ent2"], "If-None-Match": page.headers["ETag"]}
    assert (await client.get("/api/v1/checklists", headers=cached)).status_code == 304
    # a new checklist changes the page
    r = await client.post("/api/v1/checklists", headers=street["admin"], json={
        "name": "燃气安全检查表", "sectors": ["gas"], "items": [{"text": "燃气报警装置完好"}]})
    assert r.status_code == 201, r.text
    assert (await client.get("/api/v1/checklists", headers=cached)).status_code == 200


def _inspection(enterprise, checklist, results, **kw):  # type: ignore[no-untyped-def]
    return {"enterprise_id": str(enterprise.id), "kind": "department", "performed_on": "2025-06-10",
            "checklist_id": checklist["id"], "item_results": results, **kw}


async def test_k3_failed_items_become_hazards_in_the_same_transaction(client, session, street):
    checklist = await _default(client, street["admin"], "industry_trade")
    items = checklist["items"]
    results = [{"item_id": items[0]["id"], "result": "fail", "note": "承包单位未纳入统一管理"},
               {"item_id": items[1]["id"], "result": "pass"},
               {"item_id": items[2]["id"], "result": "not_applicable"},
               {"item_id": items[3]["id"], "result": "fail"}]
    key = {"Idempotency-Key": "checklist-inspection-1"}
    r = await client.post("/api/v1/inspections", headers={**street["emergency"], **key},
                          json=_inspection(street["e1"], checklist, results))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["checklist_id"] == checklist["id"] and len(body["hazard_ids"]) == 2 and body["findings_count"] == 2
    assert [x["result"] for x in body["item_results"]] == ["fail", "pass", "not_applicable", "fail"]
    failed = [x for x in body["item_results"] if x["result"] == "fail"]
    for x, item in zip(failed, (items[0], items[3]), strict=True):
        h = (await client.get(f"/api/v1/hazards/{x['hazard_id']}", headers=street["admin"])).json()
        assert h["criterion_code"] == item["criterion_code"] and h["grade"] == "major" and h["title"] == item["text"]
        assert h["inspection_id"] == body["id"] and h["source"] == "supervision"
    again = await client.post("/api/v1/inspections", headers={**street["emergency"], **key},
                              json=_inspection(street["e1"], checklist, results))
    assert again.status_code == 201 and again.json()["id"] == body["id"]
    assert (await session.execute(select(func.count()).select_from(Inspection))).scalar_one() == 1
    got = (await client.get(f"/api/v1/inspections/{body['id']}", headers=street["village1"])).json()
    assert got["item_results"] == body["item_results"]
    stats = (await client.get(f"/api/v1/checklists/{checklist['id']}/stats", headers=street["admin"])).json()
    assert stats["inspections"] == 1
    assert [s["item_id"] for s in stats["items"][:2]] == [items[0]["id"], items[3]["id"]]
    assert stats["items"][0]["failed"] == 1
    # the statistics count only the inspections the caller can see (A1)
    outsider = (await client.get(f"/api/v1/checklists/{checklist['id']}/stats", headers=street["village2"])).json()
    assert outsider["inspections"] == 0 and all(s["failed"] == 0 for s in outsider["items"])


async def test_k3_an_item_not_in_the_version_is_a_422_naming_it_and_nothing_is_written(client, session, street):
    checklist = await _default(client, street["admin"], "industry_trade")
    other = await _default(client, street["admin"], "gas")
    results = [{"item_id": checklist["items"][0]["id"], "result": "fail"},
               {"item_id": other["items"][0]["id"], "result": "fail"}]
    r = await client.post("/api/v1/inspections", headers=street["admin"], json=_inspection(street["e1"], checklist, results))
    assert problem_fields(r) == ["item_results[1].item_id"]
    # a checklist of another sector: its failed item cites a criterion of that sector
    r = await client.post("/api/v1/inspections", headers=street["admin"],
                          json=_inspection(street["e1"], other, [{"item_id": other["items"][0]["id"], "result": "fail"}]))
    assert problem_fields(r) == ["item_results[0].criterion_code"]
    assert (await session.execute(select(func.count()).select_from(Hazard))).scalar_one() == 0
    assert (await session.execute(select(func.count()).select_from(Inspection))).scalar_one() == 0


async def test_k3_a_version_in_use_is_not_edited_a_new_version_is_made(client, street):
    body = {"name": "粉尘涉爆专项检查表", "sectors": ["industry_trade"], "tags": ["dust_explosion"],
            "items": [{"text": "除尘系统按规定设置泄爆装置", "criterion_code": DUST}, {"text": "作业现场清扫制度落实"}]}
    r = await client.post("/api/v1/checklists", headers=street["village1"], json=body)
    assert r.status_code == 403
    r = await client.post("/api/v1/checklists", headers=street["housing"], json=body)
    assert r.status_code == 403  # 住建所 does not lead industry_trade
    r = await client.post("/api/v1/checklists", headers=street["emergency"], json=body)
    assert r.status_code == 201, r.text
    v1 = r.json()
    assert [i["grade"] for i in v1["items"]] == ["major", "general"]
    other_sector = {**body, "items": [{"text": "燃气经营许可", "criterion_code": "RQJY-2023-4-1"}]}
    assert problem_fields(await client.post("/api/v1/checklists", headers=street["admin"], json=other_sector)) == [
        "items[0].criterion_code"
    ]
    bad = {**body, "items": [{"text": "x", "criterion_code": DUST, "grade": "general"}]}
    assert problem_fields(await client.put(f"/api/v1/checklists/{v1['id']}", headers=street["admin"], json=bad)) == [
        "items[0].grade"
    ]
    # unused: edited in place, a new ETag
    body["items"].append({"text": "粉尘清扫记录完整"})
    r = await client.put(f"/api/v1/checklists/{v1['id']}", headers=street["emergency"], json=body)
    assert r.status_code == 200 and r.json()["id"] == v1["id"] and len(r.json()["items"]) == 3
    edited = r.json()
    # in use: a new version, the old one unchanged
    results = [{"item_id": edited["items"][1]["id"], "result": "pass"}]
    r = await client.post("/api/v1/inspections", headers=street["admin"], json=_inspection(street["e1"], edited, results))
    assert r.status_code == 201, r.text
    body["name"] = "粉尘涉爆专项检查表（修订）"
    r = await client.put(f"/api/v1/checklists/{v1['id']}", headers=street["admin"], json=body)
    assert r.status_code == 201, r.text
    v2 = r.json()
    assert v2["id"] != v1["id"] and v2["version"] == 2 and v2["series_id"] == v1["id"]
    old = (await client.get(f"/api/v1/checklists/{v1['id']}", headers=street["admin"])).json()
    assert old["name"] == "粉尘涉爆专项检查表" and old["latest"] is False
    r = await client.put(f"/api/v1/checklists/{v1['id']}", headers=street["admin"], json=body)
    assert r.status_code == 409


async def test_k3_item_results_need_a_known_checklist(client, street):
    checklist = await _default(client, street["admin"], "industry_trade")
    results = [{"item_id": checklist["items"][0]["id"], "result": "fail"}]
    body = _inspection(street["e1"], checklist, results)
    del body["checklist_id"]
    assert problem_fields(await client.post("/api/v1/inspections", headers=street["admin"], json=body)) == ["checklist_id"]
    body["checklist_id"] = "0193a5c0-0000-7000-8000-000000000000"
    assert problem_fields(await client.post("/api/v1/inspections", headers=street["admin"], json=body)) == ["checklist_id"]
    body = _inspection(street["e1"], checklist, [{**results[0], "result": "broken"}])
    assert problem_fields(await client.post("/api/v1/inspections", headers=street["admin"], json=body)) == [
        "item_results[0].result"
    ]
