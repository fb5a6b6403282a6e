from __future__ import annotations

from dataclasses import replace
from datetime import date

from trialdesk.core.study import (
    ConsentGap,
    EnrollmentFacts,
    EnrollmentOutcome,
    SubjectStatus,
    decide_enrollment,
)

READY = EnrollmentFacts(
    status=SubjectStatus.CONSENTED,
    on=date(2026, 3, 10),
    enrolled=3,
    target=15,
    screening_verdict="eligible",
    screening_as_of=date(2026, 3, 1),
    screening_protocol_version="1.0",
    protocol_version="1.0",
    signed_off=True,
    consent_recorded=True,
)


def test_a_consented_signed_off_eligible_subject_is_enrolled_below_target() -> None:
    assert decide_enrollment(READY).outcome is EnrollmentOutcome.ENROLL


def test_the_fifteenth_child_is_enrolled_and_the_sixteenth_waitlisted() -> None:
    assert decide_enrollment(replace(READY, enrolled=14)).outcome is EnrollmentOutcome.ENROLL
    decision = decide_enrollment(replace(READY, enrolled=15))
    assert decision.outcome is EnrollmentOutcome.WAITLIST
    assert decision.reasons == ("the target of 15 is reached (15 enrolled)",)


def test_every_blocking_reason_is_given_together() -> None:
    facts = replace(
        READY,
        screening_verdict="incomplete",
        signed_off=False,
        consent_gaps=(ConsentGap.CHILD_ASSENT,),
        paused=True,
        pause_reason="SAE review",
    )
    decision = decide_enrollment(facts)
    assert decision.outcome is EnrollmentOutcome.REFUSE
    assert decision.reasons == (
        "the latest screening is 'incomplete', not eligible",
        "an investigator has not signed eligibility for the latest screening",
        "consent: child_assent_missing",
        "enrollment is paused: SAE review",
    )


def test_a_refusal_wins_over_the_waitlist() -> None:
    facts = replace(READY, enrolled=15, signed_off=False)
    assert decide_enrollment(facts).outcome is EnrollmentOutcome.REFUSE


def test_only_consented_subjects_can_be_enrolled() -> None:
    decision = decide_enrollment(replace(READY, status=SubjectStatus.ELIGIBLE))
    assert decision.outcome is EnrollmentOutcome.REFUSE
    assert "only a consented subject" in decision.reasons[0]


def test_a_stale_or_outdated_screening_blocks_enrollment() -> None:
    stale = decide_enrollment(replace(READY, screening_as_of=date(2026, 1, 1)))
    assert stale.reasons == ("the latest screening is older than 30 days",)
    amended = decide_enrollment(replace(READY, protocol_version="2.0"))
    assert "current version is 2.0" in amended.reasons[0]


def test_no_screening_or_no_consent_blocks_enrollment() -> None:
    facts = replace(READY, screening_verdict=None, screening_as_of=None, consent_recorded=False)
    assert decide_enrollment(facts).reasons == (
        "no screening is recorded",
        "no consent is recorded",
    )
