"""the hazard read model's roll-ups: hazard counters keyed by what the statistics group and
filter by, without the enterprise and the discovery day

rm_hazard_roll holds one counter table per grouping set (column `gs`): the set's own
dimensions (village, sector, source or discovery month, or none), always grade and status,
an open hazard's deadline (overdue on a day is a range sum), a closed one's days to close
(the histogram of the medians) and a shard (a byte of the hazard id, eight ways for the
rows that open hazards move through) so that concurrent writes in one village spread over
several rows. Dimensions outside a set are NULL. As in 0016, statement-level triggers
apply the view's expressions (`rm_hazard_roll_expected`) to the transition tables, in the
writing transaction.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "('reported', 'rectifying', 'pending_review')"

# The grouping sets: number -> the dimensions kept (app/db/repositories/read_model.py, ROLLUP_SETS).
SETS: dict[int, tuple[str, ...]] = {
    0: (),
    1: ("village_id",),
    2: ("sector",),
    3: ("source",),
    4: ("village_id", "sector"),
    5: ("source", "sector"),
    6: ("month",),
}

# (column, type, expression over a hazard row); a dimension column is NULL outside its sets.
DIMENSIONS = [
    ("village_id", "uuid", "village_id"),
    ("sector", "varchar", "sector"),
    ("source", "varchar", "source"),
    ("month", "date", "date_trunc('month', discovered_on)::date"),
]
MEASURES = [
    ("grade", "varchar", "grade"),
    ("status", "varchar", "status"),
    ("deadline", "date", f"CASE WHEN status IN {OPEN} THEN deadline END"),
    ("days", "integer", "CASE WHEN status = 'closed' THEN closed_on - discovered_on END"),
    ("shard", "smallint", "(CASE WHEN status = 'closed' THEN 0 ELSE get_byte(uuid_send(id), 15) & 7 END)::smallint"),
]
COLUMNS = [("gs", "smallint", ""), *DIMENSIONS, *MEASURES]
KEY = ", ".join(c for c, _, _ in COLUMNS)


def _rows(source: str, sign: int | None) -> str:
    """Every grouping set's key of each row of `source`, with `sign` as d (or none)."""
    parts = []
    for gs, dims in SETS.items():
        exprs = [f"{gs}::smallint AS gs"]
        exprs += [f"{e} AS {c}" if c in dims else f"NULL::{t} AS {c}" for c, t, e in DIMENSIONS]
        exprs += [f"{e} AS {c}" for c, _, e in MEASURES]
        if sign is not None:
            exprs.append(f"{sign} AS d")
        parts.append(f"SELECT {', '.join(exprs)} FROM {source}")
    return " UNION ALL ".join(parts)


def _upsert(select: str) -> str:
    # Sorted keys: two statements touching the same rows lock them in the same order.
    return (
        f"INSERT INTO rm_hazard_roll AS t ({KEY}, n) SELECT {KEY}, sum(d) FROM ({select}) z "
        f"GROUP BY {KEY} HAVING sum(d) <> 0 ORDER BY {KEY} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = t.n + EXCLUDED.n"
    )


def upgrade() -> None:
    columns = ", ".join(f"{c} {t}" for c, t, _ in COLUMNS)
    op.execute(f"CREATE TABLE rm_hazard_roll ({columns}, n integer NOT NULL, "
               f"CONSTRAINT uq_rm_hazard_roll UNIQUE NULLS NOT DISTINCT ({KEY}))")
    op.execute("CREATE INDEX ix_rm_hazard_roll_sector ON rm_hazard_roll (gs, sector)")
    op.execute(
        f"CREATE VIEW rm_hazard_roll_expected AS SELECT {KEY}, count(*)::integer AS n "
        f"FROM ({_rows('hazard', None)}) s GROUP BY {KEY}"
    )
    plus, minus = _rows("new_rows", 1), _rows("old_rows", -1)
    for op_name, body, ref in (
        ("insert", _upsert(plus), "NEW TABLE AS new_rows"),
        ("delete", _upsert(minus), "OLD TABLE AS old_rows"),
        ("update", _upsert(f"{plus} UNION ALL {minus}"), "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ):
        op.execute(
            f"CREATE FUNCTION rm_hazard_roll_{op_name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER rm_hazard_roll_{op_name} AFTER {op_name.upper()} ON hazard "
            f"REFERENCING {ref} FOR EACH STATEMENT EXECUTE FUNCTION rm_hazard_roll_{op_name}()"
        )
    op.execute("INSERT INTO rm_hazard_roll SELECT * FROM rm_hazard_roll_expected")


def downgrade() -> None:
    for op_name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER rm_hazard_roll_{op_name} ON hazard")
        op.execute(f"DROP FUNCTION rm_hazard_roll_{op_name}()")
    op.execute("DROP VIEW rm_hazard_roll_expected")
    op.execute("DROP TABLE rm_hazard_roll")
