"""A protocol's criteria compiled once into closures: what the screener runs for every patient.

Each rule node becomes a function of the screening :class:`Context` alone. Everything that
depends only on the protocol is decided here, once, instead of for every patient: which
evaluator a node needs (no dispatch on the node's type), the truth value that helps
eligibility at the node (``favourable``: TRUE at an inclusion's root, FALSE at an exclusion's,
flipped by ``not``), the trial's NCT id for consent, the text cited as the source of each
criterion's thresholds, and the lab criteria's codes, windows and threshold texts (see
:mod:`trialdesk.core.screening.evaluators.measurements`).

The compiled form is cached per :class:`Protocol` object (protocols are immutable), so a batch
of 10,000 patients compiles once. ``tests/core/screening/screening_oracle.py`` keeps the
interpreted engine this replaced; a property test checks that both give the same results.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from trialdesk.core.criteria import ast as a
from trialdesk.core.i18n import Message
from trialdesk.core.protocol.model import RecencyWindows
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.screening.context import Context
from trialdesk.core.screening.evaluators import findings, history, lesions, measurements, patient
from trialdesk.core.screening.outcome import Outcome, Truth, combine_all, combine_any, negate
from trialdesk.core.screening.result import CriterionResult, Status

__all__ = ["CompiledCriterion", "CompiledProtocol", "Evaluate", "compiled"]

Evaluate = Callable[[Context], Outcome]
M = Message.of
_FLIP = {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}
_OTHER_STATUS = {
    Truth.UNKNOWN: Status.UNKNOWN,
    Truth.REVIEW: Status.REVIEW,
    Truth.NA: Status.NOT_APPLICABLE,
}
_STATUS_OF_KIND = {
    "inclusion": {Truth.TRUE: Status.PASS, Truth.FALSE: Status.FAIL, **_OTHER_STATUS},
    "exclusion": {Truth.TRUE: Status.FAIL, Truth.FALSE: Status.PASS, **_OTHER_STATUS},
}


@dataclass(frozen=True, slots=True)
class CompiledCriterion:
    criterion: a.Criterion
    evaluate: Evaluate
    source: str  # "protocol NCT… v1.0, criterion inc-anc": cited with every threshold
    status_of: dict[Truth, Status]  # the criterion's status for its rule's truth value
    # Evidence-free results shared by every patient they fit (see ``engine._shared_result``):
    # (status value, reasons, missing) -> the one immutable CriterionResult with those values.
    shared: dict[tuple[object, ...], CriterionResult] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompiledProtocol:
    nct_id: str
    protocol_version: str
    label: str
    windows: RecencyWindows
    criteria: tuple[CompiledCriterion, ...]


# id(protocol) -> (a weak reference to it, its compiled form). Protocol objects are frozen
# dataclasses holding a pydantic model (not hashable), hence the id key; the weak reference
# drops the entry when the protocol goes, so a recycled id never finds a stale plan.
_CACHE: dict[int, tuple[weakref.ref[Protocol], CompiledProtocol]] = {}


def compiled(protocol: Protocol) -> CompiledProtocol:
    """The protocol's compiled form, built on first use and cached while the protocol lives."""
    key = id(protocol)
    entry = _CACHE.get(key)
    if entry is not None and entry[0]() is protocol:
        return entry[1]
    plan = _compile(protocol)
    _CACHE[key] = (weakref.ref(protocol, lambda _: _CACHE.pop(key, None)), plan)
    return plan


def _compile(protocol: Protocol) -> CompiledProtocol:
    windows = protocol.model.recency_windows
    nct_id = protocol.nct_id
    criteria = tuple(
        CompiledCriterion(
            criterion=criterion,
            evaluate=_rule(
                criterion.rule,
                Truth.TRUE if criterion.kind == "inclusion" else Truth.FALSE,
                nct_id,
                windows,
            ),
            source=f"{protocol.label}, criterion {criterion.id}",
            status_of=_STATUS_OF_KIND[criterion.kind],
        )
        for criterion in protocol.criteria
    )
    return CompiledProtocol(nct_id, protocol.protocol_version, protocol.label, windows, criteria)


def _rule(node: a.Rule, favourable: Truth | None, nct_id: str, windows: RecencyWindows) -> Evaluate:
    def child(item: a.Rule, fav: Truth | None = favourable) -> Evaluate:
        return _rule(item, fav, nct_id, windows)

    if isinstance(node, a.AllOf):
        return _all(tuple(child(item) for item in node.items))
    if isinstance(node, a.AnyOf):
        return _any(tuple(child(item) for item in node.items))
    if isinstance(node, a.NotOf):
        flipped = _FLIP.get(favourable) if favourable is not None else None
        return _not(child(node.item, flipped))
    if isinstance(node, a.IfThen):
        otherwise = child(node.otherwise) if node.otherwise is not None else None
        return _if(child(node.condition, None), child(node.then), otherwise)
    if isinstance(node, a.EachAvailable):
        return _each(tuple(child(item) for item in node.items))
    if isinstance(node, a.ReviewIf):
        return _review_if(child(node.item, Truth.FALSE))
    if isinstance(node, a.ReviewAlways):
        return _review(node.reason)
    if isinstance(node, a.LabCheck):
        return measurements.compile_measurement(node, windows)
    if isinstance(node, a.ConsentCheck):
        return partial(_consent, node, nct_id)
    history_evaluator = _HISTORY.get(type(node))
    if history_evaluator is not None:
        return partial(_history, history_evaluator, node, favourable)
    return partial(_SIMPLE[type(node)], node)


def _consent(node: a.ConsentCheck, nct_id: str, ctx: Context) -> Outcome:
    return patient.evaluate_consent(node, ctx, nct_id)


def _history(
    function: Callable[[Any, Context, Truth | None], Outcome],
    node: a.Rule,
    favourable: Truth | None,
    ctx: Context,
) -> Outcome:
    return function(node, ctx, favourable)


_HISTORY: dict[type, Callable[[Any, Context, Truth | None], Outcome]] = {
    a.ConditionCheck: history.evaluate_condition,
    a.ProcedureCheck: history.evaluate_procedure,
    a.MedicationCheck: history.evaluate_medication,
    a.AllergyCheck: history.evaluate_allergy,
}
_SIMPLE: dict[type, Callable[[Any, Context], Outcome]] = {
    a.AgeCheck: patient.evaluate_age,
    a.SexCheck: patient.evaluate_sex,
    a.PregnancyCheck: patient.evaluate_pregnancy,
    a.ToxicityCheck: patient.evaluate_toxicity,
    a.CodedStatusCheck: findings.evaluate_coded_status,
    a.FindingCheck: findings.evaluate_finding,
    a.AttestationCheck: findings.evaluate_attestation,
    a.TestResultCheck: findings.evaluate_test_result,
    a.LifeExpectancyCheck: findings.evaluate_life_expectancy,
    a.PerformanceCheck: findings.evaluate_performance,
    a.MeasurableLesionsCheck: lesions.evaluate_lesions,
}


# -- combinators: the same Kleene logic as ``outcome``, over compiled children -------------
def _all(items: tuple[Evaluate, ...]) -> Evaluate:
    return lambda ctx: combine_all([item(ctx) for item in items])


def _any(items: tuple[Evaluate, ...]) -> Evaluate:
    return lambda ctx: combine_any([item(ctx) for item in items])


def _not(item: Evaluate) -> Evaluate:
    return lambda ctx: negate(item(ctx))


def _if(condition: Evaluate, then: Evaluate, otherwise: Evaluate | None) -> Evaluate:
    def evaluate(ctx: Context) -> Outcome:
        decided = condition(ctx)
        if decided.truth is Truth.TRUE:
            result = then(ctx)
            result.evidence[:0] = decided.evidence
            result.reasons[:0] = decided.reasons
            return result
        if decided.truth is Truth.FALSE:
            if otherwise is not None:
                return otherwise(ctx)
            return Outcome(
                Truth.NA, decided.evidence, [*decided.reasons, M("logic.not_applicable")]
            )
        # The condition is unknown or needs review: decide only if every branch agrees.
        branches = [then(ctx)]
        if otherwise is not None:
            branches.append(otherwise(ctx))
        settled = {b.truth for b in branches}
        if len(settled) == 1 and settled.pop() in (Truth.TRUE, Truth.FALSE):
            agreed = branches[0]
            agreed.reasons.append(M("logic.either_way"))
            agreed.evidence.extend(decided.evidence)
            return agreed
        decided.evidence.extend(e for b in branches for e in b.evidence)
        return decided

    return evaluate


def _each(items: tuple[Evaluate, ...]) -> Evaluate:
    def evaluate(ctx: Context) -> Outcome:
        outcomes = [item(ctx) for item in items]
        available = [o for o in outcomes if not (o.truth is Truth.UNKNOWN and o.no_data)]
        if not available:
            return combine_all(outcomes)
        result = combine_all(available)
        # By identity: an unavailable outcome (UNKNOWN, no data) never equals an available one,
        # so this is the interpreted engine's ``o not in available`` without deep comparisons.
        kept = {id(o) for o in available}
        result.reasons.extend(r for o in outcomes if id(o) not in kept for r in o.reasons)
        return result

    return evaluate


def _review_if(item: Evaluate) -> Evaluate:
    def evaluate(ctx: Context) -> Outcome:
        inner = item(ctx)
        if inner.truth is Truth.TRUE:
            inner.truth = Truth.REVIEW
            inner.missing.append(M("review.clinician"))
        return inner

    return evaluate


def _review(reason: str) -> Evaluate:
    return lambda ctx: Outcome.review(M("review.always", reason=reason), M("review.clinician"))
