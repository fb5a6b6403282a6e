"""Screen one patient record against a protocol: every criterion, its status, its evidence.

For an inclusion, the rule states what must hold; for an exclusion, the excluding condition.
``favourable`` is the truth value that helps eligibility at a node (TRUE at an inclusion's
root, FALSE at an exclusion's, flipped by ``not``); history evaluators use it to decide what
"nothing recorded" means.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from trialdesk.core.criteria import ast as a
from trialdesk.core.i18n import Message
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.record import PatientRecord
from trialdesk.core.screening.context import Context
from trialdesk.core.screening.evaluators import findings, history, lesions, measurements, patient
from trialdesk.core.screening.outcome import Outcome, Truth, combine_all, combine_any, negate
from trialdesk.core.screening.result import (
    CriterionResult,
    Evidence,
    ScreeningResult,
    Status,
    verdict_of,
)

__all__ = ["evaluate", "screen"]

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
    a.LabCheck: _simple(measurements.evaluate_measurement),
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
