"""Readings that used to give wrong or doubled rules (found in the Chia error analysis; the
wording below is written for these tests, in the registries' usual style)."""

from __future__ import annotations

from decimal import Decimal

from trialdesk.core.criteria_text import ConstraintKind, parse_criteria


def _labs(text: str) -> list[tuple[str, str, Decimal, str | None, str | None]]:
    return [
        (c.analyte or "", str(c.operator), c.value or Decimal(0), c.unit, c.condition)
        for item in parse_criteria(text).items
        for c in item.constraints
        if c.kind is ConstraintKind.LAB
    ]


def _ages(text: str) -> list[tuple[str, Decimal | None]]:
    return [
        (str(c.operator), c.value)
        for item in parse_criteria(text).items
        for c in item.constraints
        if c.kind is ConstraintKind.AGE
    ]


def test_a_bracketed_restatement_in_another_unit_is_not_a_second_limit() -> None:
    assert _labs("Body temperature 36.0-38.0°C (96.8-100.4°F)") == [
        ("temperature", ">=", Decimal("36.0"), "Cel", None),
        ("temperature", "<=", Decimal("38.0"), "Cel", None),
    ]
    assert _labs("Serum creatinine ≤ 1.5 mg/dL (≤ 133 µmol/L)") == [
        ("creatinine", "<=", Decimal("1.5"), "mg/dL", None)
    ]


def test_a_sex_after_a_restatement_still_belongs_to_its_limit() -> None:
    found = _labs("Hemoglobin < 110 g/L (6.8 mM) in women and < 120 g/L (7.4 mM) in men")
    assert found == [
        ("hemoglobin", "<", Decimal("110"), "g/L", "sex:female"),
        ("hemoglobin", "<", Decimal("120"), "g/L", "sex:male"),
    ]


def test_a_bracketed_conditional_alternative_is_still_read() -> None:
    found = _labs("AST ≤ 3 × ULN (≤ 5 × ULN if liver metastases)")
    assert [(op, value, condition) for _, op, value, _, condition in found] == [
        ("<=", Decimal("3"), None),
        ("<=", Decimal("5"), "liver metastases"),
    ]


def test_a_mean_age_of_a_population_is_not_an_age_limit() -> None:
    assert _ages("Adults over 40 years (mean age of Crohn's disease 40 to 50 years)") == [
        (">", Decimal("40"))
    ]
    assert _ages("Children with the syndrome (median age at its diagnosis 2 to 5 years)") == []


def test_in_air_is_how_saturation_is_measured_not_a_condition() -> None:
    found = [
        c
        for item in parse_criteria(
            "Oxygen saturation > 92% in air and able to take oral drugs"
        ).items
        for c in item.constraints
        if c.kind is ConstraintKind.LAB
    ]
    assert [(c.analyte, c.value, c.condition) for c in found] == [("spo2", Decimal("92"), None)]
    assert found[0].text.endswith("in air")


def test_a_multiple_of_normal_is_a_multiple_of_the_upper_limit() -> None:
    assert _labs("Liver impairment (ALT more than three times normal)") == [
        ("alt", ">", Decimal("3"), None, None)
    ]
    found = [
        c.reference for item in parse_criteria("AST > 2 x normal").items for c in item.constraints
    ]
    assert found == ["ULN"]
    # "the normal range" names no limit: not read as a multiple of anything.
    assert all(
        c.reference is None
        for item in parse_criteria("AST > 2 times the normal range").items
        for c in item.constraints
    )
