"""Grade one value against one CTCAE term: the highest band met wins, and every band says why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from trialdesk.core.analytes import Analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.rules.ctcae.context import (
    Allowed,
    allowed_answers,
    band_conditions_hold,
)
from trialdesk.core.rules.ctcae.intervals import Measure, References, Span, plain
from trialdesk.core.rules.ctcae.results import GradeStatus, QualifierEffect, RuleHit, TermGrade
from trialdesk.core.rules.ctcae.tables import Band, Direction, TermRule, When
from trialdesk.core.units import compare
from trialdesk.errors import ReferenceDataError

__all__ = ["baseline_is_abnormal", "check_baseline_needs", "grade_term", "undecided_by"]

_BASELINE_MEASURES = frozenset(
    {Measure.BASELINE, Measure.DROP_FROM_BASELINE, Measure.FALL_FROM_BASELINE}
)


def grade_term(
    rule: TermRule,
    item: Analyte,
    value: Decimal,
    unit: str,
    refs: References,
    *,
    qualifiers: Mapping[str, bool],
    baseline_abnormal: bool | None,
) -> TermGrade:
    graded_unit = rule.grading_unit(unit)
    x, local = _in_unit(item, value, unit, refs, graded_unit)
    abnormal = baseline_is_abnormal(rule, local, baseline_abnormal)
    check_baseline_needs(
        rule, qualifiers, has_baseline=refs.baseline is not None, abnormal=abnormal
    )
    allowed = allowed_answers(rule, qualifiers)
    hit = _best(rule, graded_unit, x, local, allowed, abnormal)
    grade = 0 if hit is None else hit[0].grade
    assumed = tuple((n, str(rule.defaults[n])) for n in rule.qualifier_names if n not in qualifiers)
    effects = _effects(rule, graded_unit, x, local, allowed, abnormal, qualifiers, grade)
    notes = _notes(
        rule, item, value, unit, refs, (graded_unit, x, local), grade, abnormal, qualifiers
    )
    rule_hit = None
    if hit is not None:
        band, span = hit
        rule_hit = RuleHit(
            rule.term, band.grade, band.text, span.describe(graded_unit), graded_unit, x,
            band.qualifiers,
        )  # fmt: skip
    return TermGrade(
        term=rule.term,
        meddra_code=rule.meddra,
        status=GradeStatus.GRADED,
        grade=grade,
        rule=rule_hit,
        reason=_reason(rule, x, graded_unit, rule_hit, assumed),
        assumed=assumed,
        would_change=effects,
        notes=notes,
        confirmation=rule.confirmation,
    )


def baseline_is_abnormal(rule: TermRule, refs: References, explicit: bool | None) -> bool:
    """Abnormal means beyond normal on the term's side: above the ULN, or below the LLN."""
    if explicit is not None:
        return explicit
    if refs.baseline is None:
        return False
    if rule.direction is Direction.HIGH:
        return refs.uln is not None and compare(refs.baseline, refs.uln) > 0
    return refs.lln is not None and compare(refs.baseline, refs.lln) < 0


def check_baseline_needs(
    rule: TermRule, qualifiers: Mapping[str, bool], *, has_baseline: bool, abnormal: bool
) -> None:
    if has_baseline:
        return
    trigger = rule.baseline_required_if
    if trigger is not None and qualifiers.get(trigger) is True:
        raise ReferenceDataError(
            f"{rule.term} on {trigger} is graded against the baseline value, which is missing",
            expected="a baseline value",
            hint="Pass the baseline (--baseline / baseline=) in the same unit as the value.",
        )
    if abnormal and any(b.when is When.BASELINE_ABNORMAL for b in rule.bands):
        raise ReferenceDataError(
            f"{rule.term}: an abnormal baseline is graded against the baseline value, "
            "which is missing",
            expected="a baseline value",
            hint="Pass the baseline, or drop the abnormal-baseline flag.",
        )


def _in_unit(
    item: Analyte, value: Decimal, unit: str, refs: References, target: str
) -> tuple[Decimal, References]:
    if unit == target:
        return value, refs

    def convert(number: Decimal | None) -> Decimal | None:
        return None if number is None else convert_analyte(item, number, unit, target)

    return convert_analyte(item, value, unit, target), References(
        convert(refs.lln), convert(refs.uln), convert(refs.baseline)
    )


def _best(
    rule: TermRule, unit: str, x: Decimal, refs: References, allowed: Allowed, abnormal: bool
) -> tuple[Band, Span] | None:
    best: tuple[Band, Span] | None = None
    for band in rule.bands:
        if not band_conditions_hold(band, allowed, baseline_abnormal=abnormal):
            continue
        if not _references_present(band, refs):
            continue
        span = Span.resolve(band.interval_in(unit), band.measure, refs)
        if span.contains(x) and (best is None or band.grade > best[0].grade):
            best = (band, span)
    return best


def _references_present(band: Band, refs: References) -> bool:
    if refs.baseline is None and (
        band.measure in _BASELINE_MEASURES or band.when is When.BASELINE_GIVEN
    ):
        return False
    tokens = band.tokens()
    return not (("LLN" in tokens and refs.lln is None) or ("ULN" in tokens and refs.uln is None))


def _effects(
    rule: TermRule,
    unit: str,
    x: Decimal,
    refs: References,
    allowed: Allowed,
    abnormal: bool,
    given: Mapping[str, bool],
    grade: int,
) -> tuple[QualifierEffect, ...]:
    """For each qualifier left to its default: the answers that would change the grade."""
    effects: list[QualifierEffect] = []
    for name in rule.qualifier_names:
        if name in given:
            continue
        for answer in (True, False):
            if answer and name == rule.baseline_required_if and refs.baseline is None:
                continue  # that answer needs the baseline; the grade note asks for it
            hit = _best(rule, unit, x, refs, {**allowed, name: frozenset({answer})}, abnormal)
            other = 0 if hit is None else hit[0].grade
            if other != grade:
                effects.append(QualifierEffect(name, answer, other))
    return tuple(effects)


def _reason(
    rule: TermRule,
    x: Decimal,
    unit: str,
    hit: RuleHit | None,
    assumed: tuple[tuple[str, str], ...],
) -> str:
    shown = f"{plain(x)}{'' if unit == '1' else ' ' + unit}"
    if hit is None:
        return f"{rule.term}: {shown} meets no grade criterion."
    text = f"{rule.term} grade {hit.grade}: {shown} meets '{hit.band}' {hit.threshold}."
    used = {name for name, _ in hit.qualifiers}
    defaults = [f"{name}={default}" for name, default in assumed if name in used]
    if defaults:
        text += f" Assumed {', '.join(defaults)} (documented default; pass it to override)."
    return text


def _notes(
    rule: TermRule,
    item: Analyte,
    value: Decimal,
    unit: str,
    refs: References,
    graded: tuple[str, Decimal, References],
    grade: int,
    abnormal: bool,
    qualifiers: Mapping[str, bool],
) -> tuple[str, ...]:
    graded_unit, x, local = graded
    notes = [rule.note] if rule.note else []
    if grade >= 2 and _within_normal(rule.direction, x, local):
        notes.append(
            "The value is inside the lab's normal range but meets a CTCAE cut-off; "
            "CTCAE's numeric bands are applied as printed (docs/decisions/ctcae-grading.md)."
        )
    if rule.units and graded_unit != rule.units[0]:
        primary = rule.units[0]
        single = replace(rule, units=(primary,))
        other = grade_term(
            single, item, value, unit, refs, qualifiers=qualifiers, baseline_abnormal=abnormal
        )
        if other.grade != grade:
            notes.append(
                f"Graded in {graded_unit}, the unit reported, with CTCAE's {graded_unit} "
                f"cut-offs; converted to {primary} the grade would be {other.grade} "
                "(CTCAE rounds its SI cut-offs; docs/decisions/ctcae-grading.md)."
            )
    return tuple(notes)


def _within_normal(direction: Direction, x: Decimal, refs: References) -> bool:
    if direction is Direction.LOW:
        return refs.lln is not None and compare(x, refs.lln) >= 0
    return refs.uln is not None and compare(x, refs.uln) <= 0


def undecided_by(
    rule: TermRule,
    unit: str,
    value: Decimal,
    refs: References,
    qualifiers: Mapping[str, bool],
    *,
    abnormal: bool,
    grade: int,
) -> frozenset[str]:
    """The missing limits (``LLN``/``ULN``) that could give a grade above ``grade``.

    A band that names a missing limit is treated as reaching anywhere on that side: if it could
    then contain the value and outranks the grade found, the grade is not known (never 0 by
    default). ``value`` and ``refs`` are in ``unit``, the unit the term is graded in.
    """
    allowed = allowed_answers(rule, qualifiers)
    missing: set[str] = set()
    for band in rule.bands:
        if band.grade <= grade or not band_conditions_hold(
            band, allowed, baseline_abnormal=abnormal
        ):
            continue
        absent = {t for t in band.tokens() if _limit(t, refs) is None}
        if not absent or (refs.baseline is None and band.measure in _BASELINE_MEASURES):
            continue
        if _might_contain(band, unit, value, refs):
            missing |= absent
    return frozenset(missing)


def _limit(name: str, refs: References) -> Decimal | None:
    return refs.lln if name == "LLN" else refs.uln


def _might_contain(band: Band, unit: str, value: Decimal, refs: References) -> bool:
    if band.measure in (Measure.ULN, Measure.LLN):
        return True  # every number of the band scales with the missing limit
    interval = band.interval_in(unit)

    def bound(raw: Decimal | str) -> Decimal | None:
        if raw in ("LLN", "ULN"):
            return _limit(str(raw), refs)  # None: unknown, so open on this side
        if raw in ("inf", "-inf"):
            return None
        return Span.resolve(
            replace(interval, low=raw, high=raw), band.measure, refs
        ).low  # a number scaled like the band scales it

    span = Span(
        bound(interval.low), interval.low_closed, bound(interval.high), interval.high_closed
    )
    return span.contains(value)
