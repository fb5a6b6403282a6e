"""``units.compare`` (round 6: rounds through a fixed decimal context) orders values exactly as
rounding both sides with ``round_significant`` does, at and around the 12-digit cut-off."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.units import compare, round_significant

_DECIMALS = st.one_of(
    st.decimals(allow_nan=False, places=None),
    st.decimals(min_value=-1000, max_value=1000, places=14, allow_nan=False),
    st.integers(min_value=-(10**20), max_value=10**20).map(Decimal),
)


def _reference(a: Decimal, b: Decimal) -> int:
    ra, rb = round_significant(a), round_significant(b)
    return (ra > rb) - (ra < rb)


@given(_DECIMALS, _DECIMALS)
def test_compare_equals_rounding_both_sides(a: Decimal, b: Decimal) -> None:
    assert compare(a, b) == _reference(a, b)


@given(st.decimals(min_value=-1000, max_value=1000, places=14, allow_nan=False))
def test_a_value_against_itself_rounded(a: Decimal) -> None:
    assert compare(a, round_significant(a)) == 0


def test_cut_offs() -> None:
    assert compare(Decimal("1.5000000000004"), Decimal("1.5")) == 0  # 13th digit rounds away
    assert compare(Decimal("1.50000000001"), Decimal("1.5")) == 1  # 12th digit counts
    assert compare(Decimal("-0"), Decimal("0")) == 0
    assert compare(Decimal("Infinity"), Decimal("1e999")) == 1
