"""The criteria library (K1, K2) and checklists (K3): pure checks over plain values.

K1. A criterion (重大事故隐患判定标准的条款) has a stable `code`, the sector(s) it applies to,
a grade (`major` for the national major-hazard criteria), the standard it comes from
(title, issuing body, document number, article and item), its text, and the dates it is in
force (`effective_to` inclusive, None while in force). `criterion_problems` checks a record
of a library file before it is loaded; `library_problems` a whole version.

K2. A hazard may cite a criterion by `criterion_code`. `citation_problems` gives a
FieldError naming `criterion_code` when the code is unknown, the criterion was not in force
on the hazard's `discovered_on`, it belongs to other sectors than the enterprise's, or it is
a major-hazard criterion and the hazard's grade is `general` (a hazard citing a major
criterion is major).

K3. A checklist version is a list of items, each optionally tied to a criterion, with the
grade a failure of it has. An inspection carries a result per item (`pass | fail |
not_applicable`): `item_result_problems` names each result whose item is not in the
version, whose result is unknown, or that repeats an item; `findings_from_results` maps
each failed item to a finding (a hazard to create) with the item's criterion and grade.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import UUID

from app.domain.errors import FieldError, RuleViolation
from app.domain.hazards import Grade
from app.domain.labels import SECTOR_LABELS
from app.domain.sectors import SECTOR_CODES

CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
TITLE_MAX = 200  # a hazard's title (HazardCreate)
CRITERION_FIELD = "criterion_code"


@dataclass(frozen=True)
class StandardRef:
    """Where a criterion comes from: 《title》, issuing body, document number (文号), article
    and item (第X条第（Y）项)."""

    title: str
    issuer: str
    number: str
    article: str


@dataclass(frozen=True)
class Criterion:
    """K1: one criterion of the library."""

    code: str
    sectors: frozenset[str]
    grade: Grade
    effective_from: date
    effective_to: date | None = None
    standard: StandardRef | None = None
    text: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "sectors", frozenset(self.sectors))
        if isinstance(self.grade, str) and self.grade in Grade.__members__.values():
            object.__setattr__(self, "grade", Grade(self.grade))

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)


def _blank(value: object) -> bool:
    return not isinstance(value, str) or not value.strip()


def criterion_problems(c: Criterion, prefix: str = "") -> list[FieldError]:
    """K1: what is wrong with a criterion record (before a library version is loaded)."""
    errors: list[FieldError] = []
    if not isinstance(c.code, str) or not CODE_PATTERN.fullmatch(c.code):
        errors.append(FieldError(f"{prefix}code", "1–64 letters, digits, '.', '_' or '-', starting with a letter or digit"))
    if not c.sectors:
        errors.append(FieldError(f"{prefix}sectors", "at least one sector"))
    unknown = sorted(s for s in c.sectors if s not in SECTOR_CODES)
    if unknown:
        errors.append(FieldError(f"{prefix}sectors", f"unknown sector codes: {', '.join(unknown)}"))
    if c.grade not in Grade.__members__.values():
        errors.append(FieldError(f"{prefix}grade", "must be major or general"))
    if c.effective_to is not None and c.effective_to < c.effective_from:
        errors.append(FieldError(f"{prefix}effective_to", "may not be before effective_from"))
    if _blank(c.text):
        errors.append(FieldError(f"{prefix}text", "the criterion's text is required"))
    if c.standard is None:
        errors.append(FieldError(f"{prefix}standard", "the standard it comes from is required"))
    else:
        for name in ("title", "issuer", "number", "article"):
            if _blank(getattr(c.standard, name)):
                errors.append(FieldError(f"{prefix}standard.{name}", "required"))
    return errors


def library_problems(criteria: Sequence[Criterion]) -> list[FieldError]:
    """K1: every record's problems (`criteria[i].field`), and codes listed twice."""
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(criteria):
        errors += criterion_problems(c, prefix=f"criteria[{i}].")
        if c.code in seen:
            errors.append(FieldError(f"criteria[{i}].code", f"{c.code} is also criteria[{seen[c.code]}]"))
        else:
            seen[c.code] = i
    return errors


def _sector_names(codes: Iterable[str]) -> str:
    return "、".join(f"{SECTOR_LABELS.get(s, s)}（{s}）" for s in sorted(codes))


def citation_problems(
    criterion_code: str | None,
    *,
    library: Mapping[str, Criterion],
    grade: Grade | str,
    enterprise_sector: str,
    discovered_on: date,
) -> list[FieldError]:
    """K1/K2: what is wrong with a hazard citing `criterion_code` (None: cites nothing)."""
    if criterion_code is None:
        return []
    c = library.get(criterion_code)
    if c is None:
        return [FieldError(CRITERION_FIELD, f"unknown criterion code {criterion_code!r}")]
    errors: list[FieldError] = []
    if not c.in_force(discovered_on):
        until = c.effective_to.isoformat() if c.effective_to else "now"
        errors.append(
            FieldError(
                CRITERION_FIELD,
                f"criterion {c.code} is in force from {c.effective_from.isoformat()} to {until}, "
                f"not on discovered_on {discovered_on.isoformat()}",
            )
        )
    if enterprise_sector not in c.sectors:
        errors.append(
            FieldError(
                CRITERION_FIELD,
                f"criterion {c.code} applies to {_sector_names(c.sectors)}, "
                f"not to the enterprise's sector {_sector_names([enterprise_sector])}",
            )
        )
    if c.grade is Grade.major and Grade(grade) is Grade.general:
        errors.append(
            FieldError(CRITERION_FIELD, f"criterion {c.code} is a major-hazard criterion: the grade must be major (K2)")
        )
    return errors


def check_citation(
    criterion_code: str | None,
    *,
    library: Mapping[str, Criterion],
    grade: Grade | str,
    enterprise_sector: str,
    discovered_on: date,
) -> None:
    """K1/K2: `citation_problems` as a RuleViolation (422 naming `criterion_code`)."""
    errors = citation_problems(
        criterion_code, library=library, grade=grade, enterprise_sector=enterprise_sector, discovered_on=discovered_on
    )
    if errors:
        raise RuleViolation("the cited criterion does not fit this hazard", errors, code="invalid_criterion")


def required_grade(c: Criterion) -> Grade | None:
    """K2: the grade a hazard citing `c` must have (major for a major criterion)."""
    return Grade.major if c.grade is Grade.major else None


# --- K3 checklists ----------------------------------------------------------------------------


class CheckResult(StrEnum):
    pass_ = "pass"
    fail = "fail"
    not_applicable = "not_applicable"


@dataclass(frozen=True)
class ChecklistItem:
    """One item of a checklist version; `grade` is the grade of the finding when it fails."""

    id: UUID | str
    text: str
    criterion_code: str | None = None
    grade: Grade = Grade.general


@dataclass(frozen=True)
class ChecklistVersion:
    id: UUID | str
    version: int
    items: tuple[ChecklistItem, ...]
    name: str = ""
    sectors: frozenset[str] = field(default_factory=frozenset)
    tags: frozenset[str] = field(default_factory=frozenset)

    def item(self, item_id: object) -> ChecklistItem | None:
        wanted = str(item_id)
        for item in self.items:
            if str(item.id) == wanted:
                return item
        return None


def checklist_problems(items: Sequence[ChecklistItem], library: Mapping[str, Criterion]) -> list[FieldError]:
    """K3: a checklist's items: text required, ids unique, criteria known, and an item tied
    to a major-hazard criterion has grade major (K2)."""
    errors: list[FieldError] = []
    if not items:
        return [FieldError("items", "a checklist has at least one item")]
    seen: set[str] = set()
    for i, item in enumerate(items):
        if str(item.id) in seen:
            errors.append(FieldError(f"items[{i}].id", f"item {item.id} is listed twice"))
        seen.add(str(item.id))
        if _blank(item.text):
            errors.append(FieldError(f"items[{i}].text", "required"))
        if item.grade not in Grade.__members__.values():
            errors.append(FieldError(f"items[{i}].grade", "must be major or general"))
        if item.criterion_code is None:
            continue
        c = library.get(item.criterion_code)
        if c is None:
            errors.append(FieldError(f"items[{i}].criterion_code", f"unknown criterion code {item.criterion_code!r}"))
        elif c.grade is Grade.major and item.grade != Grade.major:
            errors.append(
                FieldError(f"items[{i}].grade", f"criterion {c.code} is a major-hazard criterion: the grade must be major (K2)")
            )
    return errors


@dataclass(frozen=True)
class ItemResult:
    """K3: an inspection's result for one item (`item_results[]`), as received."""

    item_id: object
    result: object
    note: str | None = None
    attachment_ids: tuple[object, ...] = ()


def item_result_problems(checklist: ChecklistVersion, results: Sequence[ItemResult]) -> list[FieldError]:
    """K3: each result must name an item of this checklist version, once, with a known result."""
    errors: list[FieldError] = []
    seen: dict[str, int] = {}
    for i, r in enumerate(results):
        key = str(r.item_id)
        if checklist.item(r.item_id) is None:
            errors.append(
                FieldError(
                    f"item_results[{i}].item_id",
                    f"item {key} is not in checklist {checklist.id} version {checklist.version}",
                )
            )
        elif key in seen:
            errors.append(FieldError(f"item_results[{i}].item_id", f"item {key} already has a result (item_results[{seen[key]}])"))
        else:
            seen[key] = i
        if not isinstance(r.result, str) or r.result not in CheckResult.__members__.values():
            errors.append(FieldError(f"item_results[{i}].result", "must be pass, fail or not_applicable"))
    return errors


def check_item_results(checklist: ChecklistVersion, results: Sequence[ItemResult]) -> None:
    errors = item_result_problems(checklist, results)
    if errors:
        raise RuleViolation("invalid checklist results", errors, code="invalid_item_results")


@dataclass(frozen=True)
class Finding:
    """A failed item as a hazard to create (K3): title, description, criterion and grade."""

    item_id: str
    title: str
    description: str | None
    criterion_code: str | None
    grade: Grade
    attachment_ids: tuple[object, ...] = ()


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def findings_from_results(checklist: ChecklistVersion, results: Sequence[ItemResult]) -> list[Finding]:
    """K3: one finding per failed item, in the order of the results, with the item's text
    as title (shortened to a hazard title's 200 characters), the note as description, and
    the item's criterion and grade. Checks the results first (RuleViolation)."""
    check_item_results(checklist, results)
    findings = []
    for r in results:
        if r.result != CheckResult.fail:
            continue
        item = checklist.item(r.item_id)
        assert item is not None  # checked above
        note = r.note.strip() if isinstance(r.note, str) and r.note.strip() else None
        findings.append(
            Finding(
                item_id=str(item.id),
                title=_title(item.text),
                description=note,
                criterion_code=item.criterion_code,
                grade=Grade(item.grade),
                attachment_ids=tuple(r.attachment_ids),
            )
        )
    return findings
