"""The study team's workspace: sign-in, enrollment progress, candidates, screening log, audit.

Sessions are the service's browser sessions (the ``trialdesk_session`` cookie the API also
reads), so a user signed in here is signed in to the API and the other way round. Every
action goes through the service, which checks the role; a page only hides what a role cannot
do. After a POST the browser is redirected (303) and a one-time notice is shown from a
cookie holding only a message key, so no patient data lands in a URL or a log.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from trialdesk.errors import AccessDeniedError, TrialDeskError
from trialdesk.service.access import Actor, Permission
from trialdesk.web.rendering import client_ip, render, web_state
from trialdesk.web.security import CSRF_FIELD, csrf_valid
from trialdesk.web.study import study_of

__all__ = ["SESSION_COOKIE", "router", "signed_in_actor"]

router = APIRouter(prefix="/staff", include_in_schema=False)

SESSION_COOKIE = "trialdesk_session"  # shared with the API (trialdesk.api.deps)
FLASH_COOKIE = "trialdesk_flash"


class SignInRequired(Exception):
    """Raised inside a handler to send the browser to the sign-in page."""


def signed_in_actor(request: Request) -> Actor | None:
    if not request.cookies.get(SESSION_COOKIE):
        return None
    try:
        actor: Actor = request.app.state.resolve_actor(request)
    except AccessDeniedError:
        return None
    return actor if actor.user_id else None


def to_login() -> Response:
    return RedirectResponse("/staff/login", status_code=303)


def redirect(path: str, flash: str | None = None, *, error: str | None = None) -> Response:
    response = RedirectResponse(path, status_code=303)
    if flash or error:
        # Only a message key or a service message: never a name, a contact or a record.
        value = f"bad:{error}" if error else f"ok:{flash}"
        response.set_cookie(
            FLASH_COOKIE, value[:300], max_age=60, httponly=True, samesite="strict", path="/staff"
        )
    return response


def page(
    request: Request, template: str, actor: Actor, status_code: int = 200, **context: Any
) -> Response:
    flash = request.cookies.get(FLASH_COOKIE)
    notice = None
    if flash:
        kind, _, text = flash.partition(":")
        notice = {"bad": kind == "bad", "text": text}
    response = render(request, template, status_code, actor=actor, notice=notice, **context)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/staff")
    return response


async def checked_form(request: Request) -> dict[str, Any] | None:
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        return None
    return {key: form.getlist(key) if key.endswith("[]") else form.get(key) for key in form}


def changes(old_json: str | None, new_json: str | None) -> list[dict[str, str]]:
    """Field by field, old → new: only the fields that changed (every field on a create)."""
    old = json.loads(old_json) if old_json else {}
    new = json.loads(new_json) if new_json else {}
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [{"field": "", "old": str(old_json or ""), "new": str(new_json or "")}]
    fields = [k for k in new if old.get(k) != new.get(k)] + [k for k in old if k not in new]
    return [
        {"field": k, "old": _shown(old.get(k)) if k in old else "", "new": _shown(new.get(k))}
        for k in fields
    ]


def _shown(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@router.get("/login")
def login_form(request: Request) -> Response:
    return render(request, "staff/login.html", error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    from trialdesk.service.users import sign_in

    form = await checked_form(request)
    if form is None:
        return render(request, "staff/login.html", 403, error="refused.csrf")
    if not web_state(request).login_limit.allow(client_ip(request)):
        return render(request, "staff/login.html", 429, error="refused.rate")
    study = study_of(request)
    lifetime = timedelta(hours=study.settings.session_hours)
    try:
        username, password = str(form.get("username") or ""), str(form.get("password") or "")
        issued = sign_in(study.database, username, password, "session", lifetime)
    except AccessDeniedError:
        return render(request, "staff/login.html", 401, error="staff.login_failed")
    response = RedirectResponse("/staff", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=study.settings.cookie_secure,
        path="/",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    from trialdesk.service.users import revoke_token

    actor = signed_in_actor(request)
    form = await checked_form(request)
    if actor is not None and form is not None:
        study = study_of(request)
        with study.database.transaction() as session:
            revoke_token(session, actor, request.cookies.get(SESSION_COOKIE, ""))
    response = to_login()
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("")
def dashboard(request: Request) -> Response:
    from trialdesk.service import consent, enrollment, reports, trials

    actor = signed_in_actor(request)
    if actor is None:
        return to_login()
    study = study_of(request)
    with study.database.transaction() as session:
        trial = trials.get_trial(session, study.trial_id)
        counts = (
            reports.consort_counts(session, actor, study.trial_id)
            if actor.can(Permission.READ_STUDY)
            else None
        )
        waiting = [s.code for s in enrollment.waitlisted(session, study.trial_id)] if counts else []
        documents = consent.list_documents(session, study.trial_id)
        facts = {
            "enrolled": trial.enrolled,
            "target": trial.target,
            "paused": trial.paused,
            "pause_reason": trial.pause_reason,
            "documents": [
                {
                    "version": d.version,
                    "language": d.language,
                    "title": d.title,
                    "approved_on": d.approved_on,
                }
                for d in documents
            ],
        }
    return page(
        request,
        "staff/dashboard.html",
        actor,
        trial=facts,
        counts=counts,
        waitlist=waiting,
        can_documents=actor.can(Permission.MANAGE_CONSENT_DOCUMENTS),
        today=study.today(),
    )


@router.post("/consent-documents")
async def add_consent_document(request: Request) -> Response:
    from trialdesk.service import consent

    actor = signed_in_actor(request)
    form = await checked_form(request)
    if actor is None or form is None:
        return to_login()
    study = study_of(request)
    try:
        approved = date.fromisoformat(str(form.get("approved_on") or ""))
        with study.database.transaction() as session:
            consent.add_document(
                session,
                actor,
                trial_id=study.trial_id,
                version=str(form.get("version") or "").strip(),
                language=str(form.get("language") or "en"),
                title=str(form.get("title") or "").strip(),
                body=str(form.get("body") or ""),
                approved_on=approved,
            )
    except ValueError:
        return redirect("/staff", error="approved_on: expected a date (YYYY-MM-DD)")
    except TrialDeskError as exc:
        return redirect("/staff", error=exc.message)
    return redirect("/staff", "staff.flash.document_added")


def prescreen_hints(session: Session, actor: Actor, subject_ids: list[str]) -> dict[str, str]:
    """The family's pre-screen outcome per subject (first application), to triage candidates."""
    from trialdesk.service.applications import for_subject

    hints: dict[str, str] = {}
    for subject_id in subject_ids:
        for row in for_subject(session, actor, subject_id):
            overall = (row.answers or {}).get("prescreen", {}).get("overall")
            if row.duplicate_of is None and isinstance(overall, str):
                hints.setdefault(subject_id, overall)
    return hints


@router.get("/subjects")
def subjects(request: Request) -> Response:
    from trialdesk.service.subjects import list_subjects

    actor = signed_in_actor(request)
    if actor is None:
        return to_login()
    study = study_of(request)
    try:
        with study.database.transaction() as session:
            found = list_subjects(session, actor, offset=0, limit=study.settings.page_size_max)
            hints = prescreen_hints(session, actor, [s.id for s in found.items])
            rows = [
                {
                    "id": s.id,
                    "code": s.code,
                    "status": s.status,
                    "source": s.source,
                    "created_at": s.created_at,
                    "waitlisted": s.waitlisted_at is not None,
                    "enrollment_number": s.enrollment_number,
                    "prescreen": hints.get(s.id),
                }
                for s in found.items
            ]
    except AccessDeniedError as exc:
        return page(request, "staff/denied.html", actor, 403, message=exc.message)
    return page(
        request,
        "staff/subjects.html",
        actor,
        subjects=rows,
        total=found.total,
        can_register=actor.can(Permission.REGISTER_CANDIDATE),
    )


@router.post("/subjects")
async def register(request: Request) -> Response:
    from trialdesk.service.access import require
    from trialdesk.service.subjects import register_subject

    actor = signed_in_actor(request)
    form = await checked_form(request)
    if actor is None or form is None:
        return to_login()
    study = study_of(request)
    try:
        require(actor, Permission.REGISTER_CANDIDATE)
        with study.database.transaction() as session:
            subject = register_subject(
                session,
                actor,
                trial_id=study.trial_id,
                site=actor.site or study.settings.site,
                source="staff",
            )
            subject_id = subject.id
    except TrialDeskError as exc:
        return redirect("/staff/subjects", error=exc.message)
    return redirect(f"/staff/subjects/{subject_id}", "staff.flash.registered")


@router.get("/screening-log")
def screening_log(request: Request) -> Response:
    from trialdesk.service.reports import screening_log as log

    actor = signed_in_actor(request)
    if actor is None:
        return to_login()
    study = study_of(request)
    try:
        with study.database.transaction() as session:
            rows = log(session, actor, study.trial_id)
    except AccessDeniedError as exc:
        return page(request, "staff/denied.html", actor, 403, message=exc.message)
    return page(request, "staff/screening_log.html", actor, rows=rows)


@router.get("/audit")
def audit_trail(request: Request) -> Response:
    from trialdesk.service import audit
    from trialdesk.service.access import require

    actor = signed_in_actor(request)
    if actor is None:
        return to_login()
    entity_id = request.query_params.get("entity_id") or None
    study = study_of(request)
    try:
        require(actor, Permission.READ_AUDIT)
        with study.database.transaction() as session:
            rows, total = audit.entries(session, offset=0, limit=200, entity_id=entity_id)
            entries = [
                {
                    "seq": r.seq,
                    "at": r.at,
                    "actor": r.actor,
                    "action": r.action,
                    "entity": r.entity,
                    "entity_id": r.entity_id,
                    "changes": changes(r.old_value, r.new_value),
                    "reason": r.reason,
                }
                for r in rows
            ]
            report = audit.verify(session)
    except AccessDeniedError as exc:
        return page(request, "staff/denied.html", actor, 403, message=exc.message)
    return page(
        request,
        "staff/audit.html",
        actor,
        entries=entries,
        total=total,
        entity_id=entity_id,
        intact=report.intact,
    )
