"""Data behind the waterfall, spider and swimmer plots (the plotting is in trialdesk.reports).

Target-lesion sums are recomputed from the lesion measurements: the baseline sum is the sum
of target diameters on the subject's earliest assessment date on or before the start of
treatment; a later sum is used only when every baseline target lesion was measured that day
(otherwise the time point is left out, not guessed). Percent change = (sum - baseline) /
baseline x 100, rounded half-even to 0.1.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from trialdesk.core.reporting.snapshot import StudySnapshot

__all__ = [
    "SwimmerLane",
    "WaterfallBar",
    "spider_series",
    "swimmer_lanes",
    "target_sums",
    "waterfall_bars",
]


@dataclass(frozen=True, slots=True)
class WaterfallBar:
    subject_id: str
    best_change_percent: Decimal
    best_response: str


@dataclass(frozen=True, slots=True)
class SwimmerLane:
    subject_id: str
    days_on_study: int  # day 1 = start of treatment, to the end of treatment or the cut-off
    ongoing: bool
    responses: tuple[tuple[int, str], ...]  # (study day, response)
    progression_day: int | None
    death_day: int | None


def _study_day(start: date, on: date) -> int:
    return (on - start).days + 1


def target_sums(snapshot: StudySnapshot) -> dict[str, list[tuple[date, Decimal]]]:
    """Per subject, (date, sum of target diameters) for complete assessments, by date."""
    starts = {s.subject_id: s.treatment_start for s in snapshot.survival}
    by_day: dict[str, dict[date, dict[str, Decimal]]] = defaultdict(lambda: defaultdict(dict))
    for lesion in snapshot.lesions:
        if lesion.target and lesion.diameter_mm is not None and lesion.on <= snapshot.cutoff:
            by_day[lesion.subject_id][lesion.on][lesion.lesion_id] = lesion.diameter_mm
    sums: dict[str, list[tuple[date, Decimal]]] = {}
    for subject_id, days in by_day.items():
        start = starts.get(subject_id)
        ordered = sorted(days)
        if start is None or ordered[0] > start:
            continue  # no baseline before treatment: no percent change can be computed
        baseline_ids = set(days[ordered[0]])
        sums[subject_id] = [
            (day, sum(days[day].values(), Decimal(0)))
            for day in ordered
            if set(days[day]) >= baseline_ids
        ]
    return sums


def _change(value: Decimal, baseline: Decimal) -> Decimal:
    return ((value - baseline) * 100 / baseline).quantize(Decimal("0.1"), ROUND_HALF_EVEN)


def waterfall_bars(snapshot: StudySnapshot) -> list[WaterfallBar]:
    best = {s.subject_id: s.best_response for s in snapshot.survival}
    bars = []
    for subject_id, sums in target_sums(snapshot).items():
        baseline = sums[0][1]
        after = [value for _, value in sums[1:]]
        if not after or baseline == 0:
            continue
        bars.append(
            WaterfallBar(subject_id, _change(min(after), baseline), best.get(subject_id, "NE"))
        )
    return sorted(bars, key=lambda b: (-b.best_change_percent, b.subject_id))


def spider_series(snapshot: StudySnapshot) -> dict[str, list[tuple[int, Decimal]]]:
    starts = {s.subject_id: s.treatment_start for s in snapshot.survival}
    series = {}
    for subject_id, sums in sorted(target_sums(snapshot).items()):
        baseline = sums[0][1]
        if baseline == 0:
            continue
        start = starts[subject_id]
        series[subject_id] = [(0, Decimal("0.0"))] + [
            (_study_day(start, day), _change(value, baseline)) for day, value in sums[1:]
        ]
    return series


def swimmer_lanes(snapshot: StudySnapshot) -> list[SwimmerLane]:
    lanes = []
    for row in snapshot.survival:
        subject = snapshot.subject(row.subject_id)
        ended = (
            subject.ended_on if subject.ended_on and subject.ended_on <= snapshot.cutoff else None
        )
        last = ended or snapshot.cutoff
        if subject.death_date and subject.death_date <= snapshot.cutoff:
            last = min(last, subject.death_date)
        responses = tuple(
            (_study_day(row.treatment_start, r.on), r.response)
            for r in sorted(snapshot.responses, key=lambda r: r.on)
            if r.subject_id == row.subject_id and r.on <= snapshot.cutoff
        )
        progression = next((day for day, resp in responses if resp == "PD"), None)
        death = (
            _study_day(row.treatment_start, subject.death_date)
            if subject.death_date and subject.death_date <= snapshot.cutoff
            else None
        )
        lanes.append(
            SwimmerLane(
                subject_id=row.subject_id,
                days_on_study=_study_day(row.treatment_start, last),
                ongoing=ended is None and death is None,
                responses=responses,
                progression_day=progression,
                death_day=death,
            )
        )
    return sorted(lanes, key=lambda lane: (-lane.days_on_study, lane.subject_id))
