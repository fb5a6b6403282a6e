"""Cycle starts, visits done, and each subject's calendar (core.treatment.calendar)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.core.treatment.calendar import (
    CycleStart,
    PlannedVisit,
    cycle_start_report,
    cycle_starts,
    plan_calendar,
)
from trialdesk.errors import InputError, WorkflowError
from trialdesk.service import audit
from trialdesk.service.access import Actor
from trialdesk.service.storage.models import SubjectRow
from trialdesk.service.subjects import get_subject
from trialdesk.service.treatment.access import TreatmentPermission, require_treatment
from trialdesk.service.treatment.models import CycleStartRow, VisitRow

__all__ = [
    "assessment_windows",
    "calendar",
    "cycle_report",
    "enrollment_date",
    "on_study_subject",
    "record_cycle_start",
    "record_visit",
]


def enrollment_date(subject: SubjectRow) -> date:
    if subject.enrolled_at is None:
        raise WorkflowError(
            f"subject {subject.code} is not enrolled",
            where="subject",
            expected="an enrolled subject",
            got=subject.status,
            hint="enrol the subject first (POST /api/v1/subjects/{id}/enrollment)",
        )
    return subject.enrolled_on or subject.enrolled_at.date()


def on_study_subject(session: Session, actor: Actor, subject_id: str) -> SubjectRow:
    subject = get_subject(session, actor, subject_id)
    enrollment_date(subject)
    return subject


def _starts(session: Session, subject_id: str) -> dict[int, date]:
    rows = session.execute(
        select(CycleStartRow).where(CycleStartRow.subject_id == subject_id)
    ).scalars()
    return {row.cycle: row.start_date for row in rows}


def _done(session: Session, subject_id: str) -> dict[str, date]:
    rows = session.execute(select(VisitRow).where(VisitRow.subject_id == subject_id)).scalars()
    return {row.visit_key: row.on_date for row in rows}


def record_cycle_start(
    session: Session,
    actor: Actor,
    plan: TreatmentPlan,
    subject_id: str,
    cycle: int,
    start: date,
    reason: str | None = None,
) -> CycleStartRow:
    """The actual (or re-planned) day 1 of a cycle; later cycles move with it."""
    require_treatment(actor, TreatmentPermission.RECORD)
    subject = on_study_subject(session, actor, subject_id)
    starts = _starts(session, subject.id)
    old = starts.get(cycle)
    starts[cycle] = start
    cycle_starts(plan, enrollment_date(subject), starts)  # refuses impossible dates
    row = session.execute(
        select(CycleStartRow).where(
            CycleStartRow.subject_id == subject.id, CycleStartRow.cycle == cycle
        )
    ).scalar_one_or_none()
    if row is None:
        row = CycleStartRow(subject_id=subject.id, cycle=cycle, start_date=start, reason=reason)
        session.add(row)
    else:
        row.start_date, row.reason = start, reason
    session.flush()
    audit.record(
        session, actor, "update" if old else "create", "cycle_start", row.id,
        old=None if old is None else {"cycle": cycle, "start_date": old},
        new={"cycle": cycle, "start_date": start}, reason=reason,
    )  # fmt: skip
    return row


def record_visit(
    session: Session,
    actor: Actor,
    plan: TreatmentPlan,
    subject_id: str,
    visit_key: str,
    on: date,
    notes: str | None = None,
) -> VisitRow:
    require_treatment(actor, TreatmentPermission.RECORD)
    subject = on_study_subject(session, actor, subject_id)
    known = {v.key for v in plan_calendar(plan, enrollment_date(subject), on)}
    if visit_key not in known:
        raise InputError(
            f"the schedule has no visit {visit_key!r}",
            where="visit_key",
            expected="a key from the subject's calendar, such as " + ", ".join(sorted(known)[:3]),
            got=visit_key,
        )
    row = VisitRow(
        subject_id=subject.id, visit_key=visit_key, on_date=on, notes=notes,
        created_by=actor.username,
    )  # fmt: skip
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "visit", row.id, new=audit.snapshot(row))
    return row


def calendar(
    session: Session, actor: Actor, plan: TreatmentPlan, subject_id: str, as_of: date
) -> tuple[PlannedVisit, ...]:
    subject = on_study_subject(session, actor, subject_id)
    return plan_calendar(
        plan,
        enrollment_date(subject),
        as_of,
        actual_starts=_starts(session, subject.id),
        done=_done(session, subject.id),
    )


#: Visit kinds at which the tumour response is assessed (their windows drive the PFS rule on
#: missed assessments, core.treatment.endpoints).
ASSESSMENT_KINDS = frozenset({"assessment", "end_of_treatment"})


def assessment_windows(
    session: Session, plan: TreatmentPlan, subject: SubjectRow
) -> list[tuple[date, date]]:
    """(earliest, latest) of each planned tumour assessment of an enrolled subject, following
    the recorded cycle starts (a delayed cycle moves its assessments)."""
    enrolled = enrollment_date(subject)
    visits = plan_calendar(plan, enrolled, enrolled, actual_starts=_starts(session, subject.id))
    return [(v.earliest, v.latest) for v in visits if v.kind in ASSESSMENT_KINDS]


def cycle_report(
    session: Session, actor: Actor, plan: TreatmentPlan, subject_id: str
) -> tuple[CycleStart, ...]:
    subject = on_study_subject(session, actor, subject_id)
    return cycle_start_report(plan, enrollment_date(subject), _starts(session, subject.id))
