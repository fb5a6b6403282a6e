"""What a grade carries: the rule, the threshold in the unit used, the reason, the evidence;
febrile neutropenia; the vectorised sentinels; errors that name what to fix."""

from __future__ import annotations

import numpy as np
import pytest

from trialdesk.core.rules.ctcae import (
    NOT_GRADABLE,
    GradeStatus,
    grade_febrile_neutropenia,
    grade_lab,
    grade_lab_array,
)
from trialdesk.core.rules.ctcae.vectorized import UNDETERMINED
from trialdesk.errors import InputError, ReferenceDataError, UnitError


def test_a_grade_carries_term_band_threshold_and_reason() -> None:
    result = grade_lab("ALT", "121", "U/L", uln="40")
    assert result.grade == 2
    assert result.rule is not None
    assert result.rule.term == "Alanine aminotransferase increased"
    assert result.rule.band == ">3.0 - 5.0 x ULN if baseline was normal"
    assert result.rule.threshold == "(120, 200] U/L"
    assert "121 U/L" in result.reason
    data = result.to_dict()
    assert data["grade"] == 2
    assert data["references"] == {"lln": None, "uln": "40", "baseline": None}


def test_threshold_is_shown_in_the_unit_graded_in() -> None:
    result = grade_lab("bilirubin", "2.6", "mg/dL", uln="0.84")
    assert result.grade == 3  # 2.6 / 0.84 = 3.1 x ULN: (3.0, 10.0] x ULN
    assert result.rule is not None
    assert result.rule.threshold == "(2.52, 8.4] mg/dL"


def test_bilirubin_in_mg_per_dl_is_graded_as_in_umol_per_l() -> None:
    by_mass = grade_lab("bilirubin", "2.6", "mg/dL", uln="0.84")
    by_substance = grade_lab("bilirubin", "44.46", "umol/L", uln="14.364")
    assert by_mass.grade == by_substance.grade == 3


def test_hyperglycemia_and_hypophosphatemia_are_not_lab_gradable() -> None:
    phosphate = grade_lab("phosphate", "0.4", "mmol/L", lln="1.0")
    assert phosphate.status is GradeStatus.NOT_GRADABLE
    assert phosphate.grade is None
    assert "intervention" in phosphate.terms[0].reason
    glucose = grade_lab("glucose", "2.5", "mmol/L", lln="3.3", uln="5.5")
    assert glucose.grade == 2  # hypoglycaemia is graded
    statuses = {t.term: t.status for t in glucose.terms}
    assert statuses["Hyperglycemia"] is GradeStatus.NOT_GRADABLE


def test_unknown_analyte_and_analyte_without_ctcae_grading_are_errors() -> None:
    with pytest.raises(ReferenceDataError, match="unknown analyte"):
        grade_lab("XYZ", "1", "U/L")
    with pytest.raises(ReferenceDataError, match="no lab grading"):
        grade_lab("LDH", "900", "U/L", uln="300")


def test_bad_numbers_units_and_ranges_are_input_errors() -> None:
    with pytest.raises(InputError, match="not a number"):
        grade_lab("ALT", "1,30", "U/L", uln="40")
    with pytest.raises(InputError, match="finite"):
        grade_lab("ALT", "NaN", "U/L", uln="40")
    with pytest.raises(UnitError):
        grade_lab("ALT", "130", "mmol/L", uln="40")
    with pytest.raises(InputError, match="lower limit"):
        grade_lab("Na", "130", "mmol/L", lln="145", uln="135")
    with pytest.raises(InputError, match="negative"):
        grade_lab("ANC", "-0.1", "10*9/L", lln="1.5")
    with pytest.raises(InputError, match="negative"):
        grade_lab_array("ANC", [1.0, -0.1], "10*9/L", lln=1.5)
    assert grade_lab("temperature", "-1", "Cel").grade == 0  # temperatures are signed
    with pytest.raises(InputError, match="unknown qualifier"):
        grade_lab("K", "3.1", "mmol/L", lln="3.5", qualifiers={"symptomatc": True})


def test_inr_on_anticoagulation_needs_the_baseline() -> None:
    with pytest.raises(ReferenceDataError, match="baseline"):
        grade_lab("INR", "2.0", "1", qualifiers={"anticoagulation": True})
    assert (
        grade_lab("INR", "2.0", "1", baseline="1.0", qualifiers={"anticoagulation": True}).grade
        == 2
    )
    # on anticoagulation, 2.6 x baseline is G3 even where the absolute INR would be G2
    assert (
        grade_lab("INR", "2.6", "1", baseline="1.0", qualifiers={"anticoagulation": True}).grade
        == 3
    )


@pytest.mark.parametrize(
    ("anc", "unit", "temperature", "t_unit", "sustained", "grade"),
    [
        ("0.99", "10*9/L", "38.4", "Cel", None, 3),
        ("1.0", "10*9/L", "39.5", "Cel", None, 0),
        ("990", "/uL", "38.31", "Cel", False, 3),
        ("0.5", "10*9/L", "38.3", "Cel", False, 0),
        ("0.5", "10*9/L", "38.0", "Cel", True, 3),
        ("0.5", "10*9/L", "37.99", "Cel", True, 0),
        ("0.5", "10*9/L", "101.1", "[degF]", False, 3),
        ("0.5", "10*9/L", "100.4", "[degF]", True, 3),
    ],
)
def test_febrile_neutropenia(
    anc: str, unit: str, temperature: str, t_unit: str, sustained: bool | None, grade: int
) -> None:
    result = grade_febrile_neutropenia(anc, unit, temperature, t_unit, sustained_over_1h=sustained)
    assert result.grade == grade


def test_febrile_neutropenia_unknown_duration_is_the_worst_case_and_says_so() -> None:
    result = grade_febrile_neutropenia("0.5", "10*9/L", "38.1")
    assert result.grade == 3
    assert [e.render() for e in result.would_change] == ["fever_sustained_1h=no would give grade 0"]
    assert grade_febrile_neutropenia("0.5", "10*9/L", "38.5", life_threatening=True).grade == 4


def test_vectorised_path_grades_and_its_sentinels() -> None:
    grades = grade_lab_array("ANC", np.array([2.0, 1.5, 1.2, 0.7, 0.4]), "10*9/L", lln=1.8)
    assert grades.tolist() == [0, 1, 2, 3, 4]
    assert grades.dtype == np.int8
    assert grade_lab_array("phosphate", [0.3], "mmol/L", lln=1.0).tolist() == [NOT_GRADABLE]
    with pytest.raises(ReferenceDataError, match="row 1"):
        grade_lab_array("ALT", [130.0, 130.0], "U/L", uln=[40.0, np.nan])
    flagged = grade_lab_array("ALT", [130.0, 130.0], "U/L", uln=[40.0, np.nan], on_missing="flag")
    assert flagged.tolist() == [2, UNDETERMINED]


def test_vectorised_exact_boundaries_match_decimal_ones() -> None:
    values = np.array([120.0, 120.0000001, 3 * 33.33, 0.1 * 3 * 100])
    uln = np.array([40.0, 40.0, 33.33, 10.0])
    assert grade_lab_array("ALT", values, "U/L", uln=uln).tolist() == [1, 2, 1, 1]


def test_a_qualifier_that_does_not_apply_is_named_in_the_notes() -> None:
    result = grade_lab("Na", "140", "mmol/L", lln="135", uln="145", qualifiers={"bleeding": True})
    assert result.grade == 0
    assert any("'bleeding' does not apply" in n for n in result.notes)
