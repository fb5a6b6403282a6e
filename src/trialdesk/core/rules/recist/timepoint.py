"""RECIST 1.1 response at each time point (§4.3-4.4.2): target, non-target, new lesions, overall.

PR is judged against the baseline sum, PD against the nadir (the smallest complete sum so far,
baseline included; recist.eortc.org "The definition of SD"). A time point with a target not
assessed is NE, unless the lesions that were measured already show PD (§4.4.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from trialdesk.core.rules.recist.assessment import Assessments, Measurement, TimePointIn
from trialdesk.core.rules.recist.baseline import Baseline, BaselineLesion
from trialdesk.core.rules.recist.tables import (
    NonTargetResponse,
    Overall,
    ResponseTables,
    TargetResponse,
    response_tables,
)
from trialdesk.core.units import compare

__all__ = ["TimePointResult", "evaluate_timepoints", "percent_change"]

_RULE = "RECIST 1.1"


@dataclass(frozen=True, slots=True)
class TimePointResult:
    date: date
    day: int  # days since the start of treatment
    sum_mm: Decimal | None
    nadir_mm: Decimal | None  # the reference for PD at this time point
    change_from_baseline_pct: Decimal | None
    change_from_nadir_pct: Decimal | None
    target: TargetResponse | None  # None: no target lesion (non-target disease only)
    non_target: NonTargetResponse
    new_lesion: bool
    overall: Overall
    rule: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "day": self.day,
            "sum_mm": _text(self.sum_mm),
            "nadir_mm": _text(self.nadir_mm),
            "change_from_baseline_pct": _text(self.change_from_baseline_pct),
            "change_from_nadir_pct": _text(self.change_from_nadir_pct),
            "target": None if self.target is None else str(self.target),
            "non_target": str(self.non_target),
            "new_lesion": self.new_lesion,
            "overall": str(self.overall),
            "rule": self.rule,
            "reasons": list(self.reasons),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def percent_change(value: Decimal, reference: Decimal) -> Decimal | None:
    if reference == 0:
        return None
    return ((value - reference) / reference * 100).quantize(Decimal("0.1"))


@dataclass(frozen=True, slots=True)
class _Target:
    response: TargetResponse
    sum_mm: Decimal | None  # None when a target was not assessed
    rule: str
    reason: str


def evaluate_timepoints(
    assessments: Assessments, baseline: Baseline
) -> tuple[TimePointResult, ...]:
    tables = response_tables()
    confirmed_later = _equivocal_confirmed_later(assessments.timepoints)
    nadir = baseline.sum_mm
    results: list[TimePointResult] = []
    for index, point in enumerate(assessments.timepoints):
        result = _one(point, index, assessments, baseline, nadir, confirmed_later, tables)
        results.append(result)
        if result.sum_mm is not None and nadir is not None and compare(result.sum_mm, nadir) < 0:
            nadir = result.sum_mm
    return tuple(results)


def _one(
    point: TimePointIn,
    index: int,
    assessments: Assessments,
    baseline: Baseline,
    nadir: Decimal | None,
    confirmed_later: dict[int, list[str]],
    tables: ResponseTables,
) -> TimePointResult:
    reasons: list[str] = []
    target = None
    if baseline.targets and baseline.sum_mm is not None and nadir is not None:
        target = _target(point, baseline, nadir, tables)
        reasons.append(f"target: {target.response} ({target.reason}; {target.rule})")
    non_target, why = _non_target(point, baseline.non_targets, tables)
    reasons.append(f"non-target: {non_target} ({why})")
    new, new_reasons = _new_lesion(point, confirmed_later.get(index, []))
    reasons.extend(new_reasons)
    row = tables.overall(None if target is None else target.response, non_target, new)
    sum_mm = None if target is None else target.sum_mm
    return TimePointResult(
        date=point.date,
        day=(point.date - assessments.treatment_start).days,
        sum_mm=sum_mm,
        nadir_mm=nadir if target is not None else None,
        change_from_baseline_pct=_pct(sum_mm, baseline.sum_mm),
        change_from_nadir_pct=_pct(sum_mm, nadir if target is not None else None),
        target=None if target is None else target.response,
        non_target=non_target,
        new_lesion=new,
        overall=row.overall,
        rule=f"{_RULE} §4.4.1 {row.row}",
        reasons=tuple(reasons),
    )


def _pct(value: Decimal | None, reference: Decimal | None) -> Decimal | None:
    if value is None or reference is None:
        return None
    return percent_change(value, reference)


def _resolve(measurement: Measurement, tables: ResponseTables) -> Decimal | None:
    if measurement == "too_small":
        return tables.too_small_mm
    if measurement == "absent":
        return Decimal(0)
    return measurement if isinstance(measurement, Decimal) else None


def _target(
    point: TimePointIn, baseline: Baseline, nadir: Decimal, tables: ResponseTables
) -> _Target:
    values = [
        (lesion, _resolve(point.measurements.get(lesion.id), tables)) for lesion in baseline.targets
    ]
    missing = [lesion.id for lesion, value in values if value is None]
    total = sum((v for _, v in values if v is not None), Decimal(0))
    if _is_pd(total, nadir, tables):
        why = f"sum {total} mm >= nadir {nadir} mm + 20 % and + 5 mm"
        if missing:
            why += f"; not assessed {missing} cannot undo PD (§4.4.2)"
        return _Target(TargetResponse.PD, None if missing else total, f"{_RULE} §4.3.1 PD", why)
    if missing:
        return _Target(
            TargetResponse.NE, None, f"{_RULE} §4.4.2", f"targets not assessed: {missing}"
        )
    if _is_cr(values, tables):
        why = "every non-nodal target gone and every nodal target < 10 mm short axis"
        return _Target(TargetResponse.CR, total, f"{_RULE} §4.3.1 CR", why)
    assert baseline.sum_mm is not None
    limit = baseline.sum_mm * (1 - tables.pr_decrease)
    if compare(total, limit) <= 0:
        why = f"sum {total} mm <= {limit} mm (baseline {baseline.sum_mm} mm - 30 %)"
        return _Target(TargetResponse.PR, total, f"{_RULE} §4.3.1 PR", why)
    why = (
        f"sum {total} mm: neither -30 % from baseline {baseline.sum_mm} mm "
        f"nor PD from nadir {nadir} mm"
    )
    return _Target(TargetResponse.SD, total, f"{_RULE} §4.3.1 SD", why)


def _is_pd(total: Decimal, nadir: Decimal, tables: ResponseTables) -> bool:
    relative = compare(total, nadir * (1 + tables.pd_increase)) >= 0
    absolute = compare(total - nadir, tables.pd_absolute_mm) >= 0
    return relative and absolute


def _is_cr(values: Sequence[tuple[BaselineLesion, Decimal | None]], tables: ResponseTables) -> bool:
    for lesion, value in values:
        assert value is not None
        if lesion.nodal and compare(value, tables.node_normal_below_mm) >= 0:
            return False
        if not lesion.nodal and value != 0:
            return False
    return True


def _non_target(
    point: TimePointIn, non_targets: Sequence[BaselineLesion], tables: ResponseTables
) -> tuple[NonTargetResponse, str]:
    markers_high = point.tumour_markers_normal is False
    if not non_targets:
        if markers_high:
            return (
                NonTargetResponse.NON_CR_NON_PD,
                "no non-target lesion, but tumour markers above normal",
            )
        return NonTargetResponse.NA, "no non-target lesion at baseline"
    statuses = {lesion.id: _status(point, lesion, tables) for lesion in non_targets}
    progressed = sorted(i for i, s in statuses.items() if s == "progression")
    if progressed:
        return NonTargetResponse.PD, f"unequivocal progression of {progressed} (§4.3.3)"
    unassessed = sorted(i for i, s in statuses.items() if s == "not_evaluated")
    if unassessed:
        return NonTargetResponse.NE, f"not evaluated: {unassessed} (§4.4.2)"
    if all(s == "absent" for s in statuses.values()):
        if markers_high:
            return (
                NonTargetResponse.NON_CR_NON_PD,
                "all gone, but tumour markers above normal (§4.3.3)",
            )
        return NonTargetResponse.CR, "all non-target lesions gone, nodes < 10 mm (§4.3.3)"
    present = sorted(i for i, s in statuses.items() if s == "present")
    return NonTargetResponse.NON_CR_NON_PD, f"still present: {present} (§4.3.3)"


def _status(point: TimePointIn, lesion: BaselineLesion, tables: ResponseTables) -> str:
    if lesion.id in point.non_targets:
        return point.non_targets[lesion.id]
    # A size given for a non-target stands in for its status: gone, or a node back below 10 mm.
    value = _resolve(point.measurements.get(lesion.id), tables)
    if value is None:
        return "not_evaluated"
    if value == 0 or (lesion.nodal and compare(value, tables.node_normal_below_mm) < 0):
        return "absent"
    return "present"


def _new_lesion(point: TimePointIn, confirmed_later: list[str]) -> tuple[bool, list[str]]:
    definite = sorted(n.id for n in point.new_lesions if not n.equivocal)
    equivocal = sorted(
        n.id for n in point.new_lesions if n.equivocal and n.id not in confirmed_later
    )
    reasons = []
    if definite:
        reasons.append(f"new lesion(s) {definite}: PD (§4.3.5)")
    if confirmed_later:
        reasons.append(
            f"equivocal new lesion(s) {sorted(confirmed_later)} confirmed later: "
            "PD dates from this scan (§4.3.5)"
        )
    if equivocal:
        reasons.append(f"equivocal new lesion(s) {equivocal}: not PD yet; follow up (§4.3.5)")
    return bool(definite or confirmed_later), reasons


def _equivocal_confirmed_later(points: Sequence[TimePointIn]) -> dict[int, list[str]]:
    """For each time point, the equivocal new lesions that a later scan confirmed."""
    found: dict[int, list[str]] = {}
    for index, point in enumerate(points):
        for lesion in point.new_lesions:
            if lesion.equivocal and _confirmed_after(points, index, lesion.id):
                found.setdefault(index, []).append(lesion.id)
    return found


def _confirmed_after(points: Sequence[TimePointIn], index: int, lesion_id: str) -> bool:
    return any(
        n.id == lesion_id and not n.equivocal
        for later in points[index + 1 :]
        for n in later.new_lesions
    )
