"""Body-surface area (Mosteller, Haycock) and dose checks against the protocol's ranges.

Mosteller (N Engl J Med 1987;317:1098) is sqrt(cm × kg / 3600); heights and weights whose
product is a perfect square times 3600 give exact published-style values: 180 cm and 80 kg
-> sqrt(4) = 2.00 m²; 100 cm and 36 kg -> 1.00 m²; 90 cm and 10 kg -> sqrt(0.25) = 0.50 m².
Mosteller's own worked value for 170 cm, 70 kg is 1.82 m² (sqrt(3.3056) = 1.8181).
Haycock (J Pediatr 1978;93:62-66): 0.024265 × kg^0.5378 × cm^0.3964; for 100 cm, 15 kg:
15^0.5378 = 4.2903, 100^0.3964 = 6.2087, product × 0.024265 = 0.6463 -> 0.65 m²
(hand-computed with logarithms; agrees with Mosteller's 0.6455 to within 1 %, as Haycock
reported for children).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from treatment_builders import bundled_plan

from trialdesk.core.treatment.bsa import body_surface_area
from trialdesk.core.treatment.exposure import DoseStatus, Exposure, Interruption, check_exposure
from trialdesk.errors import InputError, UnitError

D = Decimal
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("height", "weight", "expected"),
    [
        ("180", "80", "2.0000"),
        ("100", "36", "1.0000"),
        ("90", "10", "0.5000"),
        ("170", "70", "1.8181"),
    ],
)
def test_mosteller_examples(height: str, weight: str, expected: str) -> None:
    assert body_surface_area(D(height), "cm", D(weight), "kg").m2 == D(expected)


def test_haycock_example_and_rounding() -> None:
    bsa = body_surface_area(D(100), "cm", D(15), "kg", "haycock")
    assert abs(bsa.m2 - D("0.6463")) <= D("0.0003")
    assert bsa.rounded_m2 == D("0.65")
    assert "Haycock" in bsa.source


def test_units_are_converted() -> None:
    metric = body_surface_area(D(100), "cm", D(36), "kg")
    imperial = body_surface_area(D("39.37007874"), "[in_i]", D("79.3664144"), "[lb_av]")
    assert abs(imperial.m2 - metric.m2) <= D("0.0001")
    assert body_surface_area(D(1), "m", D(36000), "g").m2 == D("1.0000")


def test_wrong_kind_of_unit_and_non_positive_values_are_refused() -> None:
    with pytest.raises(UnitError, match="height"):
        body_surface_area(D(100), "kg", D(20), "kg")
    with pytest.raises(InputError, match="weight must be above zero"):
        body_surface_area(D(100), "cm", D(0), "kg")


@given(
    height=st.decimals(min_value=50, max_value=200, places=1),
    bmi=st.decimals(min_value=12, max_value=30, places=1),
)
def test_formulas_agree_within_ten_percent_for_children_and_adults(
    height: Decimal, bmi: Decimal
) -> None:
    weight = bmi * (height / 100) ** 2  # plausible body shapes, not 45 cm and 120 kg
    mosteller = body_surface_area(height, "cm", weight, "kg").m2
    haycock = body_surface_area(height, "cm", weight, "kg", "haycock").m2
    assert abs(mosteller - haycock) / mosteller < D("0.10")


def test_bsa_grows_with_weight() -> None:
    small = body_surface_area(D(110), "cm", D(18), "kg")
    large = body_surface_area(D(110), "cm", D(19), "kg")
    assert large.m2 > small.m2


def exposure(product: str, dose: str, unit: str, **extra: object) -> Exposure:
    return Exposure(product=product, dose=D(dose), unit=unit, start=T0, **extra)  # type: ignore[arg-type]


def test_antibody_dose_per_m2_in_range_with_total() -> None:
    check = check_exposure(
        bundled_plan(),
        exposure("anti_gd2", "17.5", "mg/m2", height=D(100), weight=D(36), route="IV"),
    )
    assert check.status is DoseStatus.IN_RANGE
    assert check.bsa is not None
    assert check.bsa.rounded_m2 == D("1.00")
    assert check.total == D("17.50")
    assert check.total_unit == "mg"
    assert check.flags == ()


def test_nk_cells_per_kg_converted_and_flagged_above_range() -> None:
    # 1.2 × 10^8 cells/kg = 120 × 10^6/kg, above the example maximum of 100 × 10^6/kg.
    check = check_exposure(bundled_plan(), exposure("nk_cells", "12", "10*7/kg", weight=D(20)))
    assert check.status is DoseStatus.ABOVE_RANGE
    assert check.dose == D(120)
    assert check.total == D(2400)  # million cells
    assert any("above" in flag for flag in check.flags)


def test_dose_at_the_limits_is_in_range_and_below_is_flagged() -> None:
    plan = bundled_plan()
    assert (
        check_exposure(plan, exposure("anti_gd2", "15.75", "mg/m2")).status is DoseStatus.IN_RANGE
    )
    assert (
        check_exposure(plan, exposure("anti_gd2", "19.25", "mg/m2")).status is DoseStatus.IN_RANGE
    )
    low = check_exposure(plan, exposure("anti_gd2", "15.74", "mg/m2"))
    assert low.status is DoseStatus.BELOW_RANGE


def test_incomparable_unit_is_unknown_not_accepted() -> None:
    check = check_exposure(bundled_plan(), exposure("anti_gd2", "1", "mg/kg"))
    assert check.status is DoseStatus.UNKNOWN
    assert "cannot be compared" in check.flags[-1]


def test_route_interruptions_and_small_child_flags() -> None:
    pause = Interruption(start=T0.replace(hour=11), stop=T0.replace(hour=12), reason="pain")
    check = check_exposure(
        bundled_plan(),
        exposure(
            "anti_gd2", "17.5", "mg/m2", route="SC", height=D(75), weight=D(9),
            stop=T0.replace(hour=20), interruptions=(pause,),
        ),
    )  # fmt: skip
    flags = " | ".join(check.flags)
    assert "route SC differs" in flags
    assert "interrupted 1 time" in flags
    assert "below 0.5 m²" in flags


def test_an_interruption_needs_a_reason_and_unknown_products_are_refused() -> None:
    pause = Interruption(start=T0, stop=None, reason=" ")
    with pytest.raises(InputError, match="reason"):
        check_exposure(
            bundled_plan(), exposure("anti_gd2", "17.5", "mg/m2", interruptions=(pause,))
        )
    with pytest.raises(InputError, match="unknown product"):
        check_exposure(bundled_plan(), exposure("aspirin", "1", "mg"))
