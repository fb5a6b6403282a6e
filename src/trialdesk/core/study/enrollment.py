"""May this subject be enrolled now, put on the waitlist, or refused, and why?"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from trialdesk.core.study.consent import ConsentGap
from trialdesk.core.study.states import SubjectStatus

__all__ = [
    "SCREENING_VALID_DAYS",
    "EnrollmentDecision",
    "EnrollmentFacts",
    "EnrollmentOutcome",
    "decide_enrollment",
]

# A screening older than this no longer describes the child; re-screen before enrolling.
SCREENING_VALID_DAYS = 30


class EnrollmentOutcome(StrEnum):
    ENROLL = "enroll"
    WAITLIST = "waitlist"
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class EnrollmentFacts:
    status: SubjectStatus
    on: date
    enrolled: int
    target: int
    paused: bool = False
    pause_reason: str | None = None
    screening_verdict: str | None = None  # of the subject's latest screening
    screening_as_of: date | None = None
    screening_protocol_version: str | None = None
    protocol_version: str = ""
    signed_off: bool = False  # an investigator signed eligibility for that screening
    consent_gaps: tuple[ConsentGap, ...] = ()
    consent_recorded: bool = False


@dataclass(frozen=True, slots=True)
class EnrollmentDecision:
    outcome: EnrollmentOutcome
    reasons: tuple[str, ...] = field(default=())


def _screening_problems(facts: EnrollmentFacts) -> list[str]:
    if facts.screening_verdict is None or facts.screening_as_of is None:
        return ["no screening is recorded"]
    problems: list[str] = []
    if facts.screening_verdict not in ("eligible", "needs_review"):
        problems.append(f"the latest screening is '{facts.screening_verdict}', not eligible")
    if facts.screening_protocol_version != facts.protocol_version:
        problems.append(
            f"the latest screening used protocol version {facts.screening_protocol_version}, "
            f"the current version is {facts.protocol_version}"
        )
    if (facts.on - facts.screening_as_of).days > SCREENING_VALID_DAYS:
        problems.append(f"the latest screening is older than {SCREENING_VALID_DAYS} days")
    if not facts.signed_off:
        problems.append("an investigator has not signed eligibility for the latest screening")
    return problems


def _blocking_reasons(facts: EnrollmentFacts) -> list[str]:
    if facts.status is not SubjectStatus.CONSENTED:
        return [f"the subject is '{facts.status}'; only a consented subject can be enrolled"]
    reasons = _screening_problems(facts)
    if not facts.consent_recorded:
        reasons.append("no consent is recorded")
    reasons.extend(f"consent: {gap}" for gap in facts.consent_gaps)
    if facts.paused:
        reasons.append(f"enrollment is paused: {facts.pause_reason or 'no reason given'}")
    return reasons


def decide_enrollment(facts: EnrollmentFacts) -> EnrollmentDecision:
    """Refuse with every reason at once; waitlist when only the target stands in the way."""
    reasons = _blocking_reasons(facts)
    if reasons:
        return EnrollmentDecision(EnrollmentOutcome.REFUSE, tuple(reasons))
    if facts.enrolled >= facts.target:
        return EnrollmentDecision(
            EnrollmentOutcome.WAITLIST,
            (f"the target of {facts.target} is reached ({facts.enrolled} enrolled)",),
        )
    return EnrollmentDecision(EnrollmentOutcome.ENROLL)
