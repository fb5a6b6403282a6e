"""Safety stopping rules against hand-computed boundaries.

Hand computation. For integer posterior parameters (alpha, beta), the Beta tail has a closed
form through the binomial distribution:

    P(p > theta | Beta(alpha, beta)) = P(Bin(alpha + beta - 1, theta) <= alpha - 1).

The bundled (EXAMPLE) rule: prior Beta(1, 2), theta = 0.30, stop when the tail > 0.90. With x
DLTs in n evaluable subjects the posterior is Beta(1 + x, 2 + n - x), so alpha + beta - 1 = n + 2
and the tail is P(Bin(n + 2, 0.3) <= x). Binomial terms b(k) = C(m, k) 0.3^k 0.7^(m-k):

    n=1, x=1: Beta(2,2), m=3: b0+b1 = 0.343 + 0.441 = 0.784          -> continue
    n=2, x=2: Beta(3,2), m=4: 0.2401 + 0.4116 + 0.2646 = 0.9163       -> STOP (boundary 2)
    n=2, x=1: Beta(2,3), m=4: 0.2401 + 0.4116 = 0.6517                -> continue
    n=3, x=2: Beta(3,3), m=5: 0.16807 + 0.36015 + 0.30870 = 0.83692   -> continue
    n=3, x=3: Beta(4,2), m=5: 0.83692 + 0.13230 = 0.96922             -> STOP (boundary 3)
    n=4, x=3: Beta(4,3), m=6: 0.117649 + 0.302526 + 0.324135 + 0.185220 = 0.929530 -> STOP
    n=4, x=2: Beta(3,4), m=6: 0.117649 + 0.302526 + 0.324135 = 0.744310            -> continue
    n=5, x=3: Beta(4,4), m=7: 0.0823543 + 0.2470629 + 0.3176523 + 0.2268945 = 0.8739640
                                                                      -> continue (boundary 4)
    n=7, x=4: Beta(5,5), m=9: 0.040353607 + 0.155649627 + 0.266827932 + 0.266827932
              + 0.171532242 = 0.901191340                              -> STOP, just over 0.90

With the uniform prior Beta(1, 1), theta = 0.30, threshold 0.90: posterior Beta(1 + x, 1 + n - x),
m = n + 1: n=1, x=1: 1 - 0.3^2 = 0.91 -> STOP already at 1/1 (why the example uses Beta(1, 2)).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from treatment_builders import bundled_plan

from trialdesk.core.protocol.treatment import BoundaryRow, StoppingRule
from trialdesk.core.treatment.stopping import (
    boundary_table,
    evaluate_stopping_rule,
    posterior_probability_above,
)
from trialdesk.errors import InputError


def rule() -> StoppingRule:
    return bundled_plan().stopping_rules[0]


@pytest.mark.parametrize(
    ("evaluable", "dlts", "hand", "crossed"),
    [
        (1, 1, "0.784", False),
        (2, 2, "0.9163", True),
        (2, 1, "0.6517", False),
        (3, 2, "0.83692", False),
        (3, 3, "0.96922", True),
        (4, 3, "0.929530", True),
        (4, 2, "0.744310", False),
        (5, 3, "0.8739640", False),
        (7, 4, "0.901191340", True),
    ],
)
def test_posterior_matches_the_hand_computation(
    evaluable: int, dlts: int, hand: str, crossed: bool
) -> None:
    decision = evaluate_stopping_rule(rule(), evaluable, dlts)
    assert decision.probability is not None
    assert abs(decision.probability - Decimal(hand)) < Decimal("5e-7")
    assert decision.crossed is crossed


def test_boundary_table_of_the_bundled_example() -> None:
    table = {row.treated: row.stop_at_dlts for row in boundary_table(rule())}
    assert table == {
        2: 2, 3: 3, 4: 3, 5: 4, 6: 4, 7: 4, 8: 5, 9: 5, 10: 6, 11: 6, 12: 6, 13: 7, 14: 7, 15: 8,
    }  # fmt: skip
    assert 1 not in table  # one DLT in the first subject never stops the example rule


def test_uniform_prior_stops_at_one_of_one() -> None:
    uniform = rule().model_copy(update={"prior_b": Decimal(1)})
    assert posterior_probability_above(Decimal("0.3"), Decimal(1), Decimal(1), 1, 1) == Decimal(
        "0.91"
    )
    assert evaluate_stopping_rule(uniform, 1, 1).crossed


def test_boundary_table_rule() -> None:
    table = StoppingRule(
        id="table",
        kind="boundary_table",
        label="stop at 2 of the first 3, 3 of 6",
        boundaries=[BoundaryRow(treated=3, stop_at_dlts=2), BoundaryRow(treated=6, stop_at_dlts=3)],
    )
    assert not evaluate_stopping_rule(table, 2, 2).crossed  # no row applies before 3 treated
    assert evaluate_stopping_rule(table, 3, 2).crossed
    assert evaluate_stopping_rule(table, 5, 2).crossed  # the 3-treated row still applies
    assert not evaluate_stopping_rule(table, 6, 2).crossed
    assert evaluate_stopping_rule(table, 6, 3).crossed


def test_impossible_counts_are_refused() -> None:
    with pytest.raises(InputError, match="impossible DLT counts"):
        evaluate_stopping_rule(rule(), 2, 3)


def test_a_bayesian_rule_without_its_parameters_is_refused() -> None:
    with pytest.raises(ValueError, match="needs theta"):
        StoppingRule(id="x", kind="bayesian_beta_binomial", label="x", threshold=Decimal("0.9"))


@given(n=st.integers(min_value=1, max_value=30), data=st.data())
def test_more_dlts_never_lower_the_posterior(n: int, data: st.DataObject) -> None:
    x = data.draw(st.integers(min_value=0, max_value=n - 1))
    r = rule()
    low = evaluate_stopping_rule(r, n, x)
    high = evaluate_stopping_rule(r, n, x + 1)
    assert low.probability is not None
    assert high.probability is not None
    assert high.probability >= low.probability
    assert high.crossed or not low.crossed


@given(n=st.integers(min_value=1, max_value=30), data=st.data())
def test_more_subjects_without_dlt_never_raise_the_posterior(n: int, data: st.DataObject) -> None:
    x = data.draw(st.integers(min_value=0, max_value=n))
    before = evaluate_stopping_rule(rule(), n, x).probability
    after = evaluate_stopping_rule(rule(), n + 1, x).probability
    assert before is not None
    assert after is not None
    assert after <= before
