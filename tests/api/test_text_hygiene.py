"""Text a reader cannot see is refused (422 naming the field): bidirectional controls
(U+202A–U+202E, U+2066–U+2069) and zero-width characters (U+200B–U+200D, U+2060, U+FEFF) in
names, titles and file names — `\u202egnp.exe` would read as `exe.png`. Business dates lie in
2000-01-01 – 2100-12-31, and a plan's deadline is not before the day the plan takes effect."""

from __future__ import annotations

import pytest

from tests.api.helpers import GENERAL_PLAN, MAJOR_PLAN, create_hazard
from tests.api.test_attachments import PNG
from tests.factories import enterprise_payload, problem_fields

INVISIBLE = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
             "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


@pytest.fixture
async def admin(world):  # type: ignore[no-untyped-def]
    return await world.as_("street_admin")


@pytest.fixture
async def enterprise(world):  # type: ignore[no-untyped-def]
    return await world.enterprise(await world.village(), "hazardous_chemicals")


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
async def test_hazard_titles_refuse_invisible_characters(client, admin, enterprise, char):
    body = {"enterprise_id": str(enterprise.id), "grade": "general", "source": "patrol",
            "title": f"{char}gnp.exe 配电箱", "discovered_on": "2025-06-01"}
    r = await client.post("/api/v1/hazards", headers=admin, json=body)
    assert problem_fields(r) == ["title"]
    assert f"U+{ord(char):04X}" in r.json()["errors"][0]["message"]


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2066"])
async def test_names_refuse_invisible_characters(client, world, admin, char):
    village = await world.village()
    body = enterprise_payload(village.id, name=f"东湖{char}化工有限公司")
    assert problem_fields(await client.post("/api/v1/enterprises", headers=admin, json=body)) == ["name"]
    body = enterprise_payload(village.id, principal={"name": f"王{char}强", "phone": "13800138000"})
    assert problem_fields(await client.post("/api/v1/enterprises", headers=admin, json=body)) == ["principal.name"]
    r = await client.post("/api/v1/org-units", headers=admin, json={"kind": "village", "name": f"西岭{char}村"})
    assert problem_fields(r) == ["name"]


async def test_visible_text_is_kept(client, admin, enterprise):
    """Ordinary Chinese, punctuation and emoji are text like any other."""
    hazard = await create_hazard(client, admin, enterprise, title="配电箱门未关闭（东侧）— 已拍照 📷")
    assert hazard["title"] == "配电箱门未关闭（东侧）— 已拍照 📷"


@pytest.mark.parametrize("name", ["\u202egnp.exe", "photo\u200b.png", "\ufeffscan.png"])
async def test_upload_file_names_refuse_invisible_characters(client, world, name):
    officer = await world.as_("street_admin")
    r = await client.post("/api/v1/attachments", headers=officer, files={"file": (name, PNG, "image/png")})
    assert problem_fields(r) == ["file"]
    r = await client.post("/api/v1/attachments", headers=officer, files={"file": ("gnp.exe.png", PNG, "image/png")})
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("value", ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"])
async def test_business_dates_lie_in_2000_to_2100(client, admin, enterprise, value):
    body = {"enterprise_id": str(enterprise.id), "grade": "general", "source": "patrol", "title": "t",
            "discovered_on": value}
    r = await client.post("/api/v1/hazards", headers=admin, json=body)
    assert problem_fields(r) == ["discovered_on"]
    assert "2000-01-01" in r.json()["errors"][0]["message"]


async def test_registration_dates_reach_back_to_1900(client, world, admin):
    village = await world.village()
    r = await client.post("/api/v1/enterprises", headers=admin, json=enterprise_payload(village.id, registered_on="1988-04-01"))
    assert r.status_code == 201, r.text
    r = await client.post("/api/v1/enterprises", headers=admin, json=enterprise_payload(village.id, registered_on="0001-01-01"))
    assert problem_fields(r) == ["registered_on"]


@pytest.mark.parametrize("grade,plan", [("major", MAJOR_PLAN), ("general", GENERAL_PLAN)])
async def test_a_plan_deadline_before_effective_on_is_refused(client, admin, enterprise, grade, plan):
    hazard = await create_hazard(client, admin, enterprise, grade=grade, discovered_on="2025-06-01")
    path = f"/api/v1/hazards/{hazard['id']}/plan"
    # effective_on given: the deadline may be that day, not the day before
    r = await client.post(path, headers=admin, json={**plan, "deadline": "2025-06-09", "effective_on": "2025-06-10"})
    assert problem_fields(r) == ["deadline"]
    # effective_on left out: today (2025-06-16 in the tests' clock); years in the past is refused
    r = await client.post(path, headers=admin, json={**plan, "deadline": "2021-01-31"})
    assert problem_fields(r) == ["deadline"]
    assert (await client.get(f"/api/v1/hazards/{hazard['id']}", headers=admin)).json()["status"] == "reported"
    r = await client.post(path, headers=admin, json={**plan, "deadline": "2025-06-16"})
    assert r.status_code == 200, r.text
    assert r.json()["overdue"] is False
