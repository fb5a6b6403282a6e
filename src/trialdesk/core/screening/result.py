"""What a screening returns: a status per criterion with its evidence, and an overall verdict.

Statuses are never booleans. ``pass`` means the criterion does not stand in the way (for an
exclusion: the excluding condition is absent); ``fail`` means it blocks eligibility.
``unknown`` is for data that is missing, stale or unreadable, and says what would settle it;
``review`` is for what needs a clinician's judgement. Verdict precedence:
ineligible > incomplete > needs_review > eligible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from trialdesk.core.i18n import Message

__all__ = [
    "CriterionResult",
    "Evidence",
    "ScreeningResult",
    "Status",
    "Verdict",
    "verdict_of",
]


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 (a status, not a password)
    FAIL = "fail"
    UNKNOWN = "unknown"
    REVIEW = "review"
    NOT_APPLICABLE = "not_applicable"


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    NEEDS_REVIEW = "needs_review"
    INCOMPLETE = "incomplete"
    INELIGIBLE = "ineligible"


_VERDICT_OF_STATUS = {
    Status.FAIL: Verdict.INELIGIBLE,
    Status.UNKNOWN: Verdict.INCOMPLETE,
    Status.REVIEW: Verdict.NEEDS_REVIEW,
}
_PRECEDENCE = [Verdict.INELIGIBLE, Verdict.INCOMPLETE, Verdict.NEEDS_REVIEW, Verdict.ELIGIBLE]


def verdict_of(statuses: Sequence[Status]) -> Verdict:
    """Overall verdict: the most severe status wins (ineligible > incomplete > needs_review)."""
    present = {_VERDICT_OF_STATUS[s] for s in statuses if s in _VERDICT_OF_STATUS}
    for verdict in _PRECEDENCE:
        if verdict in present:
            return verdict
    return Verdict.ELIGIBLE


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact behind a status: the datum, where it came from, and the threshold it met."""

    kind: str  # lab, vital, condition, procedure, medication, allergy, adverse_event, ...
    description: str
    resource: str | None = None  # "Observation/hb-1"
    value: str | None = None
    unit: str | None = None
    date: str | None = None
    threshold: str | None = None
    threshold_source: str | None = None
    source_file: str | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in _asdict(self).items() if v is not None}


def _asdict(evidence: Evidence) -> dict[str, Any]:
    return {name: getattr(evidence, name) for name in evidence.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class CriterionResult:
    id: str
    kind: str  # inclusion | exclusion
    status: Status
    reasons: tuple[Message, ...]
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[Message, ...] = ()  # what would settle an unknown or a review
    text: str | None = None  # the registry's original wording

    def reason(self, lang: str = "en") -> str:
        return " ".join(m.render(lang) for m in self.reasons)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "status": str(self.status),
            "reason": self.reason(lang),
            "evidence": [e.to_dict() for e in self.evidence],
        }
        if self.missing:
            data["missing"] = [m.render(lang) for m in self.missing]
        return data


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    trial: str
    protocol_version: str
    patient: str
    as_of: date
    verdict: Verdict
    criteria: tuple[CriterionResult, ...]
    source: str | None = None
    notes: tuple[Message, ...] = field(default=())

    def criterion(self, criterion_id: str) -> CriterionResult:
        for result in self.criteria:
            if result.id == criterion_id:
                return result
        raise KeyError(criterion_id)

    @property
    def statuses(self) -> Mapping[str, Status]:
        return {c.id: c.status for c in self.criteria}

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        data: dict[str, Any] = {
            "trial": self.trial,
            "protocol_version": self.protocol_version,
            "patient": self.patient,
            "as_of": self.as_of.isoformat(),
            "verdict": str(self.verdict),
            "criteria": [c.to_dict(lang) for c in self.criteria],
        }
        if self.source is not None:
            data["source"] = self.source
        if self.notes:
            data["notes"] = [n.render(lang) for n in self.notes]
        return data
