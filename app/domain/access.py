"""Who may see and do what (A1–A4), as pure policy functions over plain values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from app.domain.enums import Role


class ScopeKind(StrEnum):
    all = "all"
    sectors = "sectors"
    village = "village"
    enterprise = "enterprise"


@dataclass(frozen=True)
class Scope:
    """A1: the set of enterprises (and what follows them) a caller can see."""

    kind: ScopeKind
    sectors: frozenset[str] = frozenset()
    village_id: UUID | None = None
    enterprise_id: UUID | None = None

    def sees(self, *, enterprise_id: UUID, village_id: UUID, sector: str) -> bool:
        if self.kind is ScopeKind.all:
            return True
        if self.kind is ScopeKind.sectors:
            return sector in self.sectors
        if self.kind is ScopeKind.village:
            return village_id == self.village_id
        return enterprise_id == self.enterprise_id


@dataclass(frozen=True)
class Principal:
    """The authenticated caller, resolved once per request."""

    user_id: UUID
    username: str
    role: Role
    org_unit_id: UUID | None
    enterprise_id: UUID | None
    lead_sectors: frozenset[str] = frozenset()

    @property
    def is_staff_of_street(self) -> bool:
        return self.role in (Role.street_admin, Role.supervisor)


def scope_for(p: Principal) -> Scope:
    """A1 visibility by role."""
    if p.role in (Role.street_admin, Role.supervisor, Role.district_viewer):
        return Scope(ScopeKind.all)
    if p.role is Role.department_officer:
        return Scope(ScopeKind.sectors, sectors=p.lead_sectors)
    if p.role is Role.village_officer:
        return Scope(ScopeKind.village, village_id=p.org_unit_id)
    return Scope(ScopeKind.enterprise, enterprise_id=p.enterprise_id)


def can_write(p: Principal) -> bool:
    """A3: district systems never write."""
    return p.role is not Role.district_viewer


def can_manage_users(p: Principal) -> bool:
    """A3: only the street office's admin manages users and org units."""
    return p.role is Role.street_admin


def can_register_enterprise(p: Principal, *, village_id: UUID, sector: str) -> str | None:
    """Who may add an enterprise to the registry; None = allowed, else the reason.

    The street office registers anywhere; a village officer registers units of its
    village (属地); a department officer those of the sectors it leads.
    """
    if p.role in (Role.street_admin, Role.supervisor):
        return None
    if p.role is Role.village_officer:
        return None if village_id == p.org_unit_id else "village officers register units of their own village"
    if p.role is Role.department_officer:
        return None if sector in p.lead_sectors else "department officers register units of the sectors they lead"
    return f"role {p.role} may not register enterprises"


def can_edit_enterprise(p: Principal, changes: set[str]) -> str | None:
    """Who may change a visible enterprise; None = allowed, else the reason.

    An enterprise user keeps its contacts and standardization up to date but cannot
    move itself to another village or sector, change its status or its high-risk flag.
    """
    if p.role in (Role.street_admin, Role.supervisor, Role.village_officer, Role.department_officer):
        return None
    if p.role is Role.enterprise_user:
        restricted = changes & {"village_id", "sector", "status", "high_risk", "credit_code", "registered_on", "tags", "name"}
        if restricted:
            return f"enterprise users may not change {', '.join(sorted(restricted))}"
        return None
    return f"role {p.role} may not change enterprises"


def can_import_ledger(p: Principal) -> str | None:
    """I1: the street office's admin imports anywhere, department and village officers
    for the enterprises in their scope; None = allowed, else the reason."""
    if p.role in (Role.street_admin, Role.department_officer, Role.village_officer):
        return None
    return f"role {p.role} may not import ledgers; street_admin, department_officer and village_officer may"


def sees_import(p: Principal, *, org_unit_id: UUID | None) -> bool:
    """A2 for imports: the street office's admin sees every import, an officer those of
    the office it belongs to (its colleagues' too); nobody else sees any."""
    if p.role is Role.street_admin:
        return True
    if p.role in (Role.department_officer, Role.village_officer):
        return org_unit_id is not None and org_unit_id == p.org_unit_id
    return False
