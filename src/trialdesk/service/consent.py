"""Consent as data: versioned documents per language, who signed, and whether it is complete.

The completeness rules (assent age, witness, turning 18, newer version) are the core's; this
module gathers the facts and stores what was signed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.study.consent import ConsentFacts, ConsentGap, consent_gaps
from trialdesk.core.study.states import SubjectStatus
from trialdesk.errors import ConflictError, InputError, WorkflowError
from trialdesk.service import audit
from trialdesk.service.access import Actor, Permission, require
from trialdesk.service.signatures import sign
from trialdesk.service.storage.models import (
    ConsentDocumentRow,
    ConsentRow,
    SignatureRow,
    SubjectRow,
)
from trialdesk.service.subjects import NotFoundError, change_status, get_subject
from trialdesk.service.trials import get_trial

__all__ = [
    "ConsentInput",
    "ConsentState",
    "add_document",
    "advance_if_consented",
    "consent_state",
    "current_document",
    "list_consents",
    "list_documents",
    "record_consent",
    "sign_consent",
]

CONSENT_MEANING = "I obtained this informed consent"
_CONSENTABLE = {
    SubjectStatus.ELIGIBLE,
    SubjectStatus.CONSENTED,
    SubjectStatus.ON_STUDY,
    SubjectStatus.FOLLOW_UP,
}


def add_document(
    session: Session,
    actor: Actor,
    *,
    trial_id: str,
    version: str,
    language: str,
    title: str,
    body: str,
    approved_on: date,
) -> ConsentDocumentRow:
    require(actor, Permission.MANAGE_CONSENT_DOCUMENTS)
    exists = session.execute(
        select(ConsentDocumentRow).where(
            ConsentDocumentRow.trial_id == trial_id,
            ConsentDocumentRow.version == version,
            ConsentDocumentRow.language == language,
        )
    ).first()
    if exists:
        raise ConflictError(
            f"consent document version {version} ({language}) exists already",
            where="version",
            hint="an approved version is never edited; add a new version",
        )
    row = ConsentDocumentRow(
        trial_id=trial_id,
        version=version,
        language=language,
        title=title,
        body_sha256=hashlib.sha256(body.encode()).hexdigest(),
        approved_on=approved_on,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "consent_document", row.id, new=audit.snapshot(row))
    return row


def list_documents(session: Session, trial_id: str) -> list[ConsentDocumentRow]:
    query = select(ConsentDocumentRow).where(ConsentDocumentRow.trial_id == trial_id)
    rows = session.execute(query.order_by(ConsentDocumentRow.approved_on)).scalars()
    return list(rows)


def current_document(
    session: Session, trial_id: str, language: str, on: date
) -> ConsentDocumentRow | None:
    return session.execute(
        select(ConsentDocumentRow)
        .where(
            ConsentDocumentRow.trial_id == trial_id,
            ConsentDocumentRow.language == language,
            ConsentDocumentRow.approved_on <= on,
        )
        .order_by(ConsentDocumentRow.approved_on.desc(), ConsentDocumentRow.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class ConsentInput:
    document_id: str
    consent_date: date
    guardian_name: str | None = None
    guardian_signed: bool = False
    participant_signed: bool = False
    assent_signed: bool = False
    witness_required: bool = False
    witness_name: str | None = None
    witness_signed: bool = False


def record_consent(
    session: Session, actor: Actor, subject_id: str, data: ConsentInput, today: date
) -> ConsentRow:
    require(actor, Permission.RECORD_CONSENT)
    subject = get_subject(session, actor, subject_id, lock=True)
    if SubjectStatus(subject.status) not in _CONSENTABLE:
        raise WorkflowError(
            f"consent is recorded for an eligible subject; this one is '{subject.status}'",
            where="status",
            expected=" | ".join(sorted(_CONSENTABLE)),
            got=subject.status,
        )
    document = session.get(ConsentDocumentRow, data.document_id)
    if document is None or document.trial_id != subject.trial_id:
        raise NotFoundError("no such consent document", where="document_id", got=data.document_id)
    if data.consent_date > today:
        raise InputError(
            "the consent date is in the future",
            where="consent_date",
            got=data.consent_date.isoformat(),
        )
    row = ConsentRow(subject_id=subject.id, **_fields(data))
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "consent", row.id, new=audit.snapshot(row))
    return row


def _fields(data: ConsentInput) -> dict[str, Any]:
    return {name: getattr(data, name) for name in data.__dataclass_fields__}


def _signed_content(consent: ConsentRow) -> dict[str, Any]:
    content = audit.snapshot(consent)
    for volatile in ("investigator_signature_id", "version"):
        content.pop(volatile)
    return content


def sign_consent(
    session: Session, actor: Actor, consent_id: str, password: str, today: date
) -> ConsentRow:
    require(actor, Permission.SIGN_CONSENT)
    consent = session.get(ConsentRow, consent_id, with_for_update=True)
    if consent is None:
        raise NotFoundError("no such consent", where="consent_id", got=consent_id)
    subject = get_subject(session, actor, consent.subject_id, lock=True)
    if consent.investigator_signature_id is not None:
        raise ConflictError("this consent is signed already", where="consent_id", got=consent_id)
    signature = sign(
        session,
        actor,
        password=password,
        meaning=CONSENT_MEANING,
        record_type="consent",
        record_id=consent.id,
        content=_signed_content(consent),
    )
    old = audit.snapshot(consent)
    consent.investigator_signature_id = signature.id
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "consent",
        consent.id,
        old=old,
        new=audit.snapshot(consent),
        reason=CONSENT_MEANING,
    )
    advance_if_consented(session, actor, subject, today)
    return consent


@dataclass(frozen=True, slots=True)
class ConsentState:
    consent: ConsentRow | None
    gaps: tuple[ConsentGap, ...]

    @property
    def complete(self) -> bool:
        return self.consent is not None and not self.gaps


def list_consents(session: Session, subject_id: str) -> list[ConsentRow]:
    rows = session.execute(
        select(ConsentRow)
        .where(ConsentRow.subject_id == subject_id)
        .order_by(ConsentRow.consent_date, ConsentRow.created_at)
    ).scalars()
    return list(rows)


def _latest_consent(session: Session, subject_id: str) -> ConsentRow | None:
    return session.execute(
        select(ConsentRow)
        .where(ConsentRow.subject_id == subject_id)
        .order_by(ConsentRow.consent_date.desc(), ConsentRow.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def consent_state(session: Session, subject: SubjectRow, on: date) -> ConsentState:
    consent = _latest_consent(session, subject.id)
    if consent is None:
        return ConsentState(None, ())
    document = session.get(ConsentDocumentRow, consent.document_id)
    assert document is not None  # a foreign key
    current = current_document(session, subject.trial_id, document.language, on)
    trial = get_trial(session, subject.trial_id)
    signature = (
        session.get(SignatureRow, consent.investigator_signature_id)
        if consent.investigator_signature_id
        else None
    )
    facts = ConsentFacts(
        document_version=document.version,
        current_version=current.version if current else document.version,
        consent_date=consent.consent_date,
        on=on,
        birth_date=subject.birth_date,
        assent_min_age_years=trial.assent_min_age_years,
        guardian_signed=consent.guardian_signed,
        participant_signed=consent.participant_signed,
        assent_signed=consent.assent_signed,
        witness_required=consent.witness_required,
        witness_signed=consent.witness_signed,
        investigator_signed=signature is not None,
    )
    return ConsentState(consent, tuple(consent_gaps(facts)))


def advance_if_consented(session: Session, actor: Actor, subject: SubjectRow, on: date) -> None:
    """An eligible subject whose consent is complete becomes consented."""
    if subject.status == SubjectStatus.ELIGIBLE and consent_state(session, subject, on).complete:
        change_status(session, actor, subject, SubjectStatus.CONSENTED, "consent complete")
