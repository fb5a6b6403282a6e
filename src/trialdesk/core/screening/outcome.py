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


@dataclass(slots=True)
class Outcome:
    truth: Truth
    evidence: list[Evidence] = field(default_factory=list)
    reasons: list[Message] = field(default_factory=list)
    missing: list[Message] = field(default_factory=list)
    no_data: bool = False  # UNKNOWN because nothing usable was recorded

    @classmethod
    def of(cls, truth: Truth, reason: Message, *evidence: Evidence) -> Outcome:
        return cls(truth, list(evidence), [reason])

    @classmethod
    def unknown(cls, reason: Message, missing: Message, *evidence: Evidence) -> Outcome:
        return cls(Truth.UNKNOWN, list(evidence), [reason], [missing], no_data=True)

    @classmethod
    def review(
        cls, reason: Message, missing: Message | None = None, *evidence: Evidence
    ) -> Outcome:
        return cls(Truth.REVIEW, list(evidence), [reason], [missing] if missing else [])


def negate(outcome: Outcome) -> Outcome:
    flipped = {Truth.TRUE: Truth.FALSE, Truth.FALSE: Truth.TRUE}.get(outcome.truth, outcome.truth)
    outcome.truth = flipped
    return outcome


def _merge(truth: Truth, parts: list[Outcome]) -> Outcome:
    merged = Outcome(truth, no_data=all(p.no_data for p in parts))
    for part in parts:
        merged.evidence.extend(part.evidence)
        merged.reasons.extend(part.reasons)
        merged.missing.extend(part.missing)
    return merged


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
    for truth in (decisive, Truth.UNKNOWN, Truth.REVIEW):
        chosen = [o for o in relevant if o.truth is truth]
        if chosen:
            # The decisive items explain the result; the others are kept as context evidence.
            context = [o for o in relevant if o.truth is not truth]
            result = _merge(truth, chosen)
            for other in context:
                result.evidence.extend(other.evidence)
            return result
    return _merge(default, relevant)
