"""CONSORT flow counts (assessed → excluded with reasons → enrolled → treated → analysed).

Derived from the subject state machine as of the cut-off:

* assessed: every subject who entered screening (a ``screening`` status on or before the
  cut-off, or a recorded screening date);
* excluded: assessed but never enrolled, grouped by reason: each screen-fail reason of an
  ineligible subject, "withdrew before enrollment", or "not yet enrolled (still in
  <state>)" for a subject whose path is not finished (CONSORT lists them, it does not drop them);
* enrolled: an enrollment date on or before the cut-off;
* treated: at least one exposure on or before the cut-off (the safety population);
* analysed for efficacy: treated with at least one response time point.

A subject with several screen-fail reasons is counted once in "excluded" and once under
each reason, so the reasons may add up to more than the excluded count (said on the figure).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from trialdesk.core.reporting.snapshot import StudySnapshot, SubjectFact

__all__ = ["ConsortFlow", "consort_flow"]


@dataclass(frozen=True, slots=True)
class ConsortFlow:
    assessed: int
    excluded: int
    exclusion_reasons: tuple[tuple[str, int], ...]  # (reason, subjects), most frequent first
    enrolled: int
    not_treated: int
    treated: int
    discontinued: int  # withdrawn or off study before the cut-off, after enrollment
    discontinuation_reasons: tuple[tuple[str, int], ...]
    analysed_safety: int
    analysed_efficacy: int


def _entered_screening(subject: SubjectFact, snapshot: StudySnapshot) -> bool:
    if subject.screened_on is not None and subject.screened_on <= snapshot.cutoff:
        return True
    return any(
        c.to_status == "screening" and c.at.date() <= snapshot.cutoff for c in subject.history
    )


def _enrolled(subject: SubjectFact, snapshot: StudySnapshot) -> bool:
    return subject.enrolled_on is not None and subject.enrolled_on <= snapshot.cutoff


def _status_at_cutoff(subject: SubjectFact, snapshot: StudySnapshot) -> str:
    changes = [c for c in subject.history if c.at.date() <= snapshot.cutoff]
    return changes[-1].to_status if changes else subject.status


def _exclusion_reasons(subject: SubjectFact, snapshot: StudySnapshot) -> list[str]:
    state = _status_at_cutoff(subject, snapshot)
    if state == "ineligible":
        return list(subject.screen_fail_reasons) or ["ineligible (reason not recorded)"]
    if state == "withdrawn":
        return ["withdrew before enrollment"]
    return [f"not yet enrolled (still {state})"]


def consort_flow(snapshot: StudySnapshot) -> ConsortFlow:
    assessed = [s for s in snapshot.subjects if _entered_screening(s, snapshot)]
    enrolled = [s for s in assessed if _enrolled(s, snapshot)]
    excluded = [s for s in assessed if not _enrolled(s, snapshot)]
    reasons: Counter[str] = Counter()
    for subject in excluded:
        reasons.update(set(_exclusion_reasons(subject, snapshot)))
    treated_ids = set(snapshot.treated_ids())
    treated = [s for s in enrolled if s.subject_id in treated_ids]
    stopped: Counter[str] = Counter()
    for subject in enrolled:
        if subject.ended_on is not None and subject.ended_on <= snapshot.cutoff:
            stopped[subject.end_reason or "reason not recorded"] += 1
    with_response = {r.subject_id for r in snapshot.responses if r.on <= snapshot.cutoff}
    return ConsortFlow(
        assessed=len(assessed),
        excluded=len(excluded),
        exclusion_reasons=_ranked(reasons),
        enrolled=len(enrolled),
        not_treated=len(enrolled) - len(treated),
        treated=len(treated),
        discontinued=sum(stopped.values()),
        discontinuation_reasons=_ranked(stopped),
        analysed_safety=len(treated),
        analysed_efficacy=sum(1 for s in treated if s.subject_id in with_response),
    )


def _ranked(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
