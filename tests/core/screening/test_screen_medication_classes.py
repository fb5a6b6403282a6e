"""A medicine TrialDesk cannot place in a class (coded only in another system, or not coded)
is never read as "not in the class": the leaf goes to review with the medicine as evidence."""

from __future__ import annotations

from trialdesk.core.screening.result import Status
from trialdesk.testing.fhir import BundleBuilder
from trialdesk.testing.patients import Screen, eligible_maintenance

CRITERION = "exc-infection-immunosuppression"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _with_medication(*codings: dict[str, str], status: str = "active") -> BundleBuilder:
    builder = eligible_maintenance()
    builder.medication(f"{ATC}:A04AA01", "2026-05-20")  # ondansetron: placed, not in the class
    builder.resources.append(
        {
            "resourceType": "MedicationStatement",
            "id": "med-under-test",
            "status": status,
            "medicationCodeableConcept": {"coding": list(codings), "text": "amoxicillin"},
            "subject": builder.subject,
            "effectivePeriod": {"start": "2026-05-28"},
        }
    )
    return builder


def test_an_rxnorm_only_medicine_goes_to_review_with_its_code_as_evidence(run: Screen) -> None:
    result = run(_with_medication({"system": RXNORM, "code": "723", "display": "amoxicillin"}))
    criterion = result.criterion(CRITERION)
    assert criterion.status is Status.REVIEW
    data = criterion.to_dict("en")
    assert "not coded in ATC" in data["reason"]
    evidence = [
        e for e in data["evidence"] if e["resource"] == "MedicationStatement/med-under-test"
    ]
    assert evidence
    assert evidence[0]["value"] == "rxnorm:723"
    assert any("pharmacist" in m for m in data["missing"])


def test_an_uncoded_medicine_goes_to_review(run: Screen) -> None:
    assert run(_with_medication()).criterion(CRITERION).status is Status.REVIEW


def test_an_atc_code_beside_the_rxnorm_one_places_the_medicine(run: Screen) -> None:
    placed = _with_medication(
        {"system": RXNORM, "code": "161"}, {"system": ATC, "code": "N02BE01"}
    )  # paracetamol: not an anti-infective
    assert run(placed).criterion(CRITERION).status is Status.PASS


def test_a_stopped_unplaced_medicine_does_not_count(run: Screen) -> None:
    stopped = _with_medication({"system": RXNORM, "code": "723"}, status="stopped")
    assert run(stopped).criterion(CRITERION).status is Status.PASS


def test_a_placed_match_still_decides_beside_an_unplaced_medicine(run: Screen) -> None:
    builder = _with_medication({"system": RXNORM, "code": "723"})
    builder.medication(f"{ATC}:J01CA04", "2026-05-28")
    criterion = run(builder).criterion(CRITERION)
    assert criterion.status is Status.REVIEW
    assert criterion.to_dict("en")["reason"].startswith("Recorded medication")


def test_the_reason_reads_in_chinese(run: Screen) -> None:
    result = run(_with_medication({"system": RXNORM, "code": "723"}))
    assert "ATC" in result.criterion(CRITERION).to_dict("zh")["reason"]
