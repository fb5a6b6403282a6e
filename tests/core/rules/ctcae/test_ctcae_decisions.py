"""Each decision of docs/decisions/ctcae-grading.md, pinned by a test of the same number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trialdesk.core.rules.ctcae import grade_lab, grade_lab_array
from trialdesk.errors import ReferenceDataError, UnitError


def test_decision_1_grade_in_the_reported_unit_and_say_when_the_other_would_differ() -> None:
    # 4.95 mmol/L is G2 on CTCAE's mmol/L scale but 7.98 g/dL, G3 on the g/dL scale.
    result = grade_lab("Hgb", "4.95", "mmol/L", lln="7.1")
    assert result.grade == 2
    assert result.rule is not None
    assert result.rule.unit == "mmol/L"
    assert any("converted to g/dL the grade would be 3" in n for n in result.terms[0].notes)


def test_decision_1_a_unit_ctcae_does_not_print_is_converted_to_the_primary_unit() -> None:
    result = grade_lab("Hgb", "7990", "mg/dL", lln="11500", range_unit="mg/dL")
    assert result.grade == 3
    assert result.rule is not None
    assert result.rule.unit == "g/dL"


def test_decision_2_a_value_under_a_cut_off_is_graded_even_inside_the_normal_range() -> None:
    result = grade_lab("Hgb", "9.7", "g/dL", lln="9.5")
    assert result.grade == 2
    assert any("inside the lab's normal range" in n for n in result.terms[0].notes)
    assert grade_lab("Hgb", "10.2", "g/dL", lln="9.5").grade == 0  # G1 needs x < LLN


def test_decision_3_creatinine_baseline_criteria_apply_below_the_uln() -> None:
    result = grade_lab("creatinine", "46", "umol/L", uln="54", baseline="30")
    assert result.grade == 2
    assert result.rule is not None
    assert "baseline" in result.rule.band
    assert grade_lab("creatinine", "46", "umol/L", uln="54").grade == 0  # no baseline


def test_decision_4_sodium_between_129_and_130_is_in_the_125_129_band() -> None:
    common = {"lln": "135", "uln": "145"}
    assert (
        grade_lab("Na", "129.5", "mmol/L", qualifiers={"symptomatic": False}, **common).grade == 2
    )
    assert grade_lab("Na", "129.5", "mmol/L", qualifiers={"symptomatic": True}, **common).grade == 3
    assert grade_lab("Na", "130", "mmol/L", **common).grade == 1


@pytest.mark.parametrize(
    ("analyte", "value", "refs", "default_grade", "qualifier", "other_grade"),
    [
        ("K", "3.2", {"lln": "3.5", "uln": "5.0"}, 2, "symptomatic=no", 1),
        ("Na", "127", {"lln": "135", "uln": "145"}, 3, "symptomatic=no", 2),
        ("INR", "1.3", {"baseline": "1.0"}, 1, "anticoagulation=yes", 1),
        ("SpO2", "85", {}, 3, "at_rest=no", 2),
        ("Hgb", "9", {"lln": "11.5"}, 2, "transfusion_indicated=yes", 3),
        ("temp", "40.5", {}, 3, "fever_over_24h=yes", 4),
    ],
)
def test_decision_5_qualifier_defaults_and_what_would_change(
    analyte: str,
    value: str,
    refs: dict[str, str],
    default_grade: int,
    qualifier: str,
    other_grade: int,
) -> None:
    result = grade_lab(
        analyte, value, "mmol/L" if analyte in ("K", "Na") else _unit(analyte), **refs
    )  # type: ignore[arg-type]
    assert result.grade == default_grade
    name, _, answer = qualifier.partition("=")
    changed = grade_lab(
        analyte, value, "mmol/L" if analyte in ("K", "Na") else _unit(analyte),
        qualifiers={name: answer == "yes"}, **refs,  # type: ignore[arg-type]
    )  # fmt: skip
    assert changed.grade == other_grade
    if other_grade != default_grade:
        assert f"{qualifier} would give grade {other_grade}" in [
            e.render() for e in result.would_change
        ]


def _unit(analyte: str) -> str:
    return {"INR": "1", "SpO2": "%", "Hgb": "g/dL", "temp": "Cel"}[analyte]


def test_decision_6_fibrinogen_fall_from_an_abnormal_baseline() -> None:
    # LLN 2.0 g/L, baseline 1.6 (abnormal): 1.1 is a 31% fall -> G2; x LLN gives G2 (0.55 x LLN)
    assert grade_lab("fibrinogen", "1.1", "g/L", lln="2.0", baseline="1.6").grade == 2
    # 0.64 g/L is a 60% fall from the abnormal baseline (G3) and 0.32 x LLN (G3)
    assert grade_lab("fibrinogen", "0.64", "g/L", lln="2.0", baseline="1.6").grade == 3
    # a normal baseline: the fall criteria do not apply (a 37% fall would be G2)
    assert grade_lab("fibrinogen", "1.9", "g/L", lln="2.0", baseline="3.0").grade == 1
    # absolute < 0.5 g/L (50 mg/dL) is G4 whatever the LLN
    assert grade_lab("fibrinogen", "45", "mg/dL", lln="150").grade == 4


def test_decision_7_abnormal_baseline_is_above_the_uln_or_what_the_lab_flagged() -> None:
    assert grade_lab("ALT", "89", "U/L", uln="40", baseline="60").grade == 0  # x baseline
    assert grade_lab("ALT", "89", "U/L", uln="40", baseline="40").grade == 1  # x ULN
    # the lab flagged the baseline abnormal: 55 is 1.375 x baseline (no grade), not 1.4 x ULN
    assert grade_lab("ALT", "55", "U/L", uln="40", baseline="40").grade == 1
    flagged = grade_lab("ALT", "55", "U/L", uln="40", baseline="40", baseline_abnormal=True)
    assert flagged.grade == 0
    with pytest.raises(ReferenceDataError, match="baseline"):
        grade_lab("ALT", "89", "U/L", uln="40", baseline_abnormal=True)


def test_decision_8_a_missing_limit_is_an_error_only_when_it_could_change_the_grade() -> None:
    assert grade_lab("ANC", "0.4", "10*9/L").grade == 4  # no LLN needed below every G1 band
    with pytest.raises(ReferenceDataError, match="LLN"):
        grade_lab("ANC", "1.6", "10*9/L")  # G1 or 0 depends on the LLN
    with pytest.raises(ReferenceDataError, match="ULN"):
        grade_lab("bilirubin", "30", "umol/L")


def test_decision_9_meq_per_litre_of_a_divalent_ion_is_refused() -> None:
    with pytest.raises(UnitError, match="divalent"):
        grade_lab("Mg", "1.0", "meq/L", lln="0.7")


def test_decision_10_ejection_fraction_drop_is_in_percentage_points() -> None:
    # 62 -> 50 is a 12-point drop (G2); as a relative drop it would be 19% (also G2), so use
    # 60 -> 52: 8 points (no grade from the drop) vs 13% relative (G2). EF 52 itself is no grade.
    assert grade_lab("LVEF", "52", "%", baseline="60").grade == 0
    assert grade_lab("LVEF", "55", "%", baseline="75").grade == 3  # 20 points


def test_decision_11_default_interval_when_the_lab_gave_none_and_methods_disagree() -> None:
    result = grade_lab("ALP", "1000", "U/L", age_years="5")
    assert result.grade == 2
    assert result.references is not None
    assert result.references.uln == Decimal("369")
    with pytest.raises(ReferenceDataError, match="differ by assay method"):
        grade_lab("ALT", "130", "U/L", age_years="5")  # with and without P5P


def test_decision_12_corrected_calcium_is_taken_as_given() -> None:
    result = grade_lab("Ca", "1.9", "mmol/L", lln="2.2", uln="2.6", term="Hypocalcemia")
    assert result.grade == 2
    assert any("corrected" in n for n in result.terms[0].notes)


def test_decision_13_floats_are_compared_like_the_decimals_at_cut_offs() -> None:
    # 3 x 33.33 is 99.99000000000001 in binary floating point; it must still be exactly 3 x ULN.
    assert grade_lab("ALT", "99.99", "U/L", uln="33.33").grade == 1
    assert grade_lab_array("ALT", [99.99], "U/L", uln=33.33).tolist() == [1]


def test_decision_14_hypoxia_uses_ctcae_example_of_88_percent() -> None:
    assert grade_lab("SpO2", "88", "%").grade == 0
    result = grade_lab("SpO2", "87.9", "%", qualifiers={"at_rest": False})
    assert result.grade == 2
    assert "example" in result.terms[0].confirmation


def test_decision_7_without_a_baseline_liver_terms_use_the_uln_and_say_so() -> None:
    result = grade_lab("AST", "130", "U/L", uln="40")
    assert result.grade == 2
    assert any("normal baseline" in n for n in result.terms[0].notes)
