"""Public endpoints: the trial's facts, the "applied / enrolled of 15" counter, and the
family pre-screen application. No sign-in; nothing here reveals a child's data."""

from __future__ import annotations

from fastapi import APIRouter, status

from trialdesk.api.deps import Study
from trialdesk.api.schemas import ApplicationIn, ApplicationOut, CountersOut, TrialOut
from trialdesk.service.applications import ApplicationInput, submit_application
from trialdesk.service.trials import get_trial, public_counters

router = APIRouter(tags=["public"])

_THANKS = "Thank you. The study team will contact you. Quote your reference code when you call."
_DUPLICATE = (
    "We have this child's application already; this one is linked to it. "
    "Quote either reference code when you call."
)


@router.get("/trial", response_model=TrialOut, summary="Public facts of the trial")
def read_trial(study: Study) -> TrialOut:
    with study.database.reading() as session:
        trial = get_trial(session, study.trial_id)
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


@router.get("/trial/counters", response_model=CountersOut, summary="Applied / enrolled of target")
def read_counters(study: Study) -> CountersOut:
    with study.database.reading() as session:
        counters = public_counters(session, study.trial_id)
    return CountersOut(applied=counters.applied, enrolled=counters.enrolled, target=counters.target)


@router.post(
    "/applications",
    response_model=ApplicationOut,
    status_code=status.HTTP_201_CREATED,
    summary="A family's pre-screen application",
)
def submit(body: ApplicationIn, study: Study) -> ApplicationOut:
    data = ApplicationInput(**body.model_dump())
    with study.database.transaction() as session:
        row, duplicate = submit_application(
            session, trial_id=study.trial_id, site=study.settings.site, data=data
        )
        code = row.reference_code
    return ApplicationOut(
        reference_code=code, duplicate=duplicate, message=_DUPLICATE if duplicate else _THANKS
    )
