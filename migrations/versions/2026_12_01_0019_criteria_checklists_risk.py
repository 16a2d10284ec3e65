"""criteria library, checklists, risk overrides and enterprise coordinates (K1–K4, K6)

The criteria library (K1) is versioned: criteria_version 1 is loaded here from the files in
app/data/criteria (one published document each); a street_admin import adds version 2, 3 …
Hazards cite a criterion of a version (criterion_version, criterion_code). A default
checklist per sector (K3) lists the sector's criteria in force. Inspections may carry a
checklist and a result per item. Risk overrides (K4) are kept as an append-only history.
Enterprises may carry WGS-84 coordinates (K6).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DATA_DIR = Path(__file__).resolve().parents[2] / "app" / "data" / "criteria"
# Default checklists and their items get stable ids (the same on every database).
ID_NAMESPACE = uuid.UUID("6f1c2a52-6a0e-4f3e-9d55-4b9b1c0e1f19")

_TAGS_CHECK = (
    "tags <@ ARRAY['hospital_grade2', 'hospital_grade3', 'dust_explosion', "
    "'ammonia_refrigeration', 'confined_space', 'large_commercial_complex']::varchar[]"
)


def _tables() -> None:
    op.create_table(
        "criteria_version",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("criteria_count", sa.Integer(), nullable=False),
        sa.Column("loaded_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_criteria_version")),
    )
    op.create_table(
        "criteria_document",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("issuer", sa.String(300), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("sources", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("missing", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("notes", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.ForeignKeyConstraint(["version"], ["criteria_version.version"],
                                name=op.f("fk_criteria_document_version_criteria_version")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_criteria_document")),
        sa.UniqueConstraint("version", "number", name=op.f("uq_criteria_document_version")),
    )
    op.create_table(
        "criterion",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("document_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("article", sa.String(50), nullable=True),
        sa.Column("item", sa.String(50), nullable=True),
        sa.Column("article_text", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sectors", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(40)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("grade", sa.String(10), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("source_ids", postgresql.ARRAY(sa.String(40)), server_default=sa.text("'{}'"), nullable=False),
        sa.CheckConstraint("grade IN ('major', 'general')", name=op.f("ck_criterion_grade")),
        sa.ForeignKeyConstraint(["version"], ["criteria_version.version"], name=op.f("fk_criterion_version_criteria_version")),
        sa.ForeignKeyConstraint(["document_id"], ["criteria_document.id"],
                                name=op.f("fk_criterion_document_id_criteria_document")),
        sa.PrimaryKeyConstraint("version", "code", name=op.f("pk_criterion")),
    )
    op.create_index("ix_criterion_sectors", "criterion", ["sectors"], postgresql_using="gin")
    op.create_index("ix_criterion_document_id", "criterion", ["document_id"])

    op.add_column("hazard", sa.Column("criterion_version", sa.Integer(), nullable=True))
    op.add_column("hazard", sa.Column("criterion_code", sa.String(64), nullable=True))
    op.create_foreign_key(
        op.f("fk_hazard_criterion_version_criterion"), "hazard", "criterion",
        ["criterion_version", "criterion_code"], ["version", "code"],
    )
    op.create_check_constraint(
        op.f("ck_hazard_criterion_both"), "hazard", "(criterion_version IS NULL) = (criterion_code IS NULL)"
    )
    op.create_index("ix_hazard_criterion_code", "hazard", ["criterion_code"],
                    postgresql_where=sa.text("criterion_code IS NOT NULL"))

    op.create_table(
        "checklist",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("series_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sectors", postgresql.ARRAY(sa.String(40)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(40)), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("is_default", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("revision", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("created_by", postgresql.UUID(as_uuid=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("version >= 1", name=op.f("ck_checklist_version_positive")),
        sa.CheckConstraint(_TAGS_CHECK, name=op.f("ck_checklist_tags")),
        sa.CheckConstraint("cardinality(sectors) + cardinality(tags) > 0", name=op.f("ck_checklist_applies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist")),
        sa.UniqueConstraint("series_id", "version", name=op.f("uq_checklist_series_id")),
    )
    op.create_index("ix_checklist_sectors", "checklist", ["sectors"], postgresql_using="gin")
    op.create_table(
        "checklist_item",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("checklist_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("criterion_version", sa.Integer(), nullable=True),
        sa.Column("criterion_code", sa.String(64), nullable=True),
        sa.Column("grade", sa.String(10), nullable=False),
        sa.CheckConstraint("grade IN ('major', 'general')", name=op.f("ck_checklist_item_grade")),
        sa.CheckConstraint("(criterion_version IS NULL) = (criterion_code IS NULL)", name=op.f("ck_checklist_item_criterion_both")),
        sa.ForeignKeyConstraint(["checklist_id"], ["checklist.id"], name=op.f("fk_checklist_item_checklist_id_checklist"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["criterion_version", "criterion_code"], ["criterion.version", "criterion.code"],
                                name=op.f("fk_checklist_item_criterion_version_criterion")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_item")),
        sa.UniqueConstraint("checklist_id", "position", name=op.f("uq_checklist_item_checklist_id")),
    )

    op.add_column("inspection", sa.Column("checklist_id", postgresql.UUID(as_uuid=True), nullable=True))
    op.create_foreign_key(op.f("fk_inspection_checklist_id_checklist"), "inspection", "checklist", ["checklist_id"], ["id"])
    op.create_index("ix_inspection_checklist_id", "inspection", ["checklist_id"],
                    postgresql_where=sa.text("checklist_id IS NOT NULL"))
    op.create_table(
        "inspection_item_result",
        sa.Column("inspection_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("item_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("attachment_ids", postgresql.ARRAY(postgresql.UUID(as_uuid=True)), server_default=sa.text("'{}'"),
                  nullable=False),
        sa.Column("hazard_id", postgresql.UUID(as_uuid=True), nullable=True),
        sa.CheckConstraint("result IN ('pass', 'fail', 'not_applicable')", name=op.f("ck_inspection_item_result_result")),
        sa.CheckConstraint("(result = 'fail') = (hazard_id IS NOT NULL)", name=op.f("ck_inspection_item_result_fail_hazard")),
        sa.ForeignKeyConstraint(["inspection_id"], ["inspection.id"],
                                name=op.f("fk_inspection_item_result_inspection_id_inspection")),
        sa.ForeignKeyConstraint(["item_id"], ["checklist_item.id"], name=op.f("fk_inspection_item_result_item_id_checklist_item")),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazard.id"], name=op.f("fk_inspection_item_result_hazard_id_hazard")),
        sa.PrimaryKeyConstraint("inspection_id", "item_id", name=op.f("pk_inspection_item_result")),
    )
    op.create_index("ix_inspection_item_result_item_id", "inspection_item_result", ["item_id", "result"])

    op.create_table(
        "risk_override",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("enterprise_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("level", sa.String(10), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("computed_level", sa.String(10), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("created_by", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("created_by_role", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("level IS NULL OR level IN ('red', 'orange', 'yellow', 'blue')", name=op.f("ck_risk_override_level")),
        sa.CheckConstraint("computed_level IN ('red', 'orange', 'yellow', 'blue')", name=op.f("ck_risk_override_computed_level")),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"], name=op.f("fk_risk_override_enterprise_id_enterprise")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_override")),
    )
    op.create_index("ix_risk_override_enterprise_id_id", "risk_override", ["enterprise_id", "id"])

    op.add_column("enterprise", sa.Column("longitude", sa.Float(), nullable=True))
    op.add_column("enterprise", sa.Column("latitude", sa.Float(), nullable=True))
    op.create_check_constraint(op.f("ck_enterprise_location_both"), "enterprise", "(longitude IS NULL) = (latitude IS NULL)")
    op.create_check_constraint(
        op.f("ck_enterprise_location_range"), "enterprise",
        "longitude IS NULL OR (longitude BETWEEN -180 AND 180 AND latitude BETWEEN -90 AND 90)",
    )


def _load_library() -> None:
    """Version 1 of the library from app/data/criteria, and the default checklists."""
    from app.domain.criteria_files import default_checklist, parse_library, sectors_of

    files = sorted(DATA_DIR.glob("*.json"))
    parsed = parse_library([json.loads(f.read_text(encoding="utf-8")) for f in files])
    if parsed.errors:
        raise RuntimeError(f"app/data/criteria does not load: {parsed.errors[:5]}")
    conn = op.get_bind()
    conn.execute(
        sa.text("INSERT INTO criteria_version (version, note, criteria_count) VALUES (1, :note, :n)"),
        {"note": "app/data/criteria: " + ", ".join(f.name for f in files), "n": len(parsed.criteria)},
    )
    position = 0
    for doc, records in parsed.documents:
        doc_id = conn.execute(
            sa.text(
                "INSERT INTO criteria_document (version, title, issuer, number, published_on, effective_from, "
                "effective_to, complete, source, sources, missing, notes) VALUES (1, :title, :issuer, :number, "
                ":published_on, :effective_from, :effective_to, :complete, :source, CAST(:sources AS jsonb), "
                "CAST(:missing AS jsonb), CAST(:notes AS jsonb)) RETURNING id"
            ),
            {
                "title": doc.title, "issuer": doc.issuer, "number": doc.number, "published_on": doc.published_on,
                "effective_from": doc.effective_from, "effective_to": doc.effective_to, "complete": doc.complete,
                "source": doc.source, "sources": json.dumps(list(doc.sources), ensure_ascii=False),
                "missing": json.dumps(list(doc.missing), ensure_ascii=False),
                "notes": json.dumps(list(doc.notes), ensure_ascii=False),
            },
        ).scalar_one()
        for c in records:
            position += 1
            conn.execute(
                sa.text(
                    "INSERT INTO criterion (version, code, document_id, position, article, item, article_text, text, "
                    "sectors, tags, grade, effective_from, effective_to, source_ids) VALUES (1, :code, :doc, :pos, "
                    ":article, :item, :article_text, :text, :sectors, :tags, :grade, :f, :t, :source_ids)"
                ),
                {
                    "code": c.code, "doc": doc_id, "pos": position, "article": c.article, "item": c.item,
                    "article_text": c.article_text, "text": c.text, "sectors": list(c.sectors), "tags": list(c.tags),
                    "grade": c.grade, "f": doc.effective_from, "t": doc.effective_to, "source_ids": list(c.source_ids),
                },
            )
    for sector in sectors_of(parsed.criteria):
        name, items = default_checklist(sector, parsed.criteria)
        if not items:
            continue
        checklist_id = uuid.uuid5(ID_NAMESPACE, f"checklist:{sector}")
        conn.execute(
            sa.text(
                "INSERT INTO checklist (id, series_id, version, name, sectors, is_default) "
                "VALUES (:id, :id, 1, :name, :sectors, true)"
            ),
            {"id": checklist_id, "name": name, "sectors": [sector]},
        )
        for i, c in enumerate(items, start=1):
            conn.execute(
                sa.text(
                    "INSERT INTO checklist_item (id, checklist_id, position, text, criterion_version, criterion_code, grade) "
                    "VALUES (:id, :checklist, :pos, :text, 1, :code, :grade)"
                ),
                {
                    "id": uuid.uuid5(ID_NAMESPACE, f"item:{sector}:{c.code}"), "checklist": checklist_id, "pos": i,
                    "text": c.text, "code": c.code, "grade": c.grade,
                },
            )


def upgrade() -> None:
    _tables()
    _load_library()


def downgrade() -> None:
    op.drop_constraint(op.f("ck_enterprise_location_range"), "enterprise", type_="check")
    op.drop_constraint(op.f("ck_enterprise_location_both"), "enterprise", type_="check")
    op.drop_column("enterprise", "latitude")
    op.drop_column("enterprise", "longitude")
    op.drop_index("ix_risk_override_enterprise_id_id", table_name="risk_override")
    op.drop_table("risk_override")
    op.drop_index("ix_inspection_item_result_item_id", table_name="inspection_item_result")
    op.drop_table("inspection_item_result")
    op.drop_index("ix_inspection_checklist_id", table_name="inspection")
    op.drop_constraint(op.f("fk_inspection_checklist_id_checklist"), "inspection", type_="foreignkey")
    op.drop_column("inspection", "checklist_id")
    op.drop_table("checklist_item")
    op.drop_index("ix_checklist_sectors", table_name="checklist")
    op.drop_table("checklist")
    op.drop_index("ix_hazard_criterion_code", table_name="hazard")
    op.drop_constraint(op.f("ck_hazard_criterion_both"), "hazard", type_="check")
    op.drop_constraint(op.f("fk_hazard_criterion_version_criterion"), "hazard", type_="foreignkey")
    op.drop_column("hazard", "criterion_code")
    op.drop_column("hazard", "criterion_version")
    op.drop_index("ix_criterion_document_id", table_name="criterion")
    op.drop_index("ix_criterion_sectors", table_name="criterion")
    op.drop_table("criterion")
    op.drop_table("criteria_document")
    op.drop_table("criteria_version")
