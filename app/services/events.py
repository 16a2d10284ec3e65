"""The change feed for district systems: the event types. Services queue events on their
unit of work (app/db/unit_of_work.py), which writes them with the change; inside COMMIT a
deferred trigger numbers them (`seq`) under one advisory lock (migration 0009), so the
numbers follow commit order and a reader that has seen N has seen every event below N.
A number drawn by a commit that then failed is never used: `seq` may skip, but no
committed event is ever numbered below one a reader has already seen."""

from __future__ import annotations


class EventType:
    hazard_created = "hazard.created"
    hazard_status_changed = "hazard.status_changed"
    hazard_deadline_extended = "hazard.deadline_extended"
    hazard_major_notified = "hazard.major_notified"
    hazard_escalated = "hazard.escalated"
    hazard_listed = "hazard.listed"
    hazard_delisted = "hazard.delisted"
    inspection_recorded = "inspection.recorded"
    report_received = "report.received"
    report_verified = "report.verified"
    drill_recorded = "drill.recorded"
    training_recorded = "training.recorded"
    supervision_task_created = "supervision_task.created"
    supervision_task_status_changed = "supervision_task.status_changed"
    supervision_task_findings_recorded = "supervision_task.findings_recorded"
    supervision_task_referral_recorded = "supervision_task.referral_recorded"
    escalation_proposal_created = "escalation_proposal.created"
    escalation_proposal_accepted = "escalation_proposal.accepted"
    escalation_proposal_dismissed = "escalation_proposal.dismissed"
