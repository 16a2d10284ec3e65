"""Ledger imports (台账导入, I1–I3): upload, validation, commit.

- `create` (the upload's use case) stores the file, the uploader's scope and today's date in
  the caller's unit of work; the status is `validating`.
- `validate(db, audit_keys, import_id)` reads and checks every row, in units of work of its
  own, so it runs wherever it is called from: after the upload's answer in the API process,
  or in a job. Rows are parsed in a worker thread (app.domain.imports); every few thousand
  rows the valid ones go into ledger_import_row by COPY, the errors into
  ledger_import_error, and the progress is committed, readable while it runs. Then the
  checks that need the database run as statements over the staged rows: villages and
  enterprises by name or credit code within the uploader's scope, duplicates of what is
  registered. The status becomes `ready` (or `failed` when the file as a whole cannot be
  read: an unknown header, no header row).
- `request_commit` (the commit's use case, in the request's unit of work) applies I2's
  policy — an import with errors commits only with `skip_invalid` — claims the file (one
  committed import per kind and SHA-256) and sets `committing`; `commit(db, audit_keys,
  import_id)` then writes, in one unit of work: the checks run again (the database may have
  changed), and one INSERT … SELECT per target table (and the hazards' history, I3) writes
  every staged row, or nothing. Events: one per created resource, of the types the one-by-one
  writes use (hazard.created, inspection.recorded, drill.recorded, training.recorded), and one
  `import.committed` for the import as a whole (enterprises have no event of their own)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.orm import undefer

from app.db.ids import uuid7
from app.db.models import LedgerImport, LedgerImportError, LedgerImportRow
from app.db.unit_of_work import UnitOfWork, unit_of_work, utc_now
from app.domain import access
from app.domain import imports as rules
from app.domain.access import Principal
from app.domain.audit import AuditKeys
from app.domain.enterprises import default_high_risk
from app.domain.enums import Role
from app.domain.errors import Conflict, Forbidden, NotFound
from app.domain.inspections import kind_problem
from app.services import import_files
from app.services.context import Context
from app.services.events import EventType

log = logging.getLogger("anquan.imports")

RESOURCE = "imports"
VALIDATE_TASK = "imports.validate"
COMMIT_TASK = "imports.commit"
CHUNK_ROWS = 5000
ERROR_VALUE_LIMIT = 200


# --- upload ---------------------------------------------------------------------------------


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def committed_import(ctx: Context, kind: str, sha256: str) -> LedgerImport | None:
    stmt = select(LedgerImport).where(
        LedgerImport.kind == kind, LedgerImport.sha256 == sha256,
        LedgerImport.status.in_(("committing", "committed")),
    )
    return (await ctx.session.execute(stmt)).scalars().first()


def _already_imported(ctx: Context, existing: LedgerImport) -> Conflict:
    visible = access.sees_import(ctx.principal, org_unit_id=existing.org_unit_id)
    return Conflict(
        "this file was imported already (I2: the same file is imported once)",
        code="already_imported",
        import_id=str(existing.id) if visible else None,
    )


async def create(
    ctx: Context, kind: str, *, filename: str | None, content: bytes, info: import_files.FileInfo
) -> LedgerImport:
    """I1: an upload; validated afterwards by `validate`."""
    reason = access.can_import_ledger(ctx.principal)
    if reason:
        raise Forbidden(reason)
    sha256 = file_hash(content)
    existing = await committed_import(ctx, kind, sha256)
    if existing is not None:
        raise _already_imported(ctx, existing)
    scope = ctx.scope
    imp = LedgerImport(
        id=uuid7(),
        kind=kind,
        status="validating",
        file_format=info.format,
        encoding=info.encoding,
        filename=filename,
        sha256=sha256,
        size=len(content),
        content=content,
        created_by=ctx.principal.user_id,
        created_by_role=ctx.principal.role.value,
        org_unit_id=ctx.principal.org_unit_id,
        scope_kind=scope.kind.value,
        scope_village_id=scope.village_id,
        scope_sectors=sorted(scope.sectors),
        today=ctx.today,
        rows_done=0, valid=0, invalid=0, duplicates=0, version=1,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(imp)
    await ctx.session.flush()
    ctx.audit("import.create", RESOURCE, imp.id)
    # the validation is a job of the engine, queued with the stored file (R7)
    ctx.uow.enqueue(VALIDATE_TASK, {"import_id": str(imp.id)}, dedupe_key=f"import-validate:{imp.id}")
    return imp


async def load(ctx: Context, import_id: uuid.UUID, *, for_update: bool = False) -> LedgerImport:
    """A2: an import the caller may see, else NotFound."""
    stmt = select(LedgerImport).where(LedgerImport.id == import_id)
    if for_update:
        stmt = stmt.with_for_update()
    imp = (await ctx.session.execute(stmt)).scalar_one_or_none()
    if imp is None or not access.sees_import(ctx.principal, org_unit_id=imp.org_unit_id):
        raise NotFound(f"no import {import_id}")
    return imp


# --- validation -----------------------------------------------------------------------------


@dataclass
class Chunk:
    staged: list[tuple[Any, ...]]
    errors: list[tuple[Any, ...]]
    rows_done: int


@dataclass(frozen=True)
class Header:
    total: int
    header_map: rules.HeaderMap | None
    errors: tuple[rules.Issue, ...]


def _count_and_header(content: bytes, info: import_files.FileInfo, kind: str) -> Header:
    """The header row (the first row that is not blank) and the number of data rows that are
    not blank: empty rows, trailing or not, are not counted."""
    header_cells: list[Any] | None = None
    total = 0
    for _, cells in import_files.rows(content, info):
        if all(rules.is_blank(c) for c in cells):
            continue
        if header_cells is None:
            header_cells = cells
            continue
        total += 1
    if header_cells is None:
        return Header(0, None, (rules.Issue("", "文件中没有表头行"),))
    result = rules.map_headers(kind, header_cells)
    return Header(total, result.header_map, result.errors)


def _error(import_id: uuid.UUID, row: int, issue: rules.Issue, value: Any, *, duplicate: bool = False) -> tuple[Any, ...]:
    return (import_id, row, issue.column[:100], rules.shown(value, ERROR_VALUE_LIMIT), issue.message, duplicate)


class _RowChecker:
    """Parses rows (pure rules) into staged records and errors; kept across chunks for the
    duplicates within the file."""

    def __init__(self, imp_id: uuid.UUID, kind: rules.ImportKind, header_map: rules.HeaderMap, role: Role, today: Any):
        self.import_id = imp_id
        self.kind = kind
        self.header_map = header_map
        self.role = role
        self.today = today
        self.duplicates = rules.DuplicateFinder(kind)
        self.columns = {c.header: i for i, c in header_map.positions}
        self.source_ids: dict[uuid.UUID, int] = {}

    def value(self, cells: list[Any], column: str) -> Any:
        index = self.columns.get(column)
        if index is None and column.startswith("第") and column.endswith("列（无列名）"):
            index = int(column[1 : column.index("列")]) - 1
        return cells[index] if index is not None and index < len(cells) else None

    def check(self, number: int, cells: list[Any], chunk: Chunk) -> None:
        parsed = rules.parse_row(self.header_map, cells, today=self.today)
        if parsed.blank:
            return
        chunk.rows_done += 1
        if parsed.row is None:
            chunk.errors += [_error(self.import_id, number, e, self.value(cells, e.column)) for e in parsed.errors]
            return
        row = parsed.row
        duplicate = self.duplicates.check(number, row)
        if duplicate is not None:
            chunk.errors.append(_error(self.import_id, number, duplicate, self.value(cells, duplicate.column), duplicate=True))
            return
        data = rules.staged(row)
        target = uuid7()
        if isinstance(row, rules.EnterpriseRow):
            if row.high_risk is None:
                data["high_risk"] = default_high_risk(row.sector)
        elif isinstance(row, rules.HazardRow):
            data["title_key"] = rules.title_key(row.title)
            source_id = _uuid_or_none(row.source_ref)
            if source_id is not None:
                first = self.source_ids.get(source_id)
                if first is not None:
                    issue = rules.Issue("隐患编号", f"与第{first}行的隐患编号重复")
                    chunk.errors.append(_error(self.import_id, number, issue, row.source_ref, duplicate=True))
                    return
                self.source_ids[source_id] = number
                target = source_id  # an exported hazard keeps its id: the export re-imports unchanged
        elif isinstance(row, rules.InspectionRow):
            problem = kind_problem(self.role, row.kind)
            if problem:
                issue = rules.Issue("检查类型", "企业用户只能导入主要负责人带队自查")
                chunk.errors.append(_error(self.import_id, number, issue, self.value(cells, "检查类型")))
                return
        chunk.staged.append((self.import_id, number, target, orjson.dumps(data).decode()))


def _uuid_or_none(value: str | None) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _parse_in_thread(
    content: bytes, info: import_files.FileInfo, checker: _RowChecker, emit: Callable[[Chunk], None]
) -> None:
    """Runs in a worker thread: the rows after the header, checked, handed over by chunks."""
    chunk = Chunk([], [], 0)
    header_seen = False
    for number, cells in import_files.rows(content, info):
        if not header_seen:
            if all(rules.is_blank(c) for c in cells):
                continue
            header_seen = True
            continue
        checker.check(number, cells, chunk)
        if chunk.rows_done >= CHUNK_ROWS:
            emit(chunk)
            chunk = Chunk([], [], 0)
    emit(chunk)


async def _raw(uow: UnitOfWork) -> Any:
    """The asyncpg connection under the unit of work's session (for COPY)."""
    connection = await uow.session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


async def _copy(uow: UnitOfWork, chunk: Chunk) -> None:
    conn = await _raw(uow)
    if chunk.staged:
        await conn.copy_records_to_table(
            "ledger_import_row", records=chunk.staged, columns=["import_id", "row", "target_id", "data"]
        )
    if chunk.errors:
        await conn.copy_records_to_table(
            "ledger_import_error", records=chunk.errors,
            columns=["import_id", "row", "column", "value", "message", "duplicate"],
        )


async def validate(
    db: Any, audit_keys: AuditKeys, import_id: uuid.UUID, *, clock: Callable[[], datetime] = utc_now
) -> None:
    """I1/I2: check every row of a `validating` import (see the module docstring). Safe to
    run again after an interruption: it starts over."""
    async with unit_of_work(db, audit_keys, clock=clock) as uow:
        stmt = select(LedgerImport).where(LedgerImport.id == import_id).options(undefer(LedgerImport.content))
        imp = (await uow.session.execute(stmt)).scalar_one_or_none()
        if imp is None or imp.status != "validating":
            return
        await uow.session.execute(delete(LedgerImportRow).where(LedgerImportRow.import_id == import_id))
        await uow.session.execute(delete(LedgerImportError).where(LedgerImportError.import_id == import_id))
        content, kind, today = imp.content, rules.ImportKind(imp.kind), imp.today
        info = import_files.FileInfo(imp.file_format, imp.encoding)
        role = Role(imp.created_by_role)
    try:
        header = await asyncio.to_thread(_count_and_header, content, info, kind)
    except import_files.UnsupportedFile as exc:  # checked at upload; a reader's own refusal
        header = Header(0, None, (rules.Issue("", f"无法读取文件：{exc}"),))
    async with unit_of_work(db, audit_keys, clock=clock) as uow:
        values: dict[str, Any] = {"rows_total": header.total, "updated_at": clock()}
        if header.header_map is None:
            await _copy(uow, Chunk([], [_error(import_id, 1, e, e.column or None) for e in header.errors], 0))
            values |= {"status": "failed", "invalid": 0, "valid": 0, "duplicates": 0}
        await uow.session.execute(update(LedgerImport).where(LedgerImport.id == import_id).values(**values))
    if header.header_map is None:
        return

    checker = _RowChecker(import_id, kind, header.header_map, role, today)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Chunk | BaseException | None] = asyncio.Queue(maxsize=2)

    def emit(chunk: Chunk) -> None:
        asyncio.run_coroutine_threadsafe(queue.put(chunk), loop).result()

    def work() -> None:
        try:
            _parse_in_thread(content, info, checker, emit)
            asyncio.run_coroutine_threadsafe(queue.put(None), loop).result()
        except BaseException as exc:  # handed to the coroutine, which re-raises it
            asyncio.run_coroutine_threadsafe(queue.put(exc), loop).result()

    thread = threading.Thread(target=work, name=f"import-{import_id}", daemon=True)
    thread.start()
    done = 0
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            done += item.rows_done
            async with unit_of_work(db, audit_keys, clock=clock) as uow:
                await _copy(uow, item)
                await uow.session.execute(
                    update(LedgerImport).where(LedgerImport.id == import_id).values(rows_done=done, updated_at=clock())
                )
    finally:
        await asyncio.to_thread(thread.join)

    async with unit_of_work(db, audit_keys, clock=clock) as uow:
        conn = await _raw(uow)
        await _check_against_database(conn, import_id, kind)
        await _drop_failed_rows(conn, import_id)
        await _update_counts(conn, import_id, status="ready", now=clock())


async def mark_failed(db: Any, audit_keys: AuditKeys, import_id: uuid.UUID, *, clock: Callable[[], datetime] = utc_now) -> None:
    """A validation that broke off (a bug, an outage): `failed`, with the reason on row 1."""
    async with unit_of_work(db, audit_keys, clock=clock) as uow:
        result = await uow.session.execute(
            update(LedgerImport).where(LedgerImport.id == import_id, LedgerImport.status == "validating")
            .values(status="failed", updated_at=clock(), version=LedgerImport.version + 1)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            uow.session.add(LedgerImportError(import_id=import_id, row=1, column="", value=None,
                                              message="校验时发生内部错误，请重新上传；如仍失败请联系管理员", duplicate=False))


# --- the checks that need the database ---------------------------------------------------------

# The import's stored scope, as SQL over an enterprise `e` and the import `i` (A1).
_IN_SCOPE = (
    "(i.scope_kind = 'all' OR (i.scope_kind = 'sectors' AND e.sector = ANY(i.scope_sectors)) "
    "OR (i.scope_kind = 'village' AND e.village_id = i.scope_village_id))"
)
_ERROR_INSERT = 'INSERT INTO ledger_import_error (import_id, "row", "column", value, message, duplicate) '

_ENTERPRISE_CHECKS = (
    # villages by name (I1), one match only
    """
    UPDATE ledger_import_row r SET village_id = v.id
    FROM (SELECT name, (array_agg(id))[1] AS id FROM org_unit WHERE kind = 'village' GROUP BY name HAVING count(*) = 1) v
    WHERE r.import_id = $1 AND v.name = r.data->>'village_name'
    """,
    _ERROR_INSERT + """
    SELECT r.import_id, r.row, '所属村居', left(r.data->>'village_name', 200),
           '未找到名为“' || left(r.data->>'village_name', 100) || '”的村居，可选：' ||
           coalesce((SELECT string_agg(name, '、' ORDER BY name) FROM org_unit WHERE kind = 'village'), '（无）'), false
    FROM ledger_import_row r WHERE r.import_id = $1 AND r.village_id IS NULL
    """,
    # who may register where (A3): a village officer in its village, a department in its sectors
    _ERROR_INSERT + """
    SELECT r.import_id, r.row, CASE WHEN i.scope_kind = 'village' THEN '所属村居' ELSE '行业领域' END,
           CASE WHEN i.scope_kind = 'village' THEN left(r.data->>'village_name', 200) ELSE r.data->>'sector' END,
           CASE WHEN i.scope_kind = 'village' THEN '只能导入本村居的单位' ELSE '只能导入本部门牵头行业领域的单位' END, false
    FROM ledger_import_row r JOIN ledger_import i ON i.id = r.import_id
    WHERE r.import_id = $1 AND r.village_id IS NOT NULL AND NOT (
        i.scope_kind = 'all' OR (i.scope_kind = 'sectors' AND r.data->>'sector' = ANY(i.scope_sectors))
        OR (i.scope_kind = 'village' AND r.village_id = i.scope_village_id))
    """,
    # I2: a credit code already registered
    _ERROR_INSERT + """
    SELECT r.import_id, r.row, '统一社会信用代码', r.data->>'credit_code', '该统一社会信用代码已登记', true
    FROM ledger_import_row r WHERE r.import_id = $1
      AND EXISTS (SELECT 1 FROM enterprise e WHERE e.credit_code = r.data->>'credit_code')
    """,
)

_ACTIVITY_CHECKS = (
    # the enterprise by its credit code, within the scope
    f"""
    UPDATE ledger_import_row r SET enterprise_id = e.id
    FROM enterprise e, ledger_import i
    WHERE r.import_id = $1 AND i.id = r.import_id AND r.data->>'credit_code' IS NOT NULL
      AND e.credit_code = r.data->>'credit_code' AND {_IN_SCOPE}
    """,
    # else by its name, when exactly one visible enterprise has it
    f"""
    UPDATE ledger_import_row r SET enterprise_id = m.id
    FROM (SELECT e.name, (array_agg(e.id))[1] AS id FROM enterprise e, ledger_import i
          WHERE i.id = $1 AND {_IN_SCOPE} GROUP BY e.name HAVING count(*) = 1) m
    WHERE r.import_id = $1 AND r.data->>'credit_code' IS NULL AND m.name = r.data->>'enterprise_name'
    """,
    _ERROR_INSERT + f"""
    SELECT r.import_id, r.row,
           CASE WHEN r.data->>'credit_code' IS NOT NULL THEN '统一社会信用代码' ELSE '所属单位' END,
           left(coalesce(r.data->>'credit_code', r.data->>'enterprise_name'), 200),
           CASE
             WHEN r.data->>'credit_code' IS NOT NULL
               THEN '未找到统一社会信用代码为' || (r.data->>'credit_code') || '的单位（或不在您的管辖范围内）'
             WHEN (SELECT count(*) FROM enterprise e, ledger_import i
                   WHERE i.id = $1 AND {_IN_SCOPE} AND e.name = r.data->>'enterprise_name') > 1
               THEN '有多家名为“' || left(r.data->>'enterprise_name', 100) || '”的单位，请填写统一社会信用代码'
             ELSE '未找到名为“' || left(r.data->>'enterprise_name', 100) || '”的单位（或不在您的管辖范围内）'
           END, false
    FROM ledger_import_row r WHERE r.import_id = $1 AND r.enterprise_id IS NULL
    """,
)

_HAZARD_CHECKS = (
    # I2: the same enterprise, title and discovered date registered already
    _ERROR_INSERT + """
    SELECT r.import_id, r.row, '隐患名称', left(r.data->>'title', 200),
           '与已登记的隐患重复（同一单位、隐患名称和发现日期相同）', true
    FROM ledger_import_row r WHERE r.import_id = $1 AND r.enterprise_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM hazard h WHERE h.enterprise_id = r.enterprise_id
                  AND h.discovered_on = (r.data->>'discovered_on')::date
                  AND regexp_replace(btrim(normalize(h.title, NFKC)), '\\s+', ' ', 'g') = r.data->>'title_key')
    """,
    # an exported hazard whose id is registered: the same hazard
    _ERROR_INSERT + """
    SELECT r.import_id, r.row, '隐患编号', r.data->>'source_ref', '该隐患编号的隐患已登记', true
    FROM ledger_import_row r WHERE r.import_id = $1
      AND EXISTS (SELECT 1 FROM hazard h WHERE h.id = r.target_id)
      AND NOT EXISTS (SELECT 1 FROM ledger_import_error x WHERE x.import_id = r.import_id AND x.row = r.row)
    """,
)


def _checks(kind: rules.ImportKind) -> tuple[str, ...]:
    if kind is rules.ImportKind.enterprises:
        return _ENTERPRISE_CHECKS
    if kind is rules.ImportKind.hazards:
        return _ACTIVITY_CHECKS + _HAZARD_CHECKS
    return _ACTIVITY_CHECKS


async def _check_against_database(conn: Any, import_id: uuid.UUID, kind: rules.ImportKind) -> int:
    """Adds the errors the database finds in the staged rows; the number of rows it failed."""
    before = await conn.fetchval('SELECT count(DISTINCT "row") FROM ledger_import_error WHERE import_id = $1', import_id)
    for statement in _checks(kind):
        await conn.execute(statement, import_id)
    after = await conn.fetchval('SELECT count(DISTINCT "row") FROM ledger_import_error WHERE import_id = $1', import_id)
    return int(after - before)


async def _drop_failed_rows(conn: Any, import_id: uuid.UUID) -> None:
    await conn.execute(
        'DELETE FROM ledger_import_row r USING ledger_import_error x '
        'WHERE r.import_id = $1 AND x.import_id = $1 AND x.row = r.row',
        import_id,
    )


async def _update_counts(conn: Any, import_id: uuid.UUID, *, status: str, now: datetime) -> None:
    """counts{valid, invalid, duplicates}: a row with any error that is not a duplicate is
    invalid; a row whose only errors are duplicates is a duplicate."""
    await conn.execute(
        """
        UPDATE ledger_import i SET status = $2, updated_at = $3, version = i.version + 1,
            valid = (SELECT count(*) FROM ledger_import_row r WHERE r.import_id = $1),
            invalid = (SELECT count(*) FROM (SELECT 1 FROM ledger_import_error x WHERE x.import_id = $1 AND x.row > 1
                       GROUP BY x.row HAVING NOT bool_and(x.duplicate)) e),
            duplicates = (SELECT count(*) FROM (SELECT 1 FROM ledger_import_error x WHERE x.import_id = $1
                          GROUP BY x.row HAVING bool_and(x.duplicate)) d)
        WHERE i.id = $1
        """,
        import_id, status, now,
    )


# --- commit ---------------------------------------------------------------------------------------


class ImportNotReady(Conflict):
    code = "import_not_ready"


async def request_commit(ctx: Context, imp: LedgerImport, *, skip_invalid: bool) -> bool:
    """I2: claim the import for its commit; True when `commit` is to run, False when it is
    committed or being committed already (the request is answered as it stands)."""
    reason = access.can_import_ledger(ctx.principal)
    if reason:
        raise Forbidden(reason)
    if imp.status in ("committing", "committed"):
        return False
    if imp.status != "ready":
        raise ImportNotReady(
            "the import is still being validated" if imp.status == "validating" else "the file could not be imported",
            current_status=imp.status,
        )
    if (imp.invalid or imp.duplicates) and not skip_invalid:
        raise Conflict(
            f"{imp.invalid} rows are invalid and {imp.duplicates} are duplicates: fix them and upload again, or "
            "commit with skip_invalid true to import the valid rows only (I2)",
            code="import_has_errors", current_status=imp.status,
        )
    existing = await committed_import(ctx, imp.kind, imp.sha256)
    if existing is not None and existing.id != imp.id:
        raise _already_imported(ctx, existing)
    imp.status = "committing"
    imp.skip_invalid = skip_invalid
    imp.committed_by = ctx.principal.user_id
    imp.committed_by_role = ctx.principal.role.value
    imp.version += 1
    imp.updated_at = ctx.now
    ctx.audit("import.commit", RESOURCE, imp.id)
    await ctx.session.flush()
    ctx.uow.enqueue(COMMIT_TASK, {"import_id": str(imp.id)}, dedupe_key=f"import-commit:{imp.id}")
    return True


async def commit(db: Any, audit_keys: AuditKeys, import_id: uuid.UUID, *, clock: Callable[[], datetime] = utc_now) -> None:
    """I2/I3: write every staged row of a `committing` import in one unit of work, or none.
    The database checks run again first; rows that fail them now are skipped when the
    commit was asked with skip_invalid, else the import goes back to `ready` with them."""
    try:
        async with unit_of_work(db, audit_keys, clock=clock) as uow:
            stmt = select(LedgerImport).where(LedgerImport.id == import_id).with_for_update()
            imp = (await uow.session.execute(stmt)).scalar_one_or_none()
            if imp is None or imp.status != "committing":
                return
            conn = await _raw(uow)
            kind = rules.ImportKind(imp.kind)
            now = clock()
            failed = await _check_against_database(conn, import_id, kind)
            await _drop_failed_rows(conn, import_id)
            if failed and not imp.skip_invalid:
                await _update_counts(conn, import_id, status="ready", now=now)
                return
            await _update_counts(conn, import_id, status="committing", now=now)
            created = await _write(conn, imp, kind, now)
            await conn.execute(
                "UPDATE ledger_import SET status = 'committed', committed_at = $2, created_count = $3, "
                "updated_at = $2, version = version + 1 WHERE id = $1",
                import_id, now, created,
            )
            await conn.execute("DELETE FROM ledger_import_row WHERE import_id = $1", import_id)
            uow.event(
                "import.committed", "import", import_id, village_id=imp.scope_village_id,
                data={"kind": imp.kind, "created": created},
            )
            committer = Principal(
                user_id=imp.committed_by or imp.created_by, username="",
                role=Role(imp.committed_by_role or imp.created_by_role), org_unit_id=None, enterprise_id=None,
            )
            uow.audit(f"import.commit.{imp.kind}", RESOURCE, import_id, actor=committer)
    except Exception:
        log.exception("import %s: the commit failed; back to ready", import_id)
        async with unit_of_work(db, audit_keys, clock=clock) as uow:
            await uow.session.execute(
                update(LedgerImport).where(LedgerImport.id == import_id, LedgerImport.status == "committing")
                .values(status="ready", updated_at=clock())
            )
        raise


def _d(field: str) -> str:
    return f"(r.data->>'{field}')"


_STEP_VALUES = ", ".join(
    f"('{a}', {f}, '{t}')" for a, f, t in (
        ("create", "NULL", "reported"), ("void", "'reported'", "void"), ("plan", "'reported'", "rectifying"),
        ("submit", "'rectifying'", "pending_review"), ("approve", "'pending_review'", "closed"),
    )
)


async def _write(conn: Any, imp: LedgerImport, kind: rules.ImportKind, now: datetime) -> int:
    """One INSERT … SELECT per target table, plain INSERTs into the ledger (statement-level
    triggers see them as one statement). Returns the number of resources created."""
    args = (imp.id, imp.committed_by, now)
    if kind is rules.ImportKind.enterprises:
        created = await conn.fetchval(
            f"""
            WITH new AS (
                INSERT INTO enterprise (id, name, credit_code, village_id, sector, high_risk, status, registered_on,
                    tags, principal_name, principal_phone, controller_name, controller_phone, address,
                    standardization_level, benchmark, version, created_by, created_at, updated_at)
                SELECT r.target_id, {_d('name')}, {_d('credit_code')}, r.village_id, {_d('sector')},
                    {_d('high_risk')}::boolean, {_d('status')}, {_d('registered_on')}::date,
                    ARRAY(SELECT jsonb_array_elements_text(r.data->'tags'))::varchar[],
                    {_d('principal_name')}, {_d('principal_phone')}, {_d('actual_controller_name')},
                    {_d('actual_controller_phone')}, {_d('address')}, {_d('standardization_level')},
                    {_d('benchmark')}::boolean, 1, $2, $3, $3
                FROM ledger_import_row r WHERE r.import_id = $1 ORDER BY r.row
                RETURNING id, registered_on, status, high_risk
            ), states AS (
                INSERT INTO enterprise_state (enterprise_id, effective_on, status, high_risk, at)
                SELECT id, registered_on, status, high_risk, $3 FROM new
            )
            SELECT count(*) FROM new
            """,
            *args,
        )
        return int(created)
    if kind is rules.ImportKind.hazards:
        created = await conn.fetchval(
            f"""
            WITH new AS (
                INSERT INTO hazard (id, enterprise_id, village_id, sector, grade, source, title, description,
                    criterion_ref, location, discovered_on, status, status_effective_on, deadline, deadline_set_on,
                    extensions, responsible_person, measures, funds, contingency_plan, listed, closed_on, version,
                    created_by, created_at, updated_at)
                SELECT r.target_id, e.id, e.village_id, e.sector, {_d('grade')}, {_d('source')}, {_d('title')},
                    {_d('description')}, {_d('criterion_ref')}, {_d('location')}, {_d('discovered_on')}::date,
                    {_d('status')},
                    CASE WHEN {_d('status')} = 'closed' THEN {_d('closed_on')}::date ELSE {_d('discovered_on')}::date END,
                    {_d('deadline')}::date, {_d('discovered_on')}::date, {_d('extensions')}::int,
                    {_d('responsible_person')}, {_d('measures')}, {_d('funds')}::numeric, {_d('contingency_plan')},
                    {_d('listed')}::boolean, {_d('closed_on')}::date, 1, $2, $3, $3
                FROM ledger_import_row r JOIN enterprise e ON e.id = r.enterprise_id
                WHERE r.import_id = $1 ORDER BY r.row
                RETURNING id, enterprise_id, village_id, sector, grade, source, status, discovered_on, closed_on, deadline
            ), history AS (
                -- I3: the steps of app.domain.imports.hazard_steps, from the file's business dates
                INSERT INTO hazard_history (hazard_id, at, effective_on, actor_id, actor_role, action, from_status,
                    to_status, comment, deadline, data)
                SELECT n.id, $3,
                    CASE WHEN s.action IN ('submit', 'approve') AND n.status = 'closed' THEN n.closed_on
                         ELSE n.discovered_on END,
                    $2, $4, s.action, s.from_status, s.to_status, '台账导入',
                    CASE WHEN s.action IN ('create', 'plan') THEN n.deadline END,
                    CASE WHEN s.action = 'create'
                         THEN jsonb_build_object('grade', n.grade, 'source', n.source, 'import_id', $1::uuid) END
                FROM new n CROSS JOIN (VALUES {_STEP_VALUES}) AS s(action, from_status, to_status)
                WHERE s.action = 'create'
                   OR (s.action = 'void' AND n.status = 'void')
                   OR (s.action = 'plan' AND n.status IN ('rectifying', 'pending_review', 'closed'))
                   OR (s.action = 'submit' AND n.status IN ('pending_review', 'closed'))
                   OR (s.action = 'approve' AND n.status = 'closed')
                ORDER BY n.id, CASE s.action WHEN 'create' THEN 0 WHEN 'void' THEN 1 WHEN 'plan' THEN 1
                                             WHEN 'submit' THEN 2 ELSE 3 END
            ), events AS (
                INSERT INTO event (type, resource, resource_id, enterprise_id, village_id, sector, data)
                SELECT '{EventType.hazard_created}', 'hazard', n.id, n.enterprise_id, n.village_id, n.sector,
                    jsonb_build_object('grade', n.grade, 'source', n.source, 'status', n.status, 'import_id', $1::uuid)
                FROM new n ORDER BY n.id
            )
            SELECT count(*) FROM new
            """,
            *args, imp.committed_by_role or imp.created_by_role,
        )
        return int(created)
    table, event_type, resource, columns, values, event_data = _ACTIVITY[kind]
    created = await conn.fetchval(
        f"""
        WITH new AS (
            INSERT INTO {table} (id, enterprise_id, village_id, sector, {columns}, created_by, created_at)
            SELECT r.target_id, e.id, e.village_id, e.sector, {values}, $2, $3
            FROM ledger_import_row r JOIN enterprise e ON e.id = r.enterprise_id
            WHERE r.import_id = $1 ORDER BY r.row
            RETURNING *
        ), events AS (
            INSERT INTO event (type, resource, resource_id, enterprise_id, village_id, sector, data)
            SELECT '{event_type}', '{resource}', n.id, n.enterprise_id, n.village_id, n.sector, {event_data}
            FROM new n ORDER BY n.id
        )
        SELECT count(*) FROM new
        """,
        *args,
    )
    return int(created)


_ACTIVITY: dict[rules.ImportKind, tuple[str, str, str, str, str, str]] = {
    rules.ImportKind.inspections: (
        "inspection", EventType.inspection_recorded, "inspection",
        "kind, performed_on, led_by_principal, inspector, notes, findings_count",
        f"{_d('kind')}, {_d('performed_on')}::date, {_d('led_by_principal')}::boolean, {_d('inspector')}, "
        f"{_d('notes')}, 0",
        "jsonb_build_object('kind', n.kind, 'findings', 0, 'import_id', $1::uuid)",
    ),
    rules.ImportKind.drills: (
        "drill", EventType.drill_recorded, "drill",
        "kind, held_on, participants, scenario, notes",
        f"{_d('kind')}, {_d('held_on')}::date, {_d('participants')}::int, {_d('scenario')}, {_d('notes')}",
        "jsonb_build_object('kind', n.kind, 'held_on', n.held_on, 'import_id', $1::uuid)",
    ),
    rules.ImportKind.trainings: (
        "training", EventType.training_recorded, "training",
        "trainee_role, trainee_name, topic, held_on, hours, passed",
        f"{_d('trainee_role')}, {_d('trainee_name')}, {_d('topic')}, {_d('held_on')}::date, "
        f"{_d('hours')}::numeric, {_d('passed')}::boolean",
        "jsonb_build_object('trainee_role', n.trainee_role, 'held_on', n.held_on, 'passed', n.passed, "
        "'import_id', $1::uuid)",
    ),
}


# --- reading --------------------------------------------------------------------------------------


async def errors_page(
    ctx: Context, imp: LedgerImport, *, after: tuple[int, int] | None, limit: int
) -> list[LedgerImportError]:
    """In file order: by row, then as found; keyset on (row, id)."""
    stmt = select(LedgerImportError).where(LedgerImportError.import_id == imp.id)
    if after is not None:
        stmt = stmt.where(tuple_(LedgerImportError.row, LedgerImportError.id) > tuple_(*after))
    stmt = stmt.order_by(LedgerImportError.row, LedgerImportError.id).limit(limit)
    return list((await ctx.session.execute(stmt)).scalars())


async def all_errors(ctx: Context, imp: LedgerImport) -> list[tuple[int, str, str | None, str]]:
    stmt = (
        select(LedgerImportError.row, LedgerImportError.column, LedgerImportError.value, LedgerImportError.message)
        .where(LedgerImportError.import_id == imp.id).order_by(LedgerImportError.row, LedgerImportError.id)
    )
    return [tuple(r) for r in (await ctx.session.execute(stmt)).all()]  # type: ignore[misc]


async def content_of(ctx: Context, imp: LedgerImport) -> bytes:
    stmt = select(LedgerImport.content).where(LedgerImport.id == imp.id)
    return bytes((await ctx.session.execute(stmt)).scalar_one())


def failing_rows(
    content: bytes, info: import_files.FileInfo, wanted: set[int]
) -> Iterator[tuple[int, list[Any]]]:
    """The header row and the rows numbered in `wanted`, as read."""
    header_seen = False
    for number, cells in import_files.rows(content, info):
        if not header_seen:
            if all(rules.is_blank(c) for c in cells):
                continue
            header_seen = True
            yield number, cells
            continue
        if number in wanted:
            yield number, cells

