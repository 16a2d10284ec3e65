"""Evidence files: JPEG, PNG and PDF checked by content, stored by sha256; visible to the
uploader and to whoever can see a hazard or inspection that references them."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Attachment, AttachmentLink, Hazard, Inspection
from app.db.repositories.scoping import scope_clause
from app.domain.access import Principal, Scope
from app.domain.errors import FieldError, RuleViolation

_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def sniff(head: bytes) -> str | None:
    """The content type from the file's first bytes; names and declared types are ignored."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return None


def safe_filename(name: str | None) -> str | None:
    if not name:
        return None
    name = re.sub(r"[\x00-\x1f\x7f/\\]", "_", os.path.basename(name)).strip()
    return name[:200] or None


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256


def store_blob(root: Path, data_path: Path, sha256: str) -> None:
    """Move a spooled upload into place; content addressing makes a second copy a no-op."""
    target = blob_path(root, sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(data_path, target)


def spool(chunks: Iterable[bytes], root: Path) -> tuple[Path, str, int]:
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=root, prefix=".upload-")
    with os.fdopen(fd, "wb") as out:
        for chunk in chunks:
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Path(name), digest.hexdigest(), size


def visible_clause(principal: Principal, scope: Scope):  # type: ignore[no-untyped-def]
    """An attachment is visible to its uploader and to whoever sees what references it."""
    via_hazard = exists().where(
        AttachmentLink.attachment_id == Attachment.id,
        AttachmentLink.hazard_id == Hazard.id,
        scope_clause(scope, enterprise_id=Hazard.enterprise_id, village_id=Hazard.village_id, sector=Hazard.sector),
    )
    via_inspection = exists().where(
        AttachmentLink.attachment_id == Attachment.id,
        AttachmentLink.inspection_id == Inspection.id,
        scope_clause(
            scope, enterprise_id=Inspection.enterprise_id, village_id=Inspection.village_id, sector=Inspection.sector
        ),
    )
    return or_(Attachment.uploaded_by == principal.user_id, via_hazard, via_inspection)


async def get_visible(session: AsyncSession, principal: Principal, scope: Scope, attachment_id: uuid.UUID) -> Attachment | None:
    stmt = select(Attachment).where(Attachment.id == attachment_id, visible_clause(principal, scope))
    return (await session.execute(stmt)).scalar_one_or_none()


async def link(
    session: AsyncSession,
    principal: Principal,
    scope: Scope,
    attachment_ids: list[uuid.UUID],
    *,
    purpose: str,
    hazard_id: uuid.UUID | None = None,
    inspection_id: uuid.UUID | None = None,
    field: str = "attachment_ids",
) -> None:
    ids = list(dict.fromkeys(attachment_ids))
    if not ids:
        return
    stmt = select(Attachment.id).where(Attachment.id.in_(ids), visible_clause(principal, scope))
    found = set((await session.execute(stmt)).scalars())
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise RuleViolation(
            "unknown attachments", [FieldError(field, f"no attachment visible to you: {', '.join(missing)}")]
        )
    session.add_all(
        AttachmentLink(attachment_id=i, hazard_id=hazard_id, inspection_id=inspection_id, purpose=purpose) for i in ids
    )
