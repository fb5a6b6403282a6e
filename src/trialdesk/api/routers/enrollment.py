"""Enrollment to target (never beyond it, a waitlist after it) and the enrollment pause."""

from __future__ import annotations

from fastapi import APIRouter

from trialdesk.api.deps import SignedIn, Study
from trialdesk.api.schemas import EnrollIn, EnrollmentOut, PauseIn, SubjectOut, TrialOut
from trialdesk.service.access import Permission, require
from trialdesk.service.enrollment import enroll, waitlisted
from trialdesk.service.trials import set_paused

router = APIRouter(tags=["enrollment"])


@router.post(
    "/subjects/{subject_id}/enrollment",
    response_model=EnrollmentOut,
    summary="Enrol a consented, signed-off subject, or waitlist beyond the target",
)
def enroll_subject(subject_id: str, body: EnrollIn, actor: SignedIn, study: Study) -> EnrollmentOut:
    with study.database.transaction() as session:
        result = enroll(session, actor, subject_id, body.on or study.date_today())
        return EnrollmentOut(
            outcome=result.outcome.value,
            reasons=list(result.reasons),
            subject=SubjectOut.model_validate(result.subject),
        )


@router.get("/waitlist", response_model=list[SubjectOut], summary="The waitlist, first come first")
def read_waitlist(actor: SignedIn, study: Study) -> list[SubjectOut]:
    require(actor, Permission.READ_STUDY)
    with study.database.reading() as session:
        rows = waitlisted(session, study.trial_id)
        return [SubjectOut.model_validate(r) for r in rows if actor.sees_site(r.site)]


@router.put("/trial/enrollment-pause", response_model=TrialOut, summary="Pause or resume")
def pause(body: PauseIn, actor: SignedIn, study: Study) -> TrialOut:
    with study.database.transaction() as session:
        trial = set_paused(session, actor, study.trial_id, body.paused, body.reason)
        return TrialOut(
            nct_id=trial.id,
            title=trial.title,
            protocol_version=trial.protocol_version,
            overall_status=trial.overall_status,
            target=trial.target,
            enrolled=trial.enrolled,
            paused=trial.paused,
            assent_min_age_years=trial.assent_min_age_years,
        )
