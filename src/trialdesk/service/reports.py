"""The screening log and the CONSORT flow counts, from stored screenings and status history.

Neither carries names or contact details: subjects appear by their study code only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.study.states import SubjectStatus
from trialdesk.service.access import Actor, Permission, require
from trialdesk.service.storage.models import ScreeningRow, SubjectRow

__all__ = ["ConsortCounts", "consort_counts", "screening_log"]


def _visible_subjects(session: Session, actor: Actor, trial_id: str) -> list[SubjectRow]:
    query = select(SubjectRow).where(SubjectRow.trial_id == trial_id)
    if actor.site is not None:
        query = query.where(SubjectRow.site == actor.site)
    return list(session.execute(query.order_by(SubjectRow.created_at)).scalars())


def screening_log(session: Session, actor: Actor, trial_id: str) -> list[dict[str, Any]]:
    """One line per screening: subject code, date, as-of, verdict and screen-fail reasons."""
    require(actor, Permission.READ_STUDY)
    subjects = {s.id: s for s in _visible_subjects(session, actor, trial_id)}
    rows = session.execute(
        select(ScreeningRow)
        .where(ScreeningRow.subject_id.in_(list(subjects)))
        .order_by(ScreeningRow.created_at)
    ).scalars()
    return [
        {
            "subject_code": subjects[row.subject_id].code,
            "screened_at": row.created_at,
            "as_of": row.as_of,
            "protocol_version": row.protocol_version,
            "verdict": row.verdict,
            "screen_fail_reasons": row.fail_reasons,
        }
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class ConsortCounts:
    candidates: int
    assessed: int  # screened at least once
    excluded_ineligible: int
    excluded_withdrew_before_enrollment: int
    screen_fail_reasons: dict[str, int]
    awaiting: int  # still between candidate and enrollment
    waitlisted: int
    enrolled: int
    on_study: int
    follow_up: int
    completed: int  # off-study
    withdrawn_after_enrollment: int


def _fail_reason_counts(session: Session, subject_ids: list[str]) -> dict[str, int]:
    """Counts of failed criteria over each subject's latest screening."""
    latest: dict[str, ScreeningRow] = {}
    rows = session.execute(
        select(ScreeningRow)
        .where(ScreeningRow.subject_id.in_(subject_ids))
        .order_by(ScreeningRow.created_at)
    ).scalars()
    for row in rows:
        latest[row.subject_id] = row
    return dict(Counter(r["criterion_id"] for row in latest.values() for r in row.fail_reasons))


def consort_counts(session: Session, actor: Actor, trial_id: str) -> ConsortCounts:
    require(actor, Permission.READ_STUDY)
    subjects = _visible_subjects(session, actor, trial_id)
    status = Counter(SubjectStatus(s.status) for s in subjects)
    enrolled = [s for s in subjects if s.enrollment_number is not None]
    screened_ids = set(
        session.execute(
            select(ScreeningRow.subject_id).where(
                ScreeningRow.subject_id.in_([s.id for s in subjects])
            )
        ).scalars()
    )
    pre = {
        SubjectStatus.CANDIDATE,
        SubjectStatus.SCREENING,
        SubjectStatus.ELIGIBLE,
        SubjectStatus.CONSENTED,
    }
    return ConsortCounts(
        candidates=len(subjects),
        assessed=len(screened_ids),
        excluded_ineligible=status[SubjectStatus.INELIGIBLE],
        excluded_withdrew_before_enrollment=sum(
            1
            for s in subjects
            if s.status == SubjectStatus.WITHDRAWN and s.enrollment_number is None
        ),
        screen_fail_reasons=_fail_reason_counts(session, sorted(screened_ids)),
        awaiting=sum(status[s] for s in pre),
        waitlisted=sum(1 for s in subjects if s.waitlisted_at is not None),
        enrolled=len(enrolled),
        on_study=status[SubjectStatus.ON_STUDY],
        follow_up=status[SubjectStatus.FOLLOW_UP],
        completed=status[SubjectStatus.OFF_STUDY],
        withdrawn_after_enrollment=sum(1 for s in enrolled if s.status == SubjectStatus.WITHDRAWN),
    )
