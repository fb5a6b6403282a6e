"""Lab results (a FHIR Bundle of Observations) → pending AE suggestions; a coordinator confirms
(an adverse event is created, with its edit checks) or rejects (with a reason). Nothing is
created silently; a result seen before is not suggested twice; results from before the first
administration are the subject's baselines, not adverse events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.core.record import ObservationRecord, PatientRecord, Quantity, Sex
from trialdesk.core.treatment.adverse_events import AdverseEventEntry
from trialdesk.core.treatment.lab_suggestions import (
    SuggestionKind,
    analyte_of,
    suggest_adverse_events,
)
from trialdesk.errors import InputError, WorkflowError
from trialdesk.service import audit
from trialdesk.service.access import Actor
from trialdesk.service.storage.types import utcnow
from trialdesk.service.subjects import NotFoundError, get_subject, recorded_sex
from trialdesk.service.treatment.access import TreatmentPermission, require_treatment
from trialdesk.service.treatment.adverse_events import Saved, record_adverse_event
from trialdesk.service.treatment.exposure import first_dose
from trialdesk.service.treatment.models import AeSuggestionRow, TreatmentSubjectRow
from trialdesk.service.treatment.schedule import on_study_subject

__all__ = ["confirm_suggestion", "ingest_labs", "reject_suggestion", "suggestions"]


def _age_years(birth: date | None, on: date) -> Decimal | None:
    if birth is None:
        return None
    years = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return Decimal(years)


def _sex_for_grading(recorded: Sex | None, in_record: Sex) -> Sex:
    """The sex that picks a default reference interval when a result has no range of its own.

    The subject's recorded sex first; while none is recorded, the lab record's Patient.gender.
    When both name a sex and disagree, neither is trusted: ``unknown`` lets only the intervals
    that hold for either sex apply, so a sex-dependent grade goes to review instead of guessing.
    """
    named = (Sex.FEMALE, Sex.MALE)
    if recorded in named and in_record in named and recorded is not in_record:
        return Sex.UNKNOWN
    if recorded is None or recorded is Sex.UNKNOWN:
        return in_record
    return recorded


def ingest_labs(
    session: Session, actor: Actor, subject_id: str, record: PatientRecord
) -> list[AeSuggestionRow]:
    """Results before the first administration become the subject's baselines (the CTCAE
    x-baseline bands need them) and are never suggested as AEs: a pre-treatment abnormality is
    a baseline condition. Results from the first administration on become suggestions, once
    each (a result seen before is skipped)."""
    require_treatment(actor, TreatmentPermission.RECORD)
    subject = on_study_subject(session, actor, subject_id)
    start = first_dose(session, subject.id)
    before = [o for o in record.observations if _before(o, start)]
    after = [o for o in record.observations if not _before(o, start) and o.effective is not None]
    baselines = _update_baselines(session, actor, subject.id, before)
    seen = set(
        session.execute(
            select(AeSuggestionRow.observation).where(AeSuggestionRow.subject_id == subject.id)
        ).scalars()
    )
    when = max((o.effective.earliest for o in after if o.effective is not None), default=None)
    found = suggest_adverse_events(
        after,
        age_years=None if when is None else _age_years(subject.birth_date, when),
        sex=_sex_for_grading(recorded_sex(subject), record.patient.sex),
        baselines={
            name: Quantity(Decimal(b["value"]), str(b["unit"])) for name, b in baselines.items()
        },
    )
    stored = []
    for item in found:
        if item.observation in seen:
            continue
        row = AeSuggestionRow(
            subject_id=subject.id, observation=item.observation, kind=str(item.kind),
            analyte=item.analyte, value=item.value, onset=item.onset, term=item.term,
            meddra_code=item.meddra_code, grade=item.grade, reason=item.reason,
            detail=item.to_dict(), status="pending",
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", "ae_suggestion", row.id, new=audit.snapshot(row))
        seen.add(item.observation)
        stored.append(row)
    return stored


def _before(observation: ObservationRecord, start: date | None) -> bool:
    """Taken before treatment: no administration yet, or dated (wholly) before the first."""
    if start is None:
        return True
    return observation.effective is not None and observation.effective.latest < start


def _update_baselines(
    session: Session, actor: Actor, subject_id: str, observations: Sequence[ObservationRecord]
) -> dict[str, Any]:
    facts = session.get(TreatmentSubjectRow, subject_id)
    if facts is None:
        facts = TreatmentSubjectRow(subject_id=subject_id, lab_baselines={})
        session.add(facts)
    baselines = dict(facts.lab_baselines or {})
    changed = False
    for item in observations:
        analyte = analyte_of(item)
        if analyte is None or not isinstance(item.value, Quantity) or item.effective is None:
            continue
        if item.value.comparator is not None or item.status not in (
            "final",
            "amended",
            "corrected",
        ):
            continue
        day = item.effective.latest.isoformat()
        known = baselines.get(analyte.id)
        if known is None or str(known["date"]) <= day:
            baselines[analyte.id] = {
                "value": str(item.value.value),
                "unit": item.value.unit,
                "date": day,
                "observation": f"Observation/{item.ref.id}",
            }
            changed = True
    if changed:
        old = {"lab_baselines": facts.lab_baselines}
        facts.lab_baselines = baselines
        session.flush()
        audit.record(
            session, actor, "update", "treatment_subject", subject_id, old=old,
            new={"lab_baselines": baselines}, reason="pre-treatment lab results as baselines",
        )  # fmt: skip
    return baselines


def suggestions(
    session: Session, actor: Actor, subject_id: str, status: str | None = None
) -> Sequence[AeSuggestionRow]:
    subject = get_subject(session, actor, subject_id)
    query = select(AeSuggestionRow).where(AeSuggestionRow.subject_id == subject.id)
    if status is not None:
        query = query.where(AeSuggestionRow.status == status)
    return list(session.execute(query.order_by(AeSuggestionRow.created_at)).scalars())


def _pending(session: Session, actor: Actor, suggestion_id: str) -> AeSuggestionRow:
    row = session.get(AeSuggestionRow, suggestion_id, with_for_update=True)
    if row is None:
        raise NotFoundError("no such suggestion", where="suggestion_id", got=suggestion_id)
    get_subject(session, actor, row.subject_id)
    if row.status != "pending":
        raise WorkflowError(
            f"the suggestion is already {row.status}", where="suggestion.status", got=row.status
        )
    return row


def confirm_suggestion(
    session: Session,
    actor: Actor,
    plan: TreatmentPlan,
    suggestion_id: str,
    details: Mapping[str, object],
    as_of: date,
) -> Saved:
    """Create the AE the suggestion describes; ``details`` adds what a lab cannot know
    (attribution, seriousness, action, outcome, resolution). A review item cannot be confirmed
    as it stands: its grade is unknown, so the coordinator records the AE by hand."""
    require_treatment(actor, TreatmentPermission.RECORD)
    row = _pending(session, actor, suggestion_id)
    if row.kind != SuggestionKind.ADVERSE_EVENT.value or row.term is None or row.grade is None:
        raise WorkflowError(
            "this result could not be graded automatically",
            where="suggestion.kind",
            got=row.kind,
            hint="record the adverse event by hand once the missing facts are known: " + row.reason,
        )
    data: dict[str, object] = {"term": row.term, "grade": row.grade, "onset": row.onset}
    data.update(details)
    if data["term"] != row.term or data["grade"] != row.grade:
        raise InputError(
            "confirming keeps the suggested term and grade; reject it and record the AE instead",
            where="details",
        )
    entry = AdverseEventEntry.model_validate(data)
    saved = record_adverse_event(session, actor, plan, row.subject_id, entry, as_of, source="lab")
    old = audit.snapshot(row)
    row.status, row.adverse_event_id = "confirmed", saved.event.id
    row.decided_by, row.decided_at = actor.username, utcnow()
    session.flush()
    audit.record(
        session, actor, "update", "ae_suggestion", row.id, old=old, new=audit.snapshot(row),
        reason="confirmed as an adverse event",
    )  # fmt: skip
    return saved


def reject_suggestion(
    session: Session, actor: Actor, suggestion_id: str, reason: str
) -> AeSuggestionRow:
    require_treatment(actor, TreatmentPermission.RECORD)
    if not reason.strip():
        raise InputError("rejecting a suggestion needs its reason", where="reason")
    row = _pending(session, actor, suggestion_id)
    old = audit.snapshot(row)
    row.status, row.decision_reason = "rejected", reason
    row.decided_by, row.decided_at = actor.username, utcnow()
    session.flush()
    audit.record(
        session, actor, "update", "ae_suggestion", row.id, old=old, new=audit.snapshot(row),
        reason=reason,
    )  # fmt: skip
    return row
