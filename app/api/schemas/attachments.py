from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import Field

from app.api.schemas.common import OutputModel

ContentType = Literal["image/jpeg", "image/png", "application/pdf"]


class AttachmentRead(OutputModel):
    id: UUID
    sha256: str = Field(description="SHA-256 of the content, lowercase hex.")
    content_type: ContentType = Field(description="Detected from the content, not from the name or declared type.")
    size: int = Field(description="Bytes.")
    filename: str | None = Field(description="The uploaded file's name, without any path.")
    created_at: datetime
