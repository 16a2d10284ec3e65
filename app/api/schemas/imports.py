from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from fastapi import UploadFile
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from app.api.schemas.common import InputModel, OutputModel, visible_text

IMPORT_ID = "0193a5c2-4b1d-7e2f-8a3b-5c6d7e8f9a01"
IMPORT_EXAMPLE = {
    "id": IMPORT_ID,
    "kind": "hazards",
    "status": "ready",
    "file_format": "xlsx",
    "encoding": None,
    "filename": "隐患台账2024.xlsx",
    "size": 48213,
    "sha256": "9f2c1e0b7a6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3",
    "progress": {"rows_done": 1203, "rows_total": 1203},
    "counts": {"valid": 1198, "invalid": 4, "duplicates": 1},
    "created_count": None,
    "created_at": "2025-06-16T10:00:00+08:00",
    "committed_at": None,
}
ERROR_EXAMPLE = {
    "row": 7,
    "column": "发现日期",
    "value": "2024-02-30",
    "message": "日期不存在：2024年2月30日",
    "duplicate": False,
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportKind(StrEnum):
    """What a ledger file holds (I1)."""

    enterprises = "enterprises"
    hazards = "hazards"
    inspections = "inspections"
    drills = "drills"
    trainings = "trainings"


class ImportStatus(StrEnum):
    """`validating` (rows being checked, see `progress`) → `ready` (checked: see `counts` and the errors) or
    `failed` (the file as a whole cannot be imported: see the errors of row 1); `ready` → `committing` →
    `committed`."""

    validating = "validating"
    ready = "ready"
    failed = "failed"
    committing = "committing"
    committed = "committed"


class ImportFormat(StrEnum):
    """The file's type, read from its content."""

    xlsx = "xlsx"
    csv = "csv"


class ImportUpload(BaseModel):
    """The multipart form of an upload: `kind` and `file`; any other part is refused."""

    model_config = ConfigDict(extra="forbid")

    kind: ImportKind = Field(description="What the file holds.", examples=["hazards"])
    file: Annotated[UploadFile, WithJsonSchema({"type": "string", "format": "binary", "maxLength": 20 * 1024 * 1024})] = Field(
        description="The ledger: an .xlsx workbook (its first visible sheet) or a .csv in UTF-8, GBK or GB18030, "
        "with the Chinese headers of the template (GET /api/v1/imports/templates/{kind}); at most 20 MiB by default."
    )

    @field_validator("file")
    @classmethod
    def _visible_name(cls, value: UploadFile) -> UploadFile:
        if value.filename:
            visible_text(value.filename)
        return value


class Progress(OutputModel):
    rows_done: int = Field(description="Data rows checked so far (blank rows are not counted).", examples=[1203])
    rows_total: int | None = Field(
        description="Data rows in the file that are not blank; null until the file has been counted.", examples=[1203]
    )


class Counts(OutputModel):
    valid: int = Field(description="Rows that pass every check: what a commit writes.", examples=[1198])
    invalid: int = Field(description="Rows with at least one error other than a duplicate.", examples=[4])
    duplicates: int = Field(
        description="Rows whose only errors are duplicates: of an earlier row of the file, or of what is registered "
        "(a credit code; the same enterprise, hazard title and discovered date; a hazard id).",
        examples=[1],
    )


class ImportRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [IMPORT_EXAMPLE]})

    id: UUID
    kind: ImportKind
    status: ImportStatus
    file_format: ImportFormat
    encoding: str | None = Field(description="CSV only: the text encoding detected (`utf-8`, `gbk`, `gb18030`).",
                                 examples=["gbk"])
    filename: str | None = Field(description="The uploaded file's name, without any path.", examples=["隐患台账2024.xlsx"])
    size: int = Field(description="Bytes.", examples=[48213])
    sha256: str = Field(description="SHA-256 of the file, lowercase hex: a file is committed once (I2).",
                        examples=[IMPORT_EXAMPLE["sha256"]])
    progress: Progress
    counts: Counts
    created_count: int | None = Field(description="Resources the commit created; null before.", examples=[1198])
    created_at: datetime
    committed_at: datetime | None = Field(description="When the commit was written; null before.",
                                          examples=["2025-06-16T10:05:00+08:00"])


class ImportErrorRead(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ERROR_EXAMPLE]})

    row: int = Field(description="The spreadsheet's row number (the header is row 1).", examples=[7])
    column: str = Field(description="The column's header, or `第N列（无列名）` for content under no header.",
                        examples=["发现日期"])
    value: str | None = Field(description="The cell as read (at most 200 characters; invisible characters shown as "
                              "`<U+XXXX>`); null when blank.", examples=["2024-02-30"])
    message: str = Field(description="What is wrong, in Chinese.", examples=["日期不存在：2024年2月30日"])
    duplicate: bool = Field(description="A duplicate rather than an invalid value (I2).", examples=[False])


class ImportErrorPage(OutputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [ERROR_EXAMPLE], "next_cursor": None}]})

    items: list[ImportErrorRead]
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last one.",
                                    examples=["AAAAAAAAAAcAAAAAAAAAKg"])


class CommitRequest(InputModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"skip_invalid": True}]})

    skip_invalid: bool = Field(
        default=False,
        description="Import the valid rows and leave out the invalid and duplicate ones. Without it an import with "
        "any error is refused (409 `import_has_errors`), never committed silently (I2).",
    )
