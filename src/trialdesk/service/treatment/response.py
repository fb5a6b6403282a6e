"""Tumour assessments (RECIST 1.1 document, or INRC 2017 time points) stored with their inputs,
the response summaries, and each subject's derived endpoints."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.core.treatment.endpoints import Endpoints, derive_endpoints
from trialdesk.core.treatment.response import ResponseSummary, summarise_inrc, summarise_recist
from trialdesk.errors import InputError, WorkflowError
from trialdesk.service import audit
from trialdesk.service.access import Actor
from trialdesk.service.subjects import get_subject
from trialdesk.service.treatment.access import TreatmentPermission, require_treatment
from trialdesk.service.treatment.exposure import first_dose
from trialdesk.service.treatment.models import TreatmentSubjectRow, TumourAssessmentRow
from trialdesk.service.treatment.schedule import assessment_windows, on_study_subject

__all__ = ["CRITERIA", "endpoints", "put_assessments", "record_death", "summary_of"]

CRITERIA = {"recist": "RECIST 1.1", "inrc": "INRC 2017"}


_INPUT_KEY = {"RECIST 1.1": "assessments", "INRC 2017": "timepoints"}


def _summarise(criteria: str, inputs: dict[str, Any]) -> ResponseSummary:
    key = _INPUT_KEY[criteria]
    if key not in inputs:
        raise InputError(
            f"the {criteria} inputs have no '{key}'",
            where=key,
            expected=f"an object with '{key}' (docs/treatment-and-safety.md shows the format)",
            got=", ".join(sorted(inputs)) or "an empty object",
        )
    if criteria == "RECIST 1.1":
        return summarise_recist(inputs[key])
    return summarise_inrc(inputs[key])


def put_assessments(
    session: Session,
    actor: Actor,
    plan: TreatmentPlan,
    subject_id: str,
    criteria_key: str,
    inputs: dict[str, Any],
) -> tuple[TumourAssessmentRow, ResponseSummary]:
    """Replace the subject's inputs for one criteria and recompute (the audit keeps the old)."""
    require_treatment(actor, TreatmentPermission.RECORD)
    subject = on_study_subject(session, actor, subject_id)
    criteria = CRITERIA.get(criteria_key)
    if criteria is None or criteria not in plan.response.criteria:
        allowed = sorted(k for k, v in CRITERIA.items() if v in plan.response.criteria)
        raise InputError(
            f"unknown or unused response criteria {criteria_key!r}",
            where="criteria",
            expected=" | ".join(allowed),
            got=criteria_key,
        )
    summary = _summarise(criteria, inputs)
    row = session.execute(
        select(TumourAssessmentRow).where(
            TumourAssessmentRow.subject_id == subject.id, TumourAssessmentRow.criteria == criteria
        )
    ).scalar_one_or_none()
    old = None if row is None else audit.snapshot(row)
    if row is None:
        row = TumourAssessmentRow(subject_id=subject.id, criteria=criteria)
        session.add(row)
    row.inputs, row.summary, row.updated_by = inputs, summary.to_dict(), actor.username
    session.flush()
    audit.record(
        session, actor, "update" if old else "create", "tumour_assessment", row.id,
        old=old, new=audit.snapshot(row),
    )  # fmt: skip
    return row, summary


def summary_of(session: Session, subject_id: str, criteria: str) -> ResponseSummary | None:
    row = session.execute(
        select(TumourAssessmentRow).where(
            TumourAssessmentRow.subject_id == subject_id, TumourAssessmentRow.criteria == criteria
        )
    ).scalar_one_or_none()
    return None if row is None else _summarise(criteria, row.inputs)


def record_death(session: Session, actor: Actor, subject_id: str, on: date) -> TreatmentSubjectRow:
    require_treatment(actor, TreatmentPermission.RECORD)
    subject = on_study_subject(session, actor, subject_id)
    row = session.get(TreatmentSubjectRow, subject.id)
    old = None if row is None else audit.snapshot(row)
    if row is None:
        row = TreatmentSubjectRow(subject_id=subject.id)
        session.add(row)
    row.death_date = on
    session.flush()
    audit.record(
        session, actor, "update" if old else "create", "treatment_subject", subject.id,
        old=old, new=audit.snapshot(row), reason="death recorded",
    )  # fmt: skip
    return row


def endpoints(
    session: Session,
    actor: Actor,
    plan: TreatmentPlan,
    subject_id: str,
    cutoff: date | None = None,
) -> Endpoints:
    """PFS, disease control and duration of response under the protocol's primary criteria,
    from the first administration of any product."""
    subject = get_subject(session, actor, subject_id)
    start = first_dose(session, subject.id)
    if start is None:
        raise WorkflowError(
            f"subject {subject.code} has no recorded administration: no start of treatment",
            where="exposures",
            hint="record the first dose, then derive the endpoints",
        )
    summary = summary_of(session, subject.id, plan.response.primary)
    if summary is None:
        raise WorkflowError(
            f"no {plan.response.primary} assessments for subject {subject.code}",
            where="tumour_assessments",
            hint="record them (PUT /api/v1/subjects/{id}/tumour-assessments/...)",
        )
    facts = session.get(TreatmentSubjectRow, subject.id)
    return derive_endpoints(
        summary,
        start,
        disease_control=plan.response.disease_control,
        death=None if facts is None else facts.death_date,
        cutoff=cutoff,
        assessment_windows=assessment_windows(session, plan, subject),
    )
