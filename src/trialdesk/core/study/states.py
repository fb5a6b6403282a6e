"""The subject state machine, on FHIR R4 ResearchSubject statuses.

    candidate → screening → eligible | ineligible → consented → on-study → follow-up → off-study
    (withdrawn from any state that is not final)

A re-screen sends an eligible, ineligible or consented subject back to ``screening``; a
subject who has started the study never goes back. ``off-study`` and ``withdrawn`` are final.
"""

from __future__ import annotations

from enum import StrEnum

from trialdesk.errors import IllegalTransitionError

__all__ = ["ENROLLED_STATES", "SubjectStatus", "allowed_transitions", "check_transition"]


class SubjectStatus(StrEnum):
    CANDIDATE = "candidate"
    SCREENING = "screening"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    CONSENTED = "consented"
    ON_STUDY = "on-study"
    FOLLOW_UP = "follow-up"
    OFF_STUDY = "off-study"
    WITHDRAWN = "withdrawn"


_S = SubjectStatus

_TRANSITIONS: dict[SubjectStatus, frozenset[SubjectStatus]] = {
    _S.CANDIDATE: frozenset({_S.SCREENING, _S.WITHDRAWN}),
    _S.SCREENING: frozenset({_S.ELIGIBLE, _S.INELIGIBLE, _S.WITHDRAWN}),
    _S.ELIGIBLE: frozenset({_S.CONSENTED, _S.SCREENING, _S.INELIGIBLE, _S.WITHDRAWN}),
    _S.INELIGIBLE: frozenset({_S.SCREENING, _S.WITHDRAWN}),
    _S.CONSENTED: frozenset({_S.ON_STUDY, _S.SCREENING, _S.INELIGIBLE, _S.WITHDRAWN}),
    _S.ON_STUDY: frozenset({_S.FOLLOW_UP, _S.OFF_STUDY, _S.WITHDRAWN}),
    _S.FOLLOW_UP: frozenset({_S.OFF_STUDY, _S.WITHDRAWN}),
    _S.OFF_STUDY: frozenset(),
    _S.WITHDRAWN: frozenset(),
}

# States that count against the enrollment target: once enrolled, a child stays counted,
# so a withdrawal never frees a slot for a 16th child.
ENROLLED_STATES = frozenset({_S.ON_STUDY, _S.FOLLOW_UP, _S.OFF_STUDY})

_WHY_NOT: dict[SubjectStatus, str] = {
    _S.ON_STUDY: "only a consented subject can start the study (enrol through the enrollment step)",
    _S.CONSENTED: "consent is recorded only for an eligible subject",
    _S.ELIGIBLE: "eligibility comes from a screening",
    _S.FOLLOW_UP: "follow-up starts after the study treatment (on-study)",
    _S.OFF_STUDY: "only a subject on study or in follow-up can go off study",
}


def allowed_transitions(current: SubjectStatus) -> frozenset[SubjectStatus]:
    return _TRANSITIONS[current]


def check_transition(current: SubjectStatus, target: SubjectStatus) -> None:
    """Refuse an illegal change with the reason and the states that are allowed."""
    allowed = _TRANSITIONS[current]
    if target in allowed:
        return
    if not allowed:
        why = f"'{current}' is a final status"
    elif target == current:
        why = f"the subject is already '{current}'"
    else:
        why = _WHY_NOT.get(target, f"'{target}' cannot follow '{current}'")
    raise IllegalTransitionError(
        f"cannot change status from '{current}' to '{target}': {why}",
        where="status",
        expected=" | ".join(sorted(allowed)) or "no further change",
        got=str(target),
        hint="withdrawn and off-study are final; a re-screen returns to 'screening'",
    )
