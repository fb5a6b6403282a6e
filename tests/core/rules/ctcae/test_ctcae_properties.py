"""Invariants of CTCAE grading, as hypothesis properties.

* the vectorised path gives the scalar path's grade on every row (same sentinels for "not
  gradable" and "a missing limit could change the grade");
* the grade does not depend on how the same number is written (g/L vs g/dL, 10*9/L vs /uL);
* a lower value never gives a lower grade on a "decreased" term, a higher value never gives a
  lower grade on an "increased" term.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialdesk.core.rules.ctcae import NOT_GRADABLE, grade_lab, grade_lab_array
from trialdesk.core.rules.ctcae.tables import grading_tables
from trialdesk.core.rules.ctcae.vectorized import UNDETERMINED
from trialdesk.errors import ReferenceDataError

D = Decimal

# analyte, unit, value range, LLN range, ULN range (LLN range always below the ULN range)
CASES: list[tuple[str, str, tuple[str, str], tuple[str, str], tuple[str, str]]] = [
    ("hemoglobin", "g/L", ("20", "200"), ("90", "140"), ("150", "180")),
    ("hemoglobin", "g/dL", ("2", "20"), ("9", "14"), ("15", "18")),
    ("hemoglobin", "mmol/L", ("1", "12"), ("5.5", "8.5"), ("9", "11")),
    ("hemoglobin", "mg/dL", ("2000", "20000"), ("9000", "14000"), ("15000", "18000")),
    ("neutrophils", "10*9/L", ("0", "10"), ("1", "2.5"), ("6", "8")),
    ("neutrophils", "/uL", ("0", "10000"), ("1000", "2500"), ("6000", "8000")),
    ("platelets", "10*9/L", ("0", "600"), ("100", "180"), ("350", "450")),
    ("wbc", "10*9/L", ("0", "150"), ("3", "5"), ("10", "15")),
    ("lymphocytes", "10*9/L", ("0", "30"), ("0.8", "2"), ("3", "6")),
    ("alt", "U/L", ("0", "1500"), ("5", "10"), ("20", "60")),
    ("ast", "U/L", ("0", "1500"), ("5", "10"), ("20", "60")),
    ("alp", "U/L", ("0", "8000"), ("40", "100"), ("100", "500")),
    ("ggt", "U/L", ("0", "600"), ("5", "7"), ("10", "30")),
    ("bilirubin_total", "umol/L", ("0", "250"), ("0.5", "1.5"), ("5", "20")),
    ("bilirubin_total", "mg/dL", ("0", "15"), ("0.05", "0.1"), ("0.3", "1.2")),
    ("creatinine", "umol/L", ("5", "800"), ("10", "30"), ("30", "100")),
    ("creatinine", "mg/dL", ("0.05", "9"), ("0.1", "0.3"), ("0.35", "1.1")),
    ("inr", "1", ("0.5", "6"), ("0.8", "0.9"), ("1.1", "1.3")),
    ("aptt", "s", ("10", "150"), ("20", "25"), ("30", "40")),
    ("fibrinogen", "g/L", ("0", "6"), ("1.5", "2"), ("4", "4.5")),
    ("fibrinogen", "mg/dL", ("0", "600"), ("150", "200"), ("400", "450")),
    ("sodium", "mmol/L", ("100", "180"), ("130", "137"), ("143", "148")),
    ("potassium", "mmol/L", ("1", "9"), ("3.3", "3.7"), ("4.8", "5.3")),
    ("calcium_total", "mmol/L", ("1", "4.5"), ("2.1", "2.3"), ("2.5", "2.7")),
    ("calcium_total", "mg/dL", ("4", "18"), ("8.4", "9.2"), ("10", "10.8")),
    ("calcium_ionized", "mmol/L", ("0.5", "2.2"), ("1.0", "1.2"), ("1.3", "1.4")),
    ("magnesium", "mmol/L", ("0.1", "4"), ("0.6", "0.9"), ("1", "1.2")),
    ("magnesium", "mg/dL", ("0.2", "10"), ("1.5", "2"), ("2.4", "2.9")),
    ("glucose", "mmol/L", ("0.5", "30"), ("3.3", "4"), ("5.5", "7")),
    ("glucose", "mg/dL", ("10", "500"), ("60", "75"), ("100", "125")),
    ("albumin", "g/L", ("5", "60"), ("32", "41"), ("47", "51")),
    ("albumin", "g/dL", ("0.5", "6"), ("3.2", "4.1"), ("4.7", "5.1")),
    ("temperature", "Cel", ("35", "42"), ("36", "36.5"), ("37.5", "37.9")),
    ("temperature", "[degF]", ("95", "108"), ("97", "97.7"), ("99.5", "100.2")),
    ("spo2", "%", ("60", "100"), ("94", "95"), ("99", "100")),
    ("lvef", "%", ("5", "80"), ("50", "55"), ("70", "75")),
    ("phosphate", "mmol/L", ("0.1", "4"), ("1", "1.4"), ("1.6", "2.2")),
]


def _dec(low: str, high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(D(low), D(high), places=2, allow_nan=False, allow_infinity=False)


def _qualifier_names(analyte: str) -> list[str]:
    tables = grading_tables()
    names: set[str] = set()
    for key in tables.analytes[analyte]:
        rule = tables.terms[key]
        names |= set(rule.qualifier_names)
        if rule.baseline_required_if:
            names.add(rule.baseline_required_if)
    return sorted(names)


@st.composite
def batches(
    draw: st.DrawFn,
) -> tuple[str, str, list[tuple[Decimal, ...]], dict[str, bool], bool | None]:
    analyte, unit, values, llns, ulns = draw(st.sampled_from(CASES))
    row = st.tuples(
        _dec(*values),
        st.none() | _dec(*llns),
        st.none() | _dec(*ulns),
        st.none() | _dec(*values),
    )
    rows = draw(st.lists(row, min_size=1, max_size=12))
    qualifiers = draw(
        st.dictionaries(
            st.sampled_from(_qualifier_names(analyte) or ["symptomatic"]), st.booleans()
        )
    )
    flag = draw(st.sampled_from([None, None, True, False]))  # the lab's flag on the baseline
    return analyte, unit, rows, qualifiers, flag  # type: ignore[return-value]


def _scalar(
    analyte: str,
    unit: str,
    row: tuple[Decimal | None, ...],
    q: dict[str, bool],
    flag: bool | None,
) -> int:
    value, lln, uln, baseline = row
    assert value is not None
    try:
        result = grade_lab(
            analyte, value, unit, lln=lln, uln=uln, baseline=baseline, qualifiers=q,
            baseline_abnormal=flag,
        )  # fmt: skip
    except ReferenceDataError:
        return UNDETERMINED
    return NOT_GRADABLE if result.grade is None else result.grade


def _column(rows: list[tuple[Decimal | None, ...]], i: int) -> np.ndarray:
    return np.array([np.nan if r[i] is None else float(r[i]) for r in rows])  # type: ignore[arg-type]


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches())
def test_vectorised_grades_equal_scalar_grades(
    batch: tuple[str, str, list[tuple[Decimal | None, ...]], dict[str, bool], bool | None],
) -> None:
    analyte, unit, rows, qualifiers, flag = batch
    q = {k: v for k, v in qualifiers.items() if k in _qualifier_names(analyte)}
    vector = grade_lab_array(
        analyte, _column(rows, 0), unit, lln=_column(rows, 1), uln=_column(rows, 2),
        baseline=_column(rows, 3), baseline_abnormal=flag, qualifiers=q, on_missing="flag",
    )  # fmt: skip
    scalar = [_scalar(analyte, unit, row, q, flag) for row in rows]
    assert vector.tolist() == scalar, list(zip(rows, vector.tolist(), scalar, strict=True))


# Pairs of units that print the same CTCAE cut-off exactly (a power of ten apart).
SAME_NUMBER = [
    ("hemoglobin", "g/L", "g/dL", D("0.1")),
    ("hemoglobin", "g/L", "mg/dL", D("100")),
    ("neutrophils", "10*9/L", "/uL", D("1000")),
    ("platelets", "10*9/L", "10*3/uL", D("1")),
    ("albumin", "g/L", "g/dL", D("0.1")),
    ("fibrinogen", "g/L", "mg/dL", D("100")),
    ("alt", "U/L", "[IU]/L", D("1")),
    ("creatinine", "umol/L", "mmol/L", D("0.001")),
]


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(SAME_NUMBER),
    st.decimals(D("0"), D("400"), places=2),
    st.decimals(D("1"), D("200"), places=2),
)
def test_the_unit_a_value_is_written_in_does_not_change_its_grade(
    case: tuple[str, str, str, Decimal], value: Decimal, limit: Decimal
) -> None:
    analyte, unit, other, factor = case
    direction = "uln" if analyte in ("alt", "creatinine") else "lln"
    first = grade_lab(analyte, value, unit, **{direction: limit})  # type: ignore[arg-type]
    second = grade_lab(analyte, value * factor, other, **{direction: limit * factor})  # type: ignore[arg-type]
    assert first.grade == second.grade


MONOTONE = [
    ("hemoglobin", "g/L", "Anemia", -1, {"lln": D("115")}),
    ("neutrophils", "10*9/L", None, -1, {"lln": D("1.8")}),
    ("platelets", "10*9/L", None, -1, {"lln": D("150")}),
    ("lymphocytes", "10*9/L", "Lymphocyte count decreased", -1, {"lln": D("1.0")}),
    ("albumin", "g/L", None, -1, {"lln": D("38")}),
    ("sodium", "mmol/L", "Hyponatremia", -1, {"lln": D("135")}),
    ("potassium", "mmol/L", "Hypokalemia", -1, {"lln": D("3.5")}),
    ("glucose", "mmol/L", "Hypoglycemia", -1, {"lln": D("3.5")}),
    ("lvef", "%", None, -1, {"baseline": D("65")}),
    ("alt", "U/L", None, 1, {"uln": D("40")}),
    ("alt", "U/L", None, 1, {"uln": D("40"), "baseline": D("60")}),
    ("bilirubin_total", "umol/L", None, 1, {"uln": D("14.4")}),
    ("creatinine", "umol/L", None, 1, {"uln": D("54"), "baseline": D("30")}),
    ("sodium", "mmol/L", "Hypernatremia", 1, {"uln": D("145")}),
    ("potassium", "mmol/L", "Hyperkalemia", 1, {"uln": D("5.0")}),
    ("temperature", "Cel", None, 1, {}),
    ("inr", "1", None, 1, {"baseline": D("1.0")}),
]


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(MONOTONE),
    st.decimals(D("0"), D("1500"), places=2),
    st.decimals(D("0"), D("1500"), places=2),
)
def test_a_worse_value_never_gets_a_lower_grade(
    case: tuple[str, str, str | None, int, dict[str, Decimal]], a: Decimal, b: Decimal
) -> None:
    analyte, unit, term, direction, refs = case
    low, high = sorted((a, b))
    graded = [
        grade_lab(analyte, v, unit, term=term, **refs).grade or 0  # type: ignore[arg-type]
        for v in (low, high)
    ]
    if direction > 0:
        assert graded[0] <= graded[1]
    else:
        assert graded[0] >= graded[1]
