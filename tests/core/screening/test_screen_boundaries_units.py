"""Exact cut-offs in decimal arithmetic, unit invariance and monotonicity (property tests)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialdesk.core.screening.result import Status
from trialdesk.testing.patients import LAB_DAY, Screen, eligible_maintenance, without

_FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _status(
    run: Screen, criterion: str, loinc: str, value: float | str, unit: str, **kw: object
) -> Status:
    builder = without(eligible_maintenance(), f"'{loinc}'")
    builder.lab(loinc, value, unit, LAB_DAY, **kw)  # type: ignore[arg-type]
    return run(builder).criterion(criterion).status


@pytest.mark.parametrize(
    ("criterion", "loinc", "value", "unit", "low", "high", "expected"),
    [
        # 120 U/L with ULN 40 is exactly 3.0 x ULN: passes "<= 3 x ULN" (0.1*3 != 0.3 in floats)
        ("inc-alt", "1742-6", 120, "U/L", 10, 40, Status.PASS),
        ("inc-alt", "1742-6", 120.01, "U/L", 10, 40, Status.FAIL),
        ("inc-ast", "1920-8", 0.3, "U/L", 0.01, 0.1, Status.PASS),
        ("inc-ast", "1920-8", 0.30001, "U/L", 0.01, 0.1, Status.FAIL),
        ("inc-creatinine", "2160-0", 0.45, "mg/dL", 0.1, 0.3, Status.PASS),
        ("inc-bilirubin", "1975-2", 0.6, "mg/dL", 0.1, 0.3, Status.PASS),
        ("inc-bilirubin", "1975-2", 0.61, "mg/dL", 0.1, 0.3, Status.FAIL),
        ("inc-aptt", "3173-2", 49.5, "s", 25, 33, Status.PASS),
        ("inc-aptt", "3173-2", 49.6, "s", 25, 33, Status.FAIL),
    ],
)
def test_multiples_of_uln_are_exact(
    run: Screen,
    criterion: str,
    loinc: str,
    value: float,
    unit: str,
    low: float,
    high: float,
    expected: Status,
) -> None:
    assert _status(run, criterion, loinc, value, unit, low=low, high=high) is expected


@pytest.mark.parametrize(
    ("criterion", "loinc", "value", "unit", "expected"),
    [
        ("inc-hemoglobin", "718-7", 80, "g/L", Status.PASS),
        ("inc-hemoglobin", "718-7", 79.9, "g/L", Status.FAIL),
        ("inc-hemoglobin", "718-7", 8.0, "g/dL", Status.PASS),
        ("inc-hemoglobin", "718-7", 7.99, "g/dL", Status.FAIL),
        ("inc-anc", "751-8", 0.75, "10*9/L", Status.PASS),
        ("inc-anc", "751-8", 0.749, "10*9/L", Status.FAIL),
        ("inc-anc", "751-8", 750, "/uL", Status.PASS),
        ("inc-anc", "751-8", 749, "/mm3", Status.FAIL),
        ("inc-anc", "751-8", 0.75, "10*3/uL", Status.PASS),
        ("inc-platelets", "777-3", 75, "10*9/L", Status.PASS),
        ("inc-platelets", "777-3", 75000, "/uL", Status.PASS),
        ("inc-platelets", "777-3", 74999, "/mm3", Status.FAIL),
        ("inc-albumin", "1751-7", 28, "g/L", Status.PASS),
        ("inc-albumin", "1751-7", 2.79, "g/dL", Status.FAIL),
    ],
)
def test_absolute_cut_offs(
    run: Screen, criterion: str, loinc: str, value: float, unit: str, expected: Status
) -> None:
    assert _status(run, criterion, loinc, value, unit) is expected


def test_a_threshold_in_an_unknown_unit_is_unknown_not_a_guess(run: Screen) -> None:
    status = _status(run, "inc-hemoglobin", "718-7", 100, "mL")
    assert status in (Status.UNKNOWN, Status.REVIEW)


# -- unit invariance --------------------------------------------------------------------------
# One value written in every accepted unit gives one status (Hb mmol/L by the monomer mass).
_HB = {"g/L": Decimal(1), "g/dL": Decimal("0.1")}
_COUNT = {"10*9/L": Decimal(1), "10*3/uL": Decimal(1), "/uL": Decimal(1000), "/mm3": Decimal(1000)}


@_FAST
@given(grams_per_litre=st.decimals(min_value=40, max_value=160, places=1))
def test_hemoglobin_status_does_not_depend_on_the_unit(
    run: Screen, grams_per_litre: Decimal
) -> None:
    statuses = {
        _status(run, "inc-hemoglobin", "718-7", str(grams_per_litre * factor), unit)
        for unit, factor in _HB.items()
    }
    assert len(statuses) == 1


@_FAST
@given(count=st.decimals(min_value=0, max_value=3, places=3))
def test_neutrophil_status_does_not_depend_on_the_unit(run: Screen, count: Decimal) -> None:
    statuses = {
        _status(run, "inc-anc", "751-8", str(count * factor), unit)
        for unit, factor in _COUNT.items()
    }
    assert len(statuses) == 1


@pytest.mark.parametrize(
    ("criterion", "loinc", "si", "conventional", "expected"),
    [
        # CALIPER ULN 6.8 umol/L for age 1-<9: 2 x ULN = 13.6 umol/L = 0.795 mg/dL (/17.1)
        ("inc-bilirubin", "1975-2", "13.0", "0.760", Status.PASS),
        ("inc-bilirubin", "1975-2", "14.5", "0.848", Status.FAIL),
        # creatinine: 88.4 umol/L = 1 mg/dL; enzymatic ULN 54 (5-<12 y), x 1.5 = 81
        ("inc-creatinine", "2160-0", "70.7", "0.80", Status.PASS),
        ("inc-creatinine", "2160-0", "97.2", "1.10", Status.FAIL),
    ],
)
def test_si_and_conventional_units_agree_against_the_default_table(
    run: Screen, criterion: str, loinc: str, si: str, conventional: str, expected: Status
) -> None:
    assert _status(run, criterion, loinc, si, "umol/L") is expected
    assert _status(run, criterion, loinc, conventional, "mg/dL") is expected


def test_hemoglobin_in_mmol_per_litre(run: Screen) -> None:
    # 80 g/L = 4.96 mmol/L (monomer, MW 16114.5); 4.9 mmol/L is 79 g/L
    assert _status(run, "inc-hemoglobin", "718-7", "5.0", "mmol/L") is Status.PASS
    assert _status(run, "inc-hemoglobin", "718-7", "4.9", "mmol/L") is Status.FAIL


# -- monotonicity -----------------------------------------------------------------------------
_RANK = {Status.FAIL: 0, Status.PASS: 1}


@_FAST
@given(
    a=st.decimals(min_value=0, max_value=200, places=1),
    b=st.decimals(min_value=0, max_value=200, places=1),
)
def test_more_haemoglobin_never_turns_a_pass_into_a_fail(
    run: Screen, a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    assert (
        _RANK[_status(run, "inc-hemoglobin", "718-7", str(low), "g/L")]
        <= _RANK[_status(run, "inc-hemoglobin", "718-7", str(high), "g/L")]
    )


@_FAST
@given(
    a=st.decimals(min_value=1, max_value=300, places=1),
    b=st.decimals(min_value=1, max_value=300, places=1),
)
def test_more_alt_never_turns_a_fail_into_a_pass(run: Screen, a: Decimal, b: Decimal) -> None:
    low, high = sorted((a, b))
    first = _status(run, "inc-alt", "1742-6", str(low), "U/L", low=9, high=25)
    second = _status(run, "inc-alt", "1742-6", str(high), "U/L", low=9, high=25)
    assert _RANK[first] >= _RANK[second]


# mg/dL <-> umol/L through the molar mass (analytes.toml): creatinine 113.12, bilirubin 584.66
_MOLAR = {"2160-0": ("inc-creatinine", Decimal("113.12")), "1975-2": ("inc-bilirubin", Decimal("584.66"))}  # fmt: skip


@_FAST
@given(
    loinc=st.sampled_from(sorted(_MOLAR)),
    micromolar=st.decimals(min_value=1, max_value=300, places=1),
)
def test_mass_and_substance_units_give_one_status(
    run: Screen, loinc: str, micromolar: Decimal
) -> None:
    criterion, molar_mass = _MOLAR[loinc]
    milligrams_per_decilitre = micromolar * molar_mass / 10_000
    # the lab's own range stays in umol/L whatever unit the value is reported in
    unit = {"system": "http://unitsofmeasure.org", "code": "umol/L", "unit": "umol/L"}
    own = {"referenceRange": [{"low": {"value": 10, **unit}, "high": {"value": 50, **unit}}]}
    by_si = _status(run, criterion, loinc, str(micromolar), "umol/L", extra=own)
    by_conventional = _status(run, criterion, loinc, str(milligrams_per_decilitre), "mg/dL", extra=own)  # fmt: skip
    assert by_si is by_conventional
