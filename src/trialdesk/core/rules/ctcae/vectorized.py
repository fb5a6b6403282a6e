"""CTCAE v5.0 grading of many results at once (numpy), for reports and population work.

Same tables, same qualifier defaults and same decisions as :func:`grade_lab`; a hypothesis
property test holds the two paths to the same grade. Only the grade comes back (an ``int8``
array); call :func:`grade_lab` on a row to see its rule and reason.

    grade_lab_array("ANC", np.array([1.2, 0.4]), "10*9/L", lln=1.8)   # array([2, 4])

``lln``, ``uln`` and ``baseline`` are scalars or arrays in the unit of the values; NaN (or None)
means "not given". Floats are compared with a relative tolerance of 1e-10, standing in for the
12-significant-digit Decimal comparison of the scalar path, so 3.0 x ULN is exactly G1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

from trialdesk.core.analytes import Analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.rules.ctcae.context import allowed_answers, grading_context
from trialdesk.core.rules.ctcae.grading import SIGNED_ANALYTES
from trialdesk.core.rules.ctcae.intervals import Measure
from trialdesk.core.rules.ctcae.tables import Band, Direction, TermRule, When
from trialdesk.errors import InputError, ReferenceDataError

__all__ = ["NOT_GRADABLE", "UNDETERMINED", "grade_lab_array"]

NOT_GRADABLE = -1  # CTCAE v5.0 grades every term of this analyte by intervention, not by number
UNDETERMINED = -2  # a reference limit that could change the grade is missing (on_missing="flag")

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
ArrayLike = float | int | Decimal | None | npt.ArrayLike
_RTOL = 1e-10
_BASELINE_MEASURES = (Measure.BASELINE, Measure.DROP_FROM_BASELINE, Measure.FALL_FROM_BASELINE)


def grade_lab_array(
    analyte: str,
    values: npt.ArrayLike,
    unit: str,
    *,
    lln: ArrayLike = None,
    uln: ArrayLike = None,
    baseline: ArrayLike = None,
    baseline_abnormal: bool | npt.ArrayLike | None = None,
    qualifiers: Mapping[str, bool] | None = None,
    term: str | None = None,
    on_missing: Literal["raise", "flag"] = "raise",
) -> npt.NDArray[np.int8]:
    """CTCAE grades (0-4) of ``values``; see the module docstring for the sentinels."""
    ctx = grading_context(analyte, unit, qualifiers=qualifiers, term=term)
    x = np.asarray(values, dtype=np.float64)
    if ctx.analyte.id not in SIGNED_ANALYTES and bool((x < 0).any()):
        raise InputError(
            f"a {ctx.analyte.name} result cannot be negative",
            where=f"row {int(np.flatnonzero((x < 0).ravel())[0])}",
            expected="numbers >= 0",
            got=str(float(x[x < 0][0])),
        )
    refs = [_array(r, x.shape) for r in (lln, uln, baseline)]
    flags = None if baseline_abnormal is None else np.broadcast_to(baseline_abnormal, x.shape)
    gradable = [rule for rule in ctx.terms if rule.gradable]
    if not gradable:
        return np.full(x.shape, NOT_GRADABLE, dtype=np.int8)
    grade = np.zeros(x.shape, dtype=np.int8)
    undetermined = np.zeros(x.shape, dtype=np.bool_)
    for rule in gradable:
        g, u = _grade_term(rule, ctx.analyte, ctx.unit, x, refs, ctx.qualifiers, flags)
        grade = np.maximum(grade, g)
        undetermined |= u
    if undetermined.any():
        if on_missing == "raise":
            first = int(np.flatnonzero(undetermined.ravel())[0])
            raise ReferenceDataError(
                f"{int(undetermined.sum())} {ctx.analyte.name} results cannot be graded without "
                "their reference range (or baseline)",
                where=f"row {first}",
                expected="LLN/ULN (and the baseline where a rule needs it) for every row",
                got="NaN",
                hint='Fill the lab\'s limits, or pass on_missing="flag" to get UNDETERMINED (-2).',
            )
        grade = np.where(undetermined, np.int8(UNDETERMINED), grade).astype(np.int8)
    return grade


def _array(value: ArrayLike, shape: tuple[int, ...]) -> Floats:
    if value is None:
        return np.full(shape, np.nan)
    if isinstance(value, Decimal):
        value = float(value)
    return np.broadcast_to(np.asarray(value, dtype=np.float64), shape)


def _affine(item: Analyte, source: str, target: str) -> Callable[[Floats], Floats]:
    """The unit conversion as ``a * v + b`` (temperatures have an offset)."""
    if source == target:
        return lambda v: v
    b = float(convert_analyte(item, Decimal(0), source, target))
    a = float(convert_analyte(item, Decimal(1), source, target)) - b
    return lambda v: a * v + b


def _grade_term(
    rule: TermRule,
    item: Analyte,
    unit: str,
    values: Floats,
    refs: list[Floats],
    qualifiers: Mapping[str, bool],
    flags: npt.NDArray[np.bool_] | None,
) -> tuple[npt.NDArray[np.int8], Bools]:
    target = rule.grading_unit(unit)
    to = _affine(item, unit, target)
    x, lln, uln, base = to(values), to(refs[0]), to(refs[1]), to(refs[2])
    if flags is not None:
        abnormal = np.asarray(flags, dtype=np.bool_)
    elif rule.direction is Direction.HIGH:
        abnormal = _gt(base, uln)
    else:
        abnormal = _lt(base, lln)
    allowed = allowed_answers(rule, qualifiers)
    grade = np.zeros(x.shape, dtype=np.int8)
    maybe: list[tuple[int, Bools]] = []
    for band in rule.bands:
        if any(value not in allowed[name] for name, value in band.qualifiers):
            continue
        when = _when(band, abnormal, base)
        low, high = _bounds(band, target, lln, uln, base)
        hit, could = _contains(band, target, x, low, high)
        grade = np.where(when & hit & (grade < band.grade), np.int8(band.grade), grade)
        if band.measure not in _BASELINE_MEASURES:
            maybe.append((band.grade, when & could))
    undetermined = np.zeros(x.shape, dtype=np.bool_)
    for band_grade, could in maybe:
        undetermined |= could & (band_grade > grade)
    # An abnormal baseline said so but no baseline value: the scalar path refuses it too.
    if flags is not None and any(b.when is When.BASELINE_ABNORMAL for b in rule.bands):
        undetermined |= abnormal & np.isnan(base)
    trigger = rule.baseline_required_if
    if trigger is not None and qualifiers.get(trigger) is True:
        undetermined |= np.isnan(base)
    return grade, undetermined


def _when(band: Band, abnormal: Bools, base: Floats) -> Bools:
    match band.when:
        case When.BASELINE_NORMAL:
            return ~abnormal
        case When.BASELINE_ABNORMAL:
            return abnormal
        case When.BASELINE_GIVEN:
            return ~np.isnan(base)
        case _:
            return np.ones(abnormal.shape, dtype=np.bool_)


def _bounds(
    band: Band, unit: str, lln: Floats, uln: Floats, base: Floats
) -> tuple[Floats | None, Floats | None]:
    interval = band.interval_in(unit)

    def scale(bound: Decimal | str) -> Floats | None:
        if bound in ("inf", "-inf"):
            return None
        if bound == "LLN":
            return lln
        if bound == "ULN":
            return uln
        n = float(bound)
        match band.measure:
            case Measure.VALUE:
                return np.full(lln.shape, n)
            case Measure.ULN:
                return n * uln
            case Measure.LLN:
                return n * lln
            case Measure.BASELINE:
                return n * base
            case Measure.DROP_FROM_BASELINE:
                return base - n
            case Measure.FALL_FROM_BASELINE:
                return base * (1 - n)

    low, high = scale(interval.low), scale(interval.high)
    if band.measure in (Measure.DROP_FROM_BASELINE, Measure.FALL_FROM_BASELINE):
        return high, low  # a larger drop is a smaller value
    return low, high


def _contains(
    band: Band, unit: str, x: Floats, low: Floats | None, high: Floats | None
) -> tuple[Bools, Bools]:
    """(surely inside, could be inside were a missing limit known)."""
    interval = band.interval_in(unit)
    drop = band.measure in (Measure.DROP_FROM_BASELINE, Measure.FALL_FROM_BASELINE)
    low_closed = interval.high_closed if drop else interval.low_closed
    high_closed = interval.low_closed if drop else interval.high_closed
    ones = np.ones(x.shape, dtype=np.bool_)
    low_ok = ones if low is None else (_ge(x, low) if low_closed else _gt(x, low))
    high_ok = ones if high is None else (_le(x, high) if high_closed else _lt(x, high))
    low_missing = np.zeros(x.shape, dtype=np.bool_) if low is None else np.isnan(low)
    high_missing = np.zeros(x.shape, dtype=np.bool_) if high is None else np.isnan(high)
    could = (low_missing | high_missing) & (low_ok | low_missing) & (high_ok | high_missing)
    if band.measure in (Measure.ULN, Measure.LLN):
        could = low_missing | high_missing  # every bound scales with the missing limit
    return low_ok & high_ok, could


def _close(a: Floats, b: Floats) -> Bools:
    return np.abs(a - b) <= _RTOL * np.maximum(np.abs(a), np.abs(b))


def _lt(a: Floats, b: Floats) -> Bools:
    return (a < b) & ~_close(a, b)


def _gt(a: Floats, b: Floats) -> Bools:
    return (a > b) & ~_close(a, b)


def _le(a: Floats, b: Floats) -> Bools:
    return (a < b) | _close(a, b)


def _ge(a: Floats, b: Floats) -> Bools:
    return (a > b) | _close(a, b)
