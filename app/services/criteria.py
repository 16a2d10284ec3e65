"""The criteria library (K1, K2): citing a criterion, and loading a new version."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.db.models import CriteriaDocument, CriteriaVersion, Criterion
from app.db.repositories import criteria as repo
from app.domain import criteria as rules
from app.domain.criteria_files import parse_library
from app.domain.enums import Role
from app.domain.errors import FieldError, Forbidden, RuleViolation
from app.services.context import Context


async def cite(ctx: Context, code: str | None, *, grade: str, sector: str, discovered_on: date) -> int | None:
    """K1/K2: the library version a hazard cites `code` of (None: cites nothing); 422
    naming `criterion_code` when the code is unknown, not in force on `discovered_on`, of
    other sectors than the enterprise's, or major while the grade is general."""
    if code is None:
        return None
    version = await repo.current_version(ctx.session)
    library = await repo.library(ctx.session, version, [code]) if version is not None else {}
    rules.check_citation(code, library=library, grade=grade, enterprise_sector=sector, discovered_on=discovered_on)
    return version


async def load_version(ctx: Context, documents: Any, note: str | None) -> CriteriaVersion:
    """K1: a new version of the whole library, from document files (the format of
    app/data/criteria); all or nothing. street_admin only."""
    if ctx.principal.role is not Role.street_admin:
        raise Forbidden("only street_admin loads a new version of the criteria library")
    parsed = parse_library(documents)
    if parsed.errors:
        raise RuleViolation("the library does not load", parsed.errors, code="invalid_library")
    if not parsed.criteria:
        raise RuleViolation("the library does not load", [FieldError("documents", "no criterion in any document")],
                            code="invalid_library")
    current = await repo.current_version(ctx.session) or 0
    version = CriteriaVersion(
        version=current + 1, note=note, criteria_count=len(parsed.criteria), loaded_by=ctx.principal.user_id,
        loaded_at=ctx.now,
    )
    ctx.session.add(version)
    await ctx.session.flush()
    position = 0
    for doc, records in parsed.documents:
        d = CriteriaDocument(
            version=version.version, title=doc.title, issuer=doc.issuer, number=doc.number,
            published_on=doc.published_on, effective_from=doc.effective_from, effective_to=doc.effective_to,
            complete=doc.complete, source=doc.source, sources=list(doc.sources), missing=list(doc.missing),
            notes=list(doc.notes),
        )
        ctx.session.add(d)
        await ctx.session.flush()
        for c in records:
            position += 1
            ctx.session.add(
                Criterion(
                    version=version.version, code=c.code, document_id=d.id, position=position, article=c.article,
                    item=c.item, article_text=c.article_text, text=c.text, sectors=list(c.sectors),
                    tags=list(c.tags), grade=c.grade, effective_from=doc.effective_from,
                    effective_to=doc.effective_to, source_ids=list(c.source_ids),
                )
            )
    await ctx.session.flush()
    ctx.audit("criteria.load", "criteria", version.version)
    return version


async def versions(ctx: Context) -> list[CriteriaVersion]:
    stmt = select(CriteriaVersion).order_by(CriteriaVersion.version.desc())
    return list((await ctx.session.execute(stmt)).scalars())
