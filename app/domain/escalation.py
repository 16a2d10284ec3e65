"""Escalation proposals (R3; plan §15: 函告、通报、约谈、曝光, and 挂牌督办 of §6/§15).

The ladder. An open major hazard overdue (H6) by at least `letter` days (default 1) gets a
proposal `letter` (函告); by `circular` days (15) `circular` (通报); by `interview` days (30)
`interview` (约谈); by `exposure` days (60) `exposure` (曝光). A major hazard whose deadline
was extended at least `listing_extensions` times (2) and that is overdue again (by at least
`listing_overdue_days`, 1) gets a proposal `listing` (挂牌督办), unless it is listed already.
Every threshold reached gets its proposal: a hazard first seen 20 days overdue gets `letter`
and `circular` at once, in ladder order. General hazards never get proposals.

Episodes. Each step is proposed once per overdue episode. An episode is the time a hazard
stays overdue against one deadline; it ends when the deadline is extended or the hazard is
closed (a reopened hazard starts a new one even with its old deadline). `episode_key` names
it ("2025-04-30", or "2025-04-30/reopened:2025-06-02"): the service stores it on each
proposal and passes back the steps already proposed in the current episode — open,
accepted or dismissed alike — so running the schedule twice proposes nothing twice, and a
dismissed step stays dismissed for the episode. A proposal is only a proposal: an official
accepts it (it becomes the H9 escalation or listing) or dismisses it with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from uuid import UUID

from app.domain.errors import FieldError, RuleViolation
from app.domain.hazards import OPEN_STATES
from app.domain.messages import escalation_reason

MAJOR = "major"


class EscalationStep(StrEnum):
    letter = "letter"
    circular = "circular"
    interview = "interview"
    exposure = "exposure"
    listing = "listing"


LADDER = (EscalationStep.letter, EscalationStep.circular, EscalationStep.interview, EscalationStep.exposure)
MAX_DAYS = 3650
MAX_EXTENSIONS = 20


@dataclass(frozen=True)
class EscalationThresholds:
    """R3's configurable thresholds, validated on construction (RuleViolation)."""

    letter: int = 1
    circular: int = 15
    interview: int = 30
    exposure: int = 60
    listing_extensions: int = 2
    listing_overdue_days: int = 1

    def __post_init__(self) -> None:
        errors = threshold_problems({f.name: getattr(self, f.name) for f in fields(self)})
        if errors:
            raise RuleViolation("invalid escalation thresholds", errors, code="invalid_thresholds")

    def of(self, step: EscalationStep) -> int:
        """The overdue days at which `step` is proposed (listing: `listing_overdue_days`)."""
        return self.listing_overdue_days if step is EscalationStep.listing else getattr(self, step.value)


THRESHOLD_FIELDS = ("letter", "circular", "interview", "exposure", "listing_extensions", "listing_overdue_days")


def threshold_problems(values: Mapping[str, object]) -> list[FieldError]:
    """R3: what is wrong with a full set of threshold values (JSON-like)."""
    errors: list[FieldError] = []
    for name in THRESHOLD_FIELDS:
        if name not in values:
            errors.append(FieldError(name, "required"))
            continue
        value = values[name]
        high = MAX_EXTENSIONS if name == "listing_extensions" else MAX_DAYS
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(FieldError(name, "must be a whole number"))
        elif not 1 <= value <= high:
            errors.append(FieldError(name, f"must lie between 1 and {high}"))
    for name in values:
        if name not in THRESHOLD_FIELDS:
            errors.append(FieldError(name, "unknown field"))
    if errors:
        return errors
    for lower, upper in zip(LADDER, LADDER[1:], strict=False):
        if not values[lower.value] < values[upper.value]:  # type: ignore[operator]
            errors.append(FieldError(upper.value, f"must be more days than {lower.value} ({values[lower.value]})"))
    return errors


DEFAULT_THRESHOLDS = EscalationThresholds()


def thresholds_from(changes: Mapping[str, object], base: EscalationThresholds = DEFAULT_THRESHOLDS) -> EscalationThresholds:
    """`base` with the given values changed (a PATCH), validated: RuleViolation naming fields."""
    merged: dict[str, object] = {name: getattr(base, name) for name in THRESHOLD_FIELDS}
    merged.update(changes)
    errors = threshold_problems(merged)
    if errors:
        raise RuleViolation("invalid escalation thresholds", errors, code="invalid_thresholds")
    return EscalationThresholds(**merged)  # type: ignore[arg-type]


@dataclass(frozen=True)
class EscalationFacts:
    """What the ladder reads of a hazard on the day: grade, status, deadline in force (after
    extensions), how many extensions, whether listed, and the business date of its last
    reopen (H2), if any."""

    hazard_id: UUID | str
    grade: str
    status: str
    deadline: date | None
    extensions: int = 0
    listed: bool = False
    reopened_on: date | None = None


@dataclass(frozen=True)
class Proposal:
    """A step to propose now. `key` (hazard, episode, step) is unique: R3's once per episode."""

    hazard_id: str
    step: EscalationStep
    episode: str
    overdue_days: int
    reason: str

    @property
    def key(self) -> str:
        return f"{self.hazard_id}|{self.episode}|{self.step.value}"


def overdue_days(deadline: date | None, today: date) -> int:
    """H6: days past the deadline (0 when not past it or without one)."""
    if deadline is None:
        return 0
    return max((today - deadline).days, 0)


def episode_key(facts: EscalationFacts) -> str | None:
    """The current overdue episode of the hazard (None without a deadline)."""
    if facts.deadline is None:
        return None
    key = facts.deadline.isoformat()
    if facts.reopened_on is not None:
        key += f"/reopened:{facts.reopened_on.isoformat()}"
    return key


def proposals_due(
    facts: EscalationFacts,
    today: date,
    already_proposed: Iterable[EscalationStep | str] = (),
    thresholds: EscalationThresholds = DEFAULT_THRESHOLDS,
) -> list[Proposal]:
    """R3: the steps to propose today that were not proposed yet in the current episode.

    `already_proposed`: the steps of this hazard's proposals whose episode is
    `episode_key(facts)`, whatever their status. Ladder order, listing last.
    """
    episode = episode_key(facts)
    if facts.grade != MAJOR or facts.status not in OPEN_STATES or episode is None:
        return []
    days = overdue_days(facts.deadline, today)
    if days < 1:
        return []
    done = {EscalationStep(s) for s in already_proposed}
    steps = [step for step in LADDER if days >= thresholds.of(step)]
    if (
        not facts.listed
        and facts.extensions >= thresholds.listing_extensions
        and days >= thresholds.listing_overdue_days
    ):
        steps.append(EscalationStep.listing)
    return [
        Proposal(
            hazard_id=str(facts.hazard_id),
            step=step,
            episode=episode,
            overdue_days=days,
            reason=escalation_reason(step=step.value, overdue_days=days, extensions=facts.extensions),
        )
        for step in steps
        if step not in done
    ]
