"""The overall verdict: precedence ineligible > incomplete > needs_review > eligible."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from trialdesk.core.screening.result import Status, Verdict, verdict_of
from trialdesk.testing.patients import Screen, eligible_maintenance, eligible_relapsed

_SEVERITY = [Verdict.ELIGIBLE, Verdict.NEEDS_REVIEW, Verdict.INCOMPLETE, Verdict.INELIGIBLE]
_OF = {
    Status.PASS: Verdict.ELIGIBLE,
    Status.NOT_APPLICABLE: Verdict.ELIGIBLE,
    Status.REVIEW: Verdict.NEEDS_REVIEW,
    Status.UNKNOWN: Verdict.INCOMPLETE,
    Status.FAIL: Verdict.INELIGIBLE,
}


def test_no_blocking_status_is_eligible() -> None:
    assert verdict_of([Status.PASS, Status.NOT_APPLICABLE]) is Verdict.ELIGIBLE
    assert verdict_of([]) is Verdict.ELIGIBLE


def test_precedence_examples() -> None:
    assert verdict_of([Status.REVIEW, Status.UNKNOWN, Status.FAIL]) is Verdict.INELIGIBLE
    assert verdict_of([Status.REVIEW, Status.UNKNOWN, Status.PASS]) is Verdict.INCOMPLETE
    assert verdict_of([Status.REVIEW, Status.PASS]) is Verdict.NEEDS_REVIEW


@given(st.lists(st.sampled_from(list(Status)), max_size=30))
def test_verdict_is_the_most_severe_status(statuses: list[Status]) -> None:
    expected = max((_OF[s] for s in statuses), key=_SEVERITY.index, default=Verdict.ELIGIBLE)
    assert verdict_of(statuses) is expected


def test_eligible_maintenance_patient(run: Screen) -> None:
    result = run(eligible_maintenance())
    assert result.verdict is Verdict.ELIGIBLE
    assert result.criterion("inc-measurable-lesion").status is Status.NOT_APPLICABLE
    assert {c.status for c in result.criteria} <= {Status.PASS, Status.NOT_APPLICABLE}
    assert len(result.criteria) == 24


def test_eligible_relapsed_patient_with_a_measurable_lesion(run: Screen) -> None:
    result = run(eligible_relapsed())
    assert result.verdict is Verdict.ELIGIBLE
    assert result.criterion("inc-measurable-lesion").status is Status.PASS


def test_one_of_each_blocking_status_gives_each_verdict(run: Screen) -> None:
    # review only: no allergy attestation
    review = eligible_maintenance()
    review.resources = [r for r in review.resources if "not-highly-allergic" not in str(r)]
    assert run(review).verdict is Verdict.NEEDS_REVIEW
    # incomplete beats review: and no haemoglobin either
    incomplete = eligible_maintenance()
    incomplete.resources = [
        r
        for r in incomplete.resources
        if "not-highly-allergic" not in str(r) and "718-7" not in str(r)
    ]
    assert run(incomplete).verdict is Verdict.INCOMPLETE
    # ineligible beats both: and an HIV diagnosis
    ineligible = eligible_maintenance()
    ineligible.resources = incomplete.resources
    ineligible.condition("snomed:86406008")
    result = run(ineligible)
    assert result.verdict is Verdict.INELIGIBLE
    assert result.criterion("exc-hiv").status is Status.FAIL
    assert result.criterion("inc-hemoglobin").status is Status.UNKNOWN
    assert result.criterion("exc-allergic-constitution").status is Status.REVIEW


def test_the_result_names_trial_version_patient_and_day(run: Screen) -> None:
    data = run(eligible_maintenance()).to_dict()
    assert data["trial"] == "NCT06948994"
    assert data["protocol_version"] == "1.0"
    assert data["patient"] == "eligible-maintenance"
    assert data["as_of"] == "2026-06-01"
    assert [c["id"] for c in data["criteria"]][:2] == ["inc-age", "inc-diagnosis"]
