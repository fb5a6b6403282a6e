"""Consent as data: approved document versions per language, consents, the investigator's
signature. Enrollment stays blocked until the consent is complete."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from trialdesk.api.deps import SignedIn, Study
from trialdesk.api.schemas import (
    ConsentDocumentIn,
    ConsentDocumentOut,
    ConsentIn,
    ConsentOut,
    SignIn,
)
from trialdesk.service import consent as service
from trialdesk.service.access import Permission, require
from trialdesk.service.storage.models import ConsentRow, SubjectRow
from trialdesk.service.subjects import get_subject

router = APIRouter(tags=["consent"])


def _out(session: Session, row: ConsentRow, study: Study) -> ConsentOut:
    out = ConsentOut.model_validate(row)
    subject = session.get(SubjectRow, row.subject_id)
    assert subject is not None
    state = service.consent_state(session, subject, study.date_today())
    if state.consent is not None and state.consent.id == row.id:
        return out.model_copy(
            update={"gaps": [str(g) for g in state.gaps], "complete": state.complete}
        )
    return out.model_copy(update={"gaps": ["superseded by a later consent"], "complete": False})


@router.get(
    "/consent-documents", response_model=list[ConsentDocumentOut], summary="Consent documents"
)
def read_documents(actor: SignedIn, study: Study) -> list[ConsentDocumentOut]:
    require(actor, Permission.READ_STUDY)
    with study.database.reading() as session:
        rows = service.list_documents(session, study.trial_id)
        return [ConsentDocumentOut.model_validate(r) for r in rows]


@router.post(
    "/consent-documents",
    response_model=ConsentDocumentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add an approved consent document version",
)
def add_document(body: ConsentDocumentIn, actor: SignedIn, study: Study) -> ConsentDocumentOut:
    with study.database.transaction() as session:
        row = service.add_document(session, actor, trial_id=study.trial_id, **body.model_dump())
        return ConsentDocumentOut.model_validate(row)


@router.get("/subjects/{subject_id}/consents", response_model=list[ConsentOut], summary="Consents")
def read_consents(subject_id: str, actor: SignedIn, study: Study) -> list[ConsentOut]:
    with study.database.reading() as session:
        subject = get_subject(session, actor, subject_id)
        return [_out(session, r, study) for r in service.list_consents(session, subject.id)]


@router.post(
    "/subjects/{subject_id}/consents",
    response_model=ConsentOut,
    status_code=status.HTTP_201_CREATED,
    summary="Record a signed consent (and assent, witness)",
)
def add_consent(subject_id: str, body: ConsentIn, actor: SignedIn, study: Study) -> ConsentOut:
    data = service.ConsentInput(**body.model_dump())
    with study.database.transaction() as session:
        row = service.record_consent(session, actor, subject_id, data, study.date_today())
        return _out(session, row, study)


@router.post(
    "/consents/{consent_id}/signature",
    response_model=ConsentOut,
    summary="The investigator signs the consent (re-authentication)",
)
def sign(consent_id: str, body: SignIn, actor: SignedIn, study: Study) -> ConsentOut:
    with study.database.transaction() as session:
        row = service.sign_consent(session, actor, consent_id, body.password, study.date_today())
        return _out(session, row, study)
