"""The criteria language: parsing with positions, and the checker's errors (all at once, located)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trialdesk.core.criteria import ast as a
from trialdesk.core.criteria.bind import PREDICATES, Binder, default_value_sets
from trialdesk.core.criteria.parser import parse_rule
from trialdesk.errors import CriteriaSyntaxError, Problem


def bind(text: str) -> tuple[a.Rule | None, list[Problem]]:
    binder = Binder(default_value_sets({}), "criteria[0].rule")
    return binder.bind(parse_rule(text, where="criteria[0].rule")), binder.problems


def problems(text: str) -> list[str]:
    rule, found = bind(text)
    assert rule is None, f"{text!r} should not bind"
    return [p.render() for p in found]


# -- what binds --------------------------------------------------------------------------------
def test_lab_threshold_keeps_number_unit_and_span() -> None:
    rule, found = bind("lab(hemoglobin) >= 80 g/L")
    assert not found
    assert isinstance(rule, a.LabCheck)
    assert rule.analyte.id == "hemoglobin"
    assert rule.tests == (a.NumericTest(">=", Decimal(80), "g/L"),)
    assert (rule.span.line, rule.span.column) == (1, 1)


def test_multiple_of_uln() -> None:
    rule, _ = bind("lab(alt) <= 3 x ULN")
    assert isinstance(rule, a.LabCheck)
    assert rule.tests == (a.NumericTest("<=", Decimal(3), None, "ULN"),)


def test_age_between_is_two_inclusive_tests_in_years() -> None:
    rule, _ = bind("age() between 1 and 18")
    assert isinstance(rule, a.AgeCheck)
    assert [(t.op, t.number, t.unit) for t in rule.tests] == [
        (">=", Decimal(1), "a"),
        ("<=", Decimal(18), "a"),
    ]


def test_conditional_and_logic() -> None:
    rule, _ = bind(
        "if disease_status(relapsed, refractory) then measurable_lesions(standard=recist11) >= 1"
    )
    assert isinstance(rule, a.IfThen)
    assert isinstance(rule.condition, a.CodedStatusCheck)
    assert rule.condition.values == ("relapsed", "refractory")
    rule, _ = bind("not (sex(male) or age() < 2)")
    assert isinstance(rule, a.NotOf)
    assert isinstance(rule.item, a.AnyOf)


@pytest.mark.parametrize(
    ("text", "node"),
    [
        ("sex(female)", a.SexCheck),
        ("condition(vs.neuroblastoma, status=any)", a.ConditionCheck),
        ("condition(icd10:C74.9, icdo3:9500/3)", a.ConditionCheck),
        ("procedure(vs.solid_organ_transplant, within=5 years)", a.ProcedureCheck),
        ("medication(atc:L04*, status=active)", a.MedicationCheck),
        ("allergy(criticality=high)", a.AllergyCheck),
        ("treatment_phase(maintenance)", a.CodedStatusCheck),
        ("risk_group(high)", a.CodedStatusCheck),
        ("vital(spo2, room_air=true) >= 92 %", a.LabCheck),
        ("echo(lvef) >= 50 %", a.LabCheck),
        ("finding(trialdesk-clinical:lv-diastolic-function) = normal", a.FindingCheck),
        ("performance(scale=auto) >= 50", a.PerformanceCheck),
        ("life_expectancy() >= 6 months", a.LifeExpectancyCheck),
        ("unresolved_toxicity(above_grade=1, except=[vs.alopecia])", a.ToxicityCheck),
        ("test(vs.hiv_tests) = positive", a.TestResultCheck),
        ("consent(research)", a.ConsentCheck),
        ("attested(not-highly-allergic)", a.AttestationCheck),
        ('review("always the investigator")', a.ReviewAlways),
        ("review_if(condition(vs.infection))", a.ReviewIf),
        ("each_available(lab(inr) <= 1.5 x ULN, lab(pt) <= 1.5 x ULN)", a.EachAvailable),
        ("pregnant()", a.PregnancyCheck),
    ],
)
def test_every_predicate_binds(text: str, node: type) -> None:
    rule, found = bind(text)
    assert not found, found
    assert isinstance(rule, node)
    assert text.partition("(")[0] in PREDICATES


# -- the checker's errors ------------------------------------------------------------------------
def test_unknown_analyte_suggests_the_close_one() -> None:
    (message,) = problems("lab(hemoglobn) >= 80 g/L")
    assert message.startswith("criteria[0].rule:1:5: unknown analyte 'hemoglobn'")
    assert "hemoglobin" in message.partition("hemoglobn")[2]


def test_unknown_predicate_and_value_set_suggest_close_ones() -> None:
    assert "did you mean age?" in problems("agee() >= 1")[0]
    assert "did you mean vs.neuroblastoma?" in problems("condition(vs.neuroblastom)")[0]


def test_threshold_without_a_unit() -> None:
    (message,) = problems("lab(hemoglobin) >= 80")
    assert "the threshold 80 has no unit" in message
    assert "convertible to g/L" in message


def test_unit_of_the_wrong_kind() -> None:
    assert "unit s cannot be compared with g/L" in problems("lab(hemoglobin) >= 80 s")[0]


@pytest.mark.parametrize(
    "text",
    [
        "lab(hemoglobin) between 100 and 80 g/L",
        "age() between 18 and 1",
        "lab(hemoglobin) >= 100 g/L and lab(hemoglobin) <= 80 g/L",
        "lab(hemoglobin) >= 10 g/dL and lab(hemoglobin) < 100 g/L",
        "lab(alt) <= 3 x ULN and lab(alt) >= 4 x ULN",
        "age() >= 1 and age() <= 0",
        "age() >= 2 and age() < 24 months",
    ],
)
def test_contradictory_bounds(text: str) -> None:
    assert any("contradictory bounds" in m for m in problems(text))


@pytest.mark.parametrize(
    "text",
    [
        "lab(hemoglobin) >= 80 g/L and lab(hemoglobin) <= 80 g/L",  # exactly 80 is possible
        "lab(alt) <= 3 x ULN and lab(alt) >= 2 x LLN",  # different scales: not comparable
        "age() >= 1 and age() <= 18",
    ],
)
def test_bounds_that_leave_a_value_are_accepted(text: str) -> None:
    assert not bind(text)[1]


@pytest.mark.parametrize("window", ["0 days", "-14 days"])
def test_inverted_or_empty_windows(window: str) -> None:
    (message,) = problems(f"lab(hemoglobin, within={window}) >= 80 g/L")
    assert "a window must be longer than zero" in message


def test_window_needs_a_duration_unit() -> None:
    assert "within= needs a duration" in problems("lab(hemoglobin, within=14) >= 80 g/L")[0]


def test_every_problem_of_a_rule_is_reported_at_once() -> None:
    found = problems("lab(hemoglobn) >= 80 g/L and lab(platelets) >= 75 and agee() >= 1")
    assert len(found) == 3
    assert [m.split(": ")[0] for m in found] == [
        "criteria[0].rule:1:5",
        "criteria[0].rule:1:45",
        "criteria[0].rule:1:55",
    ]


def test_syntax_error_names_line_column_and_what_was_expected() -> None:
    with pytest.raises(CriteriaSyntaxError) as caught:
        parse_rule("lab(alt) <= 3 x UL", where="criteria[7].rule")
    error = caught.value
    assert error.where == "criteria[7].rule:1:17"
    assert "REFLIMIT" in (error.expected or "")
    with pytest.raises(CriteriaSyntaxError, match="ends too early"):
        parse_rule("lab(hemoglobin) >= 80 g/L and")


def test_a_bare_value_is_not_a_rule() -> None:
    with pytest.raises(CriteriaSyntaxError, match="unexpected '80' at line 1, column 1"):
        parse_rule("80")


def test_unknown_keyword_argument() -> None:
    assert (
        "lab() has no argument 'room_air'" in problems("lab(hemoglobin, room_air=true) >= 1 g/L")[0]
    )
