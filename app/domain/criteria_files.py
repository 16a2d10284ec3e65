"""A library file of major-hazard criteria (K1): one published document and its criteria,
as in app/data/criteria (format in its README). `parse_document` turns one file's JSON
into plain records and names every problem (`documents[i].criteria[j].field`); nothing is
rewritten: the texts are stored as given. `default_checklist` builds the default checklist
of a sector (K3): one item per criterion of the sector that is in force, in file order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.domain.criteria import Criterion, StandardRef, criterion_problems
from app.domain.enums import EnterpriseTag
from app.domain.errors import FieldError
from app.domain.labels import SECTOR_LABELS

MAX_TEXT = 2000
MAX_SHORT = 300
_TAGS = {t.value for t in EnterpriseTag}


@dataclass(frozen=True)
class DocumentRecord:
    """A published document (《title》, issuer, 文号) and what is known of its completeness."""

    title: str
    issuer: str
    number: str
    effective_from: date
    effective_to: date | None
    published_on: date | None = None
    complete: bool = False
    source: str | None = None
    sources: tuple[Mapping[str, Any], ...] = ()
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CriterionRecord:
    code: str
    article: str | None
    item: str | None
    article_text: str | None
    text: str
    sectors: tuple[str, ...]
    tags: tuple[str, ...]
    grade: str
    source_ids: tuple[str, ...] = ()

    def as_criterion(self, doc: DocumentRecord) -> Criterion:
        article = "".join(p for p in (self.article, self.item) if p) or "全文"
        return Criterion(
            code=self.code, sectors=frozenset(self.sectors), grade=self.grade,  # type: ignore[arg-type]
            effective_from=doc.effective_from, effective_to=doc.effective_to,
            standard=StandardRef(doc.title, doc.issuer, doc.number, article), text=self.text,
        )


@dataclass
class ParsedLibrary:
    documents: list[tuple[DocumentRecord, list[CriterionRecord]]] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def criteria(self) -> list[tuple[DocumentRecord, CriterionRecord]]:
        return [(d, c) for d, cs in self.documents for c in cs]


def _day(value: object, name: str, errors: list[FieldError], *, required: bool) -> date | None:
    if value is None:
        if required:
            errors.append(FieldError(name, "required (YYYY-MM-DD)"))
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.append(FieldError(name, "must be a date YYYY-MM-DD"))
    return None


def _str(value: object, name: str, errors: list[FieldError], *, required: bool, max_length: int = MAX_SHORT) -> str | None:
    if value is None:
        if required:
            errors.append(FieldError(name, "required"))
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        errors.append(FieldError(name, "must be a non-empty text" if required else "must be a text or null"))
        return None
    if len(value) > max_length:
        errors.append(FieldError(name, f"at most {max_length} characters"))
        return None
    return value


def _strings(value: object, name: str, errors: list[FieldError], max_length: int = MAX_SHORT) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and len(v) <= max_length for v in value):
        errors.append(FieldError(name, "must be a list of texts"))
        return ()
    return tuple(value)


def _document(raw: object, p: str, errors: list[FieldError]) -> DocumentRecord | None:
    if not isinstance(raw, dict):
        errors.append(FieldError(f"{p}standard", "must be an object"))
        return None
    n = len(errors)
    title = _str(raw.get("title"), f"{p}standard.title", errors, required=True)
    issuer = _str(raw.get("issuer"), f"{p}standard.issuer", errors, required=True)
    number = _str(raw.get("number"), f"{p}standard.number", errors, required=True, max_length=100)
    eff_from = _day(raw.get("effective_from"), f"{p}standard.effective_from", errors, required=True)
    eff_to = _day(raw.get("effective_to"), f"{p}standard.effective_to", errors, required=False)
    published = _day(raw.get("published_on"), f"{p}standard.published_on", errors, required=False)
    source = _str(raw.get("source"), f"{p}standard.source", errors, required=False, max_length=MAX_TEXT)
    complete = raw.get("complete", False)
    if not isinstance(complete, bool):
        errors.append(FieldError(f"{p}standard.complete", "must be true or false"))
    sources = raw.get("sources") or []
    if not isinstance(sources, list) or not all(isinstance(s, dict) for s in sources):
        errors.append(FieldError(f"{p}standard.sources", "must be a list of objects"))
        sources = []
    missing = _strings(raw.get("missing"), f"{p}standard.missing", errors, MAX_TEXT)
    notes = _strings(raw.get("notes"), f"{p}standard.notes", errors, MAX_TEXT)
    if eff_from and eff_to and eff_to < eff_from:
        errors.append(FieldError(f"{p}standard.effective_to", "may not be before effective_from"))
    if len(errors) > n:
        return None
    assert title and issuer and number and eff_from
    return DocumentRecord(
        title=title, issuer=issuer, number=number, effective_from=eff_from, effective_to=eff_to,
        published_on=published, complete=bool(complete), source=source, sources=tuple(sources),
        missing=missing, notes=notes,
    )


def _criterion(raw: object, p: str, doc: DocumentRecord | None, errors: list[FieldError]) -> CriterionRecord | None:
    if not isinstance(raw, dict):
        errors.append(FieldError(p.rstrip("."), "must be an object"))
        return None
    n = len(errors)
    code = raw.get("code")
    article = _str(raw.get("article"), f"{p}article", errors, required=False, max_length=50)
    item = _str(raw.get("item"), f"{p}item", errors, required=False, max_length=50)
    article_text = _str(raw.get("article_text"), f"{p}article_text", errors, required=False, max_length=MAX_TEXT)
    text = _str(raw.get("text"), f"{p}text", errors, required=True, max_length=MAX_TEXT)
    sectors = _strings(raw.get("sectors"), f"{p}sectors", errors)
    tags = _strings(raw.get("tags"), f"{p}tags", errors)
    unknown_tags = sorted(set(tags) - _TAGS)
    if unknown_tags:
        errors.append(FieldError(f"{p}tags", f"unknown tags: {', '.join(unknown_tags)}"))
    source_ids = _strings(raw.get("source_ids"), f"{p}source_ids", errors, max_length=40)
    grade = raw.get("grade")
    record = CriterionRecord(
        code=code if isinstance(code, str) else "", article=article, item=item, article_text=article_text,
        text=text or "", sectors=sectors, tags=tags, grade=grade if isinstance(grade, str) else "", source_ids=source_ids,
    )
    if doc is not None:
        errors += [e for e in criterion_problems(record.as_criterion(doc), prefix=p) if not e.field.startswith(f"{p}standard")]
    if len(errors) > n:
        return None
    return record


def _nul_fields(value: object, path: str) -> list[FieldError]:
    """Texts anywhere in a file (keys too) may not hold NUL: it cannot be stored."""
    if isinstance(value, str):
        return [FieldError(path, "must not contain NUL characters")] if "\x00" in value else []
    if isinstance(value, dict):
        errors = []
        for k, v in value.items():
            if "\x00" in k:
                errors.append(FieldError(path, "a key must not contain NUL characters"))
            else:
                errors += _nul_fields(v, f"{path}.{k}")
        return errors
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _nul_fields(v, f"{path}[{i}]")]
    return []


def parse_library(documents: object) -> ParsedLibrary:
    """K1: a library version from a list of document files; codes unique across them."""
    out = ParsedLibrary()
    if not isinstance(documents, list) or not documents:
        out.errors.append(FieldError("documents", "a library version is a non-empty list of documents"))
        return out
    out.errors = _nul_fields(documents, "documents")
    if out.errors:
        return out
    seen_codes: dict[str, str] = {}
    seen_numbers: dict[str, int] = {}
    for i, raw in enumerate(documents):
        p = f"documents[{i}]."
        if not isinstance(raw, dict):
            out.errors.append(FieldError(f"documents[{i}]", "must be an object with standard and criteria"))
            continue
        doc = _document(raw.get("standard"), p, out.errors)
        if doc is not None:
            if doc.number in seen_numbers:
                out.errors.append(FieldError(f"{p}standard.number", f"{doc.number} is also documents[{seen_numbers[doc.number]}]"))
            seen_numbers[doc.number] = i
        items = raw.get("criteria")
        if not isinstance(items, list):
            out.errors.append(FieldError(f"{p}criteria", "must be a list (it may be empty)"))
            continue
        records = []
        for j, item in enumerate(items):
            cp = f"{p}criteria[{j}]."
            record = _criterion(item, cp, doc, out.errors)
            if record is None:
                continue
            if record.code in seen_codes:
                out.errors.append(FieldError(f"{cp}code", f"{record.code} is also {seen_codes[record.code]}"))
                continue
            seen_codes[record.code] = f"{p}criteria[{j}]"
            records.append(record)
        if doc is not None:
            out.documents.append((doc, records))
    return out


def default_checklist(sector: str, criteria: Iterable[tuple[DocumentRecord, CriterionRecord]]) -> tuple[str, list[CriterionRecord]]:
    """K3: the default checklist of a sector — its name and the criteria it lists: those of
    the sector whose document is in force (no `effective_to`), in library order."""
    name = f"{SECTOR_LABELS.get(sector, sector)}重大事故隐患排查表"
    return name, [c for d, c in criteria if sector in c.sectors and d.effective_to is None]


def sectors_of(criteria: Sequence[tuple[DocumentRecord, CriterionRecord]]) -> list[str]:
    """The sectors the library's criteria apply to, in first-seen order."""
    return list(dict.fromkeys(s for _, c in criteria for s in c.sectors))
