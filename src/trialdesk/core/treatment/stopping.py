"""Safety stopping rules, evaluated after every DLT-evaluable subject.

Bayesian beta-binomial monitoring (Thall and Simon, Biometrics 1994;50:337-349): with a
Beta(a, b) prior on the DLT rate p and x DLTs in n evaluable subjects, the posterior is
Beta(a + x, b + n - x); the rule stops when P(p > theta | data) > threshold. A boundary
table ("stop at k DLTs among n treated") is the same decision written out per n, and can be
generated from the Bayesian rule for the investigators to read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scipy.special import betaincc

from trialdesk.core.protocol.treatment import BoundaryRow, StoppingRule
from trialdesk.core.units import compare, round_significant
from trialdesk.errors import InputError

__all__ = [
    "StoppingDecision",
    "boundary_table",
    "evaluate_stopping_rule",
    "posterior_probability_above",
]


@dataclass(frozen=True, slots=True)
class StoppingDecision:
    rule_id: str
    rule: str
    evaluable: int
    dlts: int
    crossed: bool
    probability: Decimal | None  # P(rate > theta | data), Bayesian rules only
    boundary: int | None  # the DLT count that stops at this number evaluable (None: none does)
    explanation: str
    example: bool
    source: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule": self.rule,
            "evaluable": self.evaluable,
            "dlts": self.dlts,
            "crossed": self.crossed,
            "probability": None if self.probability is None else str(self.probability),
            "boundary": self.boundary,
            "explanation": self.explanation,
            "example": self.example,
            "source": self.source,
        }


def posterior_probability_above(
    theta: Decimal, prior_a: Decimal, prior_b: Decimal, evaluable: int, dlts: int
) -> Decimal:
    """P(p > theta | x DLTs in n) under a Beta(a, b) prior, to 12 significant digits."""
    _check_counts(evaluable, dlts)
    # The regularised upper incomplete beta I_(1-x) is the Beta survival function, P(p > x);
    # scipy.special is the same routine scipy.stats.beta.sf calls, without its overhead.
    tail = betaincc(float(prior_a) + dlts, float(prior_b) + (evaluable - dlts), float(theta))
    return round_significant(Decimal(repr(float(tail))))


def _check_counts(evaluable: int, dlts: int) -> None:
    if evaluable < 0 or dlts < 0 or dlts > evaluable:
        raise InputError(
            "impossible DLT counts",
            where="stopping rule",
            expected="0 <= DLTs <= evaluable subjects",
            got=f"{dlts} DLTs in {evaluable} evaluable",
        )


def _bayes_crosses(rule: StoppingRule, evaluable: int, dlts: int) -> tuple[bool, Decimal]:
    # The protocol model refuses a Bayesian rule without these.
    assert rule.theta is not None
    assert rule.threshold is not None
    assert rule.prior_a is not None
    assert rule.prior_b is not None
    probability = posterior_probability_above(
        rule.theta, rule.prior_a, rule.prior_b, evaluable, dlts
    )
    # Strictly greater, compared after rounding both sides (no float noise at the cut-off).
    return compare(probability, rule.threshold) > 0, probability


def boundary_table(rule: StoppingRule, up_to: int | None = None) -> tuple[BoundaryRow, ...]:
    """For n = 1..N, the smallest DLT count that crosses the rule (rows without one are left
    out). For a table rule, its own rows."""
    if rule.kind == "boundary_table":
        return tuple(rule.boundaries)
    last = up_to or rule.max_subjects or 0
    rows: list[BoundaryRow] = []
    for evaluable in range(1, last + 1):
        stop_at = _bayes_boundary(rule, evaluable)
        if stop_at is not None:
            rows.append(BoundaryRow(treated=evaluable, stop_at_dlts=stop_at))
    return tuple(rows)


def _bayes_boundary(rule: StoppingRule, evaluable: int) -> int | None:
    """The smallest DLT count that crosses at this number evaluable, by bisection: the
    posterior tail grows with the DLT count (more DLTs never lower it)."""
    if not _bayes_crosses(rule, evaluable, evaluable)[0]:
        return None
    low, high = 0, evaluable  # high always crosses
    while low < high:
        middle = (low + high) // 2
        if _bayes_crosses(rule, evaluable, middle)[0]:
            high = middle
        else:
            low = middle + 1
    return high


def _table_boundary(rule: StoppingRule, evaluable: int) -> int | None:
    """The row for ``evaluable``; between rows the last row at or below it applies."""
    chosen: int | None = None
    for row in rule.boundaries:
        if row.treated <= evaluable:
            chosen = row.stop_at_dlts
    return chosen


def evaluate_stopping_rule(rule: StoppingRule, evaluable: int, dlts: int) -> StoppingDecision:
    _check_counts(evaluable, dlts)
    if rule.kind == "bayesian_beta_binomial":
        crossed, probability = _bayes_crosses(rule, evaluable, dlts)
        explanation = (
            f"posterior Beta({rule.prior_a}+{dlts}, {rule.prior_b}+{evaluable - dlts}): "
            f"P(DLT rate > {rule.theta} | {dlts}/{evaluable}) = {probability:.4f}; "
            f"stop when > {rule.threshold}"
        )
        boundary = _bayes_boundary(rule, evaluable) if evaluable else None
    else:
        probability = None
        boundary = _table_boundary(rule, evaluable)
        crossed = boundary is not None and dlts >= boundary
        explanation = (
            f"{dlts} DLT(s) in {evaluable} evaluable; the table stops at "
            f"{boundary if boundary is not None else 'no count'} for {evaluable} treated"
        )
    verdict = "CROSSED: pause enrollment for an investigator decision" if crossed else "continue"
    return StoppingDecision(
        rule_id=rule.id,
        rule=rule.label,
        evaluable=evaluable,
        dlts=dlts,
        crossed=crossed,
        probability=probability,
        boundary=boundary,
        explanation=f"{explanation}: {verdict}",
        example=rule.example,
        source=rule.source,
    )
