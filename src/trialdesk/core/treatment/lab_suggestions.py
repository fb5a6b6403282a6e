"""Lab results (FHIR Observations) → suggested adverse events with their CTCAE v5.0 grade.

Nothing is created here: each gradable abnormal result becomes a *suggestion* carrying the
grade, the CTCAE term, the band that gave it and its threshold (``grade_lab``), and the
observation it came from. A coordinator confirms or rejects it. A result that cannot be graded
safely — no reference range where one could change the grade, a censored value ("<0.5"), a
preliminary status, an unknown modifier — becomes a ``review`` item saying what is missing,
never a silent grade 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from trialdesk.core.analytes import Analyte, analyte_for_loinc
from trialdesk.core.record import ObservationRecord, Quantity, ReferenceRange, Sex
from trialdesk.core.rules.ctcae import GradeStatus, gradable_analytes, grade_lab
from trialdesk.errors import InputError, ReferenceDataError, UnitError

__all__ = ["LabSuggestion", "SuggestionKind", "analyte_of", "suggest_adverse_events"]

# The FHIR adapter shortens system URIs ("loinc"); records built by hand may keep the URI.
_LOINC = frozenset({"loinc", "http://loinc.org"})
_USABLE_STATUSES = frozenset({"final", "amended", "corrected"})


class SuggestionKind(StrEnum):
    ADVERSE_EVENT = "adverse_event"  # a graded abnormality: confirm or reject
    REVIEW = "review"  # could not be graded safely: the reason says what would settle it


@dataclass(frozen=True, slots=True)
class LabSuggestion:
    kind: SuggestionKind
    observation: str  # "Observation/<id>"
    analyte: str | None
    value: str
    onset: date | None
    term: str | None
    meddra_code: str | None
    grade: int | None
    reason: str
    rule: Mapping[str, Any] | None  # the band and threshold behind the grade
    would_change: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "observation": self.observation,
            "analyte": self.analyte,
            "value": self.value,
            "onset": None if self.onset is None else self.onset.isoformat(),
            "term": self.term,
            "meddra_code": self.meddra_code,
            "grade": self.grade,
            "reason": self.reason,
            "rule": None if self.rule is None else dict(self.rule),
            "would_change": list(self.would_change),
            "notes": list(self.notes),
        }


def analyte_of(observation: ObservationRecord) -> Analyte | None:
    """The catalogue analyte of an Observation, by its LOINC code."""
    for coding in observation.codes:
        if coding.system in _LOINC:
            found = analyte_for_loinc(coding.code)
            if found is not None:
                return found
    return None


def _range_for(ranges: Iterable[ReferenceRange]) -> ReferenceRange | None:
    usable = [r for r in ranges if r.low is not None or r.high is not None]
    normal = [r for r in usable if r.kind in (None, "normal")]
    chosen = normal or usable
    return chosen[0] if chosen else None


def suggest_adverse_events(
    observations: Iterable[ObservationRecord],
    *,
    age_years: Decimal | None = None,
    sex: Sex | None = None,
    baselines: Mapping[str, Quantity] | None = None,
) -> tuple[LabSuggestion, ...]:
    """Suggestions for every gradable result; ``baselines`` maps analyte ids to the
    subject's pre-treatment value (the CTCAE x-baseline bands need it)."""
    gradable = set(gradable_analytes())
    found: list[LabSuggestion] = []
    for observation in observations:
        item = analyte_of(observation)
        if item is None or item.id not in gradable or item.category != "lab":
            continue
        suggestion = _suggest(observation, item, age_years, sex, (baselines or {}).get(item.id))
        if suggestion is not None:
            found.append(suggestion)
    return tuple(found)


def _review(observation: ObservationRecord, item: Analyte, value: str, why: str) -> LabSuggestion:
    return LabSuggestion(
        kind=SuggestionKind.REVIEW,
        observation=f"Observation/{observation.ref.id}",
        analyte=item.id,
        value=value,
        onset=None if observation.effective is None else observation.effective.earliest,
        term=None,
        meddra_code=None,
        grade=None,
        reason=why,
        rule=None,
    )


def _suggest(
    observation: ObservationRecord,
    item: Analyte,
    age_years: Decimal | None,
    sex: Sex | None,
    baseline: Quantity | None,
) -> LabSuggestion | None:
    quantity = observation.value
    if not isinstance(quantity, Quantity):
        return None
    shown = str(quantity)
    if observation.unknown_modifiers:
        return _review(
            observation, item, shown,
            f"unrecognised modifierExtension {list(observation.unknown_modifiers)}: a person "
            "must read the result",
        )  # fmt: skip
    if observation.status not in _USABLE_STATUSES:
        return _review(
            observation, item, shown,
            f"status {observation.status!r}: grade once the lab reports it final",
        )  # fmt: skip
    if quantity.comparator is not None:
        return _review(
            observation, item, shown,
            f"a censored value ({shown}) may lie in more than one grade: ask the lab for the value",
        )  # fmt: skip
    if observation.effective is None:
        return _review(observation, item, shown, "the result has no date: record when it was taken")
    limits = _range_for(observation.reference_ranges)
    range_unit = None
    lln = uln = None
    if limits is not None:
        lln = None if limits.low is None else limits.low.value
        uln = None if limits.high is None else limits.high.value
        range_unit = (limits.low or limits.high or quantity).unit
    try:
        graded = grade_lab(
            item.id,
            quantity.value,
            quantity.unit,
            lln=lln,
            uln=uln,
            range_unit=range_unit,
            baseline=None if baseline is None else baseline.value,
            baseline_unit=None if baseline is None else baseline.unit,
            age_years=age_years if limits is None else None,
            sex=sex if limits is None else None,
        )
    except (ReferenceDataError, UnitError, InputError) as exc:
        return _review(observation, item, shown, f"cannot grade: {exc.message}" + (
            f" ({exc.hint})" if exc.hint else ""
        ))  # fmt: skip
    if graded.status is not GradeStatus.GRADED or not graded.grade:
        return None
    decisive = graded.decisive
    return LabSuggestion(
        kind=SuggestionKind.ADVERSE_EVENT,
        observation=f"Observation/{observation.ref.id}",
        analyte=item.id,
        value=shown,
        onset=observation.effective.earliest,
        term=graded.term,
        meddra_code=None if decisive is None else decisive.meddra_code,
        grade=graded.grade,
        reason=graded.reason,
        rule=None if graded.rule is None else graded.rule.to_dict(),
        would_change=tuple(e.render() for e in graded.would_change),
        notes=tuple(getattr(graded, "notes", ())),
    )
