"""Inspections (§4, §16): which hazard source each kind of inspection reports through, and
who records which kind."""

from __future__ import annotations

from app.domain.enums import Role
from app.domain.hazards import Source

SOURCE_OF_KIND: dict[str, Source] = {
    "principal_self": Source.self_inspection,
    "village_patrol": Source.patrol,
    "department": Source.supervision,
    "enforcement": Source.enforcement,
    "supervision": Source.supervision,
}


def kind_problem(role: Role, kind: str) -> str | None:
    """Enterprises record their own principal-led inspections only; staff record any kind
    (a village officer may enter a paper record of an enterprise's self-inspection)."""
    if role is Role.enterprise_user and kind != "principal_self":
        return "enterprise users record principal_self inspections"
    return None
