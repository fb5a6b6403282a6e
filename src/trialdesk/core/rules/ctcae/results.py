"""What grading returns: the grade, the rule that produced it, and what could change it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from trialdesk.core.rules.ctcae.intervals import References

__all__ = ["GradeStatus", "LabGrade", "QualifierEffect", "RuleHit", "TermGrade"]


class GradeStatus(StrEnum):
    GRADED = "graded"
    NOT_GRADABLE = "not_gradable"  # CTCAE v5.0 grades the term by intervention, not by a number


@dataclass(frozen=True, slots=True)
class RuleHit:
    """The band that gave the grade, with its threshold resolved in the unit graded in."""

    term: str
    grade: int
    band: str  # the CTCAE wording of the criterion
    threshold: str  # e.g. "(120, 200] U/L"
    unit: str
    value: Decimal  # the value in ``unit``
    qualifiers: tuple[tuple[str, bool], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "grade": self.grade,
            "band": self.band,
            "threshold": self.threshold,
            "unit": self.unit,
            "value": str(self.value),
            "qualifiers": dict(self.qualifiers),
        }


@dataclass(frozen=True, slots=True)
class QualifierEffect:
    """Passing ``name=value`` would give ``grade`` instead."""

    name: str
    value: bool
    grade: int

    def render(self) -> str:
        return f"{self.name}={'yes' if self.value else 'no'} would give grade {self.grade}"


@dataclass(frozen=True, slots=True)
class TermGrade:
    term: str
    meddra_code: str
    status: GradeStatus
    grade: int | None
    rule: RuleHit | None
    reason: str
    assumed: tuple[tuple[str, str], ...] = ()  # qualifier -> the default used ("unknown", "no")
    would_change: tuple[QualifierEffect, ...] = ()
    notes: tuple[str, ...] = ()
    confirmation: str = "C2"  # C2 | C1 | what is UNCONFIRMED (from the data file)

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "meddra_code": self.meddra_code,
            "status": str(self.status),
            "grade": self.grade,
            "rule": None if self.rule is None else self.rule.to_dict(),
            "reason": self.reason,
            "assumed": dict(self.assumed),
            "would_change": [e.render() for e in self.would_change],
            "notes": list(self.notes),
            "confirmation": self.confirmation,
        }


@dataclass(frozen=True, slots=True)
class LabGrade:
    """The CTCAE v5.0 grade of one result: the highest grade any term of the analyte gives."""

    analyte: str
    value: Decimal
    unit: str
    status: GradeStatus
    grade: int | None  # None when not gradable; 0 = no CTCAE grade met (not a CTCAE grade)
    term: str | None  # the term that decided; None when every term gives 0
    terms: tuple[TermGrade, ...]
    references: References | None = None  # LLN, ULN and baseline in ``unit``
    notes: tuple[str, ...] = ()  # e.g. a default reference interval was used
    version: str = "CTCAE v5.0"

    @property
    def decisive(self) -> TermGrade | None:
        for result in self.terms:
            if result.term == self.term and result.grade == self.grade:
                return result
        return None

    @property
    def rule(self) -> RuleHit | None:
        decisive = self.decisive
        return None if decisive is None else decisive.rule

    @property
    def reason(self) -> str:
        decisive = self.decisive
        if decisive is not None:
            return decisive.reason
        return " ".join(t.reason for t in self.terms)

    @property
    def would_change(self) -> tuple[QualifierEffect, ...]:
        return tuple(e for t in self.terms for e in t.would_change)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "analyte": self.analyte,
            "value": str(self.value),
            "unit": self.unit,
            "status": str(self.status),
            "grade": self.grade,
            "term": self.term,
            "reason": self.reason,
            "rule": None if self.rule is None else self.rule.to_dict(),
            "would_change": [e.render() for e in self.would_change],
            "references": _references(self.references),
            "notes": list(self.notes),
            "terms": [t.to_dict() for t in self.terms],
        }


def _references(refs: References | None) -> dict[str, str | None]:
    if refs is None:
        return {"lln": None, "uln": None, "baseline": None}
    return {
        name: None if number is None else str(number)
        for name, number in (("lln", refs.lln), ("uln", refs.uln), ("baseline", refs.baseline))
    }
