"""What the on-study page shows, read through the treatment service (roles checked there).

Every clinical verdict on the page carries what it rests on: a lab grade its CTCAE rule and
threshold, a dose its allowed range and BSA formula, an AE its DLT reasons and SAE clock, a
response its criteria. Nothing here grades or decides: the service and the core do.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from trialdesk.core.protocol.treatment import ATTRIBUTION_ORDER, TreatmentPlan
from trialdesk.core.rules.ctcae import search, term
from trialdesk.core.rules.ctcae.terminology import CtcaeTerm
from trialdesk.core.treatment.adverse_events import (
    ACTIONS,
    OUTCOMES,
    SERIOUSNESS_CRITERIA,
    interventions_of,
)
from trialdesk.errors import TrialDeskError
from trialdesk.service.access import Actor
from trialdesk.service.treatment.models import TreatmentSubjectRow

__all__ = ["ENROLLED_STATUSES", "on_study_view", "term_choices", "term_view"]

ENROLLED_STATUSES = ("on-study", "follow-up", "off-study")
CRITERIA = ("inrc", "recist")


def term_view(found: CtcaeTerm) -> dict[str, Any]:
    """A CTCAE v5.0 term with its grade definitions (None where CTCAE has no such grade)."""
    return {
        "name": found.name,
        "meddra_code": found.meddra_code,
        "soc": found.soc,
        "definition": found.definition,
        "note": found.navigational_note,  # e.g. Pain: prefer a body-site pain term
        "grades": [(i, text) for i, text in enumerate(found.grades, start=1)],
        "allowed": list(found.allowed_grades),
    }


def term_choices(query: str, limit: int = 15) -> list[dict[str, Any]]:
    query = query.strip()[:100]
    return [term_view(t) for t in search(query, limit=limit)] if query else []


def _chosen_term(name: str) -> dict[str, Any] | None:
    name = name.strip()[:200]
    if not name:
        return None
    try:
        return term_view(term(name))  # exact name or MedDRA code
    except TrialDeskError:
        return None


def _section(build: Any) -> dict[str, Any]:
    """One part of the page; a refusal or a missing prerequisite is shown in its place."""
    try:
        return {"ok": True, "data": build()}
    except TrialDeskError as exc:
        return {"ok": False, "error": exc.message}


def on_study_view(
    session: Session,
    actor: Actor,
    plan: TreatmentPlan,
    subject_id: str,
    today: date,
    now: datetime,
    *,
    term_query: str = "",
    term_name: str = "",
) -> dict[str, Any]:
    from trialdesk.service import subjects
    from trialdesk.service.treatment import (
        adverse_events,
        exposure,
        labs,
        queries,
        response,
        schedule,
    )

    subject = subjects.get_subject(session, actor, subject_id)

    def calendar() -> dict[str, Any]:
        visits = schedule.calendar(session, actor, plan, subject.id, today)
        starts = schedule.cycle_report(session, actor, plan, subject.id)
        return {
            "visits": [v.to_dict() for v in visits],
            "starts": [c.to_dict() for c in starts],
        }

    def doses() -> list[dict[str, Any]]:
        return [
            {
                "product": r.product,
                "dose": r.dose,
                "unit": r.unit,
                "route": r.route,
                "start": r.start_at,
                "status": r.dose_status,
                "check": r.dose_check,
            }
            for r in exposure.exposures(session, actor, subject.id)
        ]

    def lab_results() -> dict[str, Any]:
        facts = session.get(TreatmentSubjectRow, subject.id)
        rows = labs.suggestions(session, actor, subject.id)
        return {
            "baselines": dict(facts.lab_baselines) if facts else {},
            "suggestions": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "analyte": r.analyte,
                    "value": r.value,
                    "onset": r.onset,
                    "term": r.term,
                    "grade": r.grade,
                    "reason": r.reason,
                    "rule": (r.detail or {}).get("rule"),
                    "notes": (r.detail or {}).get("notes", []),
                    "status": r.status,
                    "decision_reason": r.decision_reason,
                }
                for r in rows
            ],
        }

    def events() -> list[dict[str, Any]]:
        out = []
        for row in adverse_events.adverse_events(session, actor, subject.id):
            clock = adverse_events.sae_clock_of(row, plan, now)
            out.append(
                {
                    "id": row.id,
                    "term": row.term,
                    "grade": row.grade,
                    "onset": row.onset,
                    "resolved": row.resolved,
                    "serious": row.serious,
                    "seriousness": row.seriousness,
                    "attribution": row.attribution,
                    "action": row.action,
                    "outcome": row.outcome,
                    "source": row.source,
                    "dlt": row.dlt or {},
                    "clock": None if clock is None else clock.to_dict(),
                }
            )
        return out

    def query_list() -> list[dict[str, Any]]:
        rows = queries.list_queries(session, actor, subject_id=subject.id)
        return [
            {
                "id": q.id,
                "field": q.field,
                "check": q.check,
                "message": q.message,
                "state": q.state,
                "answer": q.answer,
                "close_reason": q.close_reason,
                "version": q.version,
            }
            for q in rows
        ]

    def responses() -> dict[str, Any]:
        found = {}
        for criteria in CRITERIA:
            summary = response.summary_of(session, subject.id, criteria)
            if summary is not None:
                found[criteria] = summary.to_dict()
        return found

    return {
        "id": subject.id,
        "code": subject.code,
        "status": subject.status,
        "on_study": subject.status in ENROLLED_STATUSES,
        "example": plan.example,
        "calendar": _section(calendar),
        "doses": _section(doses),
        "labs": _section(lab_results),
        "events": _section(events),
        "queries": _section(query_list),
        "responses": _section(responses),
        "products": [p.id for p in plan.products],
        "interventions": list(interventions_of(plan)),
        "attributions": list(ATTRIBUTION_ORDER),
        "actions": list(ACTIONS),
        "outcomes": list(OUTCOMES),
        "seriousness": list(SERIOUSNESS_CRITERIA),
        "term_query": term_query[:100],
        "term_choices": term_choices(term_query),
        "term": _chosen_term(term_name),
    }
