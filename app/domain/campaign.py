"""The campaign's four phases (plan §三 进度安排)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Phase:
    code: str
    name: str
    starts_on: date
    ends_on: date


PHASES: tuple[Phase, ...] = (
    Phase("mobilization", "动员部署阶段", date(2024, 2, 1), date(2024, 4, 30)),
    Phase("special_rectification", "专项治理阶段", date(2024, 5, 1), date(2025, 12, 31)),
    Phase("consolidation", "巩固提升阶段", date(2026, 1, 1), date(2026, 9, 30)),
    Phase("evaluation", "总结评估阶段", date(2026, 10, 1), date(2026, 12, 31)),
)


def phase_on(d: date) -> Phase | None:
    for phase in PHASES:
        if phase.starts_on <= d <= phase.ends_on:
            return phase
    return None


def phase_status(phase: Phase, d: date) -> str:
    if d < phase.starts_on:
        return "upcoming"
    if d > phase.ends_on:
        return "past"
    return "current"
