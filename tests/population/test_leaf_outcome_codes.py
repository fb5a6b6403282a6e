"""The opt-in contract of families that emit integer outcome codes (``emits_codes``):
``outcome()`` placeholders become the packed code once the reason dictionary is fixed, and
families on the text contract (t, r, n) still go through the text → code join."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.protocol.protocol import Protocol
from trialdesk.population.combine_sql import NO_REASON, resolve_outcomes
from trialdesk.population.compile_rules import REASON_STEP, TRUTH_CODES
from trialdesk.population.engine import plan_screening
from trialdesk.population.families import FAMILIES
from trialdesk.population.families.base import OUTCOME_CALL, outcome

AS_OF = date(2026, 6, 1)
KEYS = ["\x00unlisted", "", "age.meets", "status.is", "lab.meets"]


def test_a_placeholder_becomes_truth_plus_no_data_bit_plus_reason_code() -> None:
    sql = f"SELECT CASE WHEN x THEN {outcome('U', 'status.is', True)} ELSE {outcome('T', 'age.meets', False)} END"
    resolved = resolve_outcomes(sql, KEYS)
    unknown = TRUTH_CODES.index("U") + 8 + REASON_STEP * KEYS.index("status.is")
    true = TRUTH_CODES.index("T") + REASON_STEP * KEYS.index("age.meets")
    assert resolved == f"SELECT CASE WHEN x THEN {unknown} ELSE {true} END"


def test_an_empty_reason_is_no_reason() -> None:
    assert resolve_outcomes(outcome("N", "", False), KEYS) == str(4 + REASON_STEP * NO_REASON)


@given(
    letter=st.sampled_from(TRUTH_CODES),
    index=st.integers(min_value=2, max_value=len(KEYS) - 1),
    no_data=st.booleans(),
)
def test_the_code_unpacks_as_the_combination_reads_it(
    letter: str, index: int, no_data: bool
) -> None:
    code = int(resolve_outcomes(outcome(letter, KEYS[index], no_data), KEYS))
    # combine_sql._wide: truth x % 8, reason x - x % REASON_STEP, no_data x % REASON_STEP >= 8
    assert TRUTH_CODES[code % 8] == letter
    assert (code - code % REASON_STEP) // REASON_STEP == index
    assert (code % REASON_STEP >= 8) is no_data


def test_bad_placeholders_are_refused() -> None:
    with pytest.raises(ValueError, match="truth letter"):
        outcome("X", "age.meets", False)
    with pytest.raises(ValueError, match="reason key"):
        outcome("T", "age'; DROP TABLE person; --", False)
    with pytest.raises(ValueError, match="truth letter"):
        resolve_outcomes(f"{OUTCOME_CALL}('Q', 'age.meets', FALSE)", KEYS)
    with pytest.raises(ValueError, match="placeholder"):
        resolve_outcomes(f"{OUTCOME_CALL}('T', 'age.meets')", KEYS)
    with pytest.raises(ValueError, match="not in the reason dictionary"):
        resolve_outcomes(outcome("T", "not.a.key", False), KEYS)


def test_planned_sql_holds_no_placeholder_and_coded_views_give_a_code(
    protocol: Protocol,
) -> None:
    plan = plan_screening(protocol, AS_OF)
    text = "\n".join(sql for _name, sql in plan.statements)
    assert OUTCOME_CALL not in text.lower()
    views = dict(plan.statements)
    coded = [f for f in FAMILIES if f.emits_codes and plan.leaves.get(f.name)]
    assert {f.name for f in coded} >= {"age", "history", "obs"}
    leaf_eval = views["td_leaf_eval"]
    for family in coded:
        assert re.search(r"\bAS code\b", views[family.leaf_view])
        assert f"SELECT leaf, person_id, code FROM {family.leaf_view}" in leaf_eval
    for family in FAMILIES:
        if not family.emits_codes and plan.leaves.get(family.name):
            # The text contract still goes through the letter CASE and the reason join.
            assert f"SELECT leaf, person_id, t, r, n FROM {family.leaf_view}" in leaf_eval
