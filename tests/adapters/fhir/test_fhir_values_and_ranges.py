"""Observation values: UCUM units, comparators, value types, components and reference ranges."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fhir_factories import UCUM, bundle, lab, patient
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.core.record import Coding, ObservationRecord, Quantity, Sex
from trialdesk.errors import RecordError, UnitError


def _observation(**fields: Any) -> ObservationRecord:
    obs = lab("o1")
    del obs["valueQuantity"]
    return record_from_bundle(bundle(patient(), obs | fields), "b.json").observations[0]


@pytest.mark.parametrize(
    ("quantity", "unit", "unit_text"),
    [
        ({"value": 8, "unit": "g/dl", "system": UCUM, "code": "g/dL"}, "g/dL", "g/dl"),
        ({"value": 8, "unit": "x10^9/L"}, "10*9/L", "x10^9/L"),
        (
            {"value": 8, "unit": "K/uL", "system": "http://lab.example/units", "code": "KUL"},
            "10*3/uL",
            "K/uL",
        ),
        ({"value": 8, "unit": "cells/µL"}, "/uL", "cells/µL"),
        ({"value": 8, "unit": "µmol/L"}, "umol/L", "µmol/L"),
        ({"value": 8, "system": UCUM, "code": "umol/L"}, "umol/L", None),
        ({"value": 8, "unit": "IU/L"}, "U/L", "IU/L"),
        ({"value": 1.2}, "1", None),
    ],
)
def test_units_are_read_as_ucum_codes(
    quantity: dict[str, Any], unit: str, unit_text: str | None
) -> None:
    value = _observation(valueQuantity=quantity).value
    assert isinstance(value, Quantity)
    assert (value.unit, value.unit_text) == (unit, unit_text)


def test_the_ucum_code_wins_over_the_printed_unit() -> None:
    q = {"value": 750, "unit": "cells per microlitre", "system": UCUM, "code": "/uL"}
    assert _observation(valueQuantity=q).value == Quantity(
        Decimal(750), "/uL", None, "cells per microlitre"
    )


def test_comparator_and_decimal_value_are_kept() -> None:
    q = {"value": 0.1, "comparator": "<", "system": UCUM, "code": "mg/dL"}
    assert _observation(valueQuantity=q).value == Quantity(Decimal("0.1"), "mg/dL", "<", None)


@given(st.decimals(min_value=-(10**6), max_value=10**6, places=3, allow_nan=False))
def test_a_decimal_value_reads_back_as_the_same_number(number: Decimal) -> None:
    q = {"value": float(number), "system": UCUM, "code": "g/L"}
    value = _observation(valueQuantity=q).value
    assert isinstance(value, Quantity)
    assert value.value == number


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"valueBoolean": False}, False),
        ({"valueInteger": 3}, 3),
        ({"valueString": "trace"}, "trace"),
        ({"valueDateTime": "2025-01-02"}, "2025-01-02"),
        (
            {
                "valueCodeableConcept": {
                    "coding": [{"system": "http://snomed.info/sct", "code": "10828004"}]
                }
            },
            Coding("snomed", "10828004"),
        ),
        ({"valueCodeableConcept": {"text": "positive"}}, "positive"),
        ({}, None),
    ],
)
def test_value_types(fields: dict[str, Any], expected: Any) -> None:
    assert _observation(**fields).value == expected


@pytest.mark.parametrize(
    "fields", [{"valueInteger": True}, {"valueInteger": "3"}, {"valueBoolean": "yes"}]
)
def test_a_value_of_the_wrong_json_type_is_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match="wrong value type") as caught:
        _observation(**fields)
    assert caught.value.where == f"entry[1].resource.{next(iter(fields))}"


def test_components_have_their_own_codes_and_values() -> None:
    bp = [
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "8480-6"}]},
            "valueQuantity": {"value": 100, "system": UCUM, "code": "mm[Hg]"},
        },
        {
            "code": {"coding": [{"system": "http://loinc.org", "code": "8462-4"}]},
            "valueQuantity": {"value": 60, "unit": "mmHg"},
        },
    ]
    obs = _observation(component=bp)
    assert [(c.codes[0].code, c.value) for c in obs.components] == [
        ("8480-6", Quantity(Decimal(100), "mm[Hg]")),
        ("8462-4", Quantity(Decimal(60), "mm[Hg]", None, "mmHg")),
    ]


def test_a_bad_component_unit_names_the_component() -> None:
    bad = [{"code": {"text": "x"}, "valueQuantity": {"value": 1, "unit": "zorks"}}]
    with pytest.raises(UnitError) as caught:
        _observation(component=bad)
    assert caught.value.where == "entry[1].resource.component[0].valueQuantity.unit"


def test_interpretation_category_method_absent_reason_performer() -> None:
    obs = _observation(
        interpretation=[
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": "L",
                    }
                ]
            }
        ],
        category=[{"coding": [{"code": "laboratory"}]}, {"coding": [{"code": "vital-signs"}]}],
        method={"coding": [{"system": "http://snomed.info/sct", "code": "258104002"}]},
        dataAbsentReason={"coding": [{"code": "not-performed"}]},
        performer=[{"reference": "Organization/lab-1", "display": "Central lab"}],
    )
    assert [c.code for c in obs.interpretation] == ["L"]
    assert [c.code for c in obs.categories] == ["laboratory", "vital-signs"]
    assert obs.method == (Coding("snomed", "258104002"),)
    assert obs.data_absent_reason == "not-performed"
    assert obs.performer == "Central lab"


@pytest.mark.parametrize(
    ("effective", "day"),
    [
        ({"effectiveDateTime": "2025-03"}, "2025-03"),
        (
            {"effectivePeriod": {"start": "2025-03-04T08:00:00+08:00", "end": "2025-03-05"}},
            "2025-03-04",
        ),
        ({"effectivePeriod": {"end": "2025-03-05"}}, "2025-03-05"),
        ({"effectiveInstant": "2025-03-06T01:02:03.456+08:00"}, "2025-03-06"),
    ],
)
def test_effective_choice_types(effective: dict[str, Any], day: str) -> None:
    obs = lab("o1")
    del obs["effectiveDateTime"]
    record = record_from_bundle(bundle(patient(), obs | effective), "b.json")
    found = record.observations[0].effective
    assert found is not None
    assert found.text == day


def _range(**fields: Any) -> Any:
    return _observation(
        valueQuantity={"value": 1, "unit": "g/L"}, referenceRange=[fields]
    ).reference_ranges[0]


def test_reference_range_low_high_type_and_text() -> None:
    rr = _range(
        low={"value": 115, "unit": "g/L"},
        high={"value": 155, "system": UCUM, "code": "g/L"},
        type={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/referencerange-meaning",
                    "code": "normal",
                }
            ]
        },
        text="115-155",
    )
    assert rr.low == Quantity(Decimal(115), "g/L", None, "g/L")
    assert rr.high == Quantity(Decimal(155), "g/L")
    assert (rr.kind, rr.text, rr.sex, rr.age_low_years) == ("normal", "115-155", None, None)


@pytest.mark.parametrize(
    ("age", "low", "high"),
    [
        (
            {"low": {"value": 1, "unit": "years"}, "high": {"value": 18, "unit": "a"}},
            Decimal(1),
            Decimal(18),
        ),
        ({"low": {"value": 6, "system": UCUM, "code": "mo"}}, Decimal("0.5"), None),
        ({"high": {"value": 18, "unit": "months"}}, None, Decimal("1.5")),
        ({"low": {"value": 26, "system": UCUM, "code": "wk"}}, Decimal("0.498288843258"), None),
    ],
)
def test_reference_range_ages_are_in_years(age: dict[str, Any], low: Any, high: Any) -> None:
    rr = _range(high={"value": 1, "unit": "g/L"}, age=age)
    for got, want in ((rr.age_low_years, low), (rr.age_high_years, high)):
        assert (got is None) == (want is None)
        assert got is None or abs(got - want) < Decimal("1e-9")
    # Whole and simple ages read plainly (0.5, not 0.500000000000).
    assert str(rr.age_low_years or rr.age_high_years) in ("1", "0.5", "1.5", "0.498288843257")


def test_reference_range_age_that_is_not_a_duration_is_refused() -> None:
    with pytest.raises(UnitError, match="duration") as caught:
        _range(age={"low": {"value": 1, "unit": "g/L"}})
    assert caught.value.where == "entry[1].resource.referenceRange[0].age.low"


@pytest.mark.parametrize(
    ("applies_to", "sex"),
    [
        (
            [{"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": "male"}]}],
            Sex.MALE,
        ),
        ([{"coding": [{"system": "http://snomed.info/sct", "code": "248152002"}]}], Sex.FEMALE),
        ([{"coding": [{"code": "F"}]}, {"coding": [{"code": "premenarche"}]}], Sex.FEMALE),
        ([{"coding": [{"code": "male"}]}, {"coding": [{"code": "female"}]}], None),
        ([{"text": "Black"}], None),
    ],
)
def test_reference_range_applies_to_one_sex(applies_to: list[Any], sex: Sex | None) -> None:
    assert _range(high={"value": 1, "unit": "g/L"}, appliesTo=applies_to).sex == sex
