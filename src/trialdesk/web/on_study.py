"""A subject on study: calendar, doses, labs → suggested AEs, adverse events, scans, queries.

``/staff/subjects/{id}/on-study`` shows it all; each form posts to a small handler below that
calls the treatment service (which checks the role and audits) and redirects back (303) with
a one-time notice. The CTCAE v5.0 picker works without JavaScript as a search form (GET, the
query is a term name, never patient data); ``static/ctcae.js`` only fetches the same results
as you type, from ``/staff/ctcae/terms``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from trialdesk.errors import AccessDeniedError, TrialDeskError
from trialdesk.service.access import Actor, Permission
from trialdesk.service.storage.types import utcnow
from trialdesk.web.on_study_view import on_study_view, term_choices
from trialdesk.web.rendering import render
from trialdesk.web.staff import checked_form, page, redirect, signed_in_actor, to_login
from trialdesk.web.study import study_of

__all__ = ["router"]

router = APIRouter(prefix="/staff", include_in_schema=False)


def _plan(request: Request) -> Any:
    from trialdesk.service.treatment.access import plan_of

    return plan_of(study_of(request).protocol)


def _back(subject_id: str, anchor: str) -> str:
    return f"/staff/subjects/{subject_id}/on-study#{anchor}"


def _explain(exc: TrialDeskError) -> str:
    details = "; ".join(p.message for p in (exc.problems or []))
    text = f"{exc.message}: {details}" if details else exc.message
    hint = getattr(exc, "hint", None)
    return f"{text} ({hint})" if hint else text


def _invalid(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()
    )


@router.get("/subjects/{subject_id}/on-study")
def on_study_page(request: Request, subject_id: str) -> Response:
    actor = signed_in_actor(request)
    if actor is None:
        return to_login()
    study = study_of(request)
    try:
        with study.database.transaction() as session:
            view = on_study_view(
                session, actor, _plan(request), subject_id, study.today(), utcnow(),
                term_query=request.query_params.get("q", ""),
                term_name=request.query_params.get("term", ""),
            )  # fmt: skip
    except AccessDeniedError as exc:
        return page(request, "staff/denied.html", actor, 403, message=exc.message)
    except TrialDeskError as exc:
        return page(request, "staff/denied.html", actor, exc.http_status, message=exc.message)
    return page(
        request,
        "staff/on_study.html",
        actor,
        subject=view,
        today=study.today(),
        can_record=_can_record(actor),
        can={p.value: actor.can(p) for p in Permission},
    )


def _can_record(actor: Actor) -> bool:
    from trialdesk.service.treatment.access import TreatmentPermission, require_treatment

    try:
        require_treatment(actor, TreatmentPermission.RECORD)
    except AccessDeniedError:
        return False
    return True


@router.get("/ctcae/terms")
def ctcae_terms(request: Request) -> Response:
    """The picker's results as an HTML fragment (for ctcae.js); signed-in staff only."""
    actor = signed_in_actor(request)
    if actor is None:
        return Response(status_code=401)
    subject_id = request.query_params.get("subject", "")
    return render(
        request,
        "staff/_ctcae_results.html",
        actor=actor,
        choices=term_choices(request.query_params.get("q", "")),
        subject_id=subject_id,
    )


async def _form(request: Request) -> tuple[Actor, dict[str, Any]] | None:
    actor = signed_in_actor(request)
    form = await checked_form(request)
    if actor is None or form is None:
        return None
    return actor, form


def _text(form: dict[str, Any], key: str) -> str:
    return str(form.get(key) or "").strip()


def _day(form: dict[str, Any], key: str) -> date | None:
    raw = _text(form, key)
    return date.fromisoformat(raw) if raw else None


Change = Callable[[Actor, dict[str, Any], Session], str]


async def _submit(
    request: Request, subject_id: str, anchor: str, change: Change, *, bad_input: str = ""
) -> Response:
    """Sign-in and CSRF, then ``change`` in one transaction, then back to ``anchor``.

    ``change`` reads the form, calls the treatment service and returns the notice to show. Bad
    input or a refusal comes back as the error notice and nothing is written: the transaction
    rolls back. ``bad_input`` replaces the text of a bare ValueError (a malformed field).
    """
    got = await _form(request)
    if got is None:
        return to_login()
    actor, form = got
    back = _back(subject_id, anchor)
    try:
        with study_of(request).database.transaction() as session:
            notice = change(actor, form, session)
    except ValidationError as exc:
        return redirect(back, error=_invalid(exc))
    except TrialDeskError as exc:
        return redirect(back, error=_explain(exc))
    except ValueError as exc:
        return redirect(back, error=bad_input or str(exc))
    return redirect(back, notice)


@router.post("/subjects/{subject_id}/on-study/cycle-start")
async def cycle_start(request: Request, subject_id: str) -> Response:
    from trialdesk.service.treatment import schedule

    def change(actor: Actor, form: dict[str, Any], session: Session) -> str:
        cycle, start = int(_text(form, "cycle")), _day(form, "start")
        if start is None:
            raise ValueError
        schedule.record_cycle_start(
            session, actor, _plan(request), subject_id, cycle, start,
            _text(form, "reason") or None,
        )  # fmt: skip
        return "ontx.flash.cycle_started"

    return await _submit(
        request, subject_id, "calendar", change,
        bad_input="cycle, start: expected a cycle number and a date (YYYY-MM-DD)",
    )  # fmt: skip


@router.post("/subjects/{subject_id}/on-study/visit")
async def visit(request: Request, subject_id: str) -> Response:
    from trialdesk.service.treatment import schedule

    def change(actor: Actor, form: dict[str, Any], session: Session) -> str:
        on = _day(form, "on")
        if on is None:
            raise ValueError
        schedule.record_visit(
            session, actor, _plan(request), subject_id, _text(form, "visit_key"), on,
            _text(form, "notes") or None,
        )  # fmt: skip
        return "ontx.flash.visit_recorded"

    return await _submit(
        request, subject_id, "calendar", change,
        bad_input="on: expected the visit date (YYYY-MM-DD)",
    )  # fmt: skip


def _decimal(form: dict[str, Any], key: str) -> Decimal | None:
    raw = _text(form, key)
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation as exc:
        raise ValueError(f"{key}: expected a number, got {raw!r}") from exc


def _moment(form: dict[str, Any], key: str) -> datetime:
    """A ``datetime-local`` field and its UTC offset field (``{key}_offset``, default +08:00,
    the site's time zone): clinical times are stored with their offset, never naive."""
    raw = _text(form, key)
    offset = _text(form, f"{key}_offset") or "+08:00"
    try:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            moment = datetime.fromisoformat(f"{raw}{offset}")
    except ValueError as exc:
        raise ValueError(f"{key}: expected a date and time, e.g. 2026-03-17T09:00") from exc
    return moment


@router.post("/subjects/{subject_id}/on-study/exposure")
async def record_exposure(request: Request, subject_id: str) -> Response:
    from trialdesk.core.treatment.exposure import Exposure
    from trialdesk.service.treatment import exposure

    got = await _form(request)
    if got is None:
        return to_login()
    actor, form = got
    back = _back(subject_id, "doses")
    study = study_of(request)
    try:
        dose = _decimal(form, "dose")
        if dose is None:
            raise ValueError("dose: expected the dose given, a number")
        given = Exposure(
            product=_text(form, "product"),
            dose=dose,
            unit=_text(form, "unit"),
            start=_moment(form, "start"),
            route=_text(form, "route") or None,
            height=_decimal(form, "height"),
            weight=_decimal(form, "weight"),
        )
        with study.database.transaction() as session:
            _, check = exposure.record_exposure(session, actor, _plan(request), subject_id, given)
            status = str(check.status)
    except ValidationError as exc:
        return redirect(back, error=_invalid(exc))
    except ValueError as exc:
        return redirect(back, error=str(exc) or "start: expected a date and time with offset")
    except TrialDeskError as exc:
        return redirect(back, error=_explain(exc))
    if status != "in_range":
        return redirect(back, error=f"dose recorded, flagged: {status} (see the dose table)")
    return redirect(back, "ontx.flash.dose_recorded")


@router.post("/subjects/{subject_id}/on-study/labs")
async def upload_labs(request: Request, subject_id: str) -> Response:
    from trialdesk.adapters.fhir import record_from_bundle
    from trialdesk.service.treatment import labs
    from trialdesk.web.security import CSRF_FIELD, csrf_valid

    actor = signed_in_actor(request)
    if actor is None:
        return to_login()
    form = await request.form()
    back = _back(subject_id, "labs")
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        return redirect(back, error="the form expired; try again")
    upload = form.get("bundle")
    if upload is None or isinstance(upload, str):
        return redirect(back, error="bundle: choose a FHIR R4 Bundle (JSON) of lab results")
    study = study_of(request)
    limit = study.settings.max_upload_bytes
    raw = await upload.read(limit + 1)
    if len(raw) > limit:
        return redirect(back, error=f"bundle: the file is larger than {limit} bytes")
    try:
        bundle = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return redirect(back, error="bundle: the file is not JSON (expected a FHIR R4 Bundle)")
    try:
        record = record_from_bundle(bundle, getattr(upload, "filename", None) or "upload")
        with study.database.transaction() as session:
            stored = labs.ingest_labs(session, actor, subject_id, record)
            count = len(stored)
    except TrialDeskError as exc:
        return redirect(back, error=_explain(exc))
    return redirect(back, "ontx.flash.labs_none" if count == 0 else "ontx.flash.labs_suggested")


@router.post("/subjects/{subject_id}/on-study/suggestions/{suggestion_id}")
async def decide_suggestion(request: Request, subject_id: str, suggestion_id: str) -> Response:
    from trialdesk.service.treatment import labs

    got = await _form(request)
    if got is None:
        return to_login()
    actor, form = got
    back = _back(subject_id, "labs")
    study = study_of(request)
    try:
        with study.database.transaction() as session:
            if form.get("decision") == "reject":
                labs.reject_suggestion(session, actor, suggestion_id, _text(form, "reason"))
                flash = "ontx.flash.suggestion_rejected"
            else:
                details = _ae_details(form, with_term=False)
                labs.confirm_suggestion(
                    session, actor, _plan(request), suggestion_id, details, study.today()
                )
                flash = "ontx.flash.suggestion_confirmed"
    except ValidationError as exc:
        return redirect(back, error=_invalid(exc))
    except ValueError as exc:
        return redirect(back, error=str(exc))
    except TrialDeskError as exc:
        return redirect(back, error=_explain(exc))
    return redirect(_back(subject_id, "events" if "confirmed" in flash else "labs"), flash)


def _ae_details(form: dict[str, Any], *, with_term: bool) -> dict[str, Any]:
    """The AE form's fields as the service's entry; empty fields are left out."""
    details: dict[str, Any] = {}
    if with_term:
        details["term"] = _text(form, "term")
        details["grade"] = _text(form, "grade")
        details["onset"] = _text(form, "onset")
    for key in ("resolved", "action", "outcome", "description"):
        if _text(form, key):
            details[key] = _text(form, key)
    if _text(form, "aware_at"):
        details["aware_at"] = _moment(form, "aware_at")
    details["serious"] = form.get("serious") == "yes"
    details["seriousness"] = [str(s) for s in form.get("seriousness[]") or []]
    details["attribution"] = {
        key[len("attr:") :]: str(value)
        for key, value in form.items()
        if key.startswith("attr:") and value
    }
    return details


@router.post("/subjects/{subject_id}/on-study/adverse-events")
async def record_adverse_event(request: Request, subject_id: str) -> Response:
    from trialdesk.core.treatment.adverse_events import AdverseEventEntry
    from trialdesk.service.treatment import adverse_events

    def change(actor: Actor, form: dict[str, Any], session: Session) -> str:
        entry = AdverseEventEntry.model_validate(_ae_details(form, with_term=True))
        saved = adverse_events.record_adverse_event(
            session, actor, _plan(request), subject_id, entry, study_of(request).today()
        )
        return "ontx.flash.ae_with_queries" if saved.queries else "ontx.flash.ae_recorded"

    return await _submit(request, subject_id, "events", change)


@router.post("/subjects/{subject_id}/on-study/queries/{query_id}")
async def act_on_query(request: Request, subject_id: str, query_id: str) -> Response:
    from trialdesk.core.study.data_queries import QueryAction
    from trialdesk.service.treatment import queries

    def change(actor: Actor, form: dict[str, Any], session: Session) -> str:
        action = QueryAction(_text(form, "action"))
        version = int(_text(form, "version")) if _text(form, "version") else None
        queries.act_on_query(session, actor, query_id, action, _text(form, "text"), version)
        return "ontx.flash.query_updated"

    return await _submit(
        request, subject_id, "queries", change,
        bad_input="action: expected answer, close or reopen",
    )  # fmt: skip


@router.post("/subjects/{subject_id}/on-study/assessments")
async def put_assessments(request: Request, subject_id: str) -> Response:
    from trialdesk.service.treatment import response

    def change(actor: Actor, form: dict[str, Any], session: Session) -> str:
        criteria = _text(form, "criteria")
        inputs = json.loads(_text(form, "inputs") or "{}")
        if criteria not in ("recist", "inrc") or not isinstance(inputs, dict):
            raise ValueError
        response.put_assessments(session, actor, _plan(request), subject_id, criteria, inputs)
        return "ontx.flash.assessed"

    return await _submit(
        request, subject_id, "responses", change,
        bad_input="inputs: expected the criteria (recist or inrc) and a JSON object",
    )  # fmt: skip
