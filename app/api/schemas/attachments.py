from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from app.api.schemas import examples as ex
from app.api.schemas.common import OutputModel, visible_text


class EvidenceType(StrEnum):
    """The media types of evidence files, detected from the content."""

    jpeg = "image/jpeg"
    png = "image/png"
    pdf = "application/pdf"


class EvidenceUpload(BaseModel):
    """The multipart form of an upload: one part, `file`; any other part is refused."""

    model_config = ConfigDict(extra="forbid")

    # A file part (format binary), whatever the generator: its media types are declared per
    # part in the operation's `encoding`.
    file: Annotated[UploadFile, WithJsonSchema({"type": "string", "format": "binary", "maxLength": 10 * 1024 * 1024})] = Field(
        description="The file: JPEG, PNG or PDF, at most 10 MiB. Its name (the part's `filename`) is kept, "
        "without any path; a name with a bidirectional control or a zero-width character is refused."
    )

    @field_validator("file")
    @classmethod
    def _visible_name(cls, value: UploadFile) -> UploadFile:
        """A name like `\u202egnp.exe` reads as `exe.png`: refused, naming the field `file`."""
        if value.filename:
            visible_text(value.filename)
        return value


class AttachmentRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ex.ATTACHMENT]})

    id: UUID
    sha256: str = Field(description="SHA-256 of the content, lowercase hex.")
    content_type: EvidenceType = Field(description="Detected from the content, not from the name or declared type.")
    size: int = Field(description="Bytes.")
    filename: str | None = Field(description="The uploaded file's name, without any path.")
    created_at: datetime
