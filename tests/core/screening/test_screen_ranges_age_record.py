"""Reference ranges (own range first, age/sex default next, never an adult range for a child),
age on birthdays and 29 February, evidence and its source, modifierExtensions, entered-in-error.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from trialdesk.core.screening.result import Status, Verdict
from trialdesk.testing.fhir import SYSTEM_URIS
from trialdesk.testing.patients import LAB_DAY, Screen, eligible_maintenance, without


def _range(
    low: float | None, high: float, unit: str, ages: tuple[float, float] | None = None
) -> dict[str, Any]:
    def q(v: float) -> dict[str, Any]:
        return {"value": v, "unit": unit, "system": SYSTEM_URIS["ucum"], "code": unit}

    rr: dict[str, Any] = {"high": q(high)}
    if low is not None:
        rr["low"] = q(low)
    if ages is not None:
        rr["age"] = {
            k: {"value": v, "unit": "a", "system": SYSTEM_URIS["ucum"], "code": "a"}
            for k, v in zip(("low", "high"), ages, strict=True)
        }
    return rr


def _alp(
    value: float,
    ranges: list[dict[str, Any]] | None,
    birth: str = "2017-09-14",
    sex: str = "female",
) -> Any:
    builder = without(eligible_maintenance(birth_date=birth, sex=sex), "'6768-6'")
    extra = {"referenceRange": ranges} if ranges is not None else None
    return builder.lab("6768-6", value, "U/L", LAB_DAY, extra=extra)


def test_own_range_comes_before_the_default_table(run: Screen) -> None:
    # Default CALIPER ULN for 8 y is 369 U/L (x3 = 1107); the lab's own ULN 300 (x3 = 900).
    result = run(_alp(1000, [_range(100, 300, "U/L")])).criterion("inc-alp")
    assert result.status is Status.FAIL
    evidence = result.evidence[0]
    assert "own reference range" in (evidence.threshold or "")
    assert "own reference range" in (evidence.threshold_source or "")
    assert evidence.threshold_source.startswith("protocol NCT06948994 v1.0, criterion inc-alp")


def test_without_own_range_the_age_default_applies_and_is_cited(run: Screen) -> None:
    result = run(_alp(1000, None)).criterion("inc-alp")
    assert result.status is Status.PASS  # 1000 <= 3 x 369
    evidence = result.evidence[0]
    assert "CALIPER" in (evidence.threshold_source or "")
    assert "369" in (evidence.threshold or "")


def test_an_adult_range_on_the_result_is_never_used_for_a_child(run: Screen) -> None:
    # Adult ALP ULN ~ 130 U/L would fail a growing child at 400 U/L (3 x 130 = 390).
    adult = _range(40, 130, "U/L", ages=(18, 120))
    result = run(_alp(400, [adult])).criterion("inc-alp")
    assert result.status is Status.PASS
    assert "CALIPER" in (result.evidence[0].threshold_source or "")


def test_the_age_band_of_the_own_range_that_fits_the_child_is_chosen(run: Screen) -> None:
    ranges = [_range(40, 130, "U/L", ages=(18, 120)), _range(150, 200, "U/L", ages=(1, 12))]
    result = run(_alp(650, ranges)).criterion("inc-alp")
    assert result.status is Status.FAIL  # 650 > 3 x 200


def test_sex_specific_default_for_a_teenager(run: Screen) -> None:
    # ALP 15-<17 y: female ULN 128 (x3 = 384), male ULN 365 (x3 = 1095)
    assert (
        run(_alp(500, None, birth="2010-03-01", sex="female")).criterion("inc-alp").status
        is Status.FAIL
    )
    assert (
        run(_alp(500, None, birth="2010-03-01", sex="male")).criterion("inc-alp").status
        is Status.PASS
    )


def test_unknown_sex_teenager_is_judged_against_both_and_goes_to_review_when_they_disagree(
    run: Screen,
) -> None:
    status = run(_alp(500, None, birth="2010-03-01", sex="unknown")).criterion("inc-alp").status
    assert status is Status.REVIEW


def test_methods_that_disagree_go_to_review(run: Screen) -> None:
    # ALT defaults for 1-<13 y: ULN 25 (no P5P) or 30 (P5P): 80 U/L fails one and passes the other
    builder = without(eligible_maintenance(), "'1742-6'").lab("1742-6", 80, "U/L", LAB_DAY)
    result = run(builder).criterion("inc-alt")
    assert result.status is Status.REVIEW
    assert len(result.evidence) == 2


# -- age ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("birth", "as_of", "expected"),
    [
        ("2024-06-15", date(2025, 6, 14), Status.FAIL),  # the day before the 1st birthday
        ("2024-06-15", date(2025, 6, 15), Status.PASS),  # the 1st birthday
        ("2007-06-15", date(2026, 6, 14), Status.PASS),  # the day before the 19th birthday
        ("2007-06-15", date(2026, 6, 15), Status.FAIL),  # the 19th birthday
        # 29 February: in a common year the birthday is 28 February (decision in docs)
        ("2008-02-29", date(2027, 2, 27), Status.PASS),
        ("2008-02-29", date(2027, 2, 28), Status.FAIL),
        ("2024-02-29", date(2025, 2, 27), Status.FAIL),
        ("2024-02-29", date(2025, 2, 28), Status.PASS),
        ("2024-02-29", date(2025, 3, 1), Status.PASS),
    ],
)
def test_age_reference_date_birthdays(
    run: Screen, birth: str, as_of: date, expected: Status
) -> None:
    assert (
        run(eligible_maintenance(birth_date=birth), as_of).criterion("inc-age").status is expected
    )


def test_age_evidence_names_the_patient_and_birth_date(run: Screen) -> None:
    evidence = run(eligible_maintenance()).criterion("inc-age").evidence[0]
    assert evidence.resource == "Patient/eligible-maintenance"
    assert evidence.value == "8"
    assert "2017-09-14" in (evidence.note or "")


def test_a_month_only_birth_date_decides_when_both_readings_agree(run: Screen) -> None:
    assert (
        run(eligible_maintenance(birth_date="2017-09")).criterion("inc-age").status is Status.PASS
    )


# -- evidence -----------------------------------------------------------------------------------
def test_lab_evidence_names_resource_value_unit_date_threshold_and_source(run: Screen) -> None:
    evidence = run(eligible_maintenance()).criterion("inc-hemoglobin").evidence[0]
    assert evidence.resource is not None
    assert evidence.resource.startswith("Observation/")
    assert (evidence.value, evidence.unit, evidence.date) == ("112", "g/L", LAB_DAY)
    assert evidence.threshold == ">= 80 g/L"
    assert evidence.threshold_source == "protocol NCT06948994 v1.0, criterion inc-hemoglobin"
    assert evidence.source_file == "eligible-maintenance.json"


def test_stale_evidence_is_shown_with_its_date(run: Screen) -> None:
    builder = without(eligible_maintenance(), "'718-7'").lab("718-7", 112, "g/L", "2026-04-01")
    result = run(builder).criterion("inc-hemoglobin")
    assert result.status is Status.UNKNOWN
    assert result.evidence[0].date == "2026-04-01"
    assert "2026-04-01" in result.reason()
    assert any("14 days" in m.render() for m in result.missing)


def test_the_newest_result_decides_even_when_an_older_one_failed(run: Screen) -> None:
    builder = eligible_maintenance().lab("718-7", 70, "g/L", "2026-05-20")
    assert run(builder).criterion("inc-hemoglobin").status is Status.PASS


def test_a_future_dated_result_is_not_used(run: Screen) -> None:
    builder = without(eligible_maintenance(), "'718-7'").lab("718-7", 112, "g/L", "2026-06-05")
    assert run(builder).criterion("inc-hemoglobin").status is Status.UNKNOWN


def test_a_preliminary_result_is_not_used(run: Screen) -> None:
    builder = without(eligible_maintenance(), "'718-7'").lab(
        "718-7", 112, "g/L", LAB_DAY, status="preliminary"
    )
    assert run(builder).criterion("inc-hemoglobin").status is Status.UNKNOWN


def test_a_censored_value_that_cannot_decide_is_unknown(run: Screen) -> None:
    builder = without(eligible_maintenance(), "'751-8'").lab(
        "751-8", 1.0, "10*9/L", LAB_DAY, comparator="<"
    )
    assert run(builder).criterion("inc-anc").status is Status.UNKNOWN
    builder = without(eligible_maintenance(), "'751-8'").lab(
        "751-8", 0.5, "10*9/L", LAB_DAY, comparator="<"
    )
    assert run(builder).criterion("inc-anc").status is Status.FAIL


# -- the record ---------------------------------------------------------------------------------
_MODIFIER = {
    "modifierExtension": [{"url": "https://example.org/fhir/unknown-flag", "valueBoolean": True}]
}


def test_unknown_modifier_extension_on_a_lab_makes_the_criterion_review(run: Screen) -> None:
    builder = without(eligible_maintenance(), "'718-7'").lab(
        "718-7", 112, "g/L", LAB_DAY, extra=_MODIFIER
    )
    result = run(builder)
    assert result.criterion("inc-hemoglobin").status is Status.REVIEW
    assert "unknown-flag" in result.criterion("inc-hemoglobin").reason()
    assert result.verdict is Verdict.NEEDS_REVIEW


def test_unknown_modifier_extension_on_a_condition_makes_the_criterion_review(run: Screen) -> None:
    builder = eligible_maintenance()
    builder.resources.append(
        {
            "resourceType": "Condition",
            "id": "hiv-modified",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "86406008"}]},
            "subject": builder.subject,
            **_MODIFIER,
        }
    )
    assert run(builder).criterion("exc-hiv").status is Status.REVIEW


def test_entered_in_error_resources_are_ignored_and_noted(run: Screen) -> None:
    builder = eligible_maintenance().lab(
        "718-7", 40, "g/L", "2026-05-30", status="entered-in-error"
    )
    builder.condition("snomed:86406008", verification="entered-in-error")
    result = run(builder)
    assert result.criterion("inc-hemoglobin").status is Status.PASS
    assert result.criterion("exc-hiv").status is Status.PASS
    assert result.verdict is Verdict.ELIGIBLE
    assert any("entered-in-error" in note for note in result.to_dict()["notes"])


def test_missing_data_never_passes(run: Screen) -> None:
    """A bare Patient: no criterion may pass or be not-applicable on nothing."""
    from trialdesk.testing.fhir import BundleBuilder

    result = run(BundleBuilder("bare", "2017-09-14", "female"))
    passed = {c.id for c in result.criteria if c.status is Status.PASS}
    assert passed == {"inc-age"}  # age is known from the Patient itself
    assert result.verdict is Verdict.INCOMPLETE


@pytest.mark.parametrize(
    ("criterion", "resource"),
    [
        ("exc-organ-transplant", {"resourceType": "Procedure", "status": "completed", "code": {"coding": [{"system": "http://snomed.info/sct", "code": "70536003"}]}, "performedDateTime": "2020-01-01"}),
        ("exc-infection-immunosuppression", {"resourceType": "MedicationStatement", "status": "active", "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc", "code": "L04AD01"}]}, "effectivePeriod": {"start": "2026-05-01"}}),
        ("inc-measurable-lesion", None),
    ],
)  # fmt: skip
def test_unknown_modifier_on_procedures_medications_and_lesions_is_review(
    run: Screen, criterion: str, resource: dict[str, Any] | None
) -> None:
    from trialdesk.testing.patients import eligible_relapsed

    if resource is None:
        builder = eligible_relapsed()
        lesion = next(r for r in builder.resources if "21889-1" in str(r))
        lesion.update(_MODIFIER)
    else:
        builder = eligible_maintenance()
        builder.resources.append(
            {"id": "modified", "subject": builder.subject, **resource, **_MODIFIER}
        )
    assert run(builder).criterion(criterion).status is Status.REVIEW


def test_unknown_modifier_on_the_patient_makes_age_review(run: Screen) -> None:
    builder = eligible_maintenance()
    builder.resources[0].update(_MODIFIER)
    assert run(builder).criterion("inc-age").status is Status.REVIEW


def test_a_valid_unit_of_the_wrong_kind_without_own_range_is_unknown(run: Screen) -> None:
    # ALP reported in mmol/L (a real UCUM unit, but a concentration, not an activity) and no
    # range of its own: the default ULN in U/L cannot be converted, so nothing can be decided.
    builder = without(eligible_maintenance(), "'6768-6'").lab("6768-6", 200, "mmol/L", LAB_DAY)
    result = run(builder).criterion("inc-alp")
    assert result.status is Status.UNKNOWN
    assert result.evidence[0].unit == "mmol/L"
