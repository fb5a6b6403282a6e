from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.units import canonical_unit, compare, conversion_factor, convert
from trialdesk.errors import UnitError

BILIRUBIN_MW = Decimal("584.66")


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        ("8.0", "g/dL", "g/L", "80"),
        ("750", "/uL", "10*9/L", "0.75"),
        ("750", "/mm3", "10*9/L", "0.75"),
        ("0.75", "10*9/L", "10*3/uL", "0.75"),
        ("75000", "/uL", "10*9/L", "75"),
        ("37", "Cel", "[degF]", "98.6"),
    ],
)
def test_conversions_are_exact_for_decimal_factors(
    value: str, src: str, dst: str, expected: str
) -> None:
    assert compare(convert(Decimal(value), src, dst), Decimal(expected)) == 0


def test_mass_to_substance_uses_the_molar_mass() -> None:
    # 1 mg/dL bilirubin = 17.1 umol/L (clinical-rules.md §5.1, MW 584.7)
    assert abs(convert(Decimal(1), "mg/dL", "umol/L", BILIRUBIN_MW) - Decimal("17.104")) < Decimal(
        "0.001"
    )


def test_mass_to_substance_without_molar_mass_is_an_error() -> None:
    with pytest.raises(UnitError, match="molar mass"):
        conversion_factor("mg/dL", "umol/L")


@pytest.mark.parametrize("alias", ["x10^9/L", "10^9/L", "G/L", "×10⁹/L"])
def test_common_spellings_map_to_ucum(alias: str) -> None:
    assert canonical_unit(alias) == "10*9/L"


def test_unknown_unit_names_itself_and_what_was_expected() -> None:
    with pytest.raises(UnitError) as info:
        canonical_unit("furlongs/fortnight")
    assert info.value.got == "furlongs/fortnight"
    assert "UCUM" in str(info.value)


def test_incompatible_units_are_refused() -> None:
    with pytest.raises(UnitError, match="cannot convert"):
        convert(Decimal(1), "g/L", "U/L")


decimals = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3)


@given(decimals)
def test_round_trip_g_per_dl(value: Decimal) -> None:
    assert compare(convert(convert(value, "g/dL", "g/L"), "g/L", "g/dL"), value) == 0


@given(decimals)
def test_round_trip_counts(value: Decimal) -> None:
    there = convert(value, "10*9/L", "/uL")
    assert compare(convert(there, "/uL", "10*9/L"), value) == 0


@given(decimals, decimals)
def test_conversion_preserves_order(a: Decimal, b: Decimal) -> None:
    assert compare(a, b) == compare(convert(a, "g/dL", "g/L"), convert(b, "g/dL", "g/L"))
