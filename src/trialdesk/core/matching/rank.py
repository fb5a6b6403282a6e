"""Screen the trials the index keeps and rank them for one patient.

Order: eligible, needs review, incomplete, ineligible; within a verdict, a higher score first.
The score prefers trials with fewer open questions: each criterion counts 1 when it passes or
does not apply, 0.5 when it needs a clinician's review, 0.25 when data are missing, 0 when it
fails; the score is the mean. Ties go to the trial id, so the order is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from trialdesk.core.matching.index import (
    OPEN_STATUSES,
    PatientFacts,
    TrialIndex,
    completed_age,
    patient_facts,
)
from trialdesk.core.protocol import Protocol
from trialdesk.core.record import PatientRecord
from trialdesk.core.screening.engine import screen
from trialdesk.core.screening.result import ScreeningResult, Status, Verdict

__all__ = ["MatchOptions", "MatchReport", "TrialMatch", "match_patient"]

_ORDER = {
    Verdict.ELIGIBLE: 0,
    Verdict.NEEDS_REVIEW: 1,
    Verdict.INCOMPLETE: 2,
    Verdict.INELIGIBLE: 3,
}
_WEIGHT = {
    Status.PASS: Decimal(1),
    Status.NOT_APPLICABLE: Decimal(1),
    Status.REVIEW: Decimal("0.5"),
    Status.UNKNOWN: Decimal("0.25"),
    Status.FAIL: Decimal(0),
}


@dataclass(frozen=True, slots=True)
class MatchOptions:
    top: int | None = 20
    recruiting_only: bool = False
    condition_terms: tuple[str, ...] = ()  # added to the patient's own condition words
    match_conditions: bool = True  # False: no trial is left out for its conditions


@dataclass(frozen=True, slots=True)
class TrialMatch:
    nct_id: str
    title: str
    status: str
    verdict: Verdict
    score: Decimal
    screening: ScreeningResult | None  # None when the index ruled the trial out
    pruned_by: str | None = None  # the registry fact that ruled it out

    def counts(self) -> dict[str, int]:
        if self.screening is None:
            return {"fail": 1}
        counts: dict[str, int] = {}
        for result in self.screening.criteria:
            counts[str(result.status)] = counts.get(str(result.status), 0) + 1
        return counts

    def to_dict(self, lang: str = "en", detail: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "nct_id": self.nct_id,
            "title": self.title,
            "status": self.status,
            "verdict": str(self.verdict),
            "score": str(self.score),
            "counts": self.counts(),
        }
        if self.pruned_by:
            data["ruled_out_by_registry"] = self.pruned_by
        if detail and self.screening is not None:
            data["criteria"] = [
                {**c.to_dict(lang), "text": c.text}
                for c in self.screening.criteria
                if c.status is not Status.PASS
            ]
        return data


@dataclass(frozen=True, slots=True)
class MatchReport:
    patient: str
    as_of: date
    matches: tuple[TrialMatch, ...]
    trials_total: int
    screened: int
    ruled_out: int  # by age or sex, listed as ineligible
    left_out: dict[str, int] = field(default_factory=dict)  # status / condition: not listed

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "patient": self.patient,
            "as_of": self.as_of.isoformat(),
            "trials_total": self.trials_total,
            "screened_in_full": self.screened,
            "ruled_out_by_registry_age_or_sex": self.ruled_out,
            "left_out": self.left_out,
            "matches": [m.to_dict(lang) for m in self.matches],
        }


def match_patient(
    index: TrialIndex, record: PatientRecord, as_of: date, options: MatchOptions | None = None
) -> MatchReport:
    options = options or MatchOptions()
    facts = patient_facts(record, options.condition_terms)
    keep, left_out = _relevant(index, facts, options)
    matches: list[TrialMatch] = []
    ruled_out = 0
    approximate = _age_candidates(index, facts, as_of)
    ages = index.patient_ages(facts, as_of)
    for position in sorted(keep):
        fact = index.facts[position]
        protocol = index.protocols[position]
        why = None
        if approximate is not None and position not in approximate:
            why = index.outside_age(fact, ages) or "registry age limits"
        why = why or index.outside_sex(fact, facts) or index.outside_age(fact, ages)
        if why is not None:
            ruled_out += 1
            matches.append(_ruled_out(protocol, why))
        else:
            matches.append(_screened(protocol, screen(protocol, record, as_of)))
    matches.sort(key=lambda m: (_ORDER[m.verdict], -m.score, m.nct_id))
    if options.top is not None:
        matches = matches[: options.top]
    return MatchReport(
        record.patient.ref.id,
        as_of,
        tuple(matches),
        len(index.protocols),
        len(keep) - ruled_out,
        ruled_out,
        left_out,
    )


def _relevant(
    index: TrialIndex, facts: PatientFacts, options: MatchOptions
) -> tuple[set[int], dict[str, int]]:
    keep = set(range(len(index.facts)))
    left_out: dict[str, int] = {}
    if options.recruiting_only:
        open_ = {f.position for f in index.facts if f.status in OPEN_STATUSES}
        left_out["not_recruiting"] = len(keep - open_)
        keep &= open_
    if options.match_conditions and facts.conditions:
        related = index.by_condition(facts.conditions)
        left_out["other_conditions"] = len(keep - related)
        keep &= related
    return keep, left_out


def _age_candidates(index: TrialIndex, facts: PatientFacts, as_of: date) -> set[int] | None:
    if facts.birth_earliest is None or facts.birth_latest is None:
        return None
    youngest = completed_age("year", facts.birth_latest, as_of)
    oldest = completed_age("year", facts.birth_earliest, as_of)
    return index.by_age_years(youngest, oldest)


def _score(result: ScreeningResult) -> Decimal:
    if not result.criteria:
        return Decimal(0)
    total = sum((_WEIGHT[c.status] for c in result.criteria), Decimal(0))
    return (total / len(result.criteria)).quantize(Decimal("0.001"))


def _screened(protocol: Protocol, result: ScreeningResult) -> TrialMatch:
    registry = protocol.model.registry
    return TrialMatch(
        protocol.nct_id,
        registry.brief_title,
        registry.overall_status,
        result.verdict,
        _score(result),
        result,
    )


def _ruled_out(protocol: Protocol, why: str) -> TrialMatch:
    registry = protocol.model.registry
    return TrialMatch(
        protocol.nct_id,
        registry.brief_title,
        registry.overall_status,
        Verdict.INELIGIBLE,
        Decimal(0),
        None,
        why,
    )
