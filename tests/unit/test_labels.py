"""One table of Chinese labels (app.domain.labels): every value of every enumeration has
exactly one label, and the labels read back to their codes (I1)."""

import pytest

from app.api.schemas.drills import DrillKind
from app.api.schemas.inspections import InspectionKind
from app.api.schemas.trainings import TraineeRole
from app.domain import labels
from app.domain.criteria import CheckResult
from app.domain.enums import EnterpriseStatus, EnterpriseTag, StandardizationLevel
from app.domain.escalation import EscalationStep
from app.domain.hazards import Grade, HazardStatus, Source
from app.domain.reminders import Channel, Recipient, ReminderRuleCode
from app.domain.risk import RiskLevel
from app.domain.sectors import SECTOR_CODES
from app.domain.supervision import TaskKind
from app.domain.targets import TargetCode, TargetStatus

TABLES = [
    (labels.GRADE_LABELS, [g.value for g in Grade]),
    (labels.SOURCE_LABELS, [s.value for s in Source]),
    (labels.STATUS_LABELS, [s.value for s in HazardStatus]),
    (labels.ENTERPRISE_STATUS_LABELS, [s.value for s in EnterpriseStatus]),
    (labels.TAG_LABELS, [t.value for t in EnterpriseTag]),
    (labels.STANDARDIZATION_LABELS, [s.value for s in StandardizationLevel]),
    (labels.SECTOR_LABELS, sorted(SECTOR_CODES)),
    (labels.INSPECTION_KIND_LABELS, [k.value for k in InspectionKind]),
    (labels.DRILL_KIND_LABELS, [k.value for k in DrillKind]),
    (labels.TRAINEE_ROLE_LABELS, [r.value for r in TraineeRole]),
    (labels.TASK_KIND_LABELS, [k.value for k in TaskKind]),
    (labels.RISK_LEVEL_LABELS, [r.value for r in RiskLevel]),
    (labels.RISK_COLOUR_LABELS, [r.value for r in RiskLevel]),
    (labels.ESCALATION_STEP_LABELS, [s.value for s in EscalationStep]),
    (labels.TARGET_LABELS, [t.value for t in TargetCode]),
    (labels.TARGET_STATUS_LABELS, [s.value for s in TargetStatus]),
    (labels.CHECK_RESULT_LABELS, [r.value for r in CheckResult]),
    (labels.CHANNEL_LABELS, [c.value for c in Channel]),
    (labels.REMINDER_RULE_LABELS, [r.value for r in ReminderRuleCode]),
    (labels.RECIPIENT_LABELS, [r.value for r in Recipient]),
]


@pytest.mark.parametrize(("table", "codes"), TABLES)
def test_every_value_has_one_distinct_label(table, codes):
    assert sorted(table) == sorted(codes)
    assert len(set(table.values())) == len(table), "two codes share a label: an import could not tell them apart"
    assert not set(table.values()) & set(table), "a label that is also a code"


def test_k4_four_colours():
    assert labels.RISK_LEVEL_LABELS == {"red": "重大风险", "orange": "较大风险", "yellow": "一般风险", "blue": "低风险"}


def test_the_exports_labels_are_the_tables():
    """Both exports read the tables: the CSV's CASE expressions name every code's label."""
    import uuid
    from datetime import date

    from app.api.exports import csv_copy_query
    from app.db.hazard_rules import HazardFilters
    from app.domain.access import Scope, ScopeKind

    sql, _ = csv_copy_query(Scope(ScopeKind.enterprise, enterprise_id=uuid.uuid4()), HazardFilters(), date(2025, 7, 1))
    for table in (labels.GRADE_LABELS, labels.SOURCE_LABELS, labels.STATUS_LABELS):
        for code, label in table.items():
            assert f"WHEN '{code}' THEN '{label}'" in sql
    assert f"THEN '{labels.YES_NO_LABELS[True]}' ELSE '{labels.YES_NO_LABELS[False]}'" in sql
