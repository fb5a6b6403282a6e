"""Subjects: the list (paged, site-scoped), registration by staff, edits with optimistic
locking, withdrawal / follow-up / off-study with reason and date."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from trialdesk.api.deps import Paging, SignedIn, Study
from trialdesk.api.schemas import (
    ApplicationDetailOut,
    EndParticipationIn,
    Page,
    SubjectIn,
    SubjectOut,
    SubjectUpdateIn,
)
from trialdesk.core.study.states import SubjectStatus
from trialdesk.errors import AccessDeniedError
from trialdesk.service.access import Permission, require
from trialdesk.service.applications import get_application
from trialdesk.service.subjects import (
    end_participation,
    get_subject,
    list_subjects,
    register_subject,
    update_subject,
)

router = APIRouter(prefix="/subjects", tags=["subjects"])
applications = APIRouter(tags=["subjects"])

StatusFilter = Annotated[SubjectStatus | None, Query(alias="status")]


@router.get("", response_model=Page[SubjectOut], summary="Subjects, oldest first")
def read_subjects(
    actor: SignedIn, study: Study, page: Paging, status_filter: StatusFilter = None
) -> Page[SubjectOut]:
    with study.database.reading() as session:
        found = list_subjects(
            session,
            actor,
            offset=page.offset,
            limit=page.limit,
            status=status_filter.value if status_filter else None,
        )
        items = [SubjectOut.model_validate(s) for s in found.items]
    return Page[SubjectOut](items=items, total=found.total, offset=page.offset, limit=page.limit)


@router.post(
    "",
    response_model=SubjectOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register a candidate (staff referral)",
)
def add_subject(body: SubjectIn, actor: SignedIn, study: Study) -> SubjectOut:
    require(actor, Permission.REGISTER_CANDIDATE)
    site = body.site or actor.site or study.settings.site
    if not actor.sees_site(site):
        raise AccessDeniedError(
            "a user bound to a site registers candidates at that site only",
            where="site",
            expected=str(actor.site),
            got=site,
        )
    with study.database.transaction() as session:
        subject = register_subject(
            session,
            actor,
            trial_id=study.trial_id,
            site=site,
            source="staff",
            birth_date=body.birth_date,
            sex=body.sex,
            notes=body.notes,
        )
        return SubjectOut.model_validate(subject)


@applications.get(
    "/applications/{reference_code}",
    response_model=ApplicationDetailOut,
    summary="Look up a family's application by the reference code they quote",
)
def read_application(reference_code: str, actor: SignedIn, study: Study) -> ApplicationDetailOut:
    with study.database.reading() as session:
        row = get_application(session, actor, reference_code.strip().upper())
        get_subject(session, actor, row.subject_id)  # site scoping
        return ApplicationDetailOut.model_validate(row)


@router.get("/{subject_id}", response_model=SubjectOut, summary="One subject")
def read_subject(subject_id: str, actor: SignedIn, study: Study) -> SubjectOut:
    with study.database.reading() as session:
        return SubjectOut.model_validate(get_subject(session, actor, subject_id))


@router.patch(
    "/{subject_id}",
    response_model=SubjectOut,
    summary="Edit a subject: only the fields sent change (send the version you read; 409 if stale)",
)
def edit_subject(
    subject_id: str, body: SubjectUpdateIn, actor: SignedIn, study: Study
) -> SubjectOut:
    with study.database.transaction() as session:
        changes = body.model_dump(include={"notes", "birth_date", "sex"}, exclude_unset=True)
        subject = update_subject(
            session,
            actor,
            subject_id,
            expected_version=body.version,
            reason=body.reason,
            **changes,
        )
        return SubjectOut.model_validate(subject)


@router.post(
    "/{subject_id}/status",
    response_model=SubjectOut,
    summary="Withdrawal, follow-up or off-study, with reason and date",
)
def end(subject_id: str, body: EndParticipationIn, actor: SignedIn, study: Study) -> SubjectOut:
    with study.database.transaction() as session:
        subject = end_participation(
            session,
            actor,
            subject_id,
            target=SubjectStatus(body.status),
            reason=body.reason,
            on=body.on,
            expected_version=body.version,
        )
        return SubjectOut.model_validate(subject)
