from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field

from app.api.schemas.common import OutputModel
from app.api.schemas import examples as ex

class EvidenceType(StrEnum):
    """The media types of evidence files, detected from the content."""

    jpeg = "image/jpeg"
    png = "image/png"
    pdf = "application/pdf"


class EvidenceUpload(BaseModel):
    """The multipart form of an upload: one part, `file`; any other part is refused."""

    model_config = ConfigDict(extra="forbid")

    file: UploadFile = Field(description="The file: JPEG, PNG or PDF, at most 10 MiB.")


class AttachmentRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.ATTACHMENT]})

    id: UUID
    sha256: str = Field(description="SHA-256 of the content, lowercase hex.")
    content_type: EvidenceType = Field(description="Detected from the content, not from the name or declared type.")
    size: int = Field(description="Bytes.")
    filename: str | None = Field(description="The uploaded file's name, without any path.")
    created_at: datetime
