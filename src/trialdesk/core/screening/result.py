"""What a screening returns: a status per criterion with its evidence, and an overall verdict.

Statuses are never booleans. ``pass`` means the criterion does not stand in the way (for an
exclusion: the excluding condition is absent); ``fail`` means it blocks eligibility.
``unknown`` is for data that is missing, stale or unreadable, and says what would settle it;
``review`` is for what needs a clinician's judgement. Verdict precedence:
ineligible > incomplete > needs_review > eligible.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


def verdict_of(statuses: Sequence[Status], bound: Verdict | None = None) -> Verdict:
    """Overall verdict: the most severe status wins (ineligible > incomplete > needs_review).

    ``bound`` is a verdict the record imposes whatever the criteria say (a recorded death):
    the more severe of the two is returned.
    """
    present = {_VERDICT_OF_STATUS[s] for s in statuses if s in _VERDICT_OF_STATUS}
    if bound is not None:
        present.add(bound)
    for verdict in _PRECEDENCE:
        if verdict in present:
            return verdict
    return Verdict.ELIGIBLE


# The three result classes are frozen slotted dataclasses with a hand-written ``__init__``
# (``init=False``): a frozen dataclass's generated ``__init__`` assigns every field through
# ``object.__setattr__`` by name, which made building one ``Evidence`` cost ~5 µs; the screener
# builds ~40 of these objects per patient. The ``__init__``s below store each field through its
# slot descriptor (``_slot_setters``) instead: same fields, order, defaults and immutability
# (``__setattr__`` still raises), about four times faster.


@dataclass(frozen=True, slots=True, init=False)
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

    def __init__(
        self,
        kind: str,
        description: str,
        resource: str | None = None,
        value: str | None = None,
        unit: str | None = None,
        date: str | None = None,
        threshold: str | None = None,
        threshold_source: str | None = None,
        source_file: str | None = None,
        note: str | None = None,
    ) -> None:
        _ev_kind(self, kind)
        _ev_description(self, description)
        _ev_resource(self, resource)
        _ev_value(self, value)
        _ev_unit(self, unit)
        _ev_date(self, date)
        _ev_threshold(self, threshold)
        _ev_threshold_source(self, threshold_source)
        _ev_source_file(self, source_file)
        _ev_note(self, note)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in _asdict(self).items() if v is not None}


def _asdict(evidence: Evidence) -> dict[str, Any]:
    return {name: getattr(evidence, name) for name in evidence.__dataclass_fields__}


@dataclass(frozen=True, slots=True, init=False)
class CriterionResult:
    id: str
    kind: str  # inclusion | exclusion
    status: Status
    reasons: tuple[Message, ...]
    evidence: tuple[Evidence, ...] = ()
    missing: tuple[Message, ...] = ()  # what would settle an unknown or a review
    text: str | None = None  # the registry's original wording

    def __init__(
        self,
        id: str,
        kind: str,
        status: Status,
        reasons: tuple[Message, ...],
        evidence: tuple[Evidence, ...] = (),
        missing: tuple[Message, ...] = (),
        text: str | None = None,
    ) -> None:
        _cr_id(self, id)
        _cr_kind(self, kind)
        _cr_status(self, status)
        _cr_reasons(self, reasons)
        _cr_evidence(self, evidence)
        _cr_missing(self, missing)
        _cr_text(self, text)

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


@dataclass(frozen=True, slots=True, init=False)
class ScreeningResult:
    trial: str
    protocol_version: str
    patient: str
    as_of: date
    verdict: Verdict
    criteria: tuple[CriterionResult, ...]
    source: str | None = None
    notes: tuple[Message, ...] = field(default=())

    def __init__(
        self,
        trial: str,
        protocol_version: str,
        patient: str,
        as_of: date,
        verdict: Verdict,
        criteria: tuple[CriterionResult, ...],
        source: str | None = None,
        notes: tuple[Message, ...] = (),
    ) -> None:
        _sr_trial(self, trial)
        _sr_protocol_version(self, protocol_version)
        _sr_patient(self, patient)
        _sr_as_of(self, as_of)
        _sr_verdict(self, verdict)
        _sr_criteria(self, criteria)
        _sr_source(self, source)
        _sr_notes(self, notes)

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


def _slot_setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """Each field's slot descriptor ``__set__``, in field order (bypasses the frozen
    ``__setattr__``; used only by the ``__init__``s above)."""
    return tuple(getattr(cls, name).__set__ for name in cls.__dataclass_fields__)  # type: ignore[attr-defined]


(
    _ev_kind,
    _ev_description,
    _ev_resource,
    _ev_value,
    _ev_unit,
    _ev_date,
    _ev_threshold,
    _ev_threshold_source,
    _ev_source_file,
    _ev_note,
) = _slot_setters(Evidence)
_cr_id, _cr_kind, _cr_status, _cr_reasons, _cr_evidence, _cr_missing, _cr_text = _slot_setters(
    CriterionResult
)
(
    _sr_trial,
    _sr_protocol_version,
    _sr_patient,
    _sr_as_of,
    _sr_verdict,
    _sr_criteria,
    _sr_source,
    _sr_notes,
) = _slot_setters(ScreeningResult)
