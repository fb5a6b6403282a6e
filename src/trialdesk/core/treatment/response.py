"""Tumour response per time point from the clinical rules libraries, kept with its inputs.

RECIST 1.1 comes from ``core.rules.recist.evaluate_recist``; INRC 2017 from
``core.rules.inrc.evaluate_inrc``. Both are reduced to the same summary — the overall response
at each time point, the best overall response and the first progression — which is what the
endpoints (core.treatment.endpoints) need. The inputs travel with the summary so a stored
response can always be recomputed and checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from trialdesk.core.rules.inrc import evaluate_inrc
from trialdesk.core.rules.recist import evaluate_recist

__all__ = ["ResponseSummary", "TimePointResponse", "summarise_inrc", "summarise_recist"]

PROGRESSION = "PD"
NOT_EVALUABLE = "NE"


@dataclass(frozen=True, slots=True)
class TimePointResponse:
    date: date
    overall: str  # CR, PR, MR (INRC), SD, NON_CR_NON_PD (RECIST), PD, NE
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "overall": self.overall, "rule": self.rule}


@dataclass(frozen=True, slots=True)
class ResponseSummary:
    criteria: str  # "RECIST 1.1" or "INRC 2017"
    timepoints: tuple[TimePointResponse, ...]
    best_response: str
    best_response_date: date | None
    progression_date: date | None  # the first PD time point
    source: str
    detail: Mapping[str, Any]  # the library's full result, as a dict

    def to_dict(self) -> dict[str, Any]:
        return {
            "criteria": self.criteria,
            "timepoints": [t.to_dict() for t in self.timepoints],
            "best_response": self.best_response,
            "best_response_date": _iso(self.best_response_date),
            "progression_date": _iso(self.progression_date),
            "source": self.source,
            "detail": dict(self.detail),
        }


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _first_progression(points: tuple[TimePointResponse, ...]) -> date | None:
    return next((p.date for p in points if p.overall == PROGRESSION), None)


def summarise_recist(assessments: Mapping[str, Any], *, file: str | None = None) -> ResponseSummary:
    """RECIST 1.1 for one subject (the input format of docs/clinical-rules/recist.md)."""
    result = evaluate_recist(assessments, file=file)
    points = tuple(TimePointResponse(p.date, str(p.overall), p.rule) for p in result.timepoints)
    best = result.best_overall_response
    return ResponseSummary(
        criteria="RECIST 1.1",
        timepoints=points,
        best_response=str(best.response),
        best_response_date=best.date,
        progression_date=_first_progression(points),
        source=result.source,
        detail=result.to_dict(),
    )


# INRC 2017 defines no confirmation rule of its own: the best response is the best time point
# up to the first PD, in this order (Park 2017: CR > PR > MR > SD > PD; NE last).
_INRC_RANK = ("CR", "PR", "MR", "SD", "PD", "NE")


def summarise_inrc(
    assessments: Sequence[Mapping[str, Any]], *, file: str | None = None
) -> ResponseSummary:
    """INRC 2017 for one subject: one INRC assessment per time point, in date order."""
    results = [evaluate_inrc(item, file=file) for item in assessments]
    results.sort(key=lambda r: r.date)
    points = tuple(TimePointResponse(r.date, str(r.overall), r.rule) for r in results)
    considered: list[TimePointResponse] = []
    for point in points:
        considered.append(point)
        if point.overall == PROGRESSION:
            break
    best = min(considered, key=lambda p: _INRC_RANK.index(p.overall), default=None)
    unconfirmed = sorted({item for r in results for item in r.not_confirmed})
    return ResponseSummary(
        criteria="INRC 2017",
        timepoints=points,
        best_response=NOT_EVALUABLE if best is None else best.overall,
        best_response_date=None if best is None else best.date,
        progression_date=_first_progression(points),
        source=results[0].source if results else "Park JR et al., J Clin Oncol 2017;35:2580-2587",
        detail={
            "timepoints": [r.to_dict() for r in results],
            "best_response_rule": "best time point up to the first PD (CR > PR > MR > SD > PD)",
            "not_confirmed": unconfirmed,
        },
    )
