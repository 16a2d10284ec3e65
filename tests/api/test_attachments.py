"""Evidence files: types by content, the size limit, and who may read a file (A1, A2):
its uploader, and whoever sees a hazard that references it."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from app.services.attachments import blob_path
from tests.api.helpers import create_hazard, shuffle_unit_of_work
from tests.conftest import test_settings as make_settings
from tests.factories import assert_problem, problem_fields

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
MAX = 10 * 1024 * 1024


@pytest.fixture
def settings(tmp_path):  # type: ignore[no-untyped-def]
    return make_settings(attachments_dir=tmp_path / "attachments")


async def upload(client, headers, data: bytes, name: str = "photo.jpg", declared: str = "application/octet-stream", **kw):  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/attachments", headers=headers, files={"file": (name, data, declared)}, **kw)


@pytest.mark.parametrize(
    "data,name,content_type",
    [(JPEG, "现场照片.jpg", "image/jpeg"), (PNG, "scan.png", "image/png"), (PDF, "整改报告.pdf", "application/pdf")],
)
async def test_upload_accepts_jpeg_png_pdf_and_downloads_them(client, world, settings, data, name, content_type):
    officer = await world.as_("village_officer", org_unit=await world.village())
    r = await upload(client, officer, data, name)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"id", "sha256", "content_type", "size", "filename", "created_at"}
    assert body["content_type"] == content_type and body["size"] == len(data) and body["filename"] == name
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert r.headers["Location"] == f"/api/v1/attachments/{body['id']}"
    assert blob_path(settings.attachments_path, body["sha256"]).read_bytes() == data
    assert [p.name for p in settings.attachments_path.iterdir() if p.name.startswith(".upload-")] == []

    r = await client.get(f"/api/v1/attachments/{body['id']}", headers=officer)
    assert r.status_code == 200 and r.content == data
    assert r.headers["content-type"] == content_type
    assert r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["x-content-type-options"] == "nosniff"
    r = await client.get(f"/api/v1/attachments/{body['id']}/meta", headers=officer)
    assert r.status_code == 200 and r.json() == body


async def test_upload_type_comes_from_content_not_name(client, world):
    officer = await world.as_("street_admin")
    r = await upload(client, officer, b"just some text, not a photo\n", "photo.jpg", "image/jpeg")
    assert_problem(r, 415, "unsupported_media_type")
    # and a PNG that calls itself a PDF is a PNG
    r = await upload(client, officer, PNG, "report.pdf", "application/pdf")
    assert r.status_code == 201 and r.json()["content_type"] == "image/png"


async def test_upload_limit_is_10_mib(client, world):
    officer = await world.as_("street_admin")
    r = await upload(client, officer, JPEG[:4] + b"\x00" * (MAX + 1 - 4), "big.jpg")
    assert_problem(r, 413, "payload_too_large")
    r = await upload(client, officer, JPEG[:4] + b"\x00" * (MAX - 4), "just-fits.jpg")
    assert r.status_code == 201, r.text
    assert r.json()["size"] == MAX


async def test_upload_body_far_over_the_limit_is_refused_by_the_middleware(client, world):
    officer = await world.as_("street_admin")
    r = await upload(client, officer, JPEG[:4] + b"\x00" * (MAX + 100_000), "huge.jpg")
    assert_problem(r, 413, "payload_too_large")


async def test_a3_district_viewer_cannot_upload(client, world):
    r = await upload(client, await world.as_("district_viewer"), JPEG)
    assert_problem(r, 403)
    r = await upload(client, {}, JPEG)
    assert_problem(r, 401)


async def test_upload_without_a_file_is_422(client, world):
    r = await client.post("/api/v1/attachments", headers=await world.as_("street_admin"), data={"other": "x"})
    assert "file" in problem_fields(r)


async def test_upload_honours_idempotency_key(client, world):
    officer = await world.as_("street_admin")
    keyed = {**officer, "Idempotency-Key": "upload-1"}
    first = await upload(client, keyed, JPEG)
    again = await upload(client, keyed, JPEG)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    other = await upload(client, keyed, PNG)
    assert "Idempotency-Key" in problem_fields(other)


@pytest.fixture
async def linked(world, client):  # type: ignore[no-untyped-def]
    """A JPEG uploaded by a village officer and attached to a hazard of its village."""
    v1, v2 = await world.village(), await world.village()
    e1 = await world.enterprise(v1, "hazardous_chemicals")
    other_enterprise = await world.enterprise(v1, "fire")
    uploader = await world.as_("village_officer", org_unit=v1)
    r = await upload(client, uploader, JPEG)
    assert r.status_code == 201, r.text
    attachment = r.json()
    hazard = await create_hazard(client, uploader, e1, grade="general", source="patrol", attachment_ids=[attachment["id"]])
    people = {
        "street_admin": await world.as_("street_admin"),
        "supervisor": await world.as_("supervisor"),
        "district_viewer": await world.as_("district_viewer"),
        "same_village": await world.as_("village_officer", org_unit=v1),
        "lead_department": await world.as_("department_officer", org_unit=await world.department("emergency_management")),
        "own_enterprise": await world.as_("enterprise_user", enterprise=e1),
        "other_village": await world.as_("village_officer", org_unit=v2),
        "other_department": await world.as_("department_officer", org_unit=await world.department("housing_construction")),
        "other_enterprise": await world.as_("enterprise_user", enterprise=other_enterprise),
    }
    return {"attachment": attachment, "hazard": hazard, "people": people, "uploader": uploader}


@pytest.mark.parametrize(
    "who,status",
    [
        ("street_admin", 200),
        ("supervisor", 200),
        ("district_viewer", 200),
        ("same_village", 200),
        ("lead_department", 200),
        ("own_enterprise", 200),
        ("other_village", 404),
        ("other_department", 404),
        ("other_enterprise", 404),
    ],
)
async def test_a2_linked_attachment_follows_its_hazard(client, linked, who, status):
    aid = linked["attachment"]["id"]
    for path in (f"/api/v1/attachments/{aid}", f"/api/v1/attachments/{aid}/meta"):
        r = await client.get(path, headers=linked["people"][who])
        if status == 200:
            assert r.status_code == 200, r.text
        else:
            assert_problem(r, 404)
            assert linked["attachment"]["sha256"] not in r.text


async def test_a2_unlinked_upload_is_the_uploaders_alone(client, world):
    v = await world.village()
    uploader = await world.as_("village_officer", org_unit=v)
    aid = (await upload(client, uploader, PDF, "draft.pdf")).json()["id"]
    for role, kwargs in [("street_admin", {}), ("supervisor", {}), ("village_officer", {"org_unit": v})]:
        someone = await world.as_(role, **kwargs)
        assert_problem(await client.get(f"/api/v1/attachments/{aid}", headers=someone), 404)
        assert_problem(await client.get(f"/api/v1/attachments/{aid}/meta", headers=someone), 404)
    assert (await client.get(f"/api/v1/attachments/{aid}", headers=uploader)).status_code == 200


async def test_a2_unknown_attachment_is_404(client, world):
    r = await client.get(f"/api/v1/attachments/{uuid.uuid4()}", headers=await world.as_("street_admin"))
    assert_problem(r, 404)


async def test_linking_someone_elses_unlinked_attachment_is_422(client, world):
    v = await world.village()
    e = await world.enterprise(v)
    owner = await world.as_("village_officer", org_unit=v)
    aid = (await upload(client, owner, JPEG)).json()["id"]
    admin = await world.as_("street_admin")
    body = {"enterprise_id": str(e.id), "grade": "general", "source": "supervision", "title": "t",
            "discovered_on": "2025-06-01", "attachment_ids": [aid]}
    r = await client.post("/api/v1/hazards", headers=admin, json=body)
    assert problem_fields(r, 422) == ["attachment_ids"]
    assert (await client.get(f"/api/v1/hazards?enterprise_id={e.id}", headers=admin)).json()["items"] == []


async def test_links_are_inserted_after_their_hazard_and_inspection_in_any_flush_order(
    client, world, session, monkeypatch
):
    """A hazard and its attachment links, an inspection and its links, go in one flush."""
    from sqlalchemy import func, select

    from app.db.models import AttachmentLink

    shuffle_unit_of_work(monkeypatch)
    village = await world.village()
    e = await world.enterprise(village, "fire")
    officer = await world.as_("village_officer", org_unit=village)
    photo = (await upload(client, officer, JPEG)).json()["id"]
    for _ in range(8):
        h = await create_hazard(client, officer, e, attachment_ids=[photo])
        assert h["id"]
        r = await client.post("/api/v1/inspections", headers=officer, json={
            "enterprise_id": str(e.id), "kind": "village_patrol", "performed_on": "2025-06-10",
            "attachment_ids": [photo],
            "findings": [{"grade": "general", "title": "疏散通道堵塞", "deadline": "2025-06-20",
                          "attachment_ids": [photo]}],
        })
        assert r.status_code == 201, r.text
    assert (await session.execute(select(func.count()).select_from(AttachmentLink))).scalar_one() == 24
