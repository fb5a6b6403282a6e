"""Adverse events: entry and correction with edit checks (→ queries), DLT classification,
SAE alerts with the reporting clock, and the safety stopping rules re-evaluated after each.

Every save returns the alerts it raised; the caller delivers the SAE ones to the outbound
notification hook after the transaction commits (service.treatment.notify).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.core.treatment.adverse_events import AdverseEventEntry, edit_checks, resolve_term
from trialdesk.core.treatment.dlt import DltClass, DltResult, classify_dlt
from trialdesk.core.treatment.sae import SaeClock, sae_clock
from trialdesk.errors import ConflictError, InputError
from trialdesk.service import audit
from trialdesk.service.access import SYSTEM_ACTOR, Actor
from trialdesk.service.data_queries import sync_queries
from trialdesk.service.storage.models import DataQueryRow, SubjectRow
from trialdesk.service.storage.types import utcnow
from trialdesk.service.subjects import NotFoundError, get_subject
from trialdesk.service.treatment.access import TreatmentPermission, require_treatment
from trialdesk.service.treatment.exposure import first_dose
from trialdesk.service.treatment.models import AdverseEventRow, SafetyAlertRow
from trialdesk.service.treatment.safety import evaluate_safety
from trialdesk.service.treatment.schedule import on_study_subject

__all__ = [
    "Saved",
    "adverse_events",
    "classify_row",
    "entry_of",
    "mark_sae_reported",
    "record_adverse_event",
    "refresh_dlts",
    "sae_clock_of",
    "update_adverse_event",
]


@dataclass
class Saved:
    event: AdverseEventRow
    queries: list[DataQueryRow]
    alerts: list[SafetyAlertRow] = field(default_factory=list)


def entry_of(row: AdverseEventRow) -> AdverseEventEntry:
    return AdverseEventEntry.model_validate(
        {
            "term": row.term,
            "grade": row.grade,
            "onset": row.onset,
            "resolved": row.resolved,
            "serious": row.serious,
            "seriousness": row.seriousness,
            "attribution": row.attribution,
            "action": row.action,
            "outcome": row.outcome,
            "aware_at": row.aware_at,
            "description": row.description,
        }
    )


def classify_row(
    session: Session, plan: TreatmentPlan, row: AdverseEventRow, as_of: date
) -> DltResult:
    dose = first_dose(session, row.subject_id, plan.dlt.window_from_product)
    return classify_dlt(entry_of(row), plan, dose, as_of)


def _apply(row: AdverseEventRow, entry: AdverseEventEntry) -> None:
    known = resolve_term(entry.term)
    row.term = known.name if known is not None else entry.term
    row.meddra_code = None if known is None else known.meddra_code
    row.soc = None if known is None else known.soc
    row.grade, row.onset, row.resolved = entry.grade, entry.onset, entry.resolved
    row.serious, row.seriousness = entry.serious, list(entry.seriousness)
    row.attribution = dict(entry.attribution)
    row.action, row.outcome = entry.action, entry.outcome
    row.aware_at, row.description = entry.aware_at, entry.description


def _after_save(
    session: Session,
    actor: Actor,
    plan: TreatmentPlan,
    subject: SubjectRow,
    row: AdverseEventRow,
    as_of: date,
    was_dlt: bool,
    was_serious: bool,
) -> Saved:
    queries = sync_queries(
        session, actor, subject.id, "adverse_event", row.id, edit_checks(entry_of(row), plan)
    )
    result = classify_row(session, plan, row, as_of)
    row.dlt = result.to_dict()
    session.flush()
    alerts: list[SafetyAlertRow] = []
    if result.verdict is DltClass.DLT and not was_dlt:
        alerts.append(
            _alert(
                session, subject, row, "dlt",
                f"Dose-limiting toxicity: {row.term} grade {row.grade} in {subject.code} "
                f"({result.criterion})",
                {"dlt": result.to_dict()}, None,
            )
        )  # fmt: skip
    if row.serious and not was_serious:
        if row.aware_at is None:
            row.aware_at = utcnow()
        deadline = row.aware_at + timedelta(hours=plan.sae_report_hours)
        alerts.append(
            _alert(
                session, subject, row, "sae",
                f"Serious adverse event: {row.term} grade {row.grade} in {subject.code}; report "
                f"within {plan.sae_report_hours} h",
                {"seriousness": row.seriousness, "grade": row.grade, "term": row.term},
                deadline,
            )
        )  # fmt: skip
    alerts.extend(evaluate_safety(session, plan, subject.trial_id, as_of))
    return Saved(row, queries, alerts)


def _alert(
    session: Session,
    subject: SubjectRow,
    row: AdverseEventRow,
    kind: str,
    message: str,
    detail: dict[str, object],
    deadline: datetime | None,
) -> SafetyAlertRow:
    alert = SafetyAlertRow(
        trial_id=subject.trial_id, subject_id=subject.id, kind=kind, entity_id=row.id,
        message=message, detail=detail, deadline=deadline,
    )  # fmt: skip
    session.add(alert)
    session.flush()
    audit.record(
        session, SYSTEM_ACTOR, "create", "safety_alert", alert.id, new=audit.snapshot(alert)
    )
    return alert


def record_adverse_event(
    session: Session,
    actor: Actor,
    plan: TreatmentPlan,
    subject_id: str,
    entry: AdverseEventEntry,
    as_of: date,
    *,
    source: str = "manual",
) -> Saved:
    require_treatment(actor, TreatmentPermission.RECORD)
    subject = on_study_subject(session, actor, subject_id)
    row = AdverseEventRow(subject_id=subject.id, source=source, dlt={}, created_by=actor.username)
    _apply(row, entry)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "adverse_event", row.id, new=audit.snapshot(row))
    return _after_save(session, actor, plan, subject, row, as_of, False, False)


def get_adverse_event(
    session: Session, actor: Actor, event_id: str, *, lock: bool = False
) -> AdverseEventRow:
    row = session.get(AdverseEventRow, event_id, with_for_update=lock)
    if row is None:
        raise NotFoundError("no such adverse event", where="event_id", got=event_id)
    get_subject(session, actor, row.subject_id)  # site scoping
    return row


def update_adverse_event(
    session: Session,
    actor: Actor,
    plan: TreatmentPlan,
    event_id: str,
    entry: AdverseEventEntry,
    as_of: date,
    *,
    expected_version: int,
    reason: str,
) -> Saved:
    """A correction: needs the version it was read at and a reason (it is audited)."""
    require_treatment(actor, TreatmentPermission.RECORD)
    if not reason.strip():
        raise InputError("a correction needs its reason", where="reason")
    row = get_adverse_event(session, actor, event_id, lock=True)
    if row.version != expected_version:
        raise ConflictError(
            "the adverse event changed since you read it",
            where="version",
            expected=str(row.version),
            got=str(expected_version),
            hint="reload it and apply your correction again",
        )
    subject = get_subject(session, actor, row.subject_id)
    old = audit.snapshot(row)
    was_dlt, was_serious = row.dlt.get("verdict") == DltClass.DLT.value, row.serious
    _apply(row, entry)
    session.flush()
    audit.record(
        session, actor, "update", "adverse_event", row.id, old=old, new=audit.snapshot(row),
        reason=reason,
    )  # fmt: skip
    return _after_save(session, actor, plan, subject, row, as_of, was_dlt, was_serious)


def adverse_events(session: Session, actor: Actor, subject_id: str) -> Sequence[AdverseEventRow]:
    subject = get_subject(session, actor, subject_id)
    return list(
        session.execute(
            select(AdverseEventRow)
            .where(AdverseEventRow.subject_id == subject.id)
            .order_by(AdverseEventRow.onset, AdverseEventRow.id)
        ).scalars()
    )


def sae_clock_of(row: AdverseEventRow, plan: TreatmentPlan, now: datetime) -> SaeClock | None:
    if not row.serious or row.aware_at is None:
        return None
    return sae_clock(row.aware_at, now, plan.sae_report_hours, row.sae_reported_at)


def mark_sae_reported(
    session: Session, actor: Actor, event_id: str, reported_at: datetime
) -> AdverseEventRow:
    require_treatment(actor, TreatmentPermission.RECORD)
    row = get_adverse_event(session, actor, event_id, lock=True)
    if not row.serious:
        raise InputError(
            "only a serious adverse event is reported on the SAE clock", where="serious"
        )
    if reported_at.tzinfo is None:
        raise InputError("reported_at needs a time zone", where="reported_at")
    old = audit.snapshot(row)
    row.sae_reported_at = reported_at
    session.flush()
    audit.record(
        session, actor, "update", "adverse_event", row.id, old=old, new=audit.snapshot(row),
        reason="SAE reported to the sponsor",
    )  # fmt: skip
    return row


def refresh_dlts(
    session: Session, plan: TreatmentPlan, trial_id: str, as_of: date
) -> list[SafetyAlertRow]:
    """Re-classify every AE of the trial on ``as_of`` (a running event can become a DLT with
    time alone); store changed classifications, alert new DLTs, then the stopping rules."""
    alerts: list[SafetyAlertRow] = []
    rows = session.execute(
        select(AdverseEventRow, SubjectRow)
        .join(SubjectRow, SubjectRow.id == AdverseEventRow.subject_id)
        .where(SubjectRow.trial_id == trial_id)
    ).all()
    for row, subject in rows:
        result = classify_row(session, plan, row, as_of)
        if result.to_dict() == row.dlt:
            continue
        old = audit.snapshot(row)
        was_dlt = row.dlt.get("verdict") == DltClass.DLT.value
        row.dlt = result.to_dict()
        session.flush()
        audit.record(
            session, SYSTEM_ACTOR, "update", "adverse_event", row.id, old=old,
            new=audit.snapshot(row), reason=f"DLT re-evaluated on {as_of}",
        )  # fmt: skip
        if result.verdict is DltClass.DLT and not was_dlt:
            alerts.append(
                _alert(
                    session, subject, row, "dlt",
                    f"Dose-limiting toxicity: {row.term} grade {row.grade} in {subject.code} "
                    f"({result.criterion})",
                    {"dlt": result.to_dict()}, None,
                )
            )  # fmt: skip
    alerts.extend(evaluate_safety(session, plan, trial_id, as_of))
    return alerts
