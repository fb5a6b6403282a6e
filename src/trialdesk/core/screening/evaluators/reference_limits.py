"""The ULN or LLN a lab result is judged against: its own reference range, or the defaults.

The result's own range (the one for the child's age and sex) comes first; failing that, every
default interval (one per assay method) for the age and sex, from
``trialdesk/core/data/reference_intervals.toml``. Never an adult range for a child.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from trialdesk.core.analytes import Analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.criteria.ast import NumericTest
from trialdesk.core.i18n import Message
from trialdesk.core.record import ObservationRecord, ReferenceRange, Sex
from trialdesk.core.reference_intervals import DefaultInterval, default_intervals
from trialdesk.core.screening.context import Context
from trialdesk.core.screening.outcome import Outcome
from trialdesk.errors import UnitError

__all__ = ["Limit", "reference_limits"]

M = Message.of


@dataclass(frozen=True, slots=True)
class Limit:
    value: Decimal  # in the result's unit
    described: str
    source: str
    confirmed: bool = True


def reference_limits(
    item: Analyte, test: NumericTest, observation: ObservationRecord, unit: str, ctx: Context
) -> tuple[Limit, ...] | Outcome:
    assert observation.effective is not None
    on = observation.effective.latest
    ages = ctx.age_years(on)
    own = _own_range(
        test.reference_limit or "ULN", observation.reference_ranges, ages, ctx.record.patient.sex
    )
    if own is not None:
        try:
            limit = convert_analyte(item, own.value, own.unit, unit)
        except UnitError:
            limit = None
        if limit is not None:
            described = (
                f"{test.reference_limit} {own.value} {own.unit} (the result's own reference range)"
            )
            return (Limit(limit, described, "the result's own reference range"),)
    if ages is None:
        return Outcome.unknown(
            M("lab.no_range_no_age", analyte=item.name), M("patient.need_birth_date")
        )
    return _default_limits(item, test, unit, ages, ctx)


def _default_limits(
    item: Analyte, test: NumericTest, unit: str, ages: tuple[Decimal, Decimal], ctx: Context
) -> tuple[Limit, ...] | Outcome:
    sexes = (
        [ctx.record.patient.sex]
        if ctx.record.patient.sex in (Sex.FEMALE, Sex.MALE)
        else [Sex.FEMALE, Sex.MALE]
    )
    intervals = {
        interval
        for age in set(ages)
        for sex in sexes
        for interval in default_intervals(item.id, age, sex)
    }
    if not intervals:
        return Outcome.unknown(
            M("lab.no_range", analyte=item.name, limit=test.reference_limit or "ULN"),
            M("lab.need_range", analyte=item.name),
        )
    ordered = tuple(sorted(intervals, key=lambda i: (i.method, i.sex, i.age_from)))
    # Cached per (analyte, ULN or LLN, the result's unit, the age and sex band's intervals):
    # the same few bands serve every child, so the conversions and texts are built once. The
    # key holds the intervals' ids (hashing ten-field dataclasses costs more than the look-up
    # saves); the entry keeps the intervals themselves, so an id cannot be reused meanwhile.
    key = (item.id, test.reference_limit, unit, *map(id, ordered))
    cached = _LIMITS.get(key)
    if cached is None:
        if len(_LIMITS) > _MAX_LIMITS:
            _LIMITS.clear()
        cached = _LIMITS[key] = (ordered, _limits_of(item, test.reference_limit, unit, ordered))
    return cached[1]


_LIMITS: dict[tuple[object, ...], tuple[tuple[DefaultInterval, ...], tuple[Limit, ...]]] = {}
_MAX_LIMITS = 4096


def _limits_of(
    item: Analyte, which: str | None, unit: str, intervals: tuple[DefaultInterval, ...]
) -> tuple[Limit, ...]:
    limits = []
    for interval in intervals:
        bound = interval.high if which == "ULN" else interval.low
        value = convert_analyte(item, bound, interval.unit, unit)
        described = f"{which} {bound} {interval.unit} (default: {interval.describe()})"
        limits.append(
            Limit(
                value,
                described,
                f"default reference interval: {interval.source}",
                interval.confirmed,
            )
        )
    return tuple(limits)


@dataclass(frozen=True, slots=True)
class _RangeBound:
    value: Decimal
    unit: str


def _own_range(
    which: str, ranges: tuple[ReferenceRange, ...], ages: tuple[Decimal, Decimal] | None, sex: Sex
) -> _RangeBound | None:
    for reference in ranges:
        if reference.kind not in (None, "normal"):
            continue
        if reference.sex is not None and reference.sex is not sex:
            continue
        if ages is not None and not _age_applies(reference, ages):
            continue
        if ages is None and (
            reference.age_low_years is not None or reference.age_high_years is not None
        ):
            continue
        bound = reference.high if which == "ULN" else reference.low
        if bound is not None:
            return _RangeBound(bound.value, bound.unit)
    return None


def _age_applies(reference: ReferenceRange, ages: tuple[Decimal, Decimal]) -> bool:
    low, high = reference.age_low_years, reference.age_high_years
    return all((low is None or age >= low) and (high is None or age <= high) for age in ages)
