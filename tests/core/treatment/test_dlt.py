"""DLT classification against the bundled EXAMPLE definition, and DLT evaluability.

Example definition: window 21 days from the first NK-cell infusion; attribution at least
"possible" to the NK cells; grade >= 3 non-haematological toxicity (except grade 3 pain,
fever, hypotension, nausea, ... resolving within 3 days); grade 4 neutropenia or
thrombocytopenia lasting 8 days or more; grade >= 4 febrile neutropenia.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from treatment_builders import bundled_plan

from trialdesk.core.treatment.adverse_events import AdverseEventEntry
from trialdesk.core.treatment.dlt import DltClass, classify_dlt, subject_dlt_status

FIRST_NK = date(2026, 3, 14)
NK = "Autologous NK cells"


def ae(**changes: Any) -> AdverseEventEntry:
    data: dict[str, Any] = {
        "term": "Alanine aminotransferase increased",
        "grade": 3,
        "onset": FIRST_NK + timedelta(days=3),
        "resolved": FIRST_NK + timedelta(days=10),
        "attribution": {
            NK: "possible",
            "Anti-GD2 monoclonal antibody": "possible",
            "Standard chemotherapy": "possible",
        },
    }
    data.update(changes)
    return AdverseEventEntry.model_validate(data)


def verdict(entry: AdverseEventEntry, as_of: date = date(2026, 5, 1)) -> DltClass:
    return classify_dlt(entry, bundled_plan(), FIRST_NK, as_of).verdict


def test_grade_3_non_haematological_related_in_window_is_a_dlt() -> None:
    result = classify_dlt(ae(), bundled_plan(), FIRST_NK, date(2026, 5, 1))
    assert result.verdict is DltClass.DLT
    assert result.criterion == "non-haematologic-g3"
    assert result.definition_is_example


def test_grade_2_or_outside_the_window_or_unrelated_is_not() -> None:
    assert verdict(ae(grade=2)) is DltClass.NOT_DLT
    assert verdict(ae(onset=FIRST_NK + timedelta(days=21), resolved=None)) is DltClass.NOT_DLT
    assert verdict(ae(onset=FIRST_NK + timedelta(days=20))) is DltClass.DLT  # last day of window
    unrelated = {NK: "unlikely", "Anti-GD2 monoclonal antibody": "probable"}
    assert verdict(ae(attribution=unrelated)) is DltClass.NOT_DLT


def test_missing_nk_attribution_goes_to_review() -> None:
    result = classify_dlt(
        ae(attribution={"Standard chemotherapy": "probable"}), bundled_plan(), FIRST_NK,
        date(2026, 5, 1),
    )  # fmt: skip
    assert result.verdict is DltClass.REVIEW
    assert any("Autologous NK cells is not recorded" in r for r in result.reasons)


def test_expected_toxicity_resolving_within_72_hours_is_excepted() -> None:
    onset = FIRST_NK + timedelta(days=1)
    assert (
        verdict(ae(term="Pain", onset=onset, resolved=onset + timedelta(days=3)))
        is DltClass.NOT_DLT
    )
    assert verdict(ae(term="Pain", onset=onset, resolved=onset + timedelta(days=4))) is DltClass.DLT
    # Still running on day 2: it may yet be excepted.
    running = ae(term="Pain", onset=onset, resolved=None)
    assert verdict(running, as_of=onset + timedelta(days=2)) is DltClass.REVIEW
    assert verdict(running, as_of=onset + timedelta(days=5)) is DltClass.DLT


def test_haematological_g3_is_not_a_dlt_but_g4_lasting_8_days_is() -> None:
    onset = FIRST_NK + timedelta(days=5)
    anc = {"term": "Neutrophil count decreased", "onset": onset}
    assert verdict(ae(grade=3, resolved=onset + timedelta(days=20), **anc)) is DltClass.NOT_DLT
    assert verdict(ae(grade=4, resolved=onset + timedelta(days=7), **anc)) is DltClass.NOT_DLT
    assert verdict(ae(grade=4, resolved=onset + timedelta(days=8), **anc)) is DltClass.DLT
    running = ae(grade=4, resolved=None, **anc)
    assert verdict(running, as_of=onset + timedelta(days=3)) is DltClass.REVIEW
    assert verdict(running, as_of=onset + timedelta(days=8)) is DltClass.DLT


def test_febrile_neutropenia_grade_3_is_not_grade_4_is() -> None:
    assert verdict(ae(term="Febrile neutropenia", grade=3)) is DltClass.NOT_DLT
    assert verdict(ae(term="Febrile neutropenia", grade=4)) is DltClass.DLT


def test_no_dose_no_window() -> None:
    assert classify_dlt(ae(), bundled_plan(), None, FIRST_NK).verdict is DltClass.NOT_DLT


def test_subject_evaluability() -> None:
    plan = bundled_plan()
    dlt = classify_dlt(ae(), plan, FIRST_NK, date(2026, 5, 1))
    review = classify_dlt(ae(attribution={}), plan, FIRST_NK, date(2026, 5, 1))
    end = FIRST_NK + timedelta(days=20)
    assert subject_dlt_status(plan, FIRST_NK, [dlt], FIRST_NK).evaluable  # a DLT counts at once
    assert not subject_dlt_status(plan, FIRST_NK, [], end).evaluable  # window still running
    assert subject_dlt_status(plan, FIRST_NK, [], end + timedelta(days=1)).evaluable
    pending = subject_dlt_status(plan, FIRST_NK, [review], end + timedelta(days=1))
    assert pending.pending
    assert not pending.evaluable
    left = subject_dlt_status(
        plan, FIRST_NK, [], end + timedelta(days=1), left_before_window_end=True
    )
    assert not left.evaluable
    assert not subject_dlt_status(plan, None, [], end).evaluable
