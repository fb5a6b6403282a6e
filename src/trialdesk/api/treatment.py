"""On study, under /api/v1: the calendar, doses, labs → suggested AEs, adverse events and their
queries, tumour assessments and endpoints, safety alerts and the stopping rules.

Same conventions as the study service: a signed-in user, the role checked in the service,
every change audited, errors as the structured TrialDeskError body. Clinical dates default
to the application's ``today`` (fixed in tests). SAE alerts go to the notification hook after
the response (a background task), so a slow receiver never holds a transaction open.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Body, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from trialdesk.adapters.fhir import record_from_bundle
from trialdesk.api.deps import SignedIn, Study
from trialdesk.core.rules.ctcae import search
from trialdesk.core.study.data_queries import QueryAction
from trialdesk.core.treatment.adverse_events import AdverseEventEntry
from trialdesk.core.treatment.exposure import Exposure, Interruption
from trialdesk.core.treatment.stopping import boundary_table
from trialdesk.service import audit
from trialdesk.service.access import Permission, require
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import Base
from trialdesk.service.storage.types import utcnow
from trialdesk.service.treatment import (
    adverse_events,
    exposure,
    labs,
    notify,
    queries,
    response,
    safety,
    schedule,
)
from trialdesk.service.treatment.access import TreatmentPermission, plan_of, require_treatment
from trialdesk.service.treatment.models import SafetyAlertRow

router = APIRouter(tags=["treatment and safety"])

Json = dict[str, Any]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CycleStartIn(_In):
    start: date
    reason: str | None = None


class VisitIn(_In):
    visit_key: str
    on: date
    notes: str | None = None


class InterruptionIn(_In):
    start: datetime
    stop: datetime | None = None
    reason: str


class ExposureIn(_In):
    product: str
    dose: Decimal
    unit: str
    start: datetime
    stop: datetime | None = None
    route: str | None = None
    height: Decimal | None = None
    height_unit: str = "cm"
    weight: Decimal | None = None
    weight_unit: str = "kg"
    interruptions: list[InterruptionIn] = Field(default_factory=list)


class AeUpdateIn(_In):
    event: AdverseEventEntry
    version: int
    reason: str


class ReasonIn(_In):
    reason: str


class TextIn(_In):
    text: str
    version: int | None = None


class SaeReportIn(_In):
    reported_at: datetime


class DecisionIn(_In):
    decision: Literal["continue", "stop"]
    reason: str


class HookIn(_In):
    url: str
    timeout_seconds: int = 5


class DeathIn(_In):
    on: date


class EarlyExitIn(_In):
    left_before_dlt_window_end: bool
    reason: str


def _out(row: Base) -> Json:
    return audit.snapshot(row)


def _send(tasks: BackgroundTasks, database: Database, alerts: list[SafetyAlertRow]) -> None:
    ids = [a.id for a in alerts if a.kind == "sae"]
    if ids:
        tasks.add_task(notify.deliver, database, ids)


def _saved(saved: adverse_events.Saved) -> Json:
    return {
        "event": _out(saved.event),
        "queries": [_out(q) for q in saved.queries],
        "alerts": [_out(a) for a in saved.alerts],
    }


@router.get("/treatment/plan", summary="The protocol's treatment section (example flags included)")
def read_plan(actor: SignedIn, study: Study) -> Json:
    require(actor, Permission.READ_STUDY)
    plan = plan_of(study.protocol)
    return {
        "plan": plan.model_dump(mode="json"),
        "boundaries": {
            rule.id: [row.model_dump() for row in boundary_table(rule)]
            for rule in plan.stopping_rules
        },
    }


@router.get("/ctcae/terms", summary="CTCAE v5.0 pick-list, searchable, with grade definitions")
def read_terms(
    actor: SignedIn,
    q: Annotated[str, Query(max_length=100)] = "",
    soc: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[Json]:
    require(actor, Permission.READ_STUDY)
    return [t.to_dict() for t in search(q, soc=soc, limit=limit)]


@router.get("/subjects/{subject_id}/calendar", summary="Visits with windows and statuses")
def read_calendar(
    subject_id: str, actor: SignedIn, study: Study, as_of: date | None = None
) -> Json:
    plan = plan_of(study.protocol)
    with study.database.transaction() as session:
        visits = schedule.calendar(session, actor, plan, subject_id, as_of or study.date_today())
        starts = schedule.cycle_report(session, actor, plan, subject_id)
    return {
        "example": plan.example,
        "cycle_starts": [c.to_dict() for c in starts],
        "visits": [v.to_dict() for v in visits],
    }


@router.put("/subjects/{subject_id}/cycles/{cycle}/start", summary="Actual or re-planned day 1")
def put_cycle_start(
    subject_id: str, cycle: int, body: CycleStartIn, actor: SignedIn, study: Study
) -> Json:
    plan = plan_of(study.protocol)
    with study.database.transaction() as session:
        row = schedule.record_cycle_start(
            session, actor, plan, subject_id, cycle, body.start, body.reason
        )
        return _out(row)


@router.post("/subjects/{subject_id}/visits", status_code=201, summary="A visit done")
def post_visit(subject_id: str, body: VisitIn, actor: SignedIn, study: Study) -> Json:
    plan = plan_of(study.protocol)
    with study.database.transaction() as session:
        row = schedule.record_visit(
            session, actor, plan, subject_id, body.visit_key, body.on, body.notes
        )
        return _out(row)


@router.post("/subjects/{subject_id}/exposures", status_code=201, summary="An administration")
def post_exposure(subject_id: str, body: ExposureIn, actor: SignedIn, study: Study) -> Json:
    plan = plan_of(study.protocol)
    given = Exposure(
        **body.model_dump(exclude={"interruptions"}),
        interruptions=tuple(Interruption(**i.model_dump()) for i in body.interruptions),
    )
    with study.database.transaction() as session:
        row, check = exposure.record_exposure(session, actor, plan, subject_id, given)
        return {"exposure": _out(row), "dose_check": check.to_dict()}


@router.get("/subjects/{subject_id}/exposures", summary="Administrations, oldest first")
def read_exposures(subject_id: str, actor: SignedIn, study: Study) -> list[Json]:
    with study.database.transaction() as session:
        return [_out(r) for r in exposure.exposures(session, actor, subject_id)]


@router.post("/subjects/{subject_id}/labs", status_code=201, summary="A FHIR Bundle of lab results")
def post_labs(
    subject_id: str, bundle: Annotated[Json, Body()], actor: SignedIn, study: Study
) -> list[Json]:
    # The role first: a caller who may not record labs learns nothing about the upload.
    require_treatment(actor, TreatmentPermission.RECORD)
    record = record_from_bundle(bundle, "upload")
    with study.database.transaction() as session:
        return [_out(r) for r in labs.ingest_labs(session, actor, subject_id, record)]


@router.get("/subjects/{subject_id}/ae-suggestions", summary="Suggested AEs from labs")
def read_suggestions(
    subject_id: str, actor: SignedIn, study: Study, status: str | None = None
) -> list[Json]:
    with study.database.transaction() as session:
        return [_out(r) for r in labs.suggestions(session, actor, subject_id, status)]


@router.post("/ae-suggestions/{suggestion_id}/confirm", summary="Confirm: create the AE")
def confirm(
    suggestion_id: str,
    details: Annotated[Json, Body()],
    actor: SignedIn,
    study: Study,
    tasks: BackgroundTasks,
) -> Json:
    plan = plan_of(study.protocol)
    with study.database.transaction() as session:
        saved = labs.confirm_suggestion(
            session, actor, plan, suggestion_id, details, study.date_today()
        )
        result = _saved(saved)
        alerts = saved.alerts
    _send(tasks, study.database, alerts)
    return result


@router.post("/ae-suggestions/{suggestion_id}/reject", summary="Reject, with a reason")
def reject(suggestion_id: str, body: ReasonIn, actor: SignedIn, study: Study) -> Json:
    with study.database.transaction() as session:
        return _out(labs.reject_suggestion(session, actor, suggestion_id, body.reason))


@router.post("/subjects/{subject_id}/adverse-events", status_code=201, summary="Record an AE")
def post_adverse_event(
    subject_id: str,
    body: AdverseEventEntry,
    actor: SignedIn,
    study: Study,
    tasks: BackgroundTasks,
) -> Json:
    plan = plan_of(study.protocol)
    with study.database.transaction() as session:
        saved = adverse_events.record_adverse_event(
            session, actor, plan, subject_id, body, study.date_today()
        )
        result = _saved(saved)
        alerts = saved.alerts
    _send(tasks, study.database, alerts)
    return result


@router.get("/subjects/{subject_id}/adverse-events", summary="AEs with DLT and SAE clock")
def read_adverse_events(subject_id: str, actor: SignedIn, study: Study) -> list[Json]:
    plan = plan_of(study.protocol)
    now = utcnow()
    with study.database.transaction() as session:
        rows = adverse_events.adverse_events(session, actor, subject_id)
        out = []
        for row in rows:
            item = _out(row)
            clock = adverse_events.sae_clock_of(row, plan, now)
            item["sae_clock"] = None if clock is None else clock.to_dict()
            out.append(item)
        return out


@router.put("/adverse-events/{event_id}", summary="Correct an AE (version and reason)")
def put_adverse_event(
    event_id: str, body: AeUpdateIn, actor: SignedIn, study: Study, tasks: BackgroundTasks
) -> Json:
    plan = plan_of(study.protocol)
    with study.database.transaction() as session:
        saved = adverse_events.update_adverse_event(
            session, actor, plan, event_id, body.event, study.date_today(),
            expected_version=body.version, reason=body.reason,
        )  # fmt: skip
        result = _saved(saved)
        alerts = saved.alerts
    _send(tasks, study.database, alerts)
    return result


@router.post("/adverse-events/{event_id}/sae-report", summary="The SAE was reported")
def post_sae_report(event_id: str, body: SaeReportIn, actor: SignedIn, study: Study) -> Json:
    with study.database.transaction() as session:
        return _out(adverse_events.mark_sae_reported(session, actor, event_id, body.reported_at))


@router.get("/queries", summary="Data queries (site-scoped)")
def read_queries(
    actor: SignedIn, study: Study, subject_id: str | None = None, state: str | None = None
) -> list[Json]:
    with study.database.transaction() as session:
        rows = queries.list_queries(session, actor, subject_id=subject_id, state=state)
        return [_out(r) for r in rows]


@router.post("/queries/{query_id}/{action}", summary="Answer, close or re-open a query")
def act_on_query(
    query_id: str, action: QueryAction, body: TextIn, actor: SignedIn, study: Study
) -> Json:
    with study.database.transaction() as session:
        row = queries.act_on_query(session, actor, query_id, action, body.text, body.version)
        return _out(row)


@router.put(
    "/subjects/{subject_id}/tumour-assessments/{criteria}",
    summary="RECIST ({'assessments': …}) or INRC ({'timepoints': […]}) inputs → response",
)
def put_assessments(
    subject_id: str,
    criteria: Literal["recist", "inrc"],
    inputs: Annotated[Json, Body()],
    actor: SignedIn,
    study: Study,
) -> Json:
    plan = plan_of(study.protocol)
    with study.database.transaction() as session:
        _, summary = response.put_assessments(session, actor, plan, subject_id, criteria, inputs)
    return summary.to_dict()


@router.put("/subjects/{subject_id}/death", summary="Record a death (for PFS)")
def put_death(subject_id: str, body: DeathIn, actor: SignedIn, study: Study) -> Json:
    with study.database.transaction() as session:
        return _out(response.record_death(session, actor, subject_id, body.on))


@router.get(
    "/subjects/{subject_id}/endpoints", summary="PFS, disease control, duration of response"
)
def read_endpoints(
    subject_id: str, actor: SignedIn, study: Study, cutoff: date | None = None
) -> Json:
    plan = plan_of(study.protocol)
    with study.database.transaction() as session:
        return response.endpoints(session, actor, plan, subject_id, cutoff).to_dict()


@router.get("/safety/stopping-rules", summary="Each rule evaluated now, with its boundary table")
def read_stopping_rules(actor: SignedIn, study: Study) -> Json:
    require(actor, Permission.READ_STUDY)
    plan = plan_of(study.protocol)
    today = study.date_today()
    with study.database.transaction() as session:
        evaluable, dlts, statuses = safety.dlt_counts(session, plan, study.trial_id, today)
        decisions = safety.stopping_decisions(session, plan, study.trial_id, today)
    return {
        "as_of": today.isoformat(),
        "evaluable": evaluable,
        "dlts": dlts,
        "subjects": {code: s.to_dict() for code, s in statuses.items()},
        "rules": [d.to_dict() for d in decisions],
    }


@router.post("/safety/evaluate", summary="Re-evaluate DLTs and stopping rules now")
def post_evaluate(actor: SignedIn, study: Study) -> list[Json]:
    """For events whose DLT status changes with time alone (an ongoing grade 4 cytopenia
    reaching its duration): run daily, e.g. from cron. New alerts only; pauses if crossed."""
    require_treatment(actor, TreatmentPermission.RECORD)
    plan = plan_of(study.protocol)
    with study.database.transaction() as session:
        alerts = adverse_events.refresh_dlts(session, plan, study.trial_id, study.date_today())
        return [_out(a) for a in alerts]


@router.get("/safety/alerts", summary="Safety alerts, newest first (the dashboard)")
def read_alerts(actor: SignedIn, study: Study, undecided: bool = False) -> list[Json]:
    require(actor, Permission.READ_STUDY)
    with study.database.transaction() as session:
        query = select(SafetyAlertRow).where(SafetyAlertRow.trial_id == study.trial_id)
        if undecided:
            query = query.where(
                SafetyAlertRow.kind == "stopping_rule", SafetyAlertRow.decision.is_(None)
            )
        rows = session.execute(query.order_by(SafetyAlertRow.created_at.desc())).scalars()
        return [_out(r) for r in rows]


@router.post("/safety/alerts/{alert_id}/decision", summary="Investigator's decision")
def post_decision(alert_id: str, body: DecisionIn, actor: SignedIn, study: Study) -> Json:
    with study.database.transaction() as session:
        return _out(safety.decide_alert(session, actor, alert_id, body.decision, body.reason))


@router.put("/safety/notification-hook", summary="Where SAE alerts are POSTed (administrator)")
def put_hook(body: HookIn, actor: SignedIn, study: Study) -> Json:
    with study.database.transaction() as session:
        row = notify.set_hook(session, actor, study.trial_id, body.url, body.timeout_seconds)
        return _out(row)
