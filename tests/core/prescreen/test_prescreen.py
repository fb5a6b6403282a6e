"""The family pre-screen, on the real NCT06948994 protocol: questions, outcomes, plain language."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.core.prescreen import (
    Overall,
    Status,
    plain_criterion,
    prescreen,
    questionnaire,
)
from trialdesk.core.prescreen.questions import QUESTIONS
from trialdesk.core.protocol.protocol import Protocol

TODAY = date(2026, 3, 10)


NCT = load_protocol("NCT06948994")


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return NCT


def good_answers(**changes: str) -> dict[str, str]:
    answers = {
        "birth_date": "2018-05-01",
        "diagnosis": "yes",
        "risk_group": "high",
        "treatment_stage": "maintenance",
        "disease_status": "neither",
        "active_infection": "no",
        "organ_transplant": "no",
        "stem_cell_transplant": "own_cells",
        "hiv": "no",
    }
    answers.update(changes)
    return answers


def status_of(protocol: Protocol, answers: dict[str, str], criterion: str) -> Status:
    result = prescreen(protocol, answers, TODAY)
    return next(c.status for c in result.criteria if c.id == criterion)


def test_questionnaire_asks_what_a_parent_can_answer(protocol: Protocol) -> None:
    ids = [q.id for q in questionnaire(protocol)]
    assert ids[0] == "birth_date"
    for expected in (
        "diagnosis",
        "risk_group",
        "treatment_stage",
        "disease_status",
        "hiv",
        "lab_hemoglobin",
        "lab_neutrophils",
        "lab_platelets",
        "organ_transplant",
        "stem_cell_transplant",
        "active_infection",
    ):
        assert expected in ids
    # Nothing a parent cannot know (ULN-based chemistry, echo, consent) becomes a question.
    assert not any("bilirubin" in i or "lvef" in i or "consent" in i for i in ids)


def test_a_good_family_answer_may_be_eligible_and_leaves_the_rest_to_the_care_team(
    protocol: Protocol,
) -> None:
    result = prescreen(protocol, good_answers(), TODAY)
    assert result.overall is Overall.MAY_BE_ELIGIBLE
    assert not result.not_met
    checked = {c.id for c in result.to_check}
    # Organ function, consent and the investigator's judgement are never decided by a parent.
    assert {"inc-bilirubin", "inc-cardiac", "inc-consent", "exc-investigator-judgement"} <= checked
    # "No HIV diagnosis" is not enough: a negative test is needed (protocol interpretation).
    assert "exc-hiv" in checked


@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        ("2025-03-10", Status.MEETS),  # 1st birthday today: 1 completed year
        ("2025-03-11", Status.NOT_MET),  # one day short of 1 year
        ("2007-03-11", Status.MEETS),  # the day before the 19th birthday: still 18
        ("2007-03-10", Status.NOT_MET),  # 19th birthday: too old
    ],
)
def test_age_limits_are_inclusive_in_completed_years(
    protocol: Protocol, birth_date: str, expected: Status
) -> None:
    assert status_of(protocol, good_answers(birth_date=birth_date), "inc-age") is expected


def test_a_missing_or_future_birth_date_needs_a_check_not_a_no(protocol: Protocol) -> None:
    for raw in ("", "not a date", "2030-01-01"):
        result = prescreen(protocol, good_answers(birth_date=raw), TODAY)
        assert status_of(protocol, good_answers(birth_date=raw), "inc-age") is Status.CHECK
        assert result.overall is Overall.NEEDS_CHECK


def test_probably_not_names_the_criterion_and_the_answer(protocol: Protocol) -> None:
    result = prescreen(protocol, good_answers(risk_group="not_high"), TODAY)
    assert result.overall is Overall.PROBABLY_NOT
    [failed] = result.not_met
    assert failed.id == "inc-diagnosis"
    assert "prescreen.fact.risk_group.not_high" in {m.key for m in failed.facts}


def test_relapsed_disease_needs_a_scan_for_a_measurable_lesion(protocol: Protocol) -> None:
    answers = good_answers(disease_status="relapsed", treatment_stage="finished")
    assert status_of(protocol, answers, "inc-diagnosis") is Status.MEETS
    assert status_of(protocol, answers, "inc-measurable-lesion") is Status.CHECK
    # Neither relapsed nor refractory: the lesion criterion does not apply.
    assert status_of(protocol, good_answers(), "inc-measurable-lesion") is Status.MEETS


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("80", "g/L", Status.MEETS),  # exactly at the cut-off
        ("79.9", "g/L", Status.NOT_MET),
        ("8.0", "g/dL", Status.MEETS),  # converted: 8.0 g/dL = 80 g/L
        ("7.9", "g/dL", Status.NOT_MET),
        ("", "g/L", Status.CHECK),  # not known: the hospital measures it
    ],
)
def test_a_known_hemoglobin_is_compared_in_decimal_after_unit_conversion(
    protocol: Protocol, value: str, unit: str, expected: Status
) -> None:
    answers = good_answers(lab_hemoglobin=value, lab_hemoglobin_unit=unit)
    assert status_of(protocol, answers, "inc-hemoglobin") is expected


def test_neutrophils_per_microlitre_are_converted(protocol: Protocol) -> None:
    ok = good_answers(lab_neutrophils="750", lab_neutrophils_unit="/uL")
    low = good_answers(lab_neutrophils="740", lab_neutrophils_unit="/uL")
    assert status_of(protocol, ok, "inc-anc") is Status.MEETS
    assert status_of(protocol, low, "inc-anc") is Status.NOT_MET


def test_exclusions_a_parent_reports_and_those_that_need_judgement(protocol: Protocol) -> None:
    assert status_of(protocol, good_answers(hiv="yes"), "exc-hiv") is Status.NOT_MET
    assert status_of(protocol, good_answers(organ_transplant="yes"), "exc-organ-transplant") is (
        Status.NOT_MET
    )
    # A donor stem-cell transplant is for the investigator to judge, never an automatic "no".
    donor = good_answers(stem_cell_transplant="donor_cells")
    assert status_of(protocol, donor, "exc-organ-transplant") is Status.CHECK
    # An infection now: "uncontrollable" is clinical judgement; where it is decides the lungs.
    infection = good_answers(active_infection="yes")
    assert status_of(protocol, infection, "exc-infection-immunosuppression") is Status.CHECK
    assert status_of(protocol, infection, "inc-lung-kidney-spo2") is Status.CHECK
    assert prescreen(protocol, infection, TODAY).overall is Overall.MAY_BE_ELIGIBLE


def test_summary_keeps_statuses_only(protocol: Protocol) -> None:
    summary = prescreen(protocol, good_answers(), TODAY).summary()
    assert summary["overall"] == "may_be_eligible"
    assert isinstance(summary["criteria"], dict)
    assert summary["criteria"]["inc-age"] == "meets"


def test_plain_language_tree_covers_every_criterion(protocol: Protocol) -> None:
    for criterion in protocol.criteria:
        node = plain_criterion(criterion)
        assert node.message.key.startswith("plain.")
    age = plain_criterion(protocol.criterion("inc-age")).message
    assert dict(age.params) == {"low": "1", "high": "18", "after": "19"}


ANSWER_VALUES = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["yes", "no", "unsure", "high", "relapsed", "maintenance", "donor_cells"]),
)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from([*sorted(QUESTIONS), "birth_date"]), ANSWER_VALUES))
def test_any_answers_give_an_outcome_for_every_criterion(answers: dict[str, str]) -> None:
    protocol = NCT
    result = prescreen(protocol, answers, TODAY)
    assert [c.id for c in result.criteria] == [c.id for c in protocol.criteria]
    # Criteria no parent can speak to stay with the care team whatever is answered.
    assert {c.id: c.status for c in result.criteria}["inc-consent"] is Status.CHECK


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["no", "unsure", ""]), st.sampled_from(["high", "not_high", "unsure"]))
def test_only_a_clear_answer_can_make_a_criterion_not_met(diagnosis: str, risk: str) -> None:
    protocol = NCT
    result = prescreen(protocol, good_answers(diagnosis=diagnosis, risk_group=risk), TODAY)
    status = {c.id: c.status for c in result.criteria}["inc-diagnosis"]
    if diagnosis == "no" or risk == "not_high":
        assert status is Status.NOT_MET
    else:
        assert status is Status.CHECK
