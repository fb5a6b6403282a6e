"""Exposure records: each administration with its dose check (core.treatment.exposure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialdesk.core.protocol.treatment import TreatmentPlan
from trialdesk.core.treatment.exposure import DoseCheck, Exposure, check_exposure
from trialdesk.service import audit
from trialdesk.service.access import Actor
from trialdesk.service.subjects import get_subject
from trialdesk.service.treatment.access import TreatmentPermission, require_treatment
from trialdesk.service.treatment.models import ExposureRow
from trialdesk.service.treatment.schedule import on_study_subject

__all__ = ["exposures", "first_dose", "record_exposure"]


def record_exposure(
    session: Session, actor: Actor, plan: TreatmentPlan, subject_id: str, given: Exposure
) -> tuple[ExposureRow, DoseCheck]:
    require_treatment(actor, TreatmentPermission.RECORD)
    subject = on_study_subject(session, actor, subject_id)
    check = check_exposure(plan, given)
    row = ExposureRow(
        subject_id=subject.id,
        product=given.product,
        dose=str(given.dose),
        unit=given.unit,
        route=given.route,
        start_at=given.start,
        start_date=given.start.date(),
        stop_at=given.stop,
        height=None if given.height is None else str(given.height),
        height_unit=given.height_unit,
        weight=None if given.weight is None else str(given.weight),
        weight_unit=given.weight_unit,
        interruptions=[
            {
                "start": p.start.isoformat(),
                "stop": None if p.stop is None else p.stop.isoformat(),
                "reason": p.reason,
            }
            for p in given.interruptions
        ],
        dose_status=str(check.status),
        dose_check=check.to_dict(),
        created_by=actor.username,
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "create", "exposure", row.id, new=audit.snapshot(row),
        reason="; ".join(check.flags) or None,
    )  # fmt: skip
    return row, check


def exposures(session: Session, actor: Actor, subject_id: str) -> Sequence[ExposureRow]:
    subject = get_subject(session, actor, subject_id)
    return list(
        session.execute(
            select(ExposureRow)
            .where(ExposureRow.subject_id == subject.id)
            .order_by(ExposureRow.start_at, ExposureRow.id)
        ).scalars()
    )


def first_dose(session: Session, subject_id: str, product: str | None = None) -> date | None:
    """The local date of the first administration (of ``product``), None before any."""
    query = select(func.min(ExposureRow.start_date)).where(ExposureRow.subject_id == subject_id)
    if product is not None:
        query = query.where(ExposureRow.product == product)
    earliest: date | None = session.execute(query).scalar_one_or_none()
    return earliest
