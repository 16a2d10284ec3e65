"""Reading an uploaded ledger file (I1): what it is, and its rows as cells.

The type is read from the content, never from the name: an .xlsx is a zip with a
spreadsheet's main part; a .csv is text. Refused before anything reads the rows (415): other
zips, old .xls, .xlsb, and a spreadsheet with macros (.xlsm, or a vbaProject.bin inside an
.xlsx). Refused as too large (413) before any sheet is loaded: a zip whose directory says it
expands beyond `max_expanded` bytes, a member whose data expands beyond what its directory
says, and a sheet whose cells would span more than `max_cells` (the reader holds a sheet as
one rectangle, so one cell at XFD1048576 would cost gigabytes).

CSV text is UTF-8, GBK or GB18030: a UTF-8 byte order mark decides; otherwise the bytes are
decoded strictly as UTF-8, then GBK, then GB18030, and the first that decodes the whole file
wins (valid UTF-8 is rarely valid GBK text by accident, and GBK is a subset of GB18030).

Cells: .xlsx through python-calamine, which returns a formula's cached value (a formula
saved without one reads as blank) and never evaluates anything; dates come as dates.
Empty trailing rows cost nothing: they are skipped, not counted."""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Excel holds at most 32,767 characters a cell; a CSV field may be longer and is then a row
# error (too long for its column), never a reader failure.
csv.field_size_limit(64 * 1024 * 1024)

XLSX = "xlsx"
CSV = "csv"

_MAIN_PARTS = (
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, and encrypted OOXML
_CHUNK = 1024 * 1024
# Cells with content (an empty styled cell `<c r="B7" s="1"/>` has none), with and without
# their position; a prefix (`<x:c`) is allowed.
_VALUED_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^<>]*?(?<!/)>')
_VALUED_CELL_REF = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^<>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^<>]*?(?<!/)>')


class UnsupportedFile(Exception):
    """415: not a ledger file this service reads."""


class FileTooLarge(Exception):
    """413: the file, or what it expands to, is over a limit."""


@dataclass(frozen=True)
class FileInfo:
    format: str
    encoding: str | None = None  # CSV only: "utf-8", "gbk" or "gb18030"


def identify(content: bytes, *, filename: str | None, max_expanded: int, max_cells: int) -> FileInfo:
    """What the file is, checked enough that reading it is safe (see the module docstring)."""
    if filename and filename.lower().endswith((".xlsm", ".xltm", ".xlsb", ".xlam")):
        raise UnsupportedFile("spreadsheets with macros (.xlsm, .xlsb) are not accepted; save the sheet as .xlsx")
    if content.startswith(_ZIP_MAGIC):
        _check_xlsx(content, max_expanded=max_expanded, max_cells=max_cells)
        return FileInfo(XLSX)
    if content.startswith(_OLE_MAGIC):
        raise UnsupportedFile("old Excel (.xls) or encrypted workbooks are not accepted; save the sheet as .xlsx")
    return FileInfo(CSV, detect_encoding(content))


def detect_encoding(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedFile("CSV files must be UTF-8, GBK or GB18030 (this one is UTF-16)")
    for encoding in ("utf-8", "gbk", "gb18030"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise UnsupportedFile("not an .xlsx workbook, and not CSV text in UTF-8, GBK or GB18030")


def _check_xlsx(content: bytes, *, max_expanded: int, max_cells: int) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, struct.error) as exc:
        raise UnsupportedFile(f"a damaged zip archive: {exc}") from None
    names = {m.filename for m in members}
    if any(n.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for n in names):
        raise UnsupportedFile("spreadsheets with macros are not accepted (the workbook contains a VBA project)")
    expanded = sum(m.file_size for m in members)
    if expanded > max_expanded:
        raise FileTooLarge(f"the workbook expands to {expanded} bytes, more than {max_expanded}")
    types = next((m for m in members if m.filename == "[Content_Types].xml"), None)
    if types is None:
        raise UnsupportedFile("a zip archive that is not an .xlsx workbook")
    content_types = _expand(content, types)
    if b"macroEnabled" in content_types:
        raise UnsupportedFile("spreadsheets with macros (.xlsm) are not accepted; save the sheet as .xlsx")
    if not any(part in content_types for part in _MAIN_PARTS):
        raise UnsupportedFile("a zip archive that is not an .xlsx workbook (.xlsb, .docx … are not accepted)")
    for member in members:
        if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
            rows, cols = _sheet_extent(content, member)
            if rows * cols > max_cells:
                raise FileTooLarge(
                    f"the sheet {member.filename} spans {rows} rows by {cols} columns, more than {max_cells} cells"
                )
        else:
            _expand(content, member, keep=False)  # each member's data must match its directory entry


def _compressed(content: bytes, member: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes, located through its local header."""
    offset = member.header_offset
    header = content[offset : offset + 30]
    if len(header) != 30 or header[:4] != _ZIP_MAGIC:
        raise UnsupportedFile("a damaged zip archive")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    data = content[start : start + member.compress_size]
    if len(data) != member.compress_size:
        raise UnsupportedFile("a damaged zip archive")
    return data


def _chunks(content: bytes, member: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's data in chunks, never more than its directory entry says (else 413)."""
    data = _compressed(content, member)
    if member.compress_type == zipfile.ZIP_STORED:
        if len(data) != member.file_size:
            raise UnsupportedFile("a damaged zip archive")
        for i in range(0, len(data), _CHUNK):
            yield data[i : i + _CHUNK]
        return
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise UnsupportedFile("a zip archive compressed in a way .xlsx workbooks are not")
    inflate = zlib.decompressobj(-15)
    produced = 0
    position = 0
    while position < len(data) or inflate.unconsumed_tail:
        feed = inflate.unconsumed_tail or data[position : position + _CHUNK]
        if not inflate.unconsumed_tail:
            position += len(feed)
        try:
            chunk = inflate.decompress(feed, _CHUNK)
        except zlib.error:
            raise UnsupportedFile("a damaged zip archive") from None
        produced += len(chunk)
        if produced > member.file_size:
            raise FileTooLarge(f"{member.filename} expands beyond the {member.file_size} bytes its zip entry declares")
        if chunk:
            yield chunk
        if inflate.eof:
            break
    if produced != member.file_size:
        raise UnsupportedFile("a damaged zip archive")


def _expand(content: bytes, member: zipfile.ZipInfo, *, keep: bool = True) -> bytes:
    parts = []
    for chunk in _chunks(content, member):
        if keep:
            parts.append(chunk)
    return b"".join(parts)


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + (c - 64)
    return n


def _sheet_extent(content: bytes, member: zipfile.ZipInfo) -> tuple[int, int]:
    """Rows and columns of the rectangle holding every cell with a value."""
    rows: list[int] = []
    columns: set[bytes] = set()
    tail = b""
    for chunk in _chunks(content, member):
        text = tail + chunk
        cut = text.rfind(b"<")
        text, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
        refs = _VALUED_CELL_REF.findall(text)
        if len(refs) != len(_VALUED_CELL.findall(text)):
            raise UnsupportedFile("a worksheet whose cells do not all name their positions")
        if refs:
            numbers = [int(r) for _, r in refs]
            rows += (min(numbers), max(numbers))
            columns.update(c for c, _ in refs)
        if len(tail) > _CHUNK:
            raise UnsupportedFile("a damaged worksheet")
    if not rows:
        return 0, 0
    numbers = [_column_number(c) for c in columns]
    return max(rows) - min(rows) + 1, max(numbers) - min(numbers) + 1


# --- rows --------------------------------------------------------------------------------


def rows(content: bytes, info: FileInfo) -> Iterator[tuple[int, list[Any]]]:
    """(spreadsheet row number, cells) of the first visible worksheet, or of the CSV."""
    if info.format == XLSX:
        return _xlsx_rows(content)
    return _csv_rows(content, info.encoding or "utf-8")


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(content))
        visible = [
            m.name for m in workbook.sheets_metadata
            if m.typ == python_calamine.SheetTypeEnum.WorkSheet and m.visible == python_calamine.SheetVisibleEnum.Visible
        ]
        if not visible:
            return
        sheet = workbook.get_sheet_by_name(visible[0])
    except python_calamine.CalamineError as exc:
        raise UnsupportedFile(f"the workbook cannot be read: {exc}") from None
    first_row, first_col = sheet.start or (0, 0)
    pad = [None] * first_col
    for index, cells in enumerate(sheet.iter_rows()):
        yield first_row + index + 1, pad + list(cells) if pad else list(cells)


def _csv_rows(content: bytes, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    text = content.decode("utf-8-sig" if encoding == "utf-8" else encoding)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for number, cells in enumerate(reader, start=1):
        yield number, cells
