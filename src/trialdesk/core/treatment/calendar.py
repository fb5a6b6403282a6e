"""A subject's visit calendar from the enrollment date, re-planned as cycles actually start.

Cycle 1 day 1 is planned ``start_after_enrollment_days`` after enrollment. Each later cycle
starts ``length_days`` after the previous cycle's day 1 — the actual day 1 once it is recorded,
otherwise the planned one — so a delayed cycle moves every visit after it (re-planning), and
a cycle never shortens to catch up. A visit's window is [target - before, target + after].

Statuses on the as-of date: ``done`` (in window), ``out_of_window`` (done outside it),
``missed`` (window over, nothing recorded), ``due`` (window open), ``upcoming``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from trialdesk.core.protocol.treatment import TreatmentPlan, VisitSpec
from trialdesk.errors import InputError

__all__ = [
    "CycleStart",
    "PlannedVisit",
    "VisitStatus",
    "cycle_start_report",
    "cycle_starts",
    "plan_calendar",
    "visit_key",
]


class VisitStatus(StrEnum):
    DONE = "done"
    OUT_OF_WINDOW = "out_of_window"
    MISSED = "missed"
    DUE = "due"
    UPCOMING = "upcoming"


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    key: str  # e.g. "antibody-c2-d3": stable, so a recorded visit finds its slot
    visit_id: str
    label: str
    kind: str
    cycle: int
    day: int
    target: date
    earliest: date
    latest: date
    status: VisitStatus
    actual: date | None
    deviation_days: int | None  # actual - target
    shifted_days: int  # how far re-planning moved the target from the original plan
    products: tuple[str, ...]
    procedures: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "visit_id": self.visit_id,
            "label": self.label,
            "kind": self.kind,
            "cycle": self.cycle,
            "day": self.day,
            "target": self.target.isoformat(),
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
            "status": str(self.status),
            "actual": None if self.actual is None else self.actual.isoformat(),
            "deviation_days": self.deviation_days,
            "shifted_days": self.shifted_days,
            "products": list(self.products),
            "procedures": list(self.procedures),
        }


def visit_key(visit_id: str, cycle: int, day: int) -> str:
    return f"{visit_id}-c{cycle}-d{day}"


def cycle_starts(
    plan: TreatmentPlan, enrollment: date, actual_starts: Mapping[int, date] | None = None
) -> dict[int, date]:
    """Day 1 of every cycle (and of cycle count + 1, the end-of-treatment anchor)."""
    actual = dict(actual_starts or {})
    spec = plan.cycles
    unknown = sorted(c for c in actual if not 1 <= c <= spec.count)
    if unknown:
        raise InputError(
            f"cycle start recorded for cycles {unknown}, which the protocol does not have",
            where="cycle_starts",
            expected=f"cycles 1..{spec.count}",
            got=str(unknown),
        )
    starts: dict[int, date] = {}
    planned = enrollment + timedelta(days=spec.start_after_enrollment_days)
    for cycle in range(1, spec.count + 2):
        starts[cycle] = actual.get(cycle, planned)
        if cycle > 1 and starts[cycle] < starts[cycle - 1] + timedelta(days=spec.length_days):
            raise InputError(
                f"cycle {cycle} is recorded as starting {starts[cycle]}, before cycle "
                f"{cycle - 1} ends",
                where=f"cycle_starts[{cycle}]",
                expected=f"on or after {starts[cycle - 1] + timedelta(days=spec.length_days)}",
                got=starts[cycle].isoformat(),
                hint="check the dates, or record the delay on the earlier cycle",
            )
        planned = starts[cycle] + timedelta(days=spec.length_days)
    if enrollment > starts[1]:
        raise InputError(
            "cycle 1 starts before enrollment",
            where="cycle_starts[1]",
            expected=f"on or after {enrollment}",
            got=starts[1].isoformat(),
        )
    return starts


def plan_calendar(
    plan: TreatmentPlan,
    enrollment: date,
    as_of: date,
    *,
    actual_starts: Mapping[int, date] | None = None,
    done: Mapping[str, date] | None = None,
) -> tuple[PlannedVisit, ...]:
    """Every visit with its window and status; ``done`` maps visit keys to their dates."""
    starts = cycle_starts(plan, enrollment, actual_starts)
    original = cycle_starts(plan, enrollment)
    recorded = dict(done or {})
    visits: list[PlannedVisit] = []
    keys: set[str] = set()
    for spec in plan.visits:
        for cycle in spec.cycles:
            for day in spec.days:
                visit = _visit(spec, cycle, day, starts, original, recorded, as_of, plan)
                keys.add(visit.key)
                visits.append(visit)
    stray = sorted(set(recorded) - keys)
    if stray:
        raise InputError(
            f"visits recorded for keys the schedule does not have: {stray}",
            where="done",
            expected="keys such as " + ", ".join(sorted(keys)[:3]),
        )
    return tuple(sorted(visits, key=lambda v: (v.target, v.cycle, v.day, v.visit_id)))


def _visit(
    spec: VisitSpec,
    cycle: int,
    day: int,
    starts: Mapping[int, date],
    original: Mapping[int, date],
    recorded: Mapping[str, date],
    as_of: date,
    plan: TreatmentPlan,
) -> PlannedVisit:
    key = visit_key(spec.id, cycle, day)
    target = starts[cycle] + timedelta(days=day - 1)
    before, after = spec.window_before_days, spec.window_after_days
    if cycle == 1 and day == 1 and spec.kind == "treatment":
        after = max(after, plan.cycles.start_window_days)
    earliest, latest = target - timedelta(days=before), target + timedelta(days=after)
    actual = recorded.get(key)
    if actual is not None:
        status = VisitStatus.DONE if earliest <= actual <= latest else VisitStatus.OUT_OF_WINDOW
    elif as_of > latest:
        status = VisitStatus.MISSED
    elif as_of >= earliest:
        status = VisitStatus.DUE
    else:
        status = VisitStatus.UPCOMING
    return PlannedVisit(
        key=key,
        visit_id=spec.id,
        label=spec.label,
        kind=spec.kind,
        cycle=cycle,
        day=day,
        target=target,
        earliest=earliest,
        latest=latest,
        status=status,
        actual=actual,
        deviation_days=None if actual is None else (actual - target).days,
        shifted_days=(starts[cycle] - original[cycle]).days,
        products=tuple(spec.products),
        procedures=tuple(spec.procedures),
    )


@dataclass(frozen=True, slots=True)
class CycleStart:
    """How a recorded cycle start compares with the plan before it was recorded."""

    cycle: int
    planned: date  # from enrollment (cycle 1) or the previous cycle's actual day 1
    actual: date
    delay_days: int
    deviation: str | None  # set when the protocol's start window is exceeded

    def to_dict(self) -> dict[str, Any]:
        return {
            "cycle": self.cycle,
            "planned": self.planned.isoformat(),
            "actual": self.actual.isoformat(),
            "delay_days": self.delay_days,
            "deviation": self.deviation,
        }


def cycle_start_report(
    plan: TreatmentPlan, enrollment: date, actual_starts: Mapping[int, date]
) -> tuple[CycleStart, ...]:
    """Each recorded start with its delay. Cycle 1 may start up to ``start_window_days`` late;
    a later cycle's delay (count recovery, toxicity) is a re-plan, reported but not a deviation.
    """
    starts = cycle_starts(plan, enrollment, actual_starts)
    spec = plan.cycles
    report = []
    for cycle in sorted(actual_starts):
        if cycle == 1:
            planned = enrollment + timedelta(days=spec.start_after_enrollment_days)
        else:
            planned = starts[cycle - 1] + timedelta(days=spec.length_days)
        delay = (actual_starts[cycle] - planned).days
        deviation = None
        if cycle == 1 and not 0 <= delay <= spec.start_window_days:
            deviation = (
                f"cycle 1 started {delay} day(s) from its planned date {planned}; the protocol "
                f"allows 0 to {spec.start_window_days}"
            )
        report.append(CycleStart(cycle, planned, actual_starts[cycle], delay, deviation))
    return tuple(report)
