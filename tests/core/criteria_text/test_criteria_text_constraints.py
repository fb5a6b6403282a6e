"""Each kind of constraint, read from the wording registries use (examples from
ClinicalTrials.gov records and the NCT06948994 listing)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trialdesk.core.criteria_text import Constraint, ConstraintKind, Operator, parse_criteria


def _constraints(text: str, kind: ConstraintKind | None = None) -> list[Constraint]:
    found = [c for i in parse_criteria(text).items for c in i.constraints]
    return [c for c in found if kind is None or c.kind is kind]


def _lab(text: str) -> list[tuple[str, str, Decimal, str | None, str | None]]:
    return [
        (c.analyte or "", str(c.operator), c.value or Decimal(0), c.unit, c.reference)
        for c in _constraints(text, ConstraintKind.LAB)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Age 1-18 years (including 18 years)", [(">=", 1, "a"), ("<=", 18, "a")]),
        ("18 years of age or older", [(">=", 18, "a")]),
        ("aged >= 65 years", [(">=", 65, "a")]),
        ("between the ages of 6 months and 17 years", [(">=", 6, "mo"), ("<=", 17, "a")]),
        ("Patients older than 12 years", [(">", 12, "a")]),
    ],
)
def test_age_limits(text: str, expected: list[tuple[str, int, str]]) -> None:
    ages = [(str(c.operator), c.value, c.unit) for c in _constraints(text, ConstraintKind.AGE)]
    assert ages == [(op, Decimal(v), u) for op, v, u in expected]


def test_durations_are_not_ages() -> None:
    assert _constraints("Diabetes for at least 5 years", ConstraintKind.AGE) == []
    assert _constraints("bone age < 14 years", ConstraintKind.AGE) == []


def test_sex_restriction_and_its_absence() -> None:
    assert [
        c.detail for c in _constraints("Female patients aged 18-75 years", ConstraintKind.SEX)
    ] == ["female"]
    assert [
        c.detail for c in _constraints("Age 1-18, gender not restricted", ConstraintKind.SEX)
    ] == ["all"]
    assert (
        _constraints("Women of childbearing potential must use contraception", ConstraintKind.SEX)
        == []
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hemoglobin >= 80 g/L", ("hemoglobin", ">=", "80", "g/L", None)),
        (
            "absolute neutrophil count (ANC) >=0.75×10^9/L",
            ("neutrophils", ">=", "0.75", "10*9/L", None),
        ),
        ("Platelets ≥ 100,000/mm³", ("platelets", ">=", "100000", "/mm3", None)),
        (
            "total bilirubin <= 2×upper limit of normal (ULN)",
            ("bilirubin_total", "<=", "2", None, "ULN"),
        ),
        ("Serum creatinine no more than 1.5 mg/dL", ("creatinine", "<=", "1.5", "mg/dL", None)),
        ("LVEF at least 50%", ("lvef", ">=", "50", "%", None)),
        ("creatinine clearance > 60 mL/min", ("creatinine_clearance", ">", "60", "mL/min", None)),
        ("SpO2 >= 92% on room air", ("spo2", ">=", "92", "%", None)),
    ],
)
def test_lab_thresholds_in_symbols_and_words(
    text: str, expected: tuple[str, str, str, str | None, str | None]
) -> None:
    analyte, op, value, unit, reference = expected
    assert _lab(text)[0] == (analyte, op, Decimal(value), unit, reference)


def test_chinese_english_abbreviations() -> None:
    text = "HGB≥90g/L, PLT≥100×10^9/L, ANC≥1.5×10^9/L, TBIL≤1.5×ULN, Scr≤1.5×ULN, ALT/AST≤2.5×ULN"
    found = {(a, op, str(v), u or r) for a, op, v, u, r in _lab(text)}
    assert found == {
        ("hemoglobin", ">=", "90", "g/L"),
        ("platelets", ">=", "100", "10*9/L"),
        ("neutrophils", ">=", "1.5", "10*9/L"),
        ("bilirubin_total", "<=", "1.5", "ULN"),
        ("creatinine", "<=", "1.5", "ULN"),
        ("alt", "<=", "2.5", "ULN"),
        ("ast", "<=", "2.5", "ULN"),
    }


def test_lab_constraints_carry_their_loinc_code() -> None:
    item = parse_criteria("hemoglobin >= 80 g/L").items[0]
    assert item.to_dict()["constraints"][0]["loinc"] == "718-7"


def test_or_alternatives_share_a_group() -> None:
    found = _constraints("INR or PT <= 1.5 x ULN", ConstraintKind.LAB)
    assert [c.analyte for c in found] == ["inr", "pt"]
    assert found[0].group is not None
    assert found[0].group == found[1].group


def test_conditional_limit_names_its_condition() -> None:
    found = _constraints("AST <= 2.5 x ULN (<= 5 x ULN if liver metastases)", ConstraintKind.LAB)
    assert [(str(c.value), c.condition_set) for c in found] == [
        ("2.5", None),
        ("5", "liver_metastases"),
    ]


def test_a_unit_that_does_not_fit_the_analyte_is_not_read() -> None:
    assert _lab("neutrophils > 50%") == []


@pytest.mark.parametrize(
    ("text", "scale", "op", "value"),
    [
        ("ECOG performance status of 0, 1, or 2", "ecog", "<=", 2),
        ("ECOG 0-1", "ecog", "<=", 1),
        ("Karnofsky >= 70%", "karnofsky", ">=", 70),
        ("Lansky score ≥ 50", "lansky", ">=", 50),
        ("KPS≥70", "karnofsky", ">=", 70),
    ],
)
def test_performance_scales(text: str, scale: str, op: str, value: int) -> None:
    found = _constraints(text, ConstraintKind.PERFORMANCE)
    assert [(c.scale, str(c.operator), c.value) for c in found] == [(scale, op, Decimal(value))]


def test_life_expectancy() -> None:
    found = _constraints("Expected survival time >= 6 months", ConstraintKind.LIFE_EXPECTANCY)
    assert [(str(c.operator), c.value, c.unit) for c in found] == [(">=", Decimal(6), "mo")]


def test_washout_window() -> None:
    found = _constraints(
        "Chemotherapy within 21 days before the first dose", ConstraintKind.WASHOUT
    )
    assert [(c.value, c.unit, c.detail) for c in found] == [(Decimal(21), "d", "chemotherapy")]


@pytest.mark.parametrize(
    ("text", "value_set", "negated"),
    [
        ("HIV infection", "hiv_infection", False),
        ("No known HIV infection", "hiv_infection", True),
        ("HIV negative", "hiv_infection", True),
        ("Active hepatitis B", "hepatitis_b", False),
        ("HCV antibody positive", "hepatitis_c", False),
        ("Known active CNS metastases", "cns_metastases", False),
        ("History of organ transplantation", "solid_organ_transplant", False),
    ],
)
def test_conditions_and_negation(text: str, value_set: str, negated: bool) -> None:
    found = _constraints(text, ConstraintKind.CONDITION)
    assert [(c.value_set, c.negated) for c in found] == [(value_set, negated)]


def test_pregnancy_breastfeeding_and_contraception() -> None:
    kinds = {
        c.kind for c in _constraints("Pregnant or breastfeeding women; no effective contraception")
    }
    assert {
        ConstraintKind.PREGNANCY,
        ConstraintKind.BREASTFEEDING,
        ConstraintKind.CONTRACEPTION,
    } <= kinds


def test_every_constraint_has_a_confidence_and_a_span_inside_its_item() -> None:
    text = "Inclusion Criteria:\n1. HGB≥90g/L; ECOG 0-1\nExclusion Criteria:\n1. HIV infection"
    for item in parse_criteria(text).items:
        for c in item.constraints:
            assert 0 < c.confidence <= 1
            assert item.span[0] <= c.span[0] < c.span[1] <= item.span[1]
            assert text[c.span[0] : c.span[1]] == c.text


def test_operators_are_parsed_not_guessed() -> None:
    assert Operator.GE.negated() is Operator.LT
    assert _lab("hemoglobin = 9 g/dL") == []  # a bare "=" is encoding damage in registries


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18-45 years", [(">=", 18), ("<=", 45)]),  # an item that is only a span of years
        ("Subjects aged 12-65.", [(">=", 12), ("<=", 65)]),
        ("Male or female >40 and <70 years old.", [(">", 40), ("<", 70)]),
        ("Adult men and women> 18 years old", [(">", 18)]),
        ("Patients with a life expectancy of less than 1 year", []),
        ("Patients who require at least 80% of their caloric intake", []),
        ("diagnosed >12 month ago", []),
    ],
)
def test_age_cues_and_vetoes(text: str, expected: list[tuple[str, int]]) -> None:
    ages = [(str(c.operator), c.value) for c in _constraints(text, ConstraintKind.AGE)]
    assert ages == [(op, Decimal(v)) for op, v in expected]


def test_a_new_line_ends_an_age_cue() -> None:
    text = "Inclusion Criteria:\nbetween 16-25 years of age\nIQ greater than or equal to 70\n"
    assert len(_constraints(text, ConstraintKind.AGE)) == 2


def test_short_unmarked_lines_are_separate_items_and_wrapped_lines_join() -> None:
    short = "Inclusion Criteria:\ndiagnosis of ADHD\nparental permission\n"
    assert len(parse_criteria(short).items) == 2
    wrapped = (
        "Inclusion Criteria:\nPatients must have histologically confirmed disease that is not\n"
        "amenable to surgery\n"
    )
    assert len(parse_criteria(wrapped).items) == 1


def test_microlitre_spelt_out() -> None:
    assert _lab("ANC >1,500/microL")[0] == ("neutrophils", ">", Decimal(1500), "/uL", None)
