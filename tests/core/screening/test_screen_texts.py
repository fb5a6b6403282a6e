"""Threshold texts memoised by identity (round 6) read exactly like ``NumericTest.describe``."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.criteria.ast import NumericTest
from trialdesk.core.screening.evaluators.texts import described, joined_tests_text

_TESTS = st.builds(
    NumericTest,
    op=st.sampled_from([">=", "<=", ">", "<", "=", "!="]),
    number=st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False),
    unit=st.sampled_from([None, "g/L", "a", "mo", "%", "1"]),
    reference_limit=st.sampled_from([None, "ULN", "LLN"]),
)


@given(st.lists(_TESTS, min_size=1, max_size=3).map(tuple))
def test_texts_equal_describe_every_time(tests: tuple[NumericTest, ...]) -> None:
    for _ in range(2):  # the second call reads the memo
        assert [described(t) for t in tests] == [t.describe() for t in tests]
        assert joined_tests_text(tests) == " and ".join(t.describe() for t in tests)


def test_an_equal_but_distinct_test_gets_its_own_entry() -> None:
    a = NumericTest(">=", Decimal("80"), "g/L")
    b = NumericTest(">=", Decimal("80.0"), "g/L")  # equal value, same text, distinct object
    assert described(a) == described(b) == ">= 80 g/L"
    assert joined_tests_text((a,)) == ">= 80 g/L"
