"""Screen one patient record against a protocol: every criterion, its status, its evidence.

For an inclusion, the rule states what must hold; for an exclusion, the excluding condition.
The protocol is compiled once into closures (:mod:`trialdesk.core.screening.compiler`); this
module runs them for one record and turns each outcome into the criterion's result.
"""

from __future__ import annotations

from datetime import date

from trialdesk.core.i18n import Message
from trialdesk.core.protocol.protocol import Protocol
from trialdesk.core.record import PatientRecord
from trialdesk.core.screening.compiler import CompiledCriterion, compiled
from trialdesk.core.screening.context import Context
from trialdesk.core.screening.outcome import Outcome
from trialdesk.core.screening.result import (
    CriterionResult,
    Evidence,
    ScreeningResult,
    Status,
    verdict_of,
)
from trialdesk.core.screening.vital_status import vital_status

__all__ = ["screen"]

M = Message.of
_UNSETTLED = (Status.UNKNOWN, Status.REVIEW)


def screen(protocol: Protocol, record: PatientRecord, as_of: date) -> ScreeningResult:
    """Evaluate every criterion of ``protocol`` for ``record`` as of a day."""
    plan = compiled(protocol)
    ctx = Context(record, as_of, plan.windows, plan.label)
    results = []
    for criterion in plan.criteria:
        ctx.criterion_id = criterion.criterion.id
        ctx.source = criterion.source
        results.append(_criterion_result(criterion, criterion.evaluate(ctx)))
    notes = tuple(M("record.ignored", item=item) for item in record.ignored)
    bound, death_note = vital_status(record.patient, as_of)
    if death_note is not None:
        notes = (death_note, *notes)
    return ScreeningResult(
        plan.nct_id,
        plan.protocol_version,
        record.patient.ref.id,
        as_of,
        verdict_of([r.status for r in results], bound),
        tuple(results),
        record.source,
        notes,
    )


def _criterion_result(compiled_criterion: CompiledCriterion, outcome: Outcome) -> CriterionResult:
    criterion = compiled_criterion.criterion
    status = compiled_criterion.status_of[outcome.truth]
    reasons = _unique(outcome.reasons)
    missing = _unique(outcome.missing) if status in _UNSETTLED else ()
    if not outcome.evidence:
        return _shared_result(compiled_criterion, status, reasons, missing)
    return CriterionResult(
        criterion.id,
        criterion.kind,
        status,
        reasons,
        _unique_evidence(outcome.evidence),
        missing,
        criterion.text,
    )


def _shared_result(
    compiled_criterion: CompiledCriterion,
    status: Status,
    reasons: tuple[Message, ...],
    missing: tuple[Message, ...],
) -> CriterionResult:
    """The criterion's result for an outcome without evidence ("no HIV test in the window",
    "a clinician must judge"): the same few values recur for most patients, so one immutable
    object per distinct value is shared instead of building (and keeping, in a batch) a new
    result, its tuples and messages for every patient. Every patient is still evaluated; only
    equal immutable values are shared, like interned strings.

    Values are compared by ``==``, under which ``1 == True == Decimal("1.0")`` although they
    render differently, so only messages whose parameters are all ``str`` or ``int`` (never
    ``bool``) take part; any other result is built as usual. The key holds the status's string value: hashing
    the ``Status`` member itself runs Enum's ``__hash__`` in Python.
    """
    if not (_plain(reasons) and _plain(missing)):
        return _build(compiled_criterion, status, reasons, missing)
    shared = compiled_criterion.shared
    key = (status._value_, reasons, missing)
    result = shared.get(key)
    if result is None:
        result = _build(compiled_criterion, status, reasons, missing)
        if len(shared) < _MAX_SHARED:  # bounded: patient-specific values stop being stored
            shared[key] = result
    return result


_MAX_SHARED = 512


def _build(
    compiled_criterion: CompiledCriterion,
    status: Status,
    reasons: tuple[Message, ...],
    missing: tuple[Message, ...],
) -> CriterionResult:
    criterion = compiled_criterion.criterion
    return CriterionResult(
        criterion.id, criterion.kind, status, reasons, (), missing, criterion.text
    )


def _plain(messages: tuple[Message, ...]) -> bool:
    for message in messages:
        for _, value in message.params:
            if type(value) not in _PLAIN_TYPES:
                return False
    return True


_PLAIN_TYPES = frozenset({str, int})  # exact types: a bool (an int subclass) is not plain


def _unique(messages: list[Message]) -> tuple[Message, ...]:
    # One item or none needs no de-duplication (and no hashing): the common case.
    return tuple(messages) if len(messages) < 2 else tuple(dict.fromkeys(messages))


def _unique_evidence(evidence: list[Evidence]) -> tuple[Evidence, ...]:
    return tuple(evidence) if len(evidence) < 2 else tuple(dict.fromkeys(evidence))
