"""/imports: bringing an existing ledger in (台账导入, I1–I3). Upload a file, read its
validation's progress and preview (counts and every error), get the failing rows back as a
spreadsheet, commit.

Validation and commit are jobs of the job engine (app/jobs/import_tasks.py: `imports.validate`
queued by the upload with the stored file, `imports.commit` by the commit request), run by a
worker (in the API process under ./scripts/run, or `python -m app.cli worker`); the service's
units of work commit the progress as it goes, so it is readable while they run. Visible (A2) to the street office's
admins and to the officers of the office that uploaded; to anybody else an import id
answers 404."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, File, Header, Path, Query, Request, Response
from sqlalchemy import select
from starlette.exceptions import HTTPException

from app.api.deps import Ctx
from app.api.errors import problem_responses
from app.api.http import answer, etag, set_etag
from app.api.idempotency import Idempotent, IdempotencyKeyHeader, claim
from app.api.pagination import Cursor, Limit, decode_id_cursor, encode_cursor
from app.api.routing import TransactionalRoute
from app.api.schemas.imports import (
    IMPORT_ID,
    XLSX,
    CommitRequest,
    ImportErrorPage,
    ImportErrorRead,
    ImportKind,
    ImportRead,
    ImportUpload,
)
from app.db.models import LedgerImport, OrgUnit
from app.domain import access
from app.domain import imports as rules
from app.domain.access import ScopeKind
from app.domain.errors import Forbidden
from app.services import import_files, import_sheets
from app.services import imports as service

router = APIRouter(prefix="/api/v1/imports", tags=["imports"], route_class=TransactionalRoute)



class ErrorsFormat(StrEnum):
    """How the errors come: a JSON page, or the failing rows as a workbook."""

    json = "json"
    xlsx = "xlsx"

ImportId = Annotated[uuid.UUID, Path(description="The import's id.", examples=[IMPORT_ID])]
_XLSX_CONTENT = {XLSX: {"schema": {"type": "string", "format": "binary", "contentMediaType": XLSX}}}


def read(imp: LedgerImport) -> ImportRead:
    return ImportRead.model_validate(
        {
            "id": imp.id, "kind": imp.kind, "status": imp.status, "file_format": imp.file_format,
            "encoding": imp.encoding, "filename": imp.filename, "size": imp.size, "sha256": imp.sha256,
            "progress": {"rows_done": imp.rows_done, "rows_total": imp.rows_total},
            "counts": {"valid": imp.valid, "invalid": imp.invalid, "duplicates": imp.duplicates},
            "created_count": imp.created_count, "created_at": imp.created_at, "committed_at": imp.committed_at,
        }
    )


def _importer(ctx: Any) -> None:
    reason = access.can_import_ledger(ctx.principal)
    if reason:
        raise Forbidden(reason)


async def _template(ctx: Any, kind: rules.ImportKind) -> Response:
    _importer(ctx)
    stmt = select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "village").order_by(OrgUnit.name)
    villages = [r.name for r in (await ctx.session.execute(stmt)).all()
                if ctx.scope.kind is not ScopeKind.village or r.id == ctx.scope.village_id]
    body = await anyio.to_thread.run_sync(import_sheets.template, kind, villages)
    return Response(
        body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="import-{kind.value}.xlsx"'}
    )


def _template_route(kind: rules.ImportKind) -> None:
    """GET /imports/templates/{kind}, one literal path per kind: `templates/hazards` can then
    never be read as an import id followed by `errors` or `commit` (unambiguous paths)."""

    async def endpoint(ctx: Ctx) -> Response:
        return await _template(ctx, kind)

    endpoint.__name__ = f"get_import_template_{kind.value}"
    router.add_api_route(
        f"/templates/{kind.value}",
        endpoint,
        methods=["GET"],
        response_class=Response,
        summary=f"Download the template of a ledger of {kind.value}",
        description=(
            f"An Excel workbook to fill in with {kind.value} ({import_sheets.SHEET_NAMES[kind]}): the first sheet has the "
            "Chinese headers (for hazards the same as the hazard export, so an export re-imports unchanged), "
            "required ones highlighted, a dropdown with the Chinese labels for every enumeration (and the villages "
            "the caller may import for); the sheet 填写说明 has the instructions and an example row. For "
            "street_admin, department and village officers (403 otherwise)."
        ),
        responses={
            200: {
                "description": f"The template, as an attachment named `import-{kind.value}.xlsx`.",
                "headers": {
                    "Content-Disposition": {
                        "description": "`attachment` with the file name.",
                        "required": True,
                        "schema": {"type": "string", "examples": [f'attachment; filename="import-{kind.value}.xlsx"']},
                    }
                },
                "content": _XLSX_CONTENT,
            },
            **problem_responses(401, 403),
        },
    )


for _kind in rules.ImportKind:
    _template_route(_kind)


@router.post(
    "",
    response_model=ImportRead,
    status_code=201,
    summary="Upload a ledger to import",
    description=(
        "Multipart form with `kind` and `file`: an .xlsx workbook (its first visible sheet) or a .csv in UTF-8, GBK "
        "or GB18030 (a UTF-8 byte order mark decides, else the first of UTF-8, GBK, GB18030 that decodes the whole "
        "file strictly). The type is read from the content: anything else, and spreadsheets with macros (.xlsm, a "
        "VBA project inside), answer 415; a file over the limit (20 MiB by default), a workbook that expands "
        "beyond its limit or whose sheet spans too many cells (a zip bomb), 413. Nothing is written to the ledger: "
        "the rows are validated by a job of the job engine (`imports.validate`; `status` `validating`, with `progress`), then the import is "
        "`ready` with its `counts` and errors (I2). A file already committed answers 409 `already_imported`, with "
        "`import_id` when the caller may see that import. For street_admin, department and village officers, for "
        "the enterprises in their scope (403 for other roles)."
    ),
    responses={
        **answer("The import, validating; `Location` is where to follow it.", status=201, etag=True, location=True),
        **problem_responses(401, 403, 409, 413, 415, 422),
    },
    openapi_extra={
        "requestBody": {
            "content": {"multipart/form-data": {"encoding": {"file": {"contentType": f"{XLSX}, text/csv"}}}}
        }
    },
)
async def upload_import(
    request: Request,
    ctx: Ctx,
    response: Response,
    form: Annotated[ImportUpload, File()],
    idempotency_key: IdempotencyKeyHeader = None,
) -> ImportRead:
    _importer(ctx)
    settings = request.app.state.settings
    limit = settings.import_max_bytes
    file = form.file
    if file.size is not None and file.size > limit:
        raise HTTPException(413, f"the file exceeds {limit} bytes")
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise HTTPException(413, f"the file exceeds {limit} bytes")
    filename = _safe_filename(file.filename)
    try:
        info = await anyio.to_thread.run_sync(
            lambda: import_files.identify(
                content, filename=filename, max_expanded=settings.import_max_expanded_bytes,
                max_cells=settings.import_max_cells,
            )
        )
    except import_files.UnsupportedFile as exc:
        raise HTTPException(415, str(exc)) from None
    except import_files.FileTooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    fingerprint = f"import\n{form.kind.value}\n{filename or ''}\n{service.file_hash(content)}".encode()
    await claim(request, ctx.session, f"user:{ctx.principal.user_id}", idempotency_key, fingerprint_body=fingerprint)
    imp = await service.create(ctx, form.kind.value, filename=filename, content=content, info=info)
    response.headers["Location"] = f"/api/v1/imports/{imp.id}"
    set_etag(response, imp.version)
    return read(imp)


def _safe_filename(name: str | None) -> str | None:
    from app.services.attachments import safe_filename

    return safe_filename(name)


@router.get(
    "/{import_id}",
    response_model=ImportRead,
    summary="Get an import: its status, progress and counts",
    description=(
        "The preview (I2): `status`, `progress{rows_done, rows_total}` while it validates, then "
        "`counts{valid, invalid, duplicates}`; the errors themselves are at /imports/{import_id}/errors. "
        "Another office's import answers 404 (A2)."
    ),
    responses={**answer("The import.", etag=True), **problem_responses(401, 404, 422)},
)
async def get_import(ctx: Ctx, import_id: ImportId, response: Response) -> ImportRead:
    imp = await service.load(ctx, import_id)
    set_etag(response, imp.version)
    return read(imp)


@router.get(
    "/{import_id}/errors",
    response_model=ImportErrorPage,
    summary="List an import's errors, or get its failing rows as a spreadsheet",
    description=(
        "Every error of the preview (I2), in file order: the spreadsheet's row number (the header is row 1), the "
        "column's header, the cell as read and a message in Chinese; duplicates are marked. Keyset paginated. With "
        "`format=xlsx` (or `Accept: " + XLSX + "`) the answer is instead a workbook of the header and the failing "
        "rows as they were read, with a last column 错误说明 naming the original row and its errors: fix the rows "
        "in Excel and upload the workbook again (the 错误说明 column is not read). Another office's import "
        "answers 404 (A2)."
    ),
    responses={
        200: {
            "description": "A page of errors, or the failing rows as a workbook named `import-errors-{id}.xlsx`.",
            "content": _XLSX_CONTENT,
        },
        **problem_responses(401, 404, 422),
    },
)
async def list_import_errors(
    request: Request,
    ctx: Ctx,
    import_id: ImportId,
    format: Annotated[
        ErrorsFormat | None,
        Query(description="`xlsx` for the failing rows as a workbook; `json` (the default) for the list.",
              examples=["xlsx"]),
    ] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
    limit: Limit = 200,
    cursor: Cursor = None,
) -> Any:
    imp = await service.load(ctx, import_id)
    wants_xlsx = format is ErrorsFormat.xlsx or (format is None and accept is not None and XLSX in accept)
    if wants_xlsx:
        errors = await service.all_errors(ctx, imp)
        messages: dict[int, list[str]] = {}
        for row, column, _, message in errors:
            messages.setdefault(row, []).append(f"{column}：{message}" if column else message)
        content = await service.content_of(ctx, imp)
        info = import_files.FileInfo(imp.file_format, imp.encoding)
        kind = rules.ImportKind(imp.kind)
        body = await anyio.to_thread.run_sync(
            lambda: import_sheets.failing_rows_workbook(
                kind, service.failing_rows(content, info, set(messages) - {1}), messages
            )
        )
        return Response(
            body, media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="import-errors-{imp.id}.xlsx"'},
        )
    after = decode_id_cursor(cursor)
    # any 16 bytes are a position: beyond the largest row or id is past the end (an empty page)
    key = None if after is None else (
        min(int.from_bytes(after.bytes[:8], "big"), 2**31 - 1), min(int.from_bytes(after.bytes[8:], "big"), 2**63 - 1)
    )
    rows = await service.errors_page(ctx, imp, after=key, limit=limit)
    last = rows[-1] if len(rows) == limit else None
    # the cursor is the last error's (row, id), as the 16 bytes an id cursor carries
    next_cursor = None if last is None else encode_cursor(
        uuid.UUID(bytes=last.row.to_bytes(8, "big") + last.id.to_bytes(8, "big"))
    )
    return ImportErrorPage(items=[ImportErrorRead.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/{import_id}/commit",
    response_model=ImportRead,
    status_code=202,
    summary="Commit an import",
    description=(
        "Writes every valid row, or nothing (I2), in a job of the job engine (`imports.commit`): the answer is the import `committing`; follow "
        "it until `committed` (or back to `ready`, when the database changed since the validation and rows fail "
        "its checks now: see the errors). An import with errors commits only with `skip_invalid: true`; otherwise "
        "409 `import_has_errors`, never silently. Idempotent: an import committing or committed answers as it "
        "stands; another import of a file already committed answers 409 `already_imported` (a file is imported "
        "once). 409 `import_not_ready` while it validates or when it failed. Hazards keep their state and business "
        "dates (I3). The commit is audited and each created hazard, inspection, drill and training appears in the "
        "feed as if recorded one by one, with one `import.committed` event for the import."
    ),
    responses={
        **answer("The import, committing (or as it stands).", status=202, etag=True),
        **problem_responses(401, 403, 404, 409, 422),
    },
    dependencies=[Idempotent],
)
async def commit_import(
    ctx: Ctx, import_id: ImportId, body: CommitRequest, response: Response,
) -> ImportRead:
    imp = await service.load(ctx, import_id, for_update=True)
    await service.request_commit(ctx, imp, skip_invalid=body.skip_invalid)
    response.headers["ETag"] = etag(imp.version)
    return read(imp)

