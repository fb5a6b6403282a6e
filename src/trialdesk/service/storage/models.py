"""Tables of the study service. Identifiers are stable strings; timestamps are UTC.

Rows carry a ``version`` where people edit them: SQLAlchemy's version counter refuses a
stale update (optimistic locking) instead of silently merging it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from trialdesk.service.storage.types import UTCDateTime, utcnow

__all__ = [
    "ApplicationRow",
    "AuditEntryRow",
    "AuditHeadRow",
    "AuthTokenRow",
    "Base",
    "ConsentDocumentRow",
    "ConsentRow",
    "DataQueryRow",
    "ScreeningRow",
    "SignatureRow",
    "SignoffRow",
    "StatusEventRow",
    "SubjectRow",
    "TrialRow",
    "UserRow",
    "new_id",
]


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class TrialRow(Base):
    """One row per trial; ``enrolled`` is the counter that enrollment locks."""

    __tablename__ = "trials"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the NCT id
    title: Mapped[str] = mapped_column(Text)
    protocol_version: Mapped[str] = mapped_column(String(64))
    overall_status: Mapped[str] = mapped_column(String(64))
    target: Mapped[int] = mapped_column(Integer)
    assent_min_age_years: Mapped[int] = mapped_column(Integer)
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    site: Mapped[str | None] = mapped_column(String(64))  # None: every site
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy API)


class AuthTokenRow(Base):
    """A browser session or an API token; only a hash of the secret is kept."""

    __tablename__ = "auth_tokens"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # session | token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class SubjectRow(Base):
    __tablename__ = "subjects"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id"))
    code: Mapped[str] = mapped_column(String(16), unique=True)  # quoted by staff and families
    site: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))  # application | staff
    birth_date: Mapped[date | None] = mapped_column(Date)
    # FHIR administrative gender (female | male | other | unknown); None: not recorded yet.
    sex: Mapped[str | None] = mapped_column(String(8))
    notes: Mapped[str | None] = mapped_column(Text)
    waitlisted_at: Mapped[datetime | None]
    enrolled_at: Mapped[datetime | None]  # when the enrollment was recorded
    enrolled_on: Mapped[date | None] = mapped_column(Date)  # the clinical enrollment date
    enrollment_number: Mapped[int | None] = mapped_column(Integer)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy API)
    __table_args__ = (
        UniqueConstraint("trial_id", "enrollment_number"),
        CheckConstraint(
            "sex IS NULL OR sex IN ('female', 'male', 'other', 'unknown')", name="ck_subjects_sex"
        ),
    )


class StatusEventRow(Base):
    __tablename__ = "status_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ApplicationRow(Base):
    """What a family submitted from the public pre-screen."""

    __tablename__ = "applications"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id"))
    reference_code: Mapped[str] = mapped_column(String(16), unique=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"))
    duplicate_of: Mapped[str | None] = mapped_column(ForeignKey("applications.id"))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, Any]]
    contact: Mapped[dict[str, Any]]
    consent_to_contact: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScreeningRow(Base):
    """A screening as computed once; a re-screen is a new row, never an update."""

    __tablename__ = "screenings"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    protocol_version: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    verdict: Mapped[str] = mapped_column(String(16))
    input_sha256: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]]
    fail_reasons: Mapped[list[Any]]
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignatureRow(Base):
    """An electronic signature: who, when, what it means, and a hash of the signed record."""

    __tablename__ = "signatures"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    signer_name: Mapped[str] = mapped_column(String(200))
    meaning: Mapped[str] = mapped_column(String(200))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(36))
    record_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignoffRow(Base):
    __tablename__ = "eligibility_signoffs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screenings.id"))
    confirmed: Mapped[list[Any]]
    signature_id: Mapped[str] = mapped_column(ForeignKey("signatures.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentDocumentRow(Base):
    __tablename__ = "consent_documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    trial_id: Mapped[str] = mapped_column(ForeignKey("trials.id"))
    version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    body_sha256: Mapped[str] = mapped_column(String(64))
    approved_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    __table_args__ = (UniqueConstraint("trial_id", "version", "language"),)


class ConsentRow(Base):
    __tablename__ = "consents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("consent_documents.id"))
    consent_date: Mapped[date] = mapped_column(Date)
    guardian_name: Mapped[str | None] = mapped_column(String(200))
    guardian_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    participant_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    assent_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    witness_required: Mapped[bool] = mapped_column(Boolean, default=False)
    witness_name: Mapped[str | None] = mapped_column(String(200))
    witness_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    investigator_signature_id: Mapped[str | None] = mapped_column(ForeignKey("signatures.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy API)


class AuditEntryRow(Base):
    """Append-only: each entry's hash covers its content and the previous entry's hash."""

    __tablename__ = "audit_entries"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)  # canonical JSON
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The chain's end, locked by each writer so entries form one line; catches truncation."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class DataQueryRow(Base):
    """A data query (core.study.data_queries) on a screening or an on-study record."""

    __tablename__ = "data_queries"
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subjects.id"), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(36), index=True)
    check: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(128))
    message: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    answer: Mapped[str | None] = mapped_column(Text)
    close_reason: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy API)
