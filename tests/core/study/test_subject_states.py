from __future__ import annotations

from itertools import pairwise

import pytest

from trialdesk.core.study import SubjectStatus, allowed_transitions, check_transition
from trialdesk.errors import IllegalTransitionError

S = SubjectStatus

HAPPY_PATH = [
    S.CANDIDATE,
    S.SCREENING,
    S.ELIGIBLE,
    S.CONSENTED,
    S.ON_STUDY,
    S.FOLLOW_UP,
    S.OFF_STUDY,
]


def test_the_whole_study_path_is_allowed_step_by_step() -> None:
    for current, target in pairwise(HAPPY_PATH):
        check_transition(current, target)


@pytest.mark.parametrize("status", [s for s in S if s not in (S.OFF_STUDY, S.WITHDRAWN)])
def test_withdrawal_is_possible_from_every_status_that_is_not_final(status: S) -> None:
    check_transition(status, S.WITHDRAWN)


@pytest.mark.parametrize("final", [S.OFF_STUDY, S.WITHDRAWN])
def test_final_statuses_allow_nothing(final: S) -> None:
    assert allowed_transitions(final) == frozenset()
    with pytest.raises(IllegalTransitionError, match="final status"):
        check_transition(final, S.SCREENING)


def test_a_candidate_cannot_jump_to_on_study_and_the_error_says_why_and_what_is_allowed() -> None:
    with pytest.raises(IllegalTransitionError) as caught:
        check_transition(S.CANDIDATE, S.ON_STUDY)
    error = caught.value
    assert "only a consented subject can start the study" in error.message
    assert error.expected == "screening | withdrawn"
    assert error.got == "on-study"
    assert error.http_status == 409


def test_an_enrolled_subject_never_goes_back_to_screening() -> None:
    for status in (S.ON_STUDY, S.FOLLOW_UP):
        with pytest.raises(IllegalTransitionError):
            check_transition(status, S.SCREENING)


def test_a_re_screen_returns_eligible_ineligible_and_consented_subjects_to_screening() -> None:
    for status in (S.ELIGIBLE, S.INELIGIBLE, S.CONSENTED):
        check_transition(status, S.SCREENING)


def test_staying_in_the_same_status_is_not_a_transition() -> None:
    with pytest.raises(IllegalTransitionError, match="already 'eligible'"):
        check_transition(S.ELIGIBLE, S.ELIGIBLE)


def test_status_values_are_the_fhir_research_subject_codes() -> None:
    assert {s.value for s in S} >= {
        "candidate",
        "eligible",
        "ineligible",
        "on-study",
        "follow-up",
        "off-study",
        "withdrawn",
        "screening",
        "consented",
    }
