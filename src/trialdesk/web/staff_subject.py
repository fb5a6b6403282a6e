"""A subject's page and its actions: record the sex, screen a FHIR record, sign eligibility,
consent, enroll.

The page shows the subject's status and sex (with any open query where a screened record
contradicts the recorded sex or birth date), the family's application (contact and
pre-screen), every screening with the latest one criterion by criterion (status, reason,
evidence with its threshold and source, what is missing), the consent on file and what blocks
enrollment.
Signatures (eligibility, consent) re-ask the signer's password: the service's e-signature.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from trialdesk.core.record import Sex
from trialdesk.core.study.enrollment import EnrollmentOutcome, decide_enrollment
from trialdesk.errors import AccessDeniedError, TrialDeskError
from trialdesk.service.access import Actor, Permission
from trialdesk.web.staff import checked_form, page, redirect, signed_in_actor, to_login
from trialdesk.web.study import study_of

__all__ = ["router"]

SEX_CHOICES = tuple(sex.value for sex in Sex)  # the core's FHIR administrative gender


router = APIRouter(prefix="/staff/subjects", include_in_schema=False)


def _applications(session: Session, actor: Actor, subject_id: str) -> list[dict[str, Any]]:
    from trialdesk.service.applications import for_subject

    return [
        {
            "reference_code": r.reference_code,
            "submitted_at": r.submitted_at,
            "duplicate": r.duplicate_of is not None,
            "language": r.language,
            "contact": r.contact,
            "prescreen": (r.answers or {}).get("prescreen", {}),
        }
        for r in for_subject(session, actor, subject_id)
    ]


def _subject_view(session: Session, actor: Actor, subject_id: str, today: date) -> dict[str, Any]:
    from trialdesk.service import consent, enrollment, screening, signoff, subjects, trials

    subject = subjects.get_subject(session, actor, subject_id)
    trial = trials.get_trial(session, subject.trial_id)
    screenings = screening.list_screenings(session, actor, subject.id)
    latest = screenings[-1] if screenings else None
    raised = screening.queries_of_screenings(session, [s.id for s in screenings])
    state = consent.consent_state(session, subject, today)
    document = consent.current_document(
        session, subject.trial_id, "zh", today
    ) or consent.current_document(session, subject.trial_id, "en", today)
    decision = decide_enrollment(enrollment.enrollment_facts(session, subject, trial, today))
    return {
        "id": subject.id,
        "code": subject.code,
        "status": subject.status,
        "source": subject.source,
        "birth_date": subject.birth_date,
        "sex": subject.sex,
        "version": subject.version,
        "record_queries": [
            {"field": q.field, "message": q.message}
            for s in screenings
            for q in raised[s.id]
            if q.state != "closed"
        ],
        "enrollment_number": subject.enrollment_number,
        "waitlisted": subject.waitlisted_at is not None,
        "applications": _applications(session, actor, subject.id),
        "screenings": [
            {
                "id": s.id,
                "created_at": s.created_at,
                "as_of": s.as_of,
                "verdict": s.verdict,
                "by": s.created_by,
                "sha": s.input_sha256[:12],
            }
            for s in screenings
        ],
        "latest": latest.result if latest else None,
        "latest_id": latest.id if latest else None,
        "latest_verdict": latest.verdict if latest else None,
        "signed_off": bool(latest and signoff.signed_off(session, latest)),
        "to_review": [
            c["id"]
            for c in (latest.result.get("criteria", []) if latest else [])
            if c.get("status") == "review"
        ],
        "consent": _consent_view(state),
        "documents": [
            {"id": d.id, "label": f"{d.title} (v{d.version}, {d.language})"}
            for d in consent.list_documents(session, subject.trial_id)
        ],
        "default_document": document.id if document else None,
        "decision": {
            "outcome": decision.outcome.value,
            "reasons": list(decision.reasons),
            "can": decision.outcome is not EnrollmentOutcome.REFUSE,
        },
        "enrolled": trial.enrolled,
        "target": trial.target,
    }


def _consent_view(state: Any) -> dict[str, Any] | None:
    row = state.consent
    if row is None:
        return None
    return {
        "id": row.id,
        "date": row.consent_date,
        "guardian_name": row.guardian_name,
        "guardian_signed": row.guardian_signed,
        "assent_signed": row.assent_signed,
        "participant_signed": row.participant_signed,
        "witness_signed": row.witness_signed,
        "investigator_signed": row.investigator_signature_id is not None,
        "gaps": [str(getattr(g, "value", g)) for g in state.gaps],
        "complete": state.complete,
    }


@router.get("/{subject_id}")
def subject_page(request: Request, subject_id: str) -> Response:
    actor = signed_in_actor(request)
    if actor is None:
        return to_login()
    study = study_of(request)
    try:
        with study.database.transaction() as session:
            view = _subject_view(session, actor, subject_id, study.today())
    except AccessDeniedError as exc:
        return page(request, "staff/denied.html", actor, 403, message=exc.message)
    except TrialDeskError as exc:
        return page(request, "staff/denied.html", actor, exc.http_status, message=exc.message)
    return page(
        request,
        "staff/subject.html",
        actor,
        subject=view,
        today=study.today(),
        can={p.value: actor.can(p) for p in Permission},
        sex_choices=SEX_CHOICES,
    )


@router.post("/{subject_id}/details")
async def edit_details(request: Request, subject_id: str) -> Response:
    """Record or correct the sex (FHIR administrative gender; empty: not recorded)."""
    from trialdesk.service.subjects import update_subject

    actor = signed_in_actor(request)
    form = await checked_form(request)
    back = f"/staff/subjects/{subject_id}"
    if actor is None or form is None:
        return to_login()
    sex = str(form.get("sex") or "").strip()
    if sex and sex not in SEX_CHOICES:
        return redirect(back, error=f"sex: expected one of {', '.join(SEX_CHOICES)}, or empty")
    try:
        version = int(str(form.get("version") or ""))
    except ValueError:
        return redirect(back, error="version: reload the page and try again")
    study = study_of(request)
    try:
        with study.database.transaction() as session:
            update_subject(
                session,
                actor,
                subject_id,
                expected_version=version,
                reason=str(form.get("reason") or ""),
                sex=sex or None,
            )
    except TrialDeskError as exc:
        return redirect(back, error=_explain(exc))
    return redirect(back, "staff.flash.details_saved")


@router.post("/{subject_id}/screen")
async def screen(request: Request, subject_id: str) -> Response:
    from trialdesk.service.screening import queries_of_screenings, store_screening

    actor = signed_in_actor(request)
    if actor is None:
        return to_login()
    form = await request.form()
    back = f"/staff/subjects/{subject_id}"
    from trialdesk.web.security import CSRF_FIELD, csrf_valid

    if not csrf_valid(request, form.get(CSRF_FIELD)):
        return redirect(back, error="the form expired; try again")
    upload = form.get("record")
    if upload is None or isinstance(upload, str):
        return redirect(back, error="record: choose a FHIR R4 Bundle (JSON) to upload")
    study = study_of(request)
    raw = await upload.read(study.settings.max_upload_bytes + 1)
    if len(raw) > study.settings.max_upload_bytes:
        return redirect(
            back, error=f"record: the file is larger than {study.settings.max_upload_bytes} bytes"
        )
    try:
        screened = study.screener(raw, study.today())
        with study.database.transaction() as session:
            row = store_screening(session, actor, subject_id, screened)
            raised = bool(queries_of_screenings(session, [row.id])[row.id])
    except TrialDeskError as exc:
        return redirect(back, error=str(exc.message))
    return redirect(back, "staff.flash.screened_with_queries" if raised else "staff.flash.screened")


@router.post("/{subject_id}/signoff")
async def sign_off(request: Request, subject_id: str) -> Response:
    from trialdesk.service.signoff import sign_eligibility

    actor = signed_in_actor(request)
    form = await checked_form(request)
    back = f"/staff/subjects/{subject_id}"
    if actor is None or form is None:
        return to_login()
    study = study_of(request)
    confirmed = [str(c) for c in form.get("confirmed[]") or []]
    try:
        with study.database.transaction() as session:
            sign_eligibility(
                session,
                actor,
                subject_id,
                screening_id=str(form.get("screening_id") or ""),
                confirmed=confirmed,
                password=str(form.get("password") or ""),
                today=study.today(),
            )
    except TrialDeskError as exc:
        return redirect(back, error=_explain(exc))
    return redirect(back, "staff.flash.signed_off")


@router.post("/{subject_id}/consent")
async def record_consent(request: Request, subject_id: str) -> Response:
    from trialdesk.service.consent import ConsentInput
    from trialdesk.service.consent import record_consent as record

    actor = signed_in_actor(request)
    form = await checked_form(request)
    back = f"/staff/subjects/{subject_id}"
    if actor is None or form is None:
        return to_login()
    study = study_of(request)
    try:
        data = ConsentInput(
            document_id=str(form.get("document_id") or ""),
            consent_date=date.fromisoformat(str(form.get("consent_date") or "")),
            guardian_name=str(form.get("guardian_name") or "").strip() or None,
            guardian_signed=form.get("guardian_signed") == "yes",
            participant_signed=form.get("participant_signed") == "yes",
            assent_signed=form.get("assent_signed") == "yes",
            witness_required=form.get("witness_required") == "yes",
            witness_name=str(form.get("witness_name") or "").strip() or None,
            witness_signed=form.get("witness_signed") == "yes",
        )
        with study.database.transaction() as session:
            record(session, actor, subject_id, data, study.today())
    except ValueError:
        return redirect(back, error="consent_date: expected a date (YYYY-MM-DD)")
    except TrialDeskError as exc:
        return redirect(back, error=_explain(exc))
    return redirect(back, "staff.flash.consent_recorded")


@router.post("/{subject_id}/consent/sign")
async def sign_consent(request: Request, subject_id: str) -> Response:
    from trialdesk.service.consent import sign_consent as sign

    actor = signed_in_actor(request)
    form = await checked_form(request)
    back = f"/staff/subjects/{subject_id}"
    if actor is None or form is None:
        return to_login()
    study = study_of(request)
    try:
        with study.database.transaction() as session:
            sign(
                session,
                actor,
                str(form.get("consent_id") or ""),
                str(form.get("password") or ""),
                study.today(),
            )
    except TrialDeskError as exc:
        return redirect(back, error=_explain(exc))
    return redirect(back, "staff.flash.consent_signed")


@router.post("/{subject_id}/enroll")
async def enroll(request: Request, subject_id: str) -> Response:
    from trialdesk.service.enrollment import enroll as enroll_subject

    actor = signed_in_actor(request)
    form = await checked_form(request)
    back = f"/staff/subjects/{subject_id}"
    if actor is None or form is None:
        return to_login()
    study = study_of(request)
    try:
        with study.database.transaction() as session:
            result = enroll_subject(session, actor, subject_id, study.today())
            outcome = result.outcome
    except TrialDeskError as exc:
        return redirect(back, error=_explain(exc))
    key = (
        "staff.flash.waitlisted"
        if outcome is EnrollmentOutcome.WAITLIST
        else "staff.flash.enrolled"
    )
    return redirect(back, key)


def _explain(exc: TrialDeskError) -> str:
    details = "; ".join(p.message for p in (exc.problems or []))
    return f"{exc.message}: {details}" if details else exc.message
