"""Family applications from the public pre-screen.

An application becomes a candidate subject and gets a reference code the family can quote.
The same child submitted twice (same contact and birth date) is detected: the second
application is kept, marked as a duplicate of the first and linked to the same candidate,
so the public "applied" counter (:func:`applied_count`) counts children, not forms, and
counts only families who applied here: a candidate the study team registered is not an
application.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialdesk.errors import InputError
from trialdesk.service import audit
from trialdesk.service.access import PUBLIC_ACTOR, Actor, Permission, require
from trialdesk.service.codes import new_code
from trialdesk.service.storage.models import ApplicationRow
from trialdesk.service.subjects import NotFoundError, get_subject, register_subject

__all__ = [
    "ApplicationInput",
    "applied_count",
    "fingerprint",
    "for_subject",
    "get_application",
    "submit_application",
]


@dataclass(frozen=True, slots=True)
class ApplicationInput:
    child_birth_date: date
    contact_name: str
    contact_email: str | None
    contact_phone: str | None
    consent_to_contact: bool
    answers: dict[str, Any]
    language: str = "en"


def _normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def _normalise_phone(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def fingerprint(data: ApplicationInput) -> str:
    """Same child, same family contact: the email if given, otherwise the phone digits."""
    contact = _normalise_email(data.contact_email) or _normalise_phone(data.contact_phone)
    key = f"{contact}|{data.child_birth_date.isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()


def _validate(data: ApplicationInput) -> None:
    if not data.consent_to_contact:
        raise InputError(
            "we can only take an application if we may contact you",
            where="consent_to_contact",
            expected="true",
            got="false",
        )
    if not (_normalise_email(data.contact_email) or _normalise_phone(data.contact_phone)):
        raise InputError("give an email address or a phone number", where="contact")


def submit_application(
    session: Session, *, trial_id: str, site: str, data: ApplicationInput
) -> tuple[ApplicationRow, bool]:
    """Store the application; returns it and whether it duplicates an earlier one."""
    _validate(data)
    key = fingerprint(data)
    original = session.execute(
        select(ApplicationRow)
        .where(
            ApplicationRow.trial_id == trial_id,
            ApplicationRow.fingerprint == key,
            ApplicationRow.duplicate_of.is_(None),
        )
        .limit(1)
    ).scalar_one_or_none()
    if original is None:
        subject = register_subject(
            session,
            PUBLIC_ACTOR,
            trial_id=trial_id,
            site=site,
            source="application",
            birth_date=data.child_birth_date,
        )
        subject_id = subject.id
    else:
        subject_id = original.subject_id
    application = ApplicationRow(
        trial_id=trial_id,
        reference_code=new_code("A"),
        subject_id=subject_id,
        duplicate_of=original.id if original else None,
        fingerprint=key,
        language=data.language,
        answers=data.answers,
        contact={
            "name": data.contact_name,
            "email": data.contact_email,
            "phone": data.contact_phone,
        },
        consent_to_contact=data.consent_to_contact,
    )
    session.add(application)
    session.flush()
    audit.record(
        session,
        PUBLIC_ACTOR,
        "create",
        "application",
        application.id,
        new=audit.snapshot(application),
    )
    return application, original is not None


def get_application(session: Session, actor: Actor, reference_code: str) -> ApplicationRow:
    require(actor, Permission.READ_STUDY)
    row = session.execute(
        select(ApplicationRow).where(ApplicationRow.reference_code == reference_code)
    ).scalar_one_or_none()
    if row is None:
        raise NotFoundError(
            "no application with that reference code", where="reference_code", got=reference_code
        )
    return row


def for_subject(session: Session, actor: Actor, subject_id: str) -> list[ApplicationRow]:
    """A subject's applications, oldest first (duplicates included, marked by ``duplicate_of``).

    Contacts are in these rows, so the caller must hold the study-reading permission, and a
    site-scoped user sees only subjects of their own site (the subject lookup checks it).
    """
    require(actor, Permission.READ_STUDY)
    subject = get_subject(session, actor, subject_id)
    return list(
        session.execute(
            select(ApplicationRow)
            .where(ApplicationRow.subject_id == subject.id)
            .order_by(ApplicationRow.submitted_at, ApplicationRow.id)
        ).scalars()
    )


def applied_count(session: Session, trial_id: str) -> int:
    """The public "applied" counter: families' applications that are not duplicates.

    Subjects the study team registered themselves (``source="staff"``) never count: they did
    not apply through the public page. The same child applied twice counts once.
    """
    count: int = session.execute(
        select(func.count())
        .select_from(ApplicationRow)
        .where(ApplicationRow.trial_id == trial_id, ApplicationRow.duplicate_of.is_(None))
    ).scalar_one()
    return count
