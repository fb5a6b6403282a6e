"""Derived endpoints per subject: progression-free survival, disease control, duration of
response.

Conventions (stated because sources differ; docs/treatment-and-safety.md repeats them):

* Times are in days, counted inclusively from the start of treatment (day 1 = start), the
  CDISC ADaM ``ADT - STARTDT + 1`` convention.
* PFS event: the first progression (the first PD time point of the protocol's primary
  criteria) or death from any cause, whichever is first. Without an event, PFS is censored
  at the last adequate assessment (a time point that is not NE), or at the start of
  treatment when there is none (FDA guidance on cancer trial endpoints, 2018, Table).
* Progression or death after two or more missed tumour assessments in a row (planned
  assessment windows that passed with no adequate assessment) is not counted as an event: PFS
  is censored at the last adequate assessment before the missed ones (same FDA table:
  "death or progression after more than one missed visit"); the planned windows come from the
  protocol's visit calendar (``assessment_windows``). Without them the rule cannot apply, and
  the event stands.
* Disease control: the best overall response is one of the protocol's ``disease_control``
  categories. A best response of NE leaves it unknown, not "no".
* Duration of response: responders (best CR or PR) only, from the first CR/PR time point to
  progression or death, censored like PFS (including the missed-assessments rule).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from trialdesk.core.treatment.response import NOT_EVALUABLE, ResponseSummary
from trialdesk.errors import InputError

__all__ = ["Endpoints", "TimeToEvent", "derive_endpoints"]

_RESPONSES = ("CR", "PR")


@dataclass(frozen=True, slots=True)
class TimeToEvent:
    event: bool
    date: date
    days: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "date": self.date.isoformat(),
            "days": self.days,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Endpoints:
    criteria: str
    best_response: str
    pfs: TimeToEvent
    disease_control: bool | None
    disease_control_reason: str
    duration_of_response: TimeToEvent | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "criteria": self.criteria,
            "best_response": self.best_response,
            "pfs": self.pfs.to_dict(),
            "disease_control": self.disease_control,
            "disease_control_reason": self.disease_control_reason,
            "duration_of_response": (
                None if self.duration_of_response is None else self.duration_of_response.to_dict()
            ),
        }


def _days(start: date, end: date) -> int:
    return (end - start).days + 1


def _event(
    summary: ResponseSummary, death: date | None, cutoff: date | None
) -> tuple[date, str] | None:
    candidates: list[tuple[date, str]] = []
    if summary.progression_date is not None:
        candidates.append(
            (summary.progression_date, f"progression ({summary.criteria} PD time point)")
        )
    if death is not None:
        candidates.append((death, "death"))
    candidates = [c for c in candidates if cutoff is None or c[0] <= cutoff]
    return min(candidates) if candidates else None


def _censor(
    summary: ResponseSummary, start: date, cutoff: date | None, after: date | None = None
) -> tuple[date, str]:
    adequate = [
        p.date
        for p in summary.timepoints
        if p.overall != NOT_EVALUABLE
        and (cutoff is None or p.date <= cutoff)
        and (after is None or p.date >= after)
    ]
    if adequate:
        return max(adequate), "censored at the last adequate tumour assessment"
    return after or start, "censored: no adequate assessment after the start"


def _after_missed(
    summary: ResponseSummary,
    event: tuple[date, str],
    since: date,
    windows: Sequence[tuple[date, date]],
) -> tuple[date, str] | None:
    """Censoring instead of the event when two or more planned assessment windows passed,
    unassessed, between the last adequate assessment (or ``since``) and the event."""
    when = event[0]
    last = max(
        (p.date for p in summary.timepoints if p.overall != NOT_EVALUABLE and p.date < when),
        default=None,
    )
    anchor = since if last is None or last < since else last
    missed = [w for w in windows if w[0] > anchor and w[1] < when]
    if len(missed) < 2:
        return None
    where = (
        "the last adequate tumour assessment"
        if last is not None and last >= since
        else "the start (no adequate assessment before them)"
    )
    return anchor, (
        f"censored at {where}: the {event[1]} on {when.isoformat()} came after "
        f"{len(missed)} missed tumour assessments in a row (FDA 2018 guidance)"
    )


def derive_endpoints(
    summary: ResponseSummary,
    start: date,
    *,
    disease_control: Sequence[str],
    death: date | None = None,
    cutoff: date | None = None,
    assessment_windows: Sequence[tuple[date, date]] = (),
) -> Endpoints:
    """``assessment_windows``: (earliest, latest) of every planned tumour assessment."""
    if death is not None and death < start:
        raise InputError(
            "death is recorded before the start of treatment",
            where="death",
            expected=f"on or after {start}",
            got=death.isoformat(),
        )
    event = _event(summary, death, cutoff)
    windows = sorted(assessment_windows)
    censored = None if event is None else _after_missed(summary, event, start, windows)
    if censored is not None:
        pfs = TimeToEvent(False, censored[0], _days(start, censored[0]), censored[1])
    elif event is not None:
        pfs = TimeToEvent(True, event[0], _days(start, event[0]), event[1])
    else:
        when, why = _censor(summary, start, cutoff)
        pfs = TimeToEvent(False, when, _days(start, when), why)
    best = summary.best_response
    if best == NOT_EVALUABLE:
        control: bool | None = None
        control_reason = "best overall response is NE: disease control cannot be judged"
    else:
        control = best in disease_control
        control_reason = (
            f"best overall response {best} is {'' if control else 'not '}in the protocol's "
            f"disease-control set {list(disease_control)}"
        )
    return Endpoints(
        criteria=summary.criteria,
        best_response=best,
        pfs=pfs,
        disease_control=control,
        disease_control_reason=control_reason,
        duration_of_response=_duration_of_response(summary, start, event, cutoff, windows),
    )


def _duration_of_response(
    summary: ResponseSummary,
    start: date,
    event: tuple[date, str] | None,
    cutoff: date | None,
    windows: Sequence[tuple[date, date]],
) -> TimeToEvent | None:
    if summary.best_response not in _RESPONSES:
        return None
    first = next(
        (
            p.date
            for p in summary.timepoints
            if p.overall in _RESPONSES and (cutoff is None or p.date <= cutoff)
        ),
        None,
    )
    if first is None:
        return None
    if event is not None and event[0] >= first:
        censored = _after_missed(summary, event, first, windows)
        if censored is not None:
            return TimeToEvent(False, censored[0], _days(first, censored[0]), censored[1])
        return TimeToEvent(True, event[0], _days(first, event[0]), event[1])
    when, why = _censor(summary, start, cutoff, after=first)
    return TimeToEvent(False, when, _days(first, when), why)
