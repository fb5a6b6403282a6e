"""The interpreted screening engine as of 4ae1e17, kept as the oracle for the compiled one.

Benchmark round 4 replaced the engine's per-node dispatch and the lab evaluator with closures
compiled once per protocol (``trialdesk.core.screening.compiler``, ``...evaluators.labs``).
This file is the code they replaced, verbatim apart from imports, so that a property test can
check that the compiled engine gives byte-for-byte the same result on generated records
(``test_screen_compiled_equals_oracle.py``). It shares the unchanged evaluators (patient,
history, findings, lesions) with the product. A deliberate change to what the lab criteria
or the combinators return must be made here too (or this oracle retired) and the change
justified in the commit.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from trialdesk.core.analytes import Analyte
from trialdesk.core.analytes import convert as convert_analyte
from trialdesk.core.criteria import ast as a
from trialdesk.core.criteria.ast import LabCheck, NumericTest
from trialdesk.core.i18n import Message
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.record import ObservationRecord, PatientRecord, Quantity, ReferenceRange, Sex
from trialdesk.core.reference_intervals import default_intervals
from trialdesk.core.screening.context import USABLE_OBSERVATION_STATUSES, Context
from trialdesk.core.screening.evaluators import findings, history, lesions, patient
from trialdesk.core.screening.evaluators.measurements import undated_outcome, undated_results
from trialdesk.core.screening.outcome import Outcome, Truth, combine_all, combine_any, negate
from trialdesk.core.screening.result import (
    CriterionResult,
    Evidence,
    ScreeningResult,
    Status,
    verdict_of,
)
from trialdesk.core.units import compare
from trialdesk.errors import UnitError

# ---------------------------------------------------------------------------- lab evaluator

_SUPPLEMENTAL_O2 = {("loinc", "3151-8"), ("loinc", "3150-0")}  # inhaled O2 flow / concentration
M = Message.of


_OPS: dict[str, Callable[[int, int], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "=": operator.eq,
    "!=": operator.ne,
}


def holds(value: Decimal, op: str, limit: Decimal) -> bool:
    return _OPS[op](compare(value, limit), 0)


@lru_cache(maxsize=256)
def _loinc_keys(item: Analyte) -> tuple[tuple[str, str], ...]:
    return tuple(("loinc", code) for code in item.loinc)


def latest_in_window(
    candidates: list[ObservationRecord], ctx: Context, start: date
) -> tuple[list[ObservationRecord], ObservationRecord | None]:
    """(results of the newest day inside the window, the newest result overall if stale)."""
    dated = [
        o
        for o in candidates
        if o.effective is not None
        and not ctx.in_future(o.effective)
        and o.status in USABLE_OBSERVATION_STATUSES
    ]
    if not dated:
        return [], None
    newest = dated[0]
    assert newest.effective is not None
    if newest.effective.earliest < start:
        return [], newest
    day = newest.effective.latest
    same_day = [o for o in dated if o.effective is not None and o.effective.latest == day]
    return same_day, None


def evaluate_measurement(node: LabCheck, ctx: Context) -> Outcome:
    item = node.analyte
    window = node.window or ctx.window(node.category)
    start = window.before(ctx.as_of)
    candidates = ctx.index.observations(_loinc_keys(item))
    if node.room_air:
        candidates = [o for o in candidates if not _on_supplemental_oxygen(o)]
    same_day, stale = latest_in_window(candidates, ctx, start)
    # The undated-result rule came after this oracle: shared with the product, not copied.
    dated_day = same_day[0].effective if same_day else None
    undated = undated_results(candidates, ctx.as_of, dated_day.latest if dated_day else start)
    if undated:
        return undated_outcome(item, undated, str(window), ctx)
    if stale is not None:
        assert stale.effective is not None
        return Outcome.unknown(
            M("lab.stale", analyte=item.name, date=str(stale.effective), window=str(window)),
            M("lab.need", analyte=item.name, window=str(window), as_of=ctx.as_of.isoformat()),
            _evidence(item, stale, None, ctx, note="outside the recency window"),
        )
    if not same_day:
        return Outcome.unknown(
            M("lab.missing", analyte=item.name, window=str(window)),
            M("lab.need", analyte=item.name, window=str(window), as_of=ctx.as_of.isoformat()),
        )
    outcomes = [_judge(node, observation, ctx) for observation in same_day]
    truths = {o.truth for o in outcomes}
    if len(truths) > 1:
        merged = Outcome.review(M("lab.same_day_conflict", analyte=item.name))
        for outcome in outcomes:
            merged.evidence.extend(outcome.evidence)
        return merged
    return outcomes[0]


def _on_supplemental_oxygen(observation: ObservationRecord) -> bool:
    for component in observation.components:
        if any(c.key() in _SUPPLEMENTAL_O2 for c in component.codes):
            value = component.value
            if isinstance(value, Quantity) and value.value > (21 if value.unit == "%" else 0):
                return True
    return False


def _judge(node: LabCheck, observation: ObservationRecord, ctx: Context) -> Outcome:
    item = node.analyte
    if observation.unknown_modifiers:
        return Outcome.review(
            M(
                "record.unknown_modifier",
                resource=str(observation.ref),
                urls=", ".join(observation.unknown_modifiers),
            ),
            M("record.modifier_need"),
            _evidence(item, observation, None, ctx),
        )
    value = observation.value
    if not isinstance(value, Quantity):
        reason = observation.data_absent_reason or "no numeric value"
        return Outcome.unknown(
            M("lab.no_value", analyte=item.name, resource=str(observation.ref), reason=reason),
            M(
                "lab.need",
                analyte=item.name,
                window=str(node.window or ctx.window(node.category)),
                as_of=ctx.as_of.isoformat(),
            ),
            _evidence(item, observation, None, ctx),
        )
    results = [_test(node, test, observation, value, ctx) for test in node.tests]
    verdicts = {r.truth for r in results}
    truth = (
        Truth.FALSE
        if Truth.FALSE in verdicts
        else next((t for t in (Truth.UNKNOWN, Truth.REVIEW) if t in verdicts), Truth.TRUE)
    )
    merged = Outcome(truth)
    for result in results:
        if result.truth is truth or truth is Truth.TRUE:
            merged.reasons.extend(result.reasons)
            merged.missing.extend(result.missing)
        merged.evidence.extend(result.evidence)
    return merged


@dataclass(frozen=True, slots=True)
class _Limit:
    value: Decimal  # in the result's unit
    described: str
    source: str
    confirmed: bool = True


def _test(
    node: LabCheck, test: NumericTest, observation: ObservationRecord, value: Quantity, ctx: Context
) -> Outcome:
    item = node.analyte
    if test.reference_limit is None:
        try:
            measured = convert_analyte(item, value.value, value.unit, test.unit)
        except UnitError:
            return Outcome.unknown(
                M(
                    "lab.bad_unit",
                    analyte=item.name,
                    unit=value.unit,
                    expected=test.unit or item.unit,
                ),
                M("lab.need_unit", analyte=item.name, expected=test.unit or item.unit),
                _evidence(item, observation, test, ctx),
            )
        limit = _Limit(test.number, test.describe(), ctx.threshold_source())
        return _decide(item, observation, value, measured, test, [limit], ctx)
    try:
        limits = _reference_limits(item, test, observation, value.unit, ctx)
    except UnitError:  # a valid unit of the wrong kind (ALT in mmol/L): no limit to compare with
        return Outcome.unknown(
            M("lab.bad_unit", analyte=item.name, unit=value.unit, expected=item.unit),
            M("lab.need_unit", analyte=item.name, expected=item.unit),
            _evidence(item, observation, test, ctx),
        )
    if isinstance(limits, Outcome):
        return limits
    return _decide(item, observation, value, value.value, test, limits, ctx)


def _decide(
    item: Analyte,
    observation: ObservationRecord,
    value: Quantity,
    measured: Decimal,
    test: NumericTest,
    limits: list[_Limit],
    ctx: Context,
) -> Outcome:
    answers = []
    evidence = []
    for limit in limits:
        threshold = limit.value * test.number if test.reference_limit else limit.value
        answers.append(_holds_with_comparator(measured, value.comparator, test.op, threshold))
        evidence.append(_evidence(item, observation, test, ctx, limit=limit, threshold=threshold))
    if None in answers:
        return Outcome(
            Truth.UNKNOWN,
            evidence,
            [M("lab.censored", analyte=item.name, value=str(value))],
            [M("lab.need_exact", analyte=item.name)],
            no_data=True,
        )
    if len(answers) > 1 and len(set(answers)) > 1:
        return Outcome(
            Truth.REVIEW,
            evidence,
            [M("lab.methods_disagree", analyte=item.name)],
            [M("lab.need_range", analyte=item.name)],
        )
    if not all(limit.confirmed for limit in limits):
        return Outcome(
            Truth.REVIEW,
            evidence,
            [M("lab.unconfirmed_default", analyte=item.name)],
            [M("lab.need_range", analyte=item.name)],
        )
    key = "lab.meets" if answers[0] else "lab.does_not_meet"
    reason = M(
        key,
        analyte=item.name,
        value=f"{value.comparator or ''}{value.value} {value.unit}",
        test=test.describe(),
        date=str(observation.effective),
    )
    return Outcome(Truth.TRUE if answers[0] else Truth.FALSE, evidence, [reason])


def _holds_with_comparator(
    measured: Decimal, comparator: str | None, op: str, limit: Decimal
) -> bool | None:
    """Whether ``x op limit`` holds, when the lab reported only ``x comparator measured``."""
    if comparator is None:
        return holds(measured, op, limit)
    # The true value lies just inside the reported bound; test both a point at the bound
    # (when the comparator includes it) and a point just past it on the open side.
    epsilon = abs(measured) * Decimal("1e-9") + Decimal("1e-12")
    inside = measured - epsilon if comparator in ("<", "<=") else measured + epsilon
    points = [inside, measured] if comparator in ("<=", ">=") else [inside]
    far = Decimal("-1e18") if comparator in ("<", "<=") else Decimal("1e18")
    answers = {holds(p, op, limit) for p in (*points, far)}
    return answers.pop() if len(answers) == 1 else None


def _reference_limits(
    item: Analyte, test: NumericTest, observation: ObservationRecord, unit: str, ctx: Context
) -> list[_Limit] | Outcome:
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
            return [_Limit(limit, described, "the result's own reference range")]
    if ages is None:
        return Outcome.unknown(
            M("lab.no_range_no_age", analyte=item.name), M("patient.need_birth_date")
        )
    return _default_limits(item, test, unit, ages, ctx)


def _default_limits(
    item: Analyte, test: NumericTest, unit: str, ages: tuple[Decimal, Decimal], ctx: Context
) -> list[_Limit] | Outcome:
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
    limits = []
    for interval in sorted(intervals, key=lambda i: (i.method, i.sex, i.age_from)):
        bound = interval.high if test.reference_limit == "ULN" else interval.low
        value = convert_analyte(item, bound, interval.unit, unit)
        described = (
            f"{test.reference_limit} {bound} {interval.unit} (default: {interval.describe()})"
        )
        limits.append(
            _Limit(
                value,
                described,
                f"default reference interval: {interval.source}",
                interval.confirmed,
            )
        )
    return limits


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


def _evidence(
    item: Analyte,
    observation: ObservationRecord,
    test: NumericTest | None,
    ctx: Context,
    *,
    limit: _Limit | None = None,
    threshold: Decimal | None = None,
    note: str | None = None,
) -> Evidence:
    value = observation.value
    shown = unit = None
    if isinstance(value, Quantity):
        shown, unit = f"{value.comparator or ''}{value.value}", value.unit
    threshold_text = test.describe() if test is not None else None
    if test is not None and test.reference_limit and limit is not None and threshold is not None:
        threshold_text = f"{test.describe()} = {_fmt(threshold)} {unit}; {limit.described}"
    source = ctx.threshold_source()
    if limit is not None and test is not None and test.reference_limit:
        source = f"{source}; {test.reference_limit}: {limit.source}"
    return Evidence(
        kind=item.category,
        description=item.name,
        resource=str(observation.ref),
        value=shown,
        unit=unit,
        date=str(observation.effective) if observation.effective else None,
        threshold=threshold_text,
        threshold_source=source if test is not None else None,
        source_file=observation.ref.file,
        note=note,
    )


def _fmt(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text if "." not in text or len(text.split(".")[1]) <= 4 else f"{value:.4f}"


# ---------------------------------------------------------------------------- engine

M = Message.of
_FLIP = {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}


def screen(protocol: Protocol, record: PatientRecord, as_of: date) -> ScreeningResult:
    """Evaluate every criterion of ``protocol`` for ``record`` as of a day."""
    ctx = Context(record, as_of, protocol.model.recency_windows, protocol.label)
    ctx_extra = {"nct_id": protocol.nct_id}
    results = []
    for criterion in protocol.criteria:
        ctx.criterion_id = criterion.id
        favourable = Truth.TRUE if criterion.kind == "inclusion" else Truth.FALSE
        outcome = evaluate(criterion.rule, ctx, favourable, ctx_extra)
        results.append(_criterion_result(criterion, outcome))
    notes = tuple(M("record.ignored", item=item) for item in record.ignored)
    return ScreeningResult(
        trial=protocol.nct_id,
        protocol_version=protocol.protocol_version,
        patient=record.patient.ref.id,
        as_of=as_of,
        verdict=verdict_of([r.status for r in results]),
        criteria=tuple(results),
        source=record.source,
        notes=notes,
    )


def _criterion_result(criterion: a.Criterion, outcome: Outcome) -> CriterionResult:
    status = _status(criterion.kind, outcome.truth)
    return CriterionResult(
        id=criterion.id,
        kind=criterion.kind,
        status=status,
        reasons=_unique(outcome.reasons),
        evidence=_unique_evidence(outcome.evidence),
        missing=_unique(outcome.missing) if status in (Status.UNKNOWN, Status.REVIEW) else (),
        text=criterion.text,
    )


def _unique(messages: list[Message]) -> tuple[Message, ...]:
    # One item or none needs no de-duplication (and no hashing): the common case.
    return tuple(messages) if len(messages) < 2 else tuple(dict.fromkeys(messages))


def _unique_evidence(evidence: list[Evidence]) -> tuple[Evidence, ...]:
    return tuple(evidence) if len(evidence) < 2 else tuple(dict.fromkeys(evidence))


_STATUS = {
    ("inclusion", Truth.TRUE): Status.PASS,
    ("inclusion", Truth.FALSE): Status.FAIL,
    ("exclusion", Truth.TRUE): Status.FAIL,
    ("exclusion", Truth.FALSE): Status.PASS,
}
_OTHER_STATUS = {
    Truth.UNKNOWN: Status.UNKNOWN,
    Truth.REVIEW: Status.REVIEW,
    Truth.NA: Status.NOT_APPLICABLE,
}


def _status(kind: str, truth: Truth) -> Status:
    return _STATUS.get((kind, truth)) or _OTHER_STATUS[truth]


Evaluator = Callable[[Any, Context, Truth | None, dict[str, str]], Outcome]


def evaluate(
    node: a.Rule, ctx: Context, favourable: Truth | None, extra: dict[str, str]
) -> Outcome:
    return _DISPATCH[type(node)](node, ctx, favourable, extra)


def _all(node: a.AllOf, ctx: Context, favourable: Truth | None, extra: dict[str, str]) -> Outcome:
    return combine_all([evaluate(item, ctx, favourable, extra) for item in node.items])


def _any(node: a.AnyOf, ctx: Context, favourable: Truth | None, extra: dict[str, str]) -> Outcome:
    return combine_any([evaluate(item, ctx, favourable, extra) for item in node.items])


def _not(node: a.NotOf, ctx: Context, favourable: Truth | None, extra: dict[str, str]) -> Outcome:
    flipped = _FLIP.get(favourable) if favourable is not None else None
    return negate(evaluate(node.item, ctx, flipped, extra))


def _if(node: a.IfThen, ctx: Context, favourable: Truth | None, extra: dict[str, str]) -> Outcome:
    condition = evaluate(node.condition, ctx, None, extra)
    if condition.truth is Truth.TRUE:
        then = evaluate(node.then, ctx, favourable, extra)
        then.evidence[:0] = condition.evidence
        then.reasons[:0] = condition.reasons
        return then
    if condition.truth is Truth.FALSE:
        if node.otherwise is not None:
            return evaluate(node.otherwise, ctx, favourable, extra)
        return Outcome(
            Truth.NA, condition.evidence, [*condition.reasons, M("logic.not_applicable")]
        )
    # The condition is unknown or needs review: decide only if every branch agrees.
    branches = [evaluate(node.then, ctx, favourable, extra)]
    if node.otherwise is not None:
        branches.append(evaluate(node.otherwise, ctx, favourable, extra))
    settled = {b.truth for b in branches}
    if len(settled) == 1 and settled.pop() in (Truth.TRUE, Truth.FALSE):
        result = branches[0]
        result.reasons.append(M("logic.either_way"))
        result.evidence.extend(condition.evidence)
        return result
    condition.evidence.extend(e for b in branches for e in b.evidence)
    return condition


def _each(
    node: a.EachAvailable, ctx: Context, favourable: Truth | None, extra: dict[str, str]
) -> Outcome:
    outcomes = [evaluate(item, ctx, favourable, extra) for item in node.items]
    available = [o for o in outcomes if not (o.truth is Truth.UNKNOWN and o.no_data)]
    if not available:
        return combine_all(outcomes)
    result = combine_all(available)
    result.reasons.extend(r for o in outcomes if o not in available for r in o.reasons)
    return result


def _review_if(
    node: a.ReviewIf, ctx: Context, favourable: Truth | None, extra: dict[str, str]
) -> Outcome:
    inner = evaluate(node.item, ctx, Truth.FALSE, extra)
    if inner.truth is Truth.TRUE:
        inner.truth = Truth.REVIEW
        inner.missing.append(M("review.clinician"))
    return inner


def _review(
    node: a.ReviewAlways, ctx: Context, favourable: Truth | None, extra: dict[str, str]
) -> Outcome:
    return Outcome.review(M("review.always", reason=node.reason), M("review.clinician"))


def _simple(function: Callable[[Any, Context], Outcome]) -> Evaluator:
    return lambda node, ctx, favourable, extra: function(node, ctx)


def _history(function: Callable[[Any, Context, Truth | None], Outcome]) -> Evaluator:
    return lambda node, ctx, favourable, extra: function(node, ctx, favourable)


_DISPATCH: dict[type, Evaluator] = {
    a.AllOf: _all,
    a.AnyOf: _any,
    a.NotOf: _not,
    a.IfThen: _if,
    a.EachAvailable: _each,
    a.ReviewIf: _review_if,
    a.ReviewAlways: _review,
    a.AgeCheck: _simple(patient.evaluate_age),
    a.SexCheck: _simple(patient.evaluate_sex),
    a.PregnancyCheck: _simple(patient.evaluate_pregnancy),
    a.ToxicityCheck: _simple(patient.evaluate_toxicity),
    a.ConsentCheck: lambda node, ctx, fav, extra: patient.evaluate_consent(
        node, ctx, extra["nct_id"]
    ),
    a.LabCheck: _simple(evaluate_measurement),
    a.ConditionCheck: _history(history.evaluate_condition),
    a.ProcedureCheck: _history(history.evaluate_procedure),
    a.MedicationCheck: _history(history.evaluate_medication),
    a.AllergyCheck: _history(history.evaluate_allergy),
    a.CodedStatusCheck: _simple(findings.evaluate_coded_status),
    a.FindingCheck: _simple(findings.evaluate_finding),
    a.AttestationCheck: _simple(findings.evaluate_attestation),
    a.TestResultCheck: _simple(findings.evaluate_test_result),
    a.LifeExpectancyCheck: _simple(findings.evaluate_life_expectancy),
    a.PerformanceCheck: _simple(findings.evaluate_performance),
    a.MeasurableLesionsCheck: _simple(lesions.evaluate_lesions),
}
