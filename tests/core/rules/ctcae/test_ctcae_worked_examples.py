"""The reference's worked grading vectors (clinical-rules.md §1.11) and every printed boundary."""

from __future__ import annotations

import pytest

from trialdesk.core.rules.ctcae import grade_lab


def grade(analyte: str, value: str, unit: str, **kwargs: object) -> int | None:
    return grade_lab(analyte, value, unit, **kwargs).grade  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"), [("100", 1), ("99.9", 2), ("80", 2), ("79.9", 3), ("115", 0)]
)
def test_hemoglobin_g_per_l_with_lln_115(value: str, expected: int) -> None:
    assert grade("Hgb", value, "g/L", lln="115") == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("10.0", 1), ("9.99", 2), ("8.0", 2), ("7.99", 3), ("11.5", 0)]
)
def test_hemoglobin_g_per_dl_boundaries(value: str, expected: int) -> None:
    assert grade("Hgb", value, "g/dL", lln="11.5") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.5", 1), ("1.49", 2), ("1.0", 2), ("0.99", 3), ("0.5", 3), ("0.49", 4)],
)
def test_neutrophils(value: str, expected: int) -> None:
    assert grade("ANC", value, "10*9/L", lln="1.8") == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("75", 1), ("74.9", 2), ("50", 2), ("49.9", 3), ("25", 3), ("24.9", 4)]
)
def test_platelets(value: str, expected: int) -> None:
    assert grade("PLT", value, "10*9/L", lln="150") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("40", 0), ("120", 1), ("121", 2), ("200", 2), ("201", 3), ("800", 3), ("801", 4)],
)
def test_alt_baseline_normal_uln_40(value: str, expected: int) -> None:
    assert grade("ALT", value, "U/L", uln="40") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("89", 0), ("90", 1), ("180", 1), ("181", 2), ("300", 2), ("301", 3), ("1201", 4)],
)
def test_alt_abnormal_baseline_60_is_graded_on_the_baseline(value: str, expected: int) -> None:
    assert grade("ALT", value, "U/L", uln="40", baseline="60") == expected


@pytest.mark.parametrize(("value", "expected"), [("999", 0), ("1000", 1), ("1250", 1), ("1251", 2)])
def test_alp_abnormal_baseline_500(value: str, expected: int) -> None:
    assert grade("ALP", value, "U/L", uln="369", baseline="500") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("21.6", 1), ("21.7", 2), ("43.2", 2), ("43.3", 3), ("144", 3), ("145", 4)],
)
def test_bilirubin_baseline_normal_uln_14_4(value: str, expected: int) -> None:
    assert grade("bilirubin", value, "umol/L", uln="14.4") == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("81", 2), ("82", 2), ("162", 3), ("163", 3), ("325", 4)]
)
def test_creatinine_uln_54_baseline_30(value: str, expected: int) -> None:
    assert grade("creatinine", value, "umol/L", uln="54", baseline="30") == expected


@pytest.mark.parametrize(
    ("value", "symptomatic", "expected"),
    [("130", None, 1), ("129", False, 2), ("129", True, 3), ("124", None, 3), ("119", None, 4)],
)
def test_sodium(value: str, symptomatic: bool | None, expected: int) -> None:
    qualifiers = {} if symptomatic is None else {"symptomatic": symptomatic}
    assert grade("Na", value, "mmol/L", lln="135", uln="145", qualifiers=qualifiers) == expected


@pytest.mark.parametrize(
    ("value", "qualifiers", "expected"),
    [
        ("3.0", {"symptomatic": False}, 1),
        ("3.0", {"symptomatic": True}, 2),
        ("2.9", {}, 3),
        ("2.4", {}, 4),
    ],
)
def test_potassium(value: str, qualifiers: dict[str, bool], expected: int) -> None:
    assert grade("K", value, "mmol/L", lln="3.5", uln="5.0", qualifiers=qualifiers) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("1.2", 0), ("1.21", 1), ("1.5", 1), ("2.5", 2), ("2.51", 3)]
)
def test_inr_not_on_anticoagulation(value: str, expected: int) -> None:
    assert grade("INR", value, "1", qualifiers={"anticoagulation": False}) == expected


@pytest.mark.parametrize(
    ("value", "over_24h", "expected"),
    [
        ("38.0", None, 1),
        ("39.0", None, 1),
        ("39.1", None, 2),
        ("40.0", None, 2),
        ("40.1", False, 3),
        ("40.1", True, 4),
        ("37.9", None, 0),
    ],
)
def test_fever(value: str, over_24h: bool | None, expected: int) -> None:
    qualifiers = {} if over_24h is None else {"fever_over_24h": over_24h}
    assert grade("temperature", value, "Cel", qualifiers=qualifiers) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("51", 0), ("50", 2), ("40", 2), ("39", 3), ("20", 3), ("19", 4)]
)
def test_ejection_fraction_without_baseline(value: str, expected: int) -> None:
    assert grade("LVEF", value, "%") == expected
