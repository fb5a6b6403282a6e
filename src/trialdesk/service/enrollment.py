"""Enrollment to target: never more than the protocol's target, even under concurrent requests.

The trial row holds the counter. Every enrollment locks that row first (``SELECT … FOR
UPDATE`` on PostgreSQL; on SQLite the transaction's ``BEGIN IMMEDIATE`` already holds the
only write lock), then decides with the core and increments in the same transaction. Beyond
the target a subject is put on the waitlist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.study.enrollment import (
    EnrollmentFacts,
    EnrollmentOutcome,
    decide_enrollment,
)
from trialdesk.core.study.states import SubjectStatus
from trialdesk.errors import EnrollmentClosedError, Problem
from trialdesk.service import audit
from trialdesk.service.access import Actor, Permission, require
from trialdesk.service.consent import consent_state
from trialdesk.service.screening import latest_screening
from trialdesk.service.signoff import signed_off
from trialdesk.service.storage.models import SubjectRow, TrialRow
from trialdesk.service.storage.types import utcnow
from trialdesk.service.subjects import change_status, get_subject
from trialdesk.service.trials import get_trial

__all__ = ["EnrollmentResult", "enroll", "enrollment_facts", "waitlist"]


@dataclass(frozen=True, slots=True)
class EnrollmentResult:
    outcome: EnrollmentOutcome
    subject: SubjectRow
    reasons: tuple[str, ...]


def enrollment_facts(
    session: Session, subject: SubjectRow, trial: TrialRow, on: date
) -> EnrollmentFacts:
    screening = latest_screening(session, subject.id)
    consent = consent_state(session, subject, on)
    return EnrollmentFacts(
        status=SubjectStatus(subject.status),
        on=on,
        enrolled=trial.enrolled,
        target=trial.target,
        paused=trial.paused,
        pause_reason=trial.pause_reason,
        screening_verdict=screening.verdict if screening else None,
        screening_as_of=screening.as_of if screening else None,
        screening_protocol_version=screening.protocol_version if screening else None,
        protocol_version=trial.protocol_version,
        signed_off=screening is not None and signed_off(session, screening),
        consent_gaps=consent.gaps,
        consent_recorded=consent.consent is not None,
    )


def _refuse(reasons: tuple[str, ...]) -> EnrollmentClosedError:
    return EnrollmentClosedError(
        "the subject cannot be enrolled",
        where="enrollment",
        problems=[Problem("enrollment", reason) for reason in reasons],
    )


def enroll(session: Session, actor: Actor, subject_id: str, on: date) -> EnrollmentResult:
    """Enrol, or waitlist when the target is reached; refuse with every reason otherwise."""
    require(actor, Permission.ENROLL)
    # Lock order: trial counter first, then the subject, then the audit head (in audit.record).
    subject = get_subject(session, actor, subject_id)
    trial = get_trial(session, subject.trial_id, lock=True)
    subject = get_subject(session, actor, subject_id, lock=True)
    decision = decide_enrollment(enrollment_facts(session, subject, trial, on))
    if decision.outcome is EnrollmentOutcome.REFUSE:
        raise _refuse(decision.reasons)
    if decision.outcome is EnrollmentOutcome.WAITLIST:
        waitlist(session, actor, subject)
        return EnrollmentResult(decision.outcome, subject, decision.reasons)
    old_counter = trial.enrolled
    trial.enrolled += 1
    subject.enrollment_number, subject.enrolled_at = trial.enrolled, utcnow()
    subject.enrolled_on = on
    subject.waitlisted_at = None
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "trial",
        trial.id,
        old={"enrolled": old_counter},
        new={"enrolled": trial.enrolled},
        reason=f"subject {subject.code} enrolled",
    )
    change_status(session, actor, subject, SubjectStatus.ON_STUDY, "enrolled")
    return EnrollmentResult(decision.outcome, subject, ())


def waitlist(session: Session, actor: Actor, subject: SubjectRow) -> None:
    if subject.waitlisted_at is not None:
        return
    old = audit.snapshot(subject)
    subject.waitlisted_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "subject",
        subject.id,
        old=old,
        new=audit.snapshot(subject),
        reason="enrollment target reached: waitlisted",
    )


def waitlisted(session: Session, trial_id: str) -> list[SubjectRow]:
    rows = session.execute(
        select(SubjectRow)
        .where(SubjectRow.trial_id == trial_id, SubjectRow.waitlisted_at.is_not(None))
        .order_by(SubjectRow.waitlisted_at)
    ).scalars()
    return list(rows)
