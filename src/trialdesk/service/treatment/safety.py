"""Safety stopping rules over the whole trial, evaluated after every save that can change a
DLT count. Crossing a boundary raises an alert and pauses enrollment (as the system) until an
investigator records a decision: ``continue`` resumes enrollment, ``stop`` keeps it paused.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.core.treatment.dlt import SubjectDltStatus, subject_dlt_status
from trialdesk.core.treatment.stopping import StoppingDecision, evaluate_stopping_rule
from trialdesk.errors import InputError, WorkflowError
from trialdesk.service import audit
from trialdesk.service.access import SYSTEM_ACTOR, Actor
from trialdesk.service.storage.models import SubjectRow
from trialdesk.service.storage.types import utcnow
from trialdesk.service.subjects import NotFoundError
from trialdesk.service.treatment.access import TreatmentPermission, require_treatment
from trialdesk.service.treatment.models import (
    AdverseEventRow,
    SafetyAlertRow,
    TreatmentSubjectRow,
)
from trialdesk.service.treatment.schedule import on_study_subject
from trialdesk.service.trials import get_trial, set_paused

__all__ = [
    "decide_alert",
    "dlt_counts",
    "evaluate_safety",
    "record_early_exit",
    "stopping_decisions",
]


def _subject_status(
    session: Session, plan: TreatmentPlan, subject: SubjectRow, as_of: date
) -> SubjectDltStatus:
    # Imported here: adverse_events imports this module.
    from trialdesk.service.treatment.adverse_events import classify_row
    from trialdesk.service.treatment.exposure import first_dose

    dose = first_dose(session, subject.id, plan.dlt.window_from_product)
    events = session.execute(
        select(AdverseEventRow).where(AdverseEventRow.subject_id == subject.id)
    ).scalars()
    results = [classify_row(session, plan, row, as_of) for row in events]
    facts = session.get(TreatmentSubjectRow, subject.id)
    left = facts is not None and facts.left_before_dlt_window_end
    return subject_dlt_status(plan, dose, results, as_of, left_before_window_end=left)


def dlt_counts(
    session: Session, plan: TreatmentPlan, trial_id: str, as_of: date
) -> tuple[int, int, dict[str, SubjectDltStatus]]:
    """(DLT-evaluable subjects, subjects with a DLT, status per subject code)."""
    subjects = session.execute(
        select(SubjectRow)
        .where(SubjectRow.trial_id == trial_id, SubjectRow.enrolled_at.is_not(None))
        .order_by(SubjectRow.enrollment_number)
    ).scalars()
    statuses = {s.code: _subject_status(session, plan, s, as_of) for s in subjects}
    evaluable = sum(1 for s in statuses.values() if s.evaluable)
    dlts = sum(1 for s in statuses.values() if s.had_dlt)
    return evaluable, dlts, statuses


def stopping_decisions(
    session: Session, plan: TreatmentPlan, trial_id: str, as_of: date
) -> list[StoppingDecision]:
    evaluable, dlts, _ = dlt_counts(session, plan, trial_id, as_of)
    return [evaluate_stopping_rule(rule, evaluable, dlts) for rule in plan.stopping_rules]


def evaluate_safety(
    session: Session, plan: TreatmentPlan, trial_id: str, as_of: date
) -> list[SafetyAlertRow]:
    """New alerts for rules crossed at counts not alerted before; pauses enrollment."""
    raised = []
    for decision in stopping_decisions(session, plan, trial_id, as_of):
        if not decision.crossed:
            continue
        seen = session.execute(
            select(SafetyAlertRow).where(
                SafetyAlertRow.trial_id == trial_id,
                SafetyAlertRow.kind == "stopping_rule",
                SafetyAlertRow.entity_id == decision.rule_id,
            )
        ).scalars()
        if any(
            a.detail.get("evaluable") == decision.evaluable
            and a.detail.get("dlts") == decision.dlts
            for a in seen
        ):
            continue
        alert = SafetyAlertRow(
            trial_id=trial_id, subject_id=None, kind="stopping_rule", entity_id=decision.rule_id,
            message=f"Safety stopping boundary crossed ({decision.rule}): {decision.dlts} DLT(s) "
            f"in {decision.evaluable} evaluable subject(s). Enrollment is paused until an "
            "investigator records a decision.",
            detail=decision.to_dict(), deadline=None,
        )  # fmt: skip
        session.add(alert)
        session.flush()
        audit.record(
            session, SYSTEM_ACTOR, "create", "safety_alert", alert.id, new=audit.snapshot(alert)
        )
        set_paused(
            session, SYSTEM_ACTOR, trial_id, True, f"safety stopping rule {decision.rule_id}"
        )
        raised.append(alert)
    return raised


def decide_alert(
    session: Session, actor: Actor, alert_id: str, decision: str, reason: str
) -> SafetyAlertRow:
    """The investigator's decision on a crossed stopping boundary."""
    require_treatment(actor, TreatmentPermission.SAFETY_DECISION)
    if decision not in ("continue", "stop"):
        raise InputError(
            "unknown decision", where="decision", expected="continue | stop", got=decision
        )
    if not reason.strip():
        raise InputError("a safety decision needs its reason", where="reason")
    alert = session.get(SafetyAlertRow, alert_id, with_for_update=True)
    if alert is None:
        raise NotFoundError("no such alert", where="alert_id", got=alert_id)
    if alert.kind != "stopping_rule":
        raise WorkflowError(
            "only a stopping-rule alert takes a decision", where="alert.kind", got=alert.kind
        )
    if alert.decision is not None:
        raise WorkflowError(
            "this alert already has a decision", where="alert.decision", got=alert.decision
        )
    old = audit.snapshot(alert)
    alert.decision, alert.decision_reason = decision, reason
    alert.decided_by, alert.decided_at = actor.username, utcnow()
    session.flush()
    audit.record(
        session, actor, "update", "safety_alert", alert.id, old=old, new=audit.snapshot(alert),
        reason=f"{decision}: {reason}",
    )  # fmt: skip
    undecided = session.execute(
        select(SafetyAlertRow).where(
            SafetyAlertRow.trial_id == alert.trial_id,
            SafetyAlertRow.kind == "stopping_rule",
            SafetyAlertRow.decision.is_(None),
        )
    ).scalars()
    if decision == "continue" and not list(undecided) and get_trial(session, alert.trial_id).paused:
        set_paused(session, actor, alert.trial_id, False, f"investigator decision: {reason}")
    elif decision == "stop":
        set_paused(session, actor, alert.trial_id, True, f"stopped for safety: {reason}")
    return alert


def record_early_exit(
    session: Session, actor: Actor, subject_id: str, left: bool, reason: str
) -> TreatmentSubjectRow:
    """Whether the subject left before the end of the DLT window (then, without a DLT, the
    subject is not DLT-evaluable and does not count in the stopping rule)."""
    require_treatment(actor, TreatmentPermission.RECORD)
    if not reason.strip():
        raise InputError("give the reason", where="reason")
    subject = on_study_subject(session, actor, subject_id)
    row = session.get(TreatmentSubjectRow, subject.id)
    old = None if row is None else audit.snapshot(row)
    if row is None:
        row = TreatmentSubjectRow(subject_id=subject.id)
        session.add(row)
    row.left_before_dlt_window_end = left
    session.flush()
    audit.record(
        session, actor, "update" if old else "create", "treatment_subject", subject.id,
        old=old, new=audit.snapshot(row), reason=reason,
    )  # fmt: skip
    return row
