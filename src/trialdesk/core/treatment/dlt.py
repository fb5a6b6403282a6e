"""Dose-limiting toxicity per the protocol's DLT definition, and DLT evaluability.

An event is a DLT when it starts inside the DLT window (``window_days`` from the first dose of
``window_from_product``), is attributed at least ``min_attribution`` to one of the
attributable products, and meets a criterion (grade, term or SOC, duration) without falling
under one of the criterion's exceptions. Whatever the data cannot settle yet — an attribution
not recorded, an event still running that may yet last long enough or resolve quickly enough —
is ``review`` with what would settle it, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from trialdesk.core.protocol.treatment import (
    ATTRIBUTION_ORDER,
    DltCriterion,
    DltDefinition,
    TreatmentPlan,
)
from trialdesk.core.treatment.adverse_events import AdverseEventEntry, resolve_term

__all__ = ["DltClass", "DltResult", "SubjectDltStatus", "classify_dlt", "subject_dlt_status"]


class DltClass(StrEnum):
    DLT = "dlt"
    NOT_DLT = "not_dlt"
    REVIEW = "review"


@dataclass(frozen=True, slots=True)
class DltResult:
    verdict: DltClass
    criterion: str | None  # the criterion met (or pending)
    reasons: tuple[str, ...]
    definition_is_example: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "criterion": self.criterion,
            "reasons": list(self.reasons),
            "definition_is_example": self.definition_is_example,
        }


def _window(definition: DltDefinition, first_dose: date) -> tuple[date, date]:
    return first_dose, first_dose + timedelta(days=definition.window_days - 1)


def _attribution(entry: AdverseEventEntry, plan: TreatmentPlan) -> tuple[DltClass | None, str]:
    """None when attribution qualifies; NOT_DLT or REVIEW (with why) otherwise."""
    definition = plan.dlt
    needed = ATTRIBUTION_ORDER.index(definition.min_attribution)
    names = sorted({plan.product(p).intervention for p in definition.attributable_products})
    missing = [n for n in names if n not in entry.attribution]
    levels = [
        ATTRIBUTION_ORDER.index(entry.attribution[n]) for n in names if n in entry.attribution
    ]
    if levels and max(levels) >= needed:
        return None, f"attributed {ATTRIBUTION_ORDER[max(levels)]} to {', '.join(names)}"
    if missing:
        return DltClass.REVIEW, (
            f"attribution to {', '.join(missing)} is not recorded: the investigator must "
            f"record it (a DLT needs at least '{definition.min_attribution}')"
        )
    return DltClass.NOT_DLT, (
        f"attribution to {', '.join(names)} is below '{definition.min_attribution}'"
    )


def _matches(criterion: DltCriterion, name: str, soc: str) -> bool:
    folded = name.casefold()
    if folded in {t.casefold() for t in criterion.except_terms}:
        return False
    if soc.casefold() in {s.casefold() for s in criterion.except_socs}:
        return False
    if criterion.terms:
        return folded in {t.casefold() for t in criterion.terms}
    if criterion.socs:
        return soc.casefold() in {s.casefold() for s in criterion.socs}
    return True


def _elapsed(entry: AdverseEventEntry, as_of: date) -> tuple[int, bool]:
    """Days from onset to resolution (or to as_of while it lasts), and whether it resolved."""
    if entry.resolved is not None:
        return (entry.resolved - entry.onset).days, True
    return (as_of - entry.onset).days, False


def _against(
    criterion: DltCriterion, entry: AdverseEventEntry, name: str, as_of: date
) -> tuple[DltClass, str]:
    days, resolved = _elapsed(entry, as_of)
    for exception in criterion.exceptions:
        if name.casefold() not in {t.casefold() for t in exception.terms}:
            continue
        if entry.grade > exception.max_grade:
            continue
        if exception.resolved_within_days is None:
            return DltClass.NOT_DLT, f"excepted: {exception.label}"
        if resolved and days <= exception.resolved_within_days:
            return DltClass.NOT_DLT, (f"excepted: {exception.label} (resolved after {days} day(s))")
        if not resolved and days <= exception.resolved_within_days:
            return DltClass.REVIEW, (
                f"may be excepted ({exception.label}) if it resolves within "
                f"{exception.resolved_within_days} day(s) of onset; record the resolution date"
            )
    if criterion.min_duration_days is not None:
        if days >= criterion.min_duration_days:
            state = "lasted" if resolved else "has lasted"
            return DltClass.DLT, f"{criterion.label}: {state} {days} day(s)"
        if not resolved:
            return DltClass.REVIEW, (
                f"{criterion.label}: ongoing for {days} day(s); a DLT if it lasts "
                f"{criterion.min_duration_days} day(s) — record the resolution date"
            )
        return DltClass.NOT_DLT, (
            f"{criterion.label}: resolved after {days} day(s), under {criterion.min_duration_days}"
        )
    return DltClass.DLT, criterion.label


def classify_dlt(
    entry: AdverseEventEntry, plan: TreatmentPlan, first_dose: date | None, as_of: date
) -> DltResult:
    definition = plan.dlt
    example = definition.example

    def result(verdict: DltClass, criterion: str | None, *reasons: str) -> DltResult:
        return DltResult(verdict, criterion, tuple(reasons), example)

    known = resolve_term(entry.term)
    if known is None:
        return result(DltClass.REVIEW, None, f"{entry.term!r} is not a CTCAE v5.0 term")
    if first_dose is None:
        return result(
            DltClass.NOT_DLT,
            None,
            f"no dose of {definition.window_from_product} yet: no DLT window",
        )
    start, end = _window(definition, first_dose)
    if not start <= entry.onset <= end:
        return result(
            DltClass.NOT_DLT, None, f"onset {entry.onset} is outside the DLT window {start}–{end}"
        )
    candidates = [
        c
        for c in definition.criteria
        if _matches(c, known.name, known.soc) and entry.grade >= c.min_grade
    ]
    if not candidates:
        return result(DltClass.NOT_DLT, None, "meets no DLT criterion of the protocol")
    outcomes = [(c, *_against(c, entry, known.name, as_of)) for c in candidates]
    attribution_verdict, attribution_reason = _attribution(entry, plan)
    for wanted in (DltClass.DLT, DltClass.REVIEW):
        for criterion, verdict, reason in outcomes:
            if verdict is not wanted:
                continue
            if attribution_verdict is not None and criterion.attribution_required:
                if attribution_verdict is DltClass.NOT_DLT:
                    continue
                return result(DltClass.REVIEW, criterion.id, reason, attribution_reason)
            return result(verdict, criterion.id, reason, attribution_reason)
    reasons = [reason for _, _, reason in outcomes]
    if attribution_verdict is DltClass.NOT_DLT:
        reasons.append(attribution_reason)
    return result(DltClass.NOT_DLT, None, *reasons)


@dataclass(frozen=True, slots=True)
class SubjectDltStatus:
    evaluable: bool
    had_dlt: bool
    pending: bool  # a REVIEW event could still make it a DLT
    window_end: date | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "evaluable": self.evaluable,
            "had_dlt": self.had_dlt,
            "pending": self.pending,
            "window_end": None if self.window_end is None else self.window_end.isoformat(),
            "reason": self.reason,
        }


def subject_dlt_status(
    plan: TreatmentPlan,
    first_dose: date | None,
    results: list[DltResult],
    as_of: date,
    *,
    left_before_window_end: bool = False,
) -> SubjectDltStatus:
    """DLT-evaluable: had a DLT, or completed the DLT window without one (and nothing
    pending). A subject who left early without a DLT is not evaluable."""
    if first_dose is None:
        return SubjectDltStatus(False, False, False, None, "not dosed")
    _, end = _window(plan.dlt, first_dose)
    if any(r.verdict is DltClass.DLT for r in results):
        return SubjectDltStatus(True, True, False, end, "had a DLT")
    pending = any(r.verdict is DltClass.REVIEW for r in results)
    if pending:
        return SubjectDltStatus(False, False, True, end, "an event needs review before counting")
    if left_before_window_end:
        return SubjectDltStatus(False, False, False, end, "left the study before the window ended")
    if as_of > end:
        return SubjectDltStatus(True, False, False, end, f"completed the DLT window on {end}")
    return SubjectDltStatus(False, False, False, end, f"DLT window runs until {end}")
