"""/hazards/export: the hazard ledger (隐患台账) as CSV or XLSX for the officials' own
spreadsheets. Scoped (A1) and filtered exactly like list_hazards, and streamed: rows come
through a server-side cursor in chunks, so memory does not grow with the ledger.

`risk_level` keeps the hazards of the enterprises at that level (K4): the enterprises in
scope are assessed once, set-based, and the export reads `enterprise_id = ANY(<their ids>)`.

The body of a streamed response is produced after the request's transaction has closed,
so it reads on a connection of its own, in a read-only REPEATABLE READ transaction: one
consistent snapshot from the first row to the last."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from sqlalchemy import (
    ARRAY,
    Select,
    Uuid,
    any_,
    bindparam,
    case,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException

from app.api.deps import Scope, Scoring, Session, Today
from app.api.errors import problem_responses
from app.api.hazards import GradeFilter, SourceFilter, StatusFilter
from app.api.params import (
    DiscoveredFrom,
    DiscoveredTo,
    EnterpriseFilter,
    ListedFilter,
    OverdueFilter,
    SectorFilter,
    TitleSearch,
    VillageFilter,
)
from app.api.routing import TransactionalRoute
from app.db import hazard_rules
from app.db.compiled import compile_for_asyncpg
from app.db.models import Enterprise, Hazard, OrgUnit, Sector
from app.db.repositories.hazards import HazardFilters, apply_filters, hazard_scope
from app.db.session import Database
from app.domain.access import Scope as ScopeValue
from app.domain.hazards import is_overdue
from app.domain.labels import GRADE_LABELS, SOURCE_LABELS, STATUS_LABELS, YES_NO_LABELS
from app.domain.risk import RiskLevel
from app.services import risk

router = APIRouter(prefix="/api/v1/hazards", tags=["exports"], route_class=TransactionalRoute)

ROWS_PER_CHUNK = 500
FILE_CHUNK_BYTES = 64 * 1024

COLUMNS = (
    ("隐患编号", 38),
    ("隐患名称", 40),
    ("所属单位", 30),
    ("统一社会信用代码", 22),
    ("所属村居", 14),
    ("行业领域", 16),
    ("等级", 8),
    ("来源", 10),
    ("发现日期", 12),
    ("整改期限", 12),
    ("状态", 10),
    ("是否逾期", 10),
    ("延期次数", 10),
    ("挂牌督办", 10),
    ("整改责任人", 14),
    ("销号日期", 12),
)
HEADERS = [name for name, _ in COLUMNS]

def yes_no(value: bool) -> str:
    return YES_NO_LABELS[bool(value)]


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


MEDIA_TYPES = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


RiskLevelFilter = Annotated[
    RiskLevel | None,
    Query(description="Only the hazards of enterprises at this risk level today (K4, overrides included).",
          examples=["red"]),
]


def _of_enterprises(stmt: Select, enterprise_ids: list[uuid.UUID] | None) -> Select:  # type: ignore[type-arg]
    if enterprise_ids is None:
        return stmt
    return stmt.where(Hazard.enterprise_id == any_(bindparam("risk_enterprise_ids", enterprise_ids, type_=ARRAY(Uuid))))


def export_statement(
    scope: ScopeValue, filters: HazardFilters, today: date, enterprise_ids: list[uuid.UUID] | None = None
) -> Select:  # type: ignore[type-arg]
    """The ledger rows the caller may see, with the names a reader needs, newest first
    (only those of `enterprise_ids` when given)."""
    stmt = (
        select(
            Hazard.id,
            Hazard.title,
            Enterprise.name.label("enterprise_name"),
            Enterprise.credit_code,
            OrgUnit.name.label("village_name"),
            Sector.name.label("sector_name"),
            Hazard.grade,
            Hazard.source,
            Hazard.discovered_on,
            Hazard.deadline,
            Hazard.status,
            Hazard.extensions,
            Hazard.listed,
            Hazard.responsible_person,
            Hazard.closed_on,
        )
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .join(OrgUnit, OrgUnit.id == Hazard.village_id)
        .join(Sector, Sector.code == Hazard.sector)
        .where(hazard_scope(scope))
    )
    return _of_enterprises(apply_filters(stmt, filters, today), enterprise_ids).order_by(Hazard.id.desc())


def cells(row: Any, today: date) -> list[Any]:
    """One ledger line, in the order of COLUMNS, values in Chinese."""
    return [
        str(row.id),
        row.title,
        row.enterprise_name,
        row.credit_code,
        row.village_name,
        row.sector_name,
        GRADE_LABELS[row.grade],
        SOURCE_LABELS[row.source],
        row.discovered_on,
        row.deadline,
        STATUS_LABELS[row.status],
        yes_no(is_overdue(row.status, row.deadline, today)),
        row.extensions,
        yes_no(row.listed),
        row.responsible_person,
        row.closed_on,
    ]


async def row_chunks(engine: AsyncEngine, stmt: Select) -> AsyncIterator[Sequence[Any]]:  # type: ignore[type-arg]
    """Chunks of rows from a read-only snapshot, through a server-side cursor."""
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        async with conn.begin():
            result = await conn.stream(stmt.execution_options(yield_per=ROWS_PER_CHUNK))
            async for rows in result.partitions():
                yield rows


def _zh(column: str, labels: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in labels.items())
    return f"CASE {column} {whens} END"


# Spreadsheet programs run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = "('=', '+', '-', '@', E'\\t', E'\\r')"


def _text(column: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading quote."""
    return f"CASE WHEN left({column}, 1) IN {_FORMULA_START} THEN '''' || {column} ELSE {column} END"


def csv_copy_query(
    scope: ScopeValue, filters: HazardFilters, today: date, enterprise_ids: list[uuid.UUID] | None = None
) -> tuple[str, list[Any]]:
    """The ledger as one SELECT for COPY ... TO STDOUT (CSV): labels, overdue and the
    formula guard computed by PostgreSQL, so rows stream at database speed. Scope and
    filters are the list's own (export_statement's), compiled for asyncpg."""
    h, e, v, s = "hazard", "enterprise", "org_unit", "sector"
    columns = [
        f"{h}.id", _text(f"{h}.title"), _text(f"{e}.name"), f"{e}.credit_code", _text(f"{v}.name"), f"{s}.name",
        _zh(f"{h}.grade", GRADE_LABELS), _zh(f"{h}.source", SOURCE_LABELS), f"{h}.discovered_on", f"{h}.deadline",
        _zh(f"{h}.status", STATUS_LABELS),
    ]
    overdue = case((hazard_rules.is_overdue(bindparam("overdue_on", today)), YES_NO_LABELS[True]), else_=YES_NO_LABELS[False])
    tail = [f"{h}.extensions", f"CASE WHEN {h}.listed THEN '{YES_NO_LABELS[True]}' ELSE '{YES_NO_LABELS[False]}' END", _text(f"{h}.responsible_person"),
            f"{h}.closed_on"]
    exprs: list[Any] = [literal_column(c) for c in columns] + [overdue] + [literal_column(c) for c in tail]
    stmt = (
        select(*(expr.label(name) for expr, name in zip(exprs, HEADERS, strict=True)))
        .select_from(Hazard)
        .join(Enterprise, Enterprise.id == Hazard.enterprise_id)
        .join(OrgUnit, OrgUnit.id == Hazard.village_id)
        .join(Sector, Sector.code == Hazard.sector)
        .where(hazard_scope(scope))
    )
    compiled = compile_for_asyncpg(_of_enterprises(apply_filters(stmt, filters, today), enterprise_ids).order_by(Hazard.id.desc()))
    return compiled.sql, compiled.args()


async def csv_body(db: Database, query: str, args: list[Any]) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM, so that Excel reads the Chinese right. COPY writes the CSV; a
    small queue between it and the response keeps memory flat (back-pressure)."""
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=16)

    async def produce() -> None:
        try:
            async with db.reader() as conn:
                await conn.copy_from_query(query, *args, output=chunks.put, format="csv", header=True)
        finally:
            await chunks.put(None)

    task = asyncio.create_task(produce())
    try:
        yield "\ufeff".encode()
        while (chunk := await chunks.get()) is not None:
            yield bytes(chunk)
        await task  # re-raises a database error instead of ending the file quietly
    finally:
        if not task.done():
            task.cancel()


def _xlsx_value(ws: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):  # text, never a formula
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


def _append_rows(ws: Any, rows: Sequence[Any], today: date) -> None:
    for row in rows:
        ws.append([_xlsx_value(ws, v) for v in cells(row, today)])


async def xlsx_body(engine: AsyncEngine, stmt: Select, today: date) -> AsyncIterator[bytes]:  # type: ignore[type-arg]
    """A write-only workbook (rows go to disk as they come) saved to a temporary file,
    then sent in chunks. openpyxl is synchronous: it runs in worker threads."""
    fd, name = tempfile.mkstemp(prefix="anquan-export-", suffix=".xlsx")
    os.close(fd)
    path = Path(name)
    workbook = Workbook(write_only=True)
    try:
        ws = workbook.create_sheet("隐患台账")
        for index, (_, width) in enumerate(COLUMNS, start=1):
            ws.column_dimensions[get_column_letter(index)].width = width
        ws.freeze_panes = "A2"
        ws.append(HEADERS)
        async for rows in row_chunks(engine, stmt):
            await anyio.to_thread.run_sync(_append_rows, ws, rows, today)
        await anyio.to_thread.run_sync(workbook.save, name)
        async with await anyio.open_file(path, "rb") as f:
            while chunk := await f.read(FILE_CHUNK_BYTES):
                yield chunk
    finally:
        workbook.close()
        path.unlink(missing_ok=True)


@router.get(
    "/export",
    response_class=StreamingResponse,
    summary="Export the hazard ledger (CSV or XLSX)",
    description=(
        "The hazards the caller can see (A1), with the filters of list_hazards, newest first, as a spreadsheet "
        "with Chinese headers and values: 隐患编号, 隐患名称, 所属单位, 统一社会信用代码, 所属村居, 行业领域, 等级, "
        "来源, 发现日期, 整改期限, 状态, 是否逾期 (H6, today in Asia/Shanghai), 延期次数, 挂牌督办, 整改责任人, 销号日期. "
        "`risk_level` keeps the hazards of the enterprises at that level today (K4). "
        "`csv` is UTF-8 with a BOM; `xlsx` is an Excel workbook. Read from one consistent snapshot and streamed."
    ),
    responses={
        200: {
            "description": "The ledger as an attachment named `hazards-YYYYMMDD.csv` or `.xlsx`.",
            "headers": {
                "Content-Disposition": {
                    "description": "`attachment` with the file name.",
                    "required": True,
                    "schema": {"type": "string", "examples": ['attachment; filename="hazards-20250630.xlsx"']},
                }
            },
            "content": {
                # Both are bytes: a generated client must not decode the CSV as text of its own charset.
                "text/csv": {
                    "schema": {"type": "string", "format": "binary", "contentMediaType": "text/csv"},
                    "example": "\ufeff隐患编号,隐患名称,所属单位\r\n0193a5c0-6f2e-7d41-9b8a-4c1e2f3a5b6d,储罐区可燃气体报警器失效,"
                    "【演示】东湖化工005有限公司\r\n",
                },
                MEDIA_TYPES[ExportFormat.xlsx]: {
                    "schema": {"type": "string", "format": "binary", "contentMediaType": MEDIA_TYPES[ExportFormat.xlsx]},
                },
            },
        },
        **problem_responses(401, 422),
    },
)
async def export_hazards(
    request: Request,
    session: Session,
    scope: Scope,
    today: Today,
    scoring: Scoring,
    format: Annotated[
        ExportFormat,
        Query(description="`csv` (UTF-8 with a BOM, `text/csv`) or `xlsx` (an Excel workbook).", examples=["xlsx"]),
    ] = ExportFormat.csv,
    status: StatusFilter = None,
    grade: GradeFilter = None,
    source: SourceFilter = None,
    village_id: VillageFilter = None,
    sector: SectorFilter = None,
    enterprise_id: EnterpriseFilter = None,
    overdue: OverdueFilter = None,
    listed: ListedFilter = None,
    discovered_from: DiscoveredFrom = None,
    discovered_to: DiscoveredTo = None,
    q: TitleSearch = None,
    risk_level: RiskLevelFilter = None,
) -> StreamingResponse:
    filters = HazardFilters(
        status, grade, source, village_id, sector, enterprise_id, overdue, listed, discovered_from, discovered_to, q
    )
    ids = None
    if risk_level is not None:
        levels = await risk.levels_in_scope(session, scope, today=today, scoring=scoring)
        ids = [e for e, at in levels.items() if at.level is risk_level]
    if format is ExportFormat.csv:
        body = csv_body(request.app.state.db, *csv_copy_query(scope, filters, today, ids))
    else:
        body = xlsx_body(request.app.state.db.engine, export_statement(scope, filters, today, ids), today)
    filename = f"hazards-{today:%Y%m%d}.{format.value}"
    return StreamingResponse(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.api_route("/export", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def export_other_methods() -> None:
    """/hazards/export is the ledger, not a hazard: other methods answer 405 (without this,
    PATCH would reach update_hazard and answer 422 on the id "export")."""
    raise HTTPException(405)
