"""Enumerations named in docs/rules.md and the API contract; their values are part of the contract."""

from enum import StrEnum


class Role(StrEnum):
    street_admin = "street_admin"
    supervisor = "supervisor"
    department_officer = "department_officer"
    village_officer = "village_officer"
    enterprise_user = "enterprise_user"
    district_viewer = "district_viewer"


class OrgUnitKind(StrEnum):
    street_office = "street_office"
    department = "department"
    village = "village"


class EnterpriseStatus(StrEnum):
    active = "active"
    suspended = "suspended"
    closed = "closed"


class EnterpriseTag(StrEnum):
    hospital_grade2 = "hospital_grade2"
    hospital_grade3 = "hospital_grade3"
    dust_explosion = "dust_explosion"
    ammonia_refrigeration = "ammonia_refrigeration"
    confined_space = "confined_space"
    large_commercial_complex = "large_commercial_complex"


class StandardizationLevel(StrEnum):
    none = "none"
    level3 = "3"
    level2 = "2"
    level1 = "1"


# Which org-unit kind each staff role belongs to (A1); enterprise users and
# district clients are tied to no org unit.
ROLE_ORG_KIND: dict[Role, OrgUnitKind | None] = {
    Role.street_admin: OrgUnitKind.street_office,
    Role.supervisor: OrgUnitKind.street_office,
    Role.department_officer: OrgUnitKind.department,
    Role.village_officer: OrgUnitKind.village,
    Role.enterprise_user: None,
    Role.district_viewer: None,
}
