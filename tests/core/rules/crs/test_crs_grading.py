"""ASTCT 2019 CRS grading (clinical-rules.md §1.10) and the CTCAE v5.0 grade alongside (§1.9)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.rules.crs import CrsFindings, OxygenSupport, grade_crs
from trialdesk.errors import InputError

D = Decimal
FEVER = D("38.6")


def astct(**findings: object) -> int:
    return grade_crs(CrsFindings(**findings)).astct_grade  # type: ignore[arg-type]


@pytest.mark.parametrize(("temperature", "grade"), [("38.0", 1), ("37.9", 0), ("40.5", 1)])
def test_fever_starts_at_38_0_celsius(temperature: str, grade: int) -> None:
    assert astct(temperature=D(temperature)) == grade


def test_fever_in_fahrenheit_is_converted() -> None:
    assert astct(temperature=D("100.4"), temperature_unit="[degF]") == 1  # = 38.0 C
    assert astct(temperature=D("100.2"), temperature_unit="[degF]") == 0


def test_the_source_example_fever_one_vasopressor_low_flow_is_grade_3() -> None:
    result = grade_crs(CrsFindings(temperature=FEVER, vasopressors=1, oxygen="low-flow"))
    assert result.astct_grade == 3
    assert result.drivers == ("hypotension",)


@pytest.mark.parametrize(
    ("hypotension", "vasopressors", "vasopressin", "grade"),
    [
        (False, 0, False, 1),
        (True, 0, False, 2),
        (True, 1, False, 3),
        (True, 0, True, 3),  # vasopressin alone is one vasopressor
        (True, 1, True, 3),  # vasopressin is not counted towards "multiple"
        (True, 2, False, 4),
        (True, 3, True, 4),
    ],
)
def test_hypotension_grades_by_vasopressors(
    hypotension: bool, vasopressors: int, vasopressin: bool, grade: int
) -> None:
    findings = {
        "hypotension": hypotension,
        "vasopressors": vasopressors,
        "vasopressin": vasopressin,
    }
    assert astct(temperature=FEVER, **findings) == grade


@pytest.mark.parametrize(
    ("oxygen", "grade"),
    [
        ("none", 1),
        ("low-flow", 2),
        ("blow-by", 2),
        ("high-flow", 3),
        ("facemask", 3),
        ("non-rebreather", 3),
        ("venturi", 3),
        ("cpap", 4),
        ("bipap", 4),
        ("intubation", 4),
    ],
)
def test_hypoxia_grades_by_oxygen_support(oxygen: str, grade: int) -> None:
    assert astct(temperature=FEVER, oxygen=oxygen) == grade


@pytest.mark.parametrize(("flow", "grade"), [("6", 2), ("6.1", 3), ("2", 2)])
def test_nasal_cannula_flow_splits_at_6_litres(flow: str, grade: int) -> None:
    assert astct(temperature=FEVER, oxygen="nasal-cannula", oxygen_flow_l_min=D(flow)) == grade


def test_the_flow_rate_overrides_a_low_flow_label() -> None:
    assert astct(temperature=FEVER, oxygen="low-flow", oxygen_flow_l_min=D(8)) == 3


def test_a_nasal_cannula_without_flow_is_an_input_error() -> None:
    with pytest.raises(InputError, match="flow rate"):
        astct(temperature=FEVER, oxygen="nasal-cannula")


def test_without_fever_it_is_not_crs() -> None:
    result = grade_crs(CrsFindings(temperature=D("37.2"), hypotension=True, vasopressors=1))
    assert result.astct_grade == 0
    assert any("does not call this CRS" in r for r in result.reasons)


def test_after_antipyretics_or_tocilizumab_fever_is_not_needed() -> None:
    findings = CrsFindings(
        temperature=D("37.0"), antipyretic_or_anticytokine_given=True, oxygen="facemask"
    )
    result = grade_crs(findings)
    assert result.astct_grade == 3
    assert result.drivers == ("hypoxia",)


def test_grade_5_is_labelled_unconfirmed() -> None:
    result = grade_crs(CrsFindings(temperature=FEVER, died_of_crs=True))
    assert (result.astct_grade, result.ctcae_grade) == (5, 5)
    assert result.confirmation == "unconfirmed"
    assert any("unconfirmed" in n for n in result.notes)


def test_grades_1_to_4_are_confirmed() -> None:
    assert grade_crs(CrsFindings(temperature=FEVER, vasopressors=2)).confirmation == "confirmed"


@pytest.mark.parametrize(
    ("findings", "ctcae", "lower_bound"),
    [
        ({"temperature": FEVER}, 1, False),
        ({"temperature": FEVER, "hypotension": True}, 2, False),
        ({"temperature": FEVER, "oxygen": "facemask", "fio2_percent": D("39.9")}, 2, False),
        ({"temperature": FEVER, "oxygen": "facemask", "fio2_percent": D("40")}, 3, False),
        ({"temperature": FEVER, "oxygen": "facemask"}, 2, True),
        ({"temperature": FEVER, "vasopressors": 1}, 3, False),
        ({"temperature": FEVER, "vasopressors": 2}, 3, True),
        ({"temperature": FEVER, "life_threatening": True}, 4, False),
    ],
)
def test_ctcae_grade_alongside(findings: dict, ctcae: int, lower_bound: bool) -> None:
    result = grade_crs(CrsFindings(**findings))
    assert (result.ctcae_grade, result.ctcae_is_lower_bound) == (ctcae, lower_bound)


def test_unknown_oxygen_support_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        astct(temperature=FEVER, oxygen="hyperbaric")
    assert "facemask" in (caught.value.expected or "")


def test_result_names_its_rule_and_source() -> None:
    data = grade_crs(CrsFindings(temperature=FEVER, oxygen=OxygenSupport.CPAP)).to_dict()
    assert data["rule"].startswith("ASTCT 2019 CRS grade 4")
    assert "Lee DW" in data["source"]


supports = st.sampled_from([o for o in OxygenSupport if o is not OxygenSupport.NASAL_CANNULA])


@given(
    vasopressors=st.integers(0, 4),
    vasopressin=st.booleans(),
    oxygen=supports,
    fever=st.booleans(),
    treated=st.booleans(),
)
def test_more_support_never_lowers_the_grade(
    vasopressors: int, vasopressin: bool, oxygen: OxygenSupport, fever: bool, treated: bool
) -> None:
    base = {"fever": fever, "antipyretic_or_anticytokine_given": treated, "oxygen": oxygen}
    grade = astct(vasopressors=vasopressors, vasopressin=vasopressin, hypotension=True, **base)
    more = astct(vasopressors=vasopressors + 1, vasopressin=vasopressin, hypotension=True, **base)
    assert more >= grade
    assert 0 <= grade <= 4
    if not fever and not treated:
        assert grade == 0
