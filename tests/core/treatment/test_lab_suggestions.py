"""Lab Observations → suggested adverse events with their CTCAE v5.0 grade and rule.

CTCAE v5.0 (clinical-rules.md §1.3-1.4): ANC 0.4 × 10^9/L is grade 4 (< 0.5); platelets 60 is
grade 2 (75 > x >= 50); ALT 130 U/L with ULN 40 is grade 2 (3.0 < 3.25 <= 5.0 × ULN);
haemoglobin 125 g/L above its LLN is no grade at all.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from trialdesk.core.record import (
    Coding,
    FuzzyDate,
    ObservationRecord,
    Quantity,
    ReferenceRange,
    SourceRef,
)
from trialdesk.core.treatment.lab_suggestions import SuggestionKind, suggest_adverse_events

LOINC = "http://loinc.org"
DAY = date(2026, 3, 20)


def obs(
    oid: str,
    loinc: str,
    value: str,
    unit: str,
    *,
    low: str | None = None,
    high: str | None = None,
    comparator: str | None = None,
    status: str = "final",
) -> ObservationRecord:
    ranges = ()
    if low is not None or high is not None:
        ranges = (
            ReferenceRange(
                low=None if low is None else Quantity(Decimal(low), unit),
                high=None if high is None else Quantity(Decimal(high), unit),
            ),
        )
    return ObservationRecord(
        ref=SourceRef("Observation", oid),
        codes=(Coding(LOINC, loinc),),
        status=status,
        effective=FuzzyDate.exact(DAY),
        value=Quantity(Decimal(value), unit, comparator),
        reference_ranges=ranges,
    )


def test_abnormal_results_become_suggestions_with_their_rule() -> None:
    found = suggest_adverse_events(
        [
            obs("anc", "751-8", "0.4", "10*9/L", low="1.5", high="8.0"),
            obs("plt", "777-3", "60", "10*9/L", low="150", high="450"),
            obs("alt", "1742-6", "130", "U/L", low="5", high="40"),
            obs("hgb", "718-7", "125", "g/L", low="110", high="145"),
        ]
    )
    by_obs = {s.observation: s for s in found}
    assert set(by_obs) == {"Observation/anc", "Observation/plt", "Observation/alt"}
    anc = by_obs["Observation/anc"]
    assert anc.kind is SuggestionKind.ADVERSE_EVENT
    assert (anc.term, anc.grade, anc.meddra_code) == ("Neutrophil count decreased", 4, "10029366")
    assert anc.rule is not None
    assert anc.rule["threshold"] == "(-inf, 0.5) 10*9/L"
    assert anc.onset == DAY
    assert (by_obs["Observation/plt"].term, by_obs["Observation/plt"].grade) == (
        "Platelet count decreased",
        2,
    )
    assert (by_obs["Observation/alt"].term, by_obs["Observation/alt"].grade) == (
        "Alanine aminotransferase increased",
        2,
    )


def test_results_that_cannot_be_graded_safely_go_to_review() -> None:
    found = suggest_adverse_events(
        [
            obs("cens", "751-8", "0.5", "10*9/L", comparator="<", low="1.5"),
            obs("prelim", "751-8", "0.4", "10*9/L", low="1.5", status="preliminary"),
            obs("norange", "1742-6", "130", "U/L"),  # no ULN, no age: the grade is unknown
        ]
    )
    assert [s.kind for s in found] == [SuggestionKind.REVIEW] * 3
    reasons = " | ".join(s.reason for s in found)
    assert "censored" in reasons
    assert "preliminary" in reasons
    assert "cannot grade" in reasons
    assert all(s.grade is None for s in found)


def test_default_paediatric_interval_is_used_and_said_when_the_lab_gives_none() -> None:
    # Haemoglobin 105 g/L at 6 years: the default LLN 115 g/L makes it grade 1 (LLN > x >= 100).
    found = suggest_adverse_events([obs("hgb", "718-7", "105", "g/L")], age_years=Decimal(6))
    assert len(found) == 1
    assert found[0].kind is SuggestionKind.ADVERSE_EVENT
    assert (found[0].term, found[0].grade) == ("Anemia", 1)
    assert any("default paediatric interval" in note for note in found[0].notes)
    # Aminotransferase intervals depend on the assay: no default, so a person must look.
    alt = suggest_adverse_events([obs("alt", "1742-6", "130", "U/L")], age_years=Decimal(6))
    assert alt[0].kind is SuggestionKind.REVIEW


def test_non_lab_or_unknown_codes_are_ignored() -> None:
    assert suggest_adverse_events([obs("x", "99999-9", "1", "10*9/L")]) == ()
