"""The value of a rule for one patient: a truth value with its evidence and reasons.

Five truth values, never a bool: TRUE, FALSE, UNKNOWN (data missing, stale or unreadable),
REVIEW (a clinician must judge) and NA (an ``if`` whose condition does not hold).
Combination is Kleene-style with UNKNOWN taking precedence over REVIEW, because missing data
must be fetched before anyone can judge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from trialdesk.core.i18n import Message
from trialdesk.core.screening.result import Evidence

__all__ = ["Outcome", "Truth", "combine_all", "combine_any", "negate"]


class Truth(Enum):
    TRUE = "true"
    FALSE = "false"
    UNKNOWN = "unknown"
    REVIEW = "review"
    NA = "not_applicable"

    # Members are singletons compared by identity, so the identity hash is consistent with
    # equality; it replaces Enum's Python-level ``hash(self._name_)``, which the screener paid
    # tens of thousands of times per thousand patients (dict and set look-ups of truths).
    __hash__ = object.__hash__


# ``init=False`` with a hand-written ``__init__`` and factories: the generated ``__init__``
# tests each list field against its default-factory sentinel, and the factories went through
# ``cls(...)`` on top; the screener builds ~70 outcomes per patient. Same fields, defaults
# (a fresh list per outcome), equality and repr.
@dataclass(slots=True, init=False)
class Outcome:
    truth: Truth
    evidence: list[Evidence] = field(default_factory=list)
    reasons: list[Message] = field(default_factory=list)
    missing: list[Message] = field(default_factory=list)
    no_data: bool = False  # UNKNOWN because nothing usable was recorded

    def __init__(
        self,
        truth: Truth,
        evidence: list[Evidence] | None = None,
        reasons: list[Message] | None = None,
        missing: list[Message] | None = None,
        no_data: bool = False,
    ) -> None:
        self.truth = truth
        self.evidence = [] if evidence is None else evidence
        self.reasons = [] if reasons is None else reasons
        self.missing = [] if missing is None else missing
        self.no_data = no_data

    @classmethod
    def of(cls, truth: Truth, reason: Message, *evidence: Evidence) -> Outcome:
        outcome = _new(cls)
        outcome.truth = truth
        outcome.evidence = [*evidence]
        outcome.reasons = [reason]
        outcome.missing = []
        outcome.no_data = False
        return outcome

    @classmethod
    def unknown(cls, reason: Message, missing: Message, *evidence: Evidence) -> Outcome:
        outcome = _new(cls)
        outcome.truth = Truth.UNKNOWN
        outcome.evidence = [*evidence]
        outcome.reasons = [reason]
        outcome.missing = [missing]
        outcome.no_data = True
        return outcome

    @classmethod
    def review(
        cls, reason: Message, missing: Message | None = None, *evidence: Evidence
    ) -> Outcome:
        outcome = _new(cls)
        outcome.truth = Truth.REVIEW
        outcome.evidence = [*evidence]
        outcome.reasons = [reason]
        outcome.missing = [missing] if missing else []
        outcome.no_data = False
        return outcome


_new = object.__new__


def negate(outcome: Outcome) -> Outcome:
    flipped = {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}.get(outcome.truth, outcome.truth)
    outcome.truth = flipped
    return outcome


def _merge(truth: Truth, parts: list[Outcome]) -> Outcome:
    if len(parts) == 1:  # one decisive part (the common case): copy its lists, no loop
        part = parts[0]
        return Outcome(truth, [*part.evidence], [*part.reasons], [*part.missing], part.no_data)
    evidence: list[Evidence] = []
    reasons: list[Message] = []
    missing: list[Message] = []
    no_data = True
    for part in parts:
        evidence += part.evidence
        reasons += part.reasons
        missing += part.missing
        no_data = no_data and part.no_data
    return Outcome(truth, evidence, reasons, missing, no_data)


def combine_all(outcomes: list[Outcome]) -> Outcome:
    """AND: any FALSE decides; then UNKNOWN, then REVIEW; NA items are neutral."""
    return _combine(outcomes, decisive=Truth.FALSE, default=Truth.TRUE)


def combine_any(outcomes: list[Outcome]) -> Outcome:
    """OR: any TRUE decides; then UNKNOWN, then REVIEW; NA items are neutral."""
    return _combine(outcomes, decisive=Truth.TRUE, default=Truth.FALSE)


def _combine(outcomes: list[Outcome], decisive: Truth, default: Truth) -> Outcome:
    relevant = [o for o in outcomes if o.truth is not Truth.NA]
    if not relevant:
        return _merge(Truth.NA, outcomes)
    present = {o.truth for o in relevant}
    for truth in (decisive, Truth.UNKNOWN, Truth.REVIEW):
        if truth in present:
            # The decisive items explain the result; the others are kept as context evidence.
            if len(present) == 1:
                return _merge(truth, relevant)
            result = _merge(truth, [o for o in relevant if o.truth is truth])
            for other in relevant:
                if other.truth is not truth:
                    result.evidence += other.evidence
            return result
    return _merge(default, relevant)
