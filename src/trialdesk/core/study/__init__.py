"""Pure decisions of running the study: subject states, consent completeness, enrollment.

The service stores; this package decides. No I/O, no clock: callers pass the dates.
"""

from __future__ import annotations

from trialdesk.core.study.consent import ConsentFacts, ConsentGap, consent_gaps, reconsent_reasons
from trialdesk.core.study.enrollment import (
    EnrollmentDecision,
    EnrollmentFacts,
    EnrollmentOutcome,
    decide_enrollment,
)
from trialdesk.core.study.screen_fail import ScreenFailReason, screen_fail_reasons
from trialdesk.core.study.states import (
    ENROLLED_STATES,
    SubjectStatus,
    allowed_transitions,
    check_transition,
)

__all__ = [
    "ENROLLED_STATES",
    "ConsentFacts",
    "ConsentGap",
    "EnrollmentDecision",
    "EnrollmentFacts",
    "EnrollmentOutcome",
    "ScreenFailReason",
    "SubjectStatus",
    "allowed_transitions",
    "check_transition",
    "consent_gaps",
    "decide_enrollment",
    "reconsent_reasons",
    "screen_fail_reasons",
]
