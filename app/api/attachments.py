"""/attachments: evidence files (photos, scans) for hazards and inspections. Types are
checked by content; files are stored by sha256; a file is readable by its uploader and by
whoever can see a hazard or inspection that references it (A1, A2)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, File, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException

from app.api.deps import CurrentUser, Now, Scope, Session, Work, Writer
from app.api.errors import problem_responses
from app.api.http import answer
from app.api.idempotency import IdempotencyKeyHeader, claim
from app.api.params import AttachmentId
from app.api.routing import TransactionalRoute
from app.api.schemas.attachments import AttachmentRead, EvidenceUpload
from app.db.ids import uuid7
from app.db.models import Attachment
from app.domain import access
from app.domain.errors import NotFound
from app.services import attachments as service

log = logging.getLogger("anquan.attachments")

router = APIRouter(prefix="/api/v1/attachments", tags=["attachments"], route_class=TransactionalRoute)

CHUNK_BYTES = 1024 * 1024
SNIFF_BYTES = 16
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


def _chunks(f: IO[bytes]) -> Iterator[bytes]:
    f.seek(0)
    while chunk := f.read(CHUNK_BYTES):
        yield chunk


def _etag(attachment: Attachment) -> str:
    return f'"{attachment.sha256}"'


async def _load(
    session: AsyncSession, principal: access.Principal, scope: access.Scope, attachment_id: AttachmentId
) -> Attachment:
    """The attachment if the caller may read it (uploader, or sees a referencing hazard or
    inspection), else 404 (A2)."""
    attachment = await service.get_visible(session, principal, scope, attachment_id)
    if attachment is None:
        raise NotFound(f"no attachment {attachment_id}")
    return attachment


@router.post(
    "",
    response_model=AttachmentRead,
    status_code=201,
    summary="Upload an evidence file",
    description=(
        "Multipart form with one field `file`: a JPEG, PNG or PDF of at most 10 MiB. The type is detected from "
        "the content (415 otherwise), never from the name or the declared type. Reference the returned `id` in "
        "`attachment_ids` of a hazard, its plan or its submission; until then only the uploader can read it. "
        "district_viewer clients cannot upload (A3)."
    ),
    responses={
        **answer("The file's metadata; `Location` is its download.", status=201, etag=True, location=True),
        **problem_responses(401, 403, 413, 415, 422),
    },
    openapi_extra={
        "requestBody": {
            "content": {"multipart/form-data": {"encoding": {"file": {"contentType": ", ".join(EXTENSIONS)}}}}
        }
    },
)
async def upload_attachment(
    request: Request,
    work: Work,
    principal: Writer,
    now: Now,
    response: Response,
    form: Annotated[EvidenceUpload, File()],
    idempotency_key: IdempotencyKeyHeader = None,
) -> AttachmentRead:
    settings = request.app.state.settings
    limit = settings.attachment_max_bytes
    file = form.file
    if file.size is not None and file.size > limit:
        raise HTTPException(413, f"the file exceeds {limit} bytes")
    content_type = service.sniff(await file.read(SNIFF_BYTES))
    if content_type is None:
        raise HTTPException(415, "only JPEG, PNG and PDF files are accepted; the type is read from the content")
    root = settings.attachments_path
    spooled, sha256, size = await run_in_threadpool(service.spool, _chunks(file.file), root)
    try:
        if size > limit:
            raise HTTPException(413, f"the file exceeds {limit} bytes")
        filename = service.safe_filename(file.filename)
        # The multipart body was consumed by the form parser: fingerprint what it carried.
        fingerprint = f"file\n{filename or ''}\n{sha256}\n{size}".encode()
        session = work.session
        await claim(request, session, f"user:{principal.user_id}", idempotency_key, fingerprint_body=fingerprint)
        attachment = Attachment(
            id=uuid7(),
            sha256=sha256,
            content_type=content_type,
            size=size,
            filename=filename,
            uploaded_by=principal.user_id,
            created_at=now,
        )
        session.add(attachment)
        await session.flush()
        work.audit("attachment.upload", "attachments", attachment.id, actor=principal)
        await run_in_threadpool(service.store_blob, root, spooled, sha256)
    finally:
        spooled.unlink(missing_ok=True)  # stored (moved), or a copy of a blob already stored
    response.headers["Location"] = f"/api/v1/attachments/{attachment.id}"
    response.headers["ETag"] = _etag(attachment)
    return AttachmentRead.model_validate(attachment)


@router.get(
    "/{attachment_id}",
    response_class=FileResponse,
    summary="Download an evidence file",
    description=(
        "The file itself with its detected content type, as `Content-Disposition: attachment`. Readable by the "
        "uploader and by whoever can see a hazard or inspection that references it; 404 otherwise (A2)."
    ),
    responses={
        200: {
            "description": "The file, with the content type detected on upload.",
            "content": {t: {"schema": {"type": "string", "format": "binary", "contentMediaType": t}} for t in EXTENSIONS},
            "headers": {
                "ETag": {"$ref": "#/components/headers/ETag"},
                "Content-Disposition": {
                    "description": "`attachment` with the uploaded file's name.",
                    "required": True,
                    "schema": {"type": "string", "examples": ['attachment; filename="evidence.jpg"']},
                },
            },
        },
        **problem_responses(401, 404, 422),
    },
)
async def download_attachment(
    request: Request, session: Session, principal: CurrentUser, scope: Scope, attachment_id: AttachmentId
) -> FileResponse:
    attachment = await _load(session, principal, scope, attachment_id)
    path = service.blob_path(request.app.state.settings.attachments_path, attachment.sha256)
    if not path.is_file():
        log.error("attachment %s: blob %s is missing", attachment.id, attachment.sha256)
        raise NotFound(f"the file of attachment {attachment_id} is not stored", code="attachment_file_missing")
    filename = attachment.filename or f"attachment-{attachment.id}.{EXTENSIONS[attachment.content_type]}"
    return FileResponse(
        path,
        media_type=attachment.content_type,
        filename=filename,
        content_disposition_type="attachment",
        headers={"ETag": _etag(attachment)},
    )


@router.get(
    "/{attachment_id}/meta",
    response_model=AttachmentRead,
    summary="Get an evidence file's metadata",
    description="Type, size, sha256 and name of a file the caller may read (see download_attachment).",
    responses={**answer("The file's metadata.", etag=True), **problem_responses(401, 404, 422)},
)
async def get_attachment(
    session: Session, principal: CurrentUser, scope: Scope, attachment_id: AttachmentId, response: Response
) -> AttachmentRead:
    attachment = await _load(session, principal, scope, attachment_id)
    response.headers["ETag"] = _etag(attachment)
    return AttachmentRead.model_validate(attachment)
