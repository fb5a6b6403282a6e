"""Eligibility sign-off: an investigator confirms the criteria that need review, and signs."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.study.signoff import signoff_problems
from trialdesk.core.study.states import SubjectStatus
from trialdesk.errors import Problem, WorkflowError
from trialdesk.service import audit
from trialdesk.service.access import Actor, Permission, require
from trialdesk.service.consent import advance_if_consented
from trialdesk.service.screening import latest_screening
from trialdesk.service.signatures import sign, signature_matches
from trialdesk.service.storage.models import ScreeningRow, SignatureRow, SignoffRow
from trialdesk.service.subjects import change_status, get_subject

__all__ = ["ELIGIBILITY_MEANING", "sign_eligibility", "signed_off"]

ELIGIBILITY_MEANING = "I confirm eligibility"


def _statuses(screening: ScreeningRow) -> dict[str, str]:
    return {c["id"]: c["status"] for c in screening.result.get("criteria", [])}


def _signed_content(screening: ScreeningRow, confirmed: list[str]) -> dict[str, Any]:
    return {
        "subject_id": screening.subject_id,
        "screening_id": screening.id,
        "input_sha256": screening.input_sha256,
        "protocol_version": screening.protocol_version,
        "as_of": screening.as_of,
        "verdict": screening.verdict,
        "confirmed": sorted(confirmed),
    }


def sign_eligibility(
    session: Session,
    actor: Actor,
    subject_id: str,
    *,
    screening_id: str,
    confirmed: list[str],
    password: str,
    today: date,
) -> SignoffRow:
    require(actor, Permission.SIGN_ELIGIBILITY)
    subject = get_subject(session, actor, subject_id, lock=True)
    latest = latest_screening(session, subject.id)
    if latest is None or latest.id != screening_id:
        raise WorkflowError(
            "only the subject's latest screening can be signed",
            where="screening_id",
            expected=latest.id if latest else "a screening",
            got=screening_id,
        )
    problems = signoff_problems(latest.verdict, _statuses(latest), confirmed)
    if problems:
        raise WorkflowError(
            "the eligibility sign-off is not complete",
            where="confirmed",
            problems=[Problem("confirmed", p) for p in problems],
        )
    signature = sign(
        session,
        actor,
        password=password,
        meaning=ELIGIBILITY_MEANING,
        record_type="screening",
        record_id=latest.id,
        content=_signed_content(latest, confirmed),
    )
    row = SignoffRow(
        subject_id=subject.id,
        screening_id=latest.id,
        confirmed=sorted(confirmed),
        signature_id=signature.id,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "eligibility_signoff", row.id, new=audit.snapshot(row))
    if subject.status == SubjectStatus.SCREENING:
        change_status(session, actor, subject, SubjectStatus.ELIGIBLE, ELIGIBILITY_MEANING)
    advance_if_consented(session, actor, subject, today)
    return row


def signed_off(session: Session, screening: ScreeningRow) -> bool:
    """Is there an investigator's signature that still matches this screening?"""
    rows = session.execute(
        select(SignoffRow, SignatureRow)
        .join(SignatureRow, SignatureRow.id == SignoffRow.signature_id)
        .where(SignoffRow.screening_id == screening.id)
    ).all()
    return any(
        signature_matches(signature, _signed_content(screening, list(signoff.confirmed)))
        for signoff, signature in rows
    )
