"""the analytics read model: counters and facts kept by statement-level triggers in the
writing transaction

Each read-model table `rm_X` has a view `rm_X_expected` that computes its whole content
from the ledger; the triggers apply the same expressions to the rows a statement touched
(transition tables), and `python -m app.cli rebuild-read-model` compares table and view.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "('reported', 'rectifying', 'pending_review')"

# Counter tables: (name, source table, [(column, type, expression over the source row)], row filter)
COUNTERS: list[tuple[str, str, list[tuple[str, str, str]], str]] = [
    (
        "rm_hazard_cell",
        "hazard",
        [
            ("enterprise_id", "uuid", "enterprise_id"),
            ("village_id", "uuid", "village_id"),
            ("sector", "varchar", "sector"),
            ("source", "varchar", "source"),
            ("grade", "varchar", "grade"),
            ("status", "varchar", "status"),
            ("discovered_on", "date", "discovered_on"),
            # an open hazard's deadline: it becomes overdue the day after
            ("deadline", "date", f"CASE WHEN status IN {OPEN} THEN deadline END"),
            # a closed hazard's days to close: the histogram behind the medians
            ("days", "integer", "CASE WHEN status = 'closed' THEN closed_on - discovered_on END"),
        ],
        "TRUE",
    ),
    (
        "rm_event_day",
        "inspection",
        [
            ("enterprise_id", "uuid", "enterprise_id"),
            ("code", "smallint", "1"),
            ("day", "date", "performed_on"),
        ],
        "kind = 'principal_self' AND led_by_principal",
    ),
    (
        "rm_event_day",
        "drill",
        [
            ("enterprise_id", "uuid", "enterprise_id"),
            ("code", "smallint", "2"),
            ("day", "date", "held_on"),
        ],
        "kind = 'evacuation'",
    ),
    (
        "rm_training_year",
        "training",
        [
            ("enterprise_id", "uuid", "enterprise_id"),
            ("year", "integer", "extract(year FROM held_on)::int"),
            ("trainee_role", "varchar", "trainee_role"),
        ],
        "passed",
    ),
    (
        "rm_supervision_done",
        "supervision_task",
        [
            ("org_unit_id", "uuid", "target_org_unit_id"),
            ("completed_on", "date", "completed_on"),
        ],
        "kind = 'supervision_round' AND status = 'accepted' AND target_org_unit_id IS NOT NULL",
    ),
]

MAJOR_EXPECTED = """
SELECT h.id AS hazard_id, h.enterprise_id, h.village_id, h.sector, h.discovered_on, h.listed
FROM hazard h WHERE h.grade = 'major'
"""

# A major hazard's (status, deadline) between consecutive boundaries: the dates of its
# history steps and of the row's own last changes; within a span both are constant, and
# they are computed by the very expressions of the reference (app/db/repositories/targets.py).
SPAN_EXPECTED = """
SELECT h.id AS hazard_id, b.valid_from,
       (SELECT min(c.d) FROM (SELECT x.effective_on AS d FROM hazard_history x WHERE x.hazard_id = h.id
                              UNION ALL SELECT h.status_effective_on UNION ALL SELECT h.deadline_set_on) c
        WHERE c.d > b.valid_from) AS valid_to,
       CASE WHEN b.valid_from >= h.status_effective_on THEN h.status ELSE
            (SELECT x.to_status FROM hazard_history x WHERE x.hazard_id = h.id AND x.effective_on <= b.valid_from
             ORDER BY x.id DESC LIMIT 1) END AS status,
       CASE WHEN b.valid_from >= h.deadline_set_on THEN h.deadline ELSE
            (SELECT x.deadline FROM hazard_history x WHERE x.hazard_id = h.id AND x.effective_on <= b.valid_from
             AND x.deadline IS NOT NULL ORDER BY x.id DESC LIMIT 1) END AS deadline
FROM hazard h
CROSS JOIN LATERAL (
    SELECT x.effective_on FROM hazard_history x WHERE x.hazard_id = h.id
    UNION SELECT h.status_effective_on UNION SELECT h.deadline_set_on
) b(valid_from)
WHERE h.grade = 'major' AND b.valid_from IS NOT NULL
"""


def _tables() -> dict[str, list[tuple[str, str, str]]]:
    out: dict[str, list[tuple[str, str, str]]] = {}
    for name, _, cols, _ in COUNTERS:
        out.setdefault(name, cols)
    return out


def _counter_triggers(name: str, source: str, cols: list[tuple[str, str, str]], where: str) -> None:
    key = ", ".join(c for c, _, _ in cols)
    exprs = ", ".join(f"{e} AS {c}" for c, _, e in cols)
    fn = f"{name}_{source}"

    def upsert(select: str) -> str:
        # Sorted keys: two statements touching the same rows lock them in the same order.
        return (
            f"INSERT INTO {name} AS t ({key}, n) SELECT {key}, sum(d) FROM ({select}) z "
            f"GROUP BY {key} HAVING sum(d) <> 0 ORDER BY {key} "
            f"ON CONFLICT ({key}) DO UPDATE SET n = t.n + EXCLUDED.n"
        )

    plus = f"SELECT {exprs}, 1 AS d FROM new_rows WHERE {where}"
    minus = f"SELECT {exprs}, -1 AS d FROM old_rows WHERE {where}"
    for op_name, body, ref in (
        ("insert", upsert(plus), "NEW TABLE AS new_rows"),
        ("delete", upsert(minus), "OLD TABLE AS old_rows"),
        ("update", upsert(f"{plus} UNION ALL {minus}"), "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
    ):
        op.execute(
            f"CREATE FUNCTION {fn}_{op_name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {body}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {fn}_{op_name} AFTER {op_name.upper()} ON {source} "
            f"REFERENCING {ref} FOR EACH STATEMENT EXECUTE FUNCTION {fn}_{op_name}()"
        )


def upgrade() -> None:
    for name, cols in _tables().items():
        columns = ", ".join(f"{c} {t}" for c, t, _ in cols)
        key = ", ".join(c for c, _, _ in cols)
        op.execute(f"CREATE TABLE {name} ({columns}, n integer NOT NULL, "
                   f"CONSTRAINT uq_{name} UNIQUE NULLS NOT DISTINCT ({key}))")
        parts = []
        for cname, source, ccols, where in COUNTERS:
            if cname == name:
                exprs = ", ".join(f"{e} AS {c}" for c, _, e in ccols)
                parts.append(f"SELECT {exprs} FROM {source} WHERE {where}")
        op.execute(
            f"CREATE VIEW {name}_expected AS SELECT {key}, count(*)::integer AS n "
            f"FROM ({' UNION ALL '.join(parts)}) s GROUP BY {key}"
        )
    op.execute("CREATE INDEX ix_rm_hazard_cell_village ON rm_hazard_cell (village_id)")
    op.execute("CREATE INDEX ix_rm_hazard_cell_sector ON rm_hazard_cell (sector)")

    op.execute(
        "CREATE TABLE rm_major (hazard_id uuid CONSTRAINT pk_rm_major PRIMARY KEY, enterprise_id uuid NOT NULL, village_id uuid, "
        "sector varchar(40), discovered_on date NOT NULL, listed boolean NOT NULL)"
    )
    op.execute(
        "CREATE TABLE rm_major_span (hazard_id uuid NOT NULL, valid_from date NOT NULL, valid_to date, "
        "status varchar(20), deadline date, CONSTRAINT pk_rm_major_span PRIMARY KEY (hazard_id, valid_from))"
    )
    op.execute(f"CREATE VIEW rm_major_expected AS {MAJOR_EXPECTED}")
    op.execute(f"CREATE VIEW rm_major_span_expected AS {SPAN_EXPECTED}")
    # The major hazards a statement touched are recomputed whole from their row and history.
    op.execute(
        """
        CREATE FUNCTION rm_major_refresh(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF cardinality(ids) = 0 THEN RETURN; END IF;
            DELETE FROM rm_major_span WHERE hazard_id = ANY(ids);
            DELETE FROM rm_major WHERE hazard_id = ANY(ids);
            INSERT INTO rm_major SELECT * FROM rm_major_expected WHERE hazard_id = ANY(ids);
            INSERT INTO rm_major_span SELECT * FROM rm_major_span_expected WHERE hazard_id = ANY(ids);
        END $$
        """
    )
    for op_name, ref, ids in (
        ("insert", "NEW TABLE AS new_rows", "SELECT id FROM new_rows WHERE grade = 'major'"),
        ("delete", "OLD TABLE AS old_rows", "SELECT id FROM old_rows WHERE grade = 'major'"),
        (  # only rows whose figures changed
            "update",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            (
                "SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (n.grade = 'major' OR o.grade = 'major') "
                "AND (n.grade, n.status, n.status_effective_on, n.deadline, n.deadline_set_on, n.enterprise_id, "
                "n.village_id, n.sector, n.discovered_on, n.listed) IS DISTINCT FROM (o.grade, o.status, "
                "o.status_effective_on, o.deadline, o.deadline_set_on, o.enterprise_id, o.village_id, o.sector, "
                "o.discovered_on, o.listed)"
            ),
        ),
    ):
        op.execute(
            f"CREATE FUNCTION rm_major_hazard_{op_name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN PERFORM rm_major_refresh(ARRAY({ids} ORDER BY 1)); RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER rm_major_hazard_{op_name} AFTER {op_name.upper()} ON hazard "
            f"REFERENCING {ref} FOR EACH STATEMENT EXECUTE FUNCTION rm_major_hazard_{op_name}()"
        )
    op.execute(
        "CREATE FUNCTION rm_major_history_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM rm_major_refresh(ARRAY(SELECT DISTINCT r.hazard_id FROM new_rows r JOIN hazard h ON h.id = r.hazard_id "
        "WHERE h.grade = 'major' ORDER BY 1)); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER rm_major_history_insert AFTER INSERT ON hazard_history REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION rm_major_history_insert()"
    )
    op.execute("CREATE INDEX ix_rm_major_village ON rm_major (village_id)")
    op.execute("CREATE INDEX ix_rm_major_sector ON rm_major (sector)")
    op.execute("CREATE INDEX ix_rm_major_enterprise ON rm_major (enterprise_id)")

    for name, source, cols, where in COUNTERS:
        _counter_triggers(name, source, cols, where)

    # What the ledger holds already.
    for name in [*_tables(), "rm_major", "rm_major_span"]:
        op.execute(f"INSERT INTO {name} SELECT * FROM {name}_expected")


def downgrade() -> None:
    for name, source, _, _ in COUNTERS:
        for op_name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER {name}_{source}_{op_name} ON {source}")
            op.execute(f"DROP FUNCTION {name}_{source}_{op_name}()")
    for op_name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER rm_major_hazard_{op_name} ON hazard")
        op.execute(f"DROP FUNCTION rm_major_hazard_{op_name}()")
    op.execute("DROP TRIGGER rm_major_history_insert ON hazard_history")
    op.execute("DROP FUNCTION rm_major_history_insert()")
    op.execute("DROP FUNCTION rm_major_refresh(uuid[])")
    for name in ["rm_major_span", "rm_major", *_tables()]:
        op.execute(f"DROP VIEW {name}_expected")
        op.execute(f"DROP TABLE {name}")
