"""The investigators' safety dashboard: AEs by term and worst grade, DLTs, SAEs with their
24-hour reporting clocks, the stopping rules (and, when a boundary is crossed, enrollment
paused and the decision form), and efficacy at a glance where the data exists.

Everything is read through the study and treatment services, per subject the user may see;
figures come from :mod:`trialdesk.reports` (matplotlib) and are served as SVG images from
``/staff/safety/figures/…`` so the page itself stays fast.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.errors import AccessDeniedError, TrialDeskError
from trialdesk.service.access import Actor, Permission, require
from trialdesk.service.storage.types import utcnow
from trialdesk.web.nav import NavItem, register
from trialdesk.web.staff import checked_form, page, redirect, signed_in_actor, to_login
from trialdesk.web.study import study_of

__all__ = ["router", "safety_view"]

router = APIRouter(prefix="/staff/safety", include_in_schema=False)
register(NavItem("safety", "/staff/safety", "nav.safety", order=40))

FIGURES = ("waterfall", "swimmer", "pfs")


def _events_by_subject(session: Session, actor: Actor) -> list[tuple[Any, list[Any]]]:
    from trialdesk.service.subjects import list_subjects
    from trialdesk.service.treatment import adverse_events

    found = list_subjects(session, actor, offset=0, limit=10_000)
    return [
        (s, list(adverse_events.adverse_events(session, actor, s.id)))
        for s in found.items
        if s.enrolled_at is not None
    ]


def safety_view(
    session: Session, actor: Actor, plan: TreatmentPlan, trial_id: str, today: date, now: datetime
) -> dict[str, Any]:
    from trialdesk.service.treatment import adverse_events, safety
    from trialdesk.service.treatment.models import SafetyAlertRow
    from trialdesk.service.trials import get_trial

    require(actor, Permission.READ_STUDY)
    by_term: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"events": 0, "subjects": set(), "worst": 0, "by_grade": defaultdict(int)}
    )
    dlts, saes = [], []
    for subject, events in _events_by_subject(session, actor):
        for e in events:
            row = by_term[e.term]
            row["events"] += 1
            row["subjects"].add(subject.code)
            row["worst"] = max(row["worst"], e.grade)
            row["by_grade"][e.grade] += 1
            item = {
                "subject": subject.code,
                "subject_id": subject.id,
                "term": e.term,
                "grade": e.grade,
                "onset": e.onset,
                "dlt": e.dlt or {},
            }
            if (e.dlt or {}).get("verdict") in ("dlt", "review"):
                dlts.append(item)
            clock = adverse_events.sae_clock_of(e, plan, now)
            if e.serious:
                saes.append({**item, "clock": None if clock is None else clock.to_dict()})
    terms = sorted(
        (
            {
                "term": term,
                "events": r["events"],
                "subjects": len(r["subjects"]),
                "worst": r["worst"],
                "by_grade": [r["by_grade"].get(g, 0) for g in range(1, 6)],
            }
            for term, r in by_term.items()
        ),
        key=lambda r: (-r["worst"], -r["subjects"], r["term"]),
    )
    evaluable, with_dlt, _ = safety.dlt_counts(session, plan, trial_id, today)
    rules = [d.to_dict() for d in safety.stopping_decisions(session, plan, trial_id, today)]
    alerts = session.execute(
        select(SafetyAlertRow)
        .where(SafetyAlertRow.trial_id == trial_id, SafetyAlertRow.kind == "stopping_rule")
        .order_by(SafetyAlertRow.created_at.desc())
    ).scalars()
    trial = get_trial(session, trial_id)
    return {
        "terms": terms,
        "dlts": dlts,
        "saes": sorted(saes, key=lambda s: (s["clock"] or {}).get("deadline") or ""),
        "evaluable": evaluable,
        "with_dlt": with_dlt,
        "rules": rules,
        "paused": trial.paused,
        "example": plan.example,
        "alerts": [
            {
                "id": a.id,
                "message": a.message,
                "created_at": a.created_at,
                "decision": a.decision,
                "decision_reason": a.decision_reason,
                "decided_by": a.decided_by,
            }
            for a in alerts
        ],
    }


def efficacy_view(session: Session, trial_id: str, today: date) -> dict[str, Any]:
    """Which figures have data, and disease control with its exact 95 % interval."""
    from trialdesk.core.reporting.efficacy import disease_control_rate
    from trialdesk.core.reporting.plots_data import swimmer_lanes, waterfall_bars
    from trialdesk.reports.snapshot_from_db import snapshot_from_session

    snapshot = snapshot_from_session(session, today, trial_id=trial_id)
    treated = set(snapshot.treated_ids())
    if not treated:
        return {"treated": 0}
    dcr = disease_control_rate(snapshot)
    # With no tumour assessment yet, disease control is unknown, not 0 %.
    assessed = {r.subject_id for r in snapshot.responses if r.subject_id in treated}
    return {
        "treated": len(treated),
        "assessed": len(assessed),
        "dcr": {
            "events": dcr.events,
            "total": dcr.total,
            "estimate": dcr.estimate,
            "lower": dcr.lower,
            "upper": dcr.upper,
        },
        "has": {
            "waterfall": bool(waterfall_bars(snapshot)),
            "swimmer": bool(swimmer_lanes(snapshot)),
            "pfs": any(s.subject_id in treated for s in snapshot.survival),
        },
    }


def figure_svg(session: Session, trial_id: str, today: date, name: str) -> str:
    from trialdesk.core.reporting.efficacy import survival_curves
    from trialdesk.core.reporting.plots_data import swimmer_lanes, waterfall_bars
    from trialdesk.reports import figures
    from trialdesk.reports.snapshot_from_db import snapshot_from_session

    snapshot = snapshot_from_session(session, today, trial_id=trial_id)
    if name == "waterfall":
        figure = figures.waterfall_figure(waterfall_bars(snapshot))
    elif name == "swimmer":
        figure = figures.swimmer_figure(swimmer_lanes(snapshot))
    else:
        pfs, _ = survival_curves(snapshot)
        figure = figures.km_figure([pfs], "Progression-free survival")
    return figures.svg_text(figure)


@router.get("")
def dashboard(request: Request) -> Response:
    from trialdesk.service.treatment.access import plan_of

    actor = signed_in_actor(request)
    if actor is None:
        return to_login()
    study = study_of(request)
    plan = plan_of(study.protocol)
    try:
        with study.database.transaction() as session:
            view = safety_view(session, actor, plan, study.trial_id, study.today(), utcnow())
            efficacy = _efficacy_or_error(session, study.trial_id, study.today())
    except AccessDeniedError as exc:
        return page(request, "staff/denied.html", actor, 403, message=exc.message)
    return page(
        request,
        "staff/safety.html",
        actor,
        safety=view,
        efficacy=efficacy,
        today=study.today(),
        can_decide=_can_decide(actor),
    )


def _efficacy_or_error(session: Session, trial_id: str, today: date) -> dict[str, Any]:
    try:
        return efficacy_view(session, trial_id, today)
    except TrialDeskError as exc:  # e.g. reference data the reports need is missing
        return {"treated": None, "error": exc.message}


def _can_decide(actor: Actor) -> bool:
    from trialdesk.service.treatment.access import TreatmentPermission, require_treatment

    try:
        require_treatment(actor, TreatmentPermission.SAFETY_DECISION)
    except AccessDeniedError:
        return False
    return True


@router.get("/figures/{name}.svg")
def figure(request: Request, name: str) -> Response:
    actor = signed_in_actor(request)
    if actor is None or not actor.can(Permission.READ_STUDY):
        return Response(status_code=403)
    if name not in FIGURES:
        return Response(status_code=404)
    study = study_of(request)
    with study.database.transaction() as session:
        svg = figure_svg(session, study.trial_id, study.today(), name)
    return Response(svg, media_type="image/svg+xml")


@router.post("/alerts/{alert_id}/decision")
async def decide(request: Request, alert_id: str) -> Response:
    from trialdesk.service.treatment import safety

    actor = signed_in_actor(request)
    form = await checked_form(request)
    if actor is None or form is None:
        return to_login()
    study = study_of(request)
    try:
        with study.database.transaction() as session:
            safety.decide_alert(
                session, actor, alert_id, str(form.get("decision") or ""),
                str(form.get("reason") or ""),
            )  # fmt: skip
    except TrialDeskError as exc:
        return redirect("/staff/safety#rules", error=exc.message)
    return redirect("/staff/safety#rules", "safety.flash.decided")
