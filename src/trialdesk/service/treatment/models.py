"""Tables of the on-study part: visits, cycle starts, exposures, adverse events, lab-based AE
suggestions, tumour assessments, safety alerts and the notification hook.

Decimals (doses, heights, weights) are stored as text so that 17.50 stays 17.50 on every
engine. Rows people edit carry a ``version`` (optimistic locking, as in the study service).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from trialdesk.service.storage.models import Base, new_id
from trialdesk.service.storage.types import utcnow

__all__ = [
    "AdverseEventRow",
    "AeSuggestionRow",
    "CycleStartRow",
    "ExposureRow",
    "NotificationHookRow",
    "SafetyAlertRow",
    "TreatmentSubjectRow",
    "TumourAssessmentRow",
    "VisitRow",
]


class TreatmentSubjectRow(Base):
    """Per-subject facts the endpoints and the DLT count need beyond the subject row."""

    __tablename__ = "treatment_subjects"
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), primary_key=True)
    death_date: Mapped[date | None] = mapped_column(Date)
    left_before_dlt_window_end: Mapped[bool] = mapped_column(Boolean, default=False)
    # Latest pre-treatment result per analyte: {"alt": {"value", "unit", "date", "observation"}}
    lab_baselines: Mapped[dict[str, Any]] = mapped_column(default=lambda: {})
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CycleStartRow(Base):
    __tablename__ = "treatment_cycle_starts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)  # why it moved (a delay)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("subject_id", "cycle"),)


class VisitRow(Base):
    __tablename__ = "treatment_visits"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    visit_key: Mapped[str] = mapped_column(String(64))
    on_date: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("subject_id", "visit_key"),)


class ExposureRow(Base):
    __tablename__ = "treatment_exposures"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    product: Mapped[str] = mapped_column(String(64))
    dose: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(40))
    route: Mapped[str | None] = mapped_column(String(32))
    start_at: Mapped[datetime]
    start_date: Mapped[date] = mapped_column(Date, index=True)  # the local date as entered
    stop_at: Mapped[datetime | None]
    height: Mapped[str | None] = mapped_column(String(40))
    height_unit: Mapped[str] = mapped_column(String(16), default="cm")
    weight: Mapped[str | None] = mapped_column(String(40))
    weight_unit: Mapped[str] = mapped_column(String(16), default="kg")
    interruptions: Mapped[list[Any]]
    dose_status: Mapped[str] = mapped_column(String(16))
    dose_check: Mapped[dict[str, Any]]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdverseEventRow(Base):
    __tablename__ = "adverse_events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    term: Mapped[str] = mapped_column(String(200))
    meddra_code: Mapped[str | None] = mapped_column(String(16))
    soc: Mapped[str | None] = mapped_column(String(200))
    grade: Mapped[int] = mapped_column(Integer)
    onset: Mapped[date] = mapped_column(Date)
    resolved: Mapped[date | None] = mapped_column(Date)
    serious: Mapped[bool] = mapped_column(Boolean, default=False)
    seriousness: Mapped[list[Any]]
    attribution: Mapped[dict[str, Any]]
    action: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str | None] = mapped_column(String(32))
    aware_at: Mapped[datetime | None]
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # manual | lab
    dlt: Mapped[dict[str, Any]]  # the DLT classification with its reasons
    sae_reported_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy API)


class AeSuggestionRow(Base):
    """A lab result's suggested AE; pending until a coordinator confirms or rejects it."""

    __tablename__ = "ae_suggestions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    observation: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # adverse_event | review
    analyte: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(64))
    onset: Mapped[date | None] = mapped_column(Date)
    term: Mapped[str | None] = mapped_column(String(200))
    meddra_code: Mapped[str | None] = mapped_column(String(16))
    grade: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    adverse_event_id: Mapped[str | None] = mapped_column(ForeignKey("adverse_events.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy API)
    __table_args__ = (UniqueConstraint("subject_id", "observation"),)


class TumourAssessmentRow(Base):
    """The inputs of one subject's response evaluation under one criteria, and the result."""

    __tablename__ = "tumour_assessments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    criteria: Mapped[str] = mapped_column(String(16))  # RECIST 1.1 | INRC 2017
    inputs: Mapped[dict[str, Any]]
    summary: Mapped[dict[str, Any]]
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    __table_args__ = (UniqueConstraint("subject_id", "criteria"),)


class SafetyAlertRow(Base):
    """An alert to the investigators: an SAE (with its reporting clock), a DLT, or a crossed
    stopping boundary (enrollment paused until an investigator decides)."""

    __tablename__ = "safety_alerts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id"), index=True)
    subject_id: Mapped[str | None] = mapped_column(ForeignKey("subjects.id"))
    kind: Mapped[str] = mapped_column(String(16))  # sae | dlt | stopping_rule
    entity_id: Mapped[str | None] = mapped_column(String(36))  # the AE, or the rule id
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]]
    deadline: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    notified_at: Mapped[datetime | None]
    notify_error: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(16))  # continue | stop (stopping rules)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy API)


class NotificationHookRow(Base):
    """Where SAE alerts are POSTed (one per trial), set by an administrator."""

    __tablename__ = "notification_hooks"
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id"), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    timeout_seconds: Mapped[int] = mapped_column(Integer, default=5)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
