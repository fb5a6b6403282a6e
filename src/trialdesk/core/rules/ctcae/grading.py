"""Grade one lab value or vital sign under CTCAE v5.0: every term of the analyte, highest wins.

    grade_lab("ALT", "130", "U/L", uln="40")                      # grade 2, rule "(120, 200] U/L"
    grade_lab("Hgb", "7.99", "g/dL", lln="11.5").grade             # 3
    grade_lab("creatinine", "82", "umol/L", uln="54", baseline="30").grade   # 2 (x baseline)

The reference range and the baseline are given in ``range_unit`` / ``baseline_unit`` (default:
the unit of the value). Without a range of its own, ``age_years`` and ``sex`` select the default
paediatric interval (``core/data/reference_intervals.toml``), and the result says so. A limit a
band needs but nobody gave is a :class:`ReferenceDataError` when it could change the grade: the
grade is never 0 by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from trialdesk.core.analytes import Analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.record import Sex
from trialdesk.core.reference_intervals import DefaultInterval, default_intervals
from trialdesk.core.rules.ctcae.context import (
    allowed_answers,
    gradable_analytes,
    grading_context,
    parse_qualifiers,
)
from trialdesk.core.rules.ctcae.intervals import Measure, References, plain
from trialdesk.core.rules.ctcae.results import GradeStatus, LabGrade, TermGrade
from trialdesk.core.rules.ctcae.tables import TermRule, When
from trialdesk.core.rules.ctcae.term_grader import (
    baseline_is_abnormal,
    grade_term,
    undecided_by,
)
from trialdesk.core.units import canonical_unit, compare
from trialdesk.errors import InputError, ReferenceDataError

__all__ = [
    "SIGNED_ANALYTES",
    "Number",
    "gradable_analytes",
    "grade_lab",
    "parse_qualifiers",
    "to_decimal",
]

Number = Decimal | int | float | str
SIGNED_ANALYTES = frozenset({"temperature"})  # every other graded quantity is >= 0
BASELINE_MEASURES = frozenset(
    {Measure.BASELINE, Measure.DROP_FROM_BASELINE, Measure.FALL_FROM_BASELINE}
)


def to_decimal(number: Number, *, where: str) -> Decimal:
    """A finite Decimal; floats go through ``str`` so 0.1 stays 0.1."""
    try:
        value = Decimal(str(number)) if isinstance(number, float) else Decimal(number)
    except (InvalidOperation, TypeError, ValueError):
        raise InputError(
            "not a number", where=where, expected="a decimal number such as 7.99", got=str(number)
        ) from None
    if not value.is_finite():
        raise InputError("not a finite number", where=where, expected="a number", got=str(number))
    return value


def grade_lab(
    analyte: str,
    value: Number,
    unit: str,
    *,
    lln: Number | None = None,
    uln: Number | None = None,
    range_unit: str | None = None,
    baseline: Number | None = None,
    baseline_unit: str | None = None,
    baseline_abnormal: bool | None = None,
    qualifiers: Mapping[str, bool] | None = None,
    term: str | None = None,
    age_years: Number | None = None,
    sex: Sex | str | None = None,
) -> LabGrade:
    """The CTCAE v5.0 grade of one result (see the module docstring).

    ``baseline_abnormal`` overrides what the baseline and the range say (e.g. the lab's flag on
    the baseline sample). ``qualifiers`` are clinical facts such as ``{"symptomatic": True}``;
    the ones left out take the documented default and the result says what they would change.
    ``term`` limits grading to one term of the analyte (e.g. "Hypocalcemia").
    """
    ctx = grading_context(analyte, unit, qualifiers=qualifiers, term=term)
    x = to_decimal(value, where="value")
    if x < 0 and ctx.analyte.id not in SIGNED_ANALYTES:
        raise InputError(
            f"a {ctx.analyte.name} result cannot be negative",
            where="value",
            expected="a number >= 0",
            got=str(value),
        )
    refs, notes = _references(ctx.analyte, ctx.unit, lln, uln, range_unit, age_years, sex)
    if baseline is not None:
        refs = References(
            refs.lln,
            refs.uln,
            _in(ctx.analyte, to_decimal(baseline, where="baseline"), baseline_unit, ctx.unit),
        )
    results = tuple(
        _grade_one(rule, ctx.analyte, x, ctx.unit, refs, ctx.qualifiers, baseline_abnormal)
        for rule in ctx.terms
    )
    graded = [r for r in results if r.status is GradeStatus.GRADED]
    used = {n for r in ctx.terms for n in (*r.qualifier_names, r.baseline_required_if) if n}
    for name in sorted(set(ctx.qualifiers) - used):
        notes.append(f"The qualifier {name!r} does not apply to {ctx.analyte.name}: ignored.")
    for rule in ctx.terms:
        if not rule.gradable:
            notes.append(f"{rule.term}: {rule.reason}.")
    if not graded:
        return LabGrade(
            ctx.analyte.name, x, ctx.unit, GradeStatus.NOT_GRADABLE, None, None, results,
            notes=tuple(notes),
        )  # fmt: skip
    top = max(r.grade or 0 for r in graded)
    decisive = next((r.term for r in graded if (r.grade or 0) == top), None) if top else None
    return LabGrade(
        ctx.analyte.name, x, ctx.unit, GradeStatus.GRADED, top, decisive, results,
        references=refs, notes=tuple(notes),
    )  # fmt: skip


def _grade_one(
    rule: TermRule,
    item: Analyte,
    x: Decimal,
    unit: str,
    refs: References,
    qualifiers: Mapping[str, bool],
    baseline_abnormal: bool | None,
) -> TermGrade:
    if not rule.gradable:
        return TermGrade(
            term=rule.term,
            meddra_code=rule.meddra,
            status=GradeStatus.NOT_GRADABLE,
            grade=None,
            rule=None,
            reason=f"{rule.term} is not lab-gradable in CTCAE v5.0: {rule.reason}.",
            confirmation=rule.confirmation,
        )
    result = grade_term(
        rule, item, x, unit, refs, qualifiers=qualifiers, baseline_abnormal=baseline_abnormal
    )
    graded_unit = rule.grading_unit(unit)
    local = _refs_in(item, refs, unit, graded_unit)
    local_x = x if graded_unit == unit else convert_analyte(item, x, unit, graded_unit)
    abnormal = baseline_is_abnormal(rule, local, baseline_abnormal)
    missing = undecided_by(
        rule, graded_unit, local_x, local, qualifiers, abnormal=abnormal, grade=result.grade or 0
    )
    if missing:
        names = " and ".join(sorted(missing))
        raise ReferenceDataError(
            f"{rule.term}: {plain(x)} {unit} cannot be graded without the {names}: "
            f"it could meet a grade above {result.grade}",
            where="reference range",
            expected=f"the reporting lab's {names} for this patient's age and sex",
            got="no " + names,
            hint="Pass --lln/--uln (lln=/uln=) from the lab report, or --age and --sex to use "
            "the default paediatric interval.",
        )
    if refs.baseline is None and baseline_abnormal is None:
        whens = {b.when for b in rule.bands}
        if When.BASELINE_ABNORMAL in whens:
            result = _with_note(result, "No baseline given: graded as a normal baseline (x ULN).")
        elif _baseline_bands_could_apply(rule, qualifiers):
            result = _with_note(
                result,
                "No baseline given: the x-baseline criteria were not used and could give a "
                "higher grade; pass the baseline.",
            )
    return result


def _baseline_bands_could_apply(rule: TermRule, qualifiers: Mapping[str, bool]) -> bool:
    allowed = allowed_answers(rule, qualifiers)
    return any(
        band.measure in BASELINE_MEASURES
        and all(value in allowed[name] for name, value in band.qualifiers)
        for band in rule.bands
    )


def _with_note(result: TermGrade, note: str) -> TermGrade:
    return replace(result, notes=(*result.notes, note))


def _refs_in(item: Analyte, refs: References, unit: str, target: str) -> References:
    if unit == target:
        return refs

    def conv(number: Decimal | None) -> Decimal | None:
        return None if number is None else convert_analyte(item, number, unit, target)

    return References(conv(refs.lln), conv(refs.uln), conv(refs.baseline))


def _in(item: Analyte, number: Decimal, given: str | None, unit: str) -> Decimal:
    source = unit if given is None else canonical_unit(given)
    return number if source == unit else convert_analyte(item, number, source, unit)


def _references(
    item: Analyte,
    unit: str,
    lln: Number | None,
    uln: Number | None,
    range_unit: str | None,
    age_years: Number | None,
    sex: Sex | str | None,
) -> tuple[References, list[str]]:
    notes: list[str] = []
    low = None if lln is None else _in(item, to_decimal(lln, where="lln"), range_unit, unit)
    high = None if uln is None else _in(item, to_decimal(uln, where="uln"), range_unit, unit)
    if low is None and high is None and age_years is not None:
        default = _default_interval(item, to_decimal(age_years, where="age"), sex)
        if default is not None:
            low = _in(item, default.low, default.unit, unit)
            high = _in(item, default.high, default.unit, unit)
            notes.append(
                "The lab gave no reference range: the default paediatric interval "
                f"{default.describe()} was used. Prefer the reporting lab's own range."
            )
    if low is not None and high is not None and compare(low, high) > 0:
        raise InputError(
            "the lower limit of normal is above the upper limit",
            where="reference range",
            expected="LLN <= ULN",
            got=f"LLN {plain(low)}, ULN {plain(high)} {unit}",
        )
    return References(low, high), notes


def _sex(sex: Sex | str | None) -> Sex:
    if sex is None or isinstance(sex, Sex):
        return sex or Sex.UNKNOWN
    try:
        return Sex(sex.strip().casefold())
    except ValueError:
        raise InputError(
            "unknown sex", where="sex", expected=", ".join(s.value for s in Sex), got=sex
        ) from None


def _default_interval(item: Analyte, age: Decimal, sex: Sex | str | None) -> DefaultInterval | None:
    chosen = _sex(sex)
    found = default_intervals(item.id, age, chosen)
    if chosen not in (Sex.FEMALE, Sex.MALE):
        # Only a band that holds for either sex can be used without the sex.
        found = tuple(i for i in found if i.sex == "any")
    if not found:
        return None
    limits = {(i.low, i.high, i.unit) for i in found}
    if len(limits) > 1:
        raise ReferenceDataError(
            f"the default {item.name} intervals differ by assay method",
            where="reference range",
            expected="the reporting lab's own LLN/ULN",
            got="; ".join(i.describe() for i in found),
            hint="Pass --lln/--uln from the lab report.",
        )
    return found[0]
