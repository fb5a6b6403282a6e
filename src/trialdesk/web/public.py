"""Public pages (no sign-in): the trial page, the pre-screen and the application.

Nothing identifying is shown or put in a URL: answers and contact details travel only in
POST bodies; the reference code is shown once on the confirmation page. The pre-screen is
computed by the pure core (:mod:`trialdesk.core.prescreen`); the application is stored by
the study service (:mod:`trialdesk.service.applications`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from trialdesk.core.prescreen import Question, prescreen, questionnaire
from trialdesk.core.prescreen.questions import BLOOD_COUNT_UNITS
from trialdesk.errors import InputError
from trialdesk.web.rendering import client_ip, language, render, web_state
from trialdesk.web.security import CSRF_FIELD, csrf_valid
from trialdesk.web.study import counters, study_of
from trialdesk.web.trial_view import trial_view

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

HONEYPOT = "website"  # hidden from people; bots fill every field
_MAX_FIELD = 200


@router.get("/", response_class=HTMLResponse)
def trial_page(request: Request) -> Response:
    study = study_of(request)
    applied, enrolled = counters(request)
    view = trial_view(study.protocol, language(request), applied, enrolled)
    return render(request, "trial.html", trial=view)


@router.get("/prescreen", response_class=HTMLResponse)
def prescreen_form(request: Request) -> Response:
    study = study_of(request)
    return render(
        request,
        "prescreen.html",
        questions=questionnaire(study.protocol),
        units=BLOOD_COUNT_UNITS,
        answers={},
        errors={},
        today=study.today(),
        switch_form=PRESCREEN_SWITCH,
    )


# The language switch on pages holding a family's typed answers submits the page's own form
# to these addresses: the answers stay in the POST body and come back in the new language.
PRESCREEN_SWITCH = {"id": "prescreen-form", "action": "/prescreen/language"}
APPLY_SWITCH = {"id": "apply-form", "action": "/apply/language"}


@router.post("/prescreen/language", response_class=HTMLResponse)
async def prescreen_language(request: Request) -> Response:
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        return _refuse(request, 403, "refused.csrf")
    study = study_of(request)
    questions = questionnaire(study.protocol)
    return render(
        request,
        "prescreen.html",
        lang=str(form.get("switch_lang") or ""),
        switch_form=PRESCREEN_SWITCH,
        questions=questions,
        units=BLOOD_COUNT_UNITS,
        answers=_answers(form, questions),
        errors={},
        today=study.today(),
    )


@router.post("/apply/language", response_class=HTMLResponse)
async def apply_language(request: Request) -> Response:
    state = web_state(request)
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        return _refuse(request, 403, "refused.csrf")
    token = str(form.get("answers_token") or "")
    answers = state.signer.loads(token)
    if not isinstance(answers, dict):
        return _refuse(request, 400, "refused.expired")
    study = study_of(request)
    return render(
        request,
        "prescreen_result.html",
        lang=str(form.get("switch_lang") or ""),
        switch_form=APPLY_SWITCH,
        result=prescreen(study.protocol, answers, study.today()),
        texts={c.id: c.text for c in study.protocol.criteria},
        answers_token=token,
        form=_contact_fields(form),
        errors={},
    )


def _answers(form: FormData, questions: tuple[Question, ...]) -> dict[str, str]:
    answers: dict[str, str] = {}
    for question in questions:
        value = str(form.get(question.id) or "").strip()[:_MAX_FIELD]
        if value:
            answers[question.id] = value
        if question.kind == "number":
            unit = str(form.get(f"{question.id}_unit") or "")
            if unit in question.units:
                answers[f"{question.id}_unit"] = unit
    return answers


def _refuse(request: Request, status_code: int, key: str) -> Response:
    return render(request, "refused.html", status_code, reason_key=key)


@router.post("/prescreen", response_class=HTMLResponse)
async def prescreen_result(request: Request) -> Response:
    state = web_state(request)
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        return _refuse(request, 403, "refused.csrf")
    if not state.prescreen_limit.allow(client_ip(request)):
        return _refuse(request, 429, "refused.rate")
    study = study_of(request)
    questions = questionnaire(study.protocol)
    answers = _answers(form, questions)
    today = study.today()
    errors = _answer_errors(answers, today)
    if errors:
        return render(
            request,
            "prescreen.html",
            422,
            questions=questions,
            units=BLOOD_COUNT_UNITS,
            answers=answers,
            errors=errors,
            today=today,
            switch_form=PRESCREEN_SWITCH,
        )
    result = prescreen(study.protocol, answers, today)
    return render(
        request,
        "prescreen_result.html",
        result=result,
        texts={c.id: c.text for c in study.protocol.criteria},
        answers_token=state.signer.dumps(answers),
        form={},
        errors={},
        switch_form=APPLY_SWITCH,
    )


def _answer_errors(answers: dict[str, str], today: date) -> dict[str, str]:
    raw = answers.get("birth_date", "")
    try:
        born = date.fromisoformat(raw)
    except ValueError:
        return {"birth_date": "prescreen.error.birth_date"}
    if born > today:
        return {"birth_date": "prescreen.error.birth_date_future"}
    return {}


@router.post("/apply", response_class=HTMLResponse)
async def apply(request: Request) -> Response:
    state = web_state(request)
    form = await request.form()
    if not csrf_valid(request, form.get(CSRF_FIELD)):
        return _refuse(request, 403, "refused.csrf")
    if str(form.get(HONEYPOT) or ""):
        return _refuse(request, 400, "refused.spam")
    answers = state.signer.loads(str(form.get("answers_token") or ""))
    if not isinstance(answers, dict):
        return _refuse(request, 400, "refused.expired")
    fields = _contact_fields(form)
    study = study_of(request)
    result = prescreen(study.protocol, answers, study.today())
    errors = _contact_errors(fields)
    if errors:
        return render(
            request,
            "prescreen_result.html",
            422,
            result=result,
            texts={c.id: c.text for c in study.protocol.criteria},
            answers_token=form.get("answers_token"),
            form=fields,
            errors=errors,
            switch_form=APPLY_SWITCH,
        )
    if not state.apply_limit.allow(client_ip(request)):
        return _refuse(request, 429, "refused.rate")
    try:
        code, duplicate = _submit(request, answers, fields, result.summary())
    except InputError:
        return _refuse(request, 422, "refused.invalid")
    return render(request, "applied.html", reference_code=code, duplicate=duplicate)


def _contact_fields(form: FormData) -> dict[str, str]:
    fields = {
        key: str(form.get(key) or "").strip()[:_MAX_FIELD]
        for key in ("guardian_name", "phone", "email", "preferred_language")
    }
    fields["consent"] = "yes" if form.get("consent") == "yes" else ""
    return fields


def _contact_errors(fields: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not fields["guardian_name"]:
        errors["guardian_name"] = "apply.error.name"
    if not (fields["phone"] or fields["email"]):
        errors["phone"] = "apply.error.contact"
    if fields["email"] and ("@" not in fields["email"] or " " in fields["email"]):
        errors["email"] = "apply.error.email"
    if not fields["consent"]:
        errors["consent"] = "apply.error.consent"
    return errors


def _submit(
    request: Request, answers: dict[str, Any], fields: dict[str, str], summary: dict[str, Any]
) -> tuple[str, bool]:
    from trialdesk.service.applications import ApplicationInput, submit_application

    study = study_of(request)
    lang = fields["preferred_language"] if fields["preferred_language"] in ("en", "zh") else "en"
    data = ApplicationInput(
        child_birth_date=date.fromisoformat(str(answers["birth_date"])),
        contact_name=fields["guardian_name"],
        contact_email=fields["email"] or None,
        contact_phone=fields["phone"] or None,
        consent_to_contact=True,
        answers={"answers": answers, "prescreen": summary},
        language=lang,
    )
    with study.database.transaction() as session:
        row, duplicate = submit_application(
            session, trial_id=study.trial_id, site=study.settings.site, data=data
        )
        return row.reference_code, duplicate
