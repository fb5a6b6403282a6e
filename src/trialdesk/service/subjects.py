"""Subjects: registration, lookup with site scoping, status changes through the core's rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trialdesk.core.record import Sex
from trialdesk.core.study.states import SubjectStatus, check_transition
from trialdesk.errors import ConflictError, InputError
from trialdesk.service import audit
from trialdesk.service.access import Actor, Permission, require
from trialdesk.service.codes import new_code
from trialdesk.service.storage.models import StatusEventRow, SubjectRow

__all__ = [
    "UNCHANGED",
    "NotFoundError",
    "Page",
    "change_status",
    "check_version",
    "end_participation",
    "get_subject",
    "list_subjects",
    "parse_sex",
    "recorded_sex",
    "register_subject",
    "update_subject",
]


class NotFoundError(InputError):
    """No record with that identifier (or none the user may see)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.http_status = 404


def parse_sex(value: Sex | str | None) -> Sex | None:
    """A subject's sex as FHIR administrative gender; ``None`` or "" is "not recorded"."""
    if value is None or isinstance(value, Sex):
        return value
    text = value.strip().casefold()
    if not text:
        return None
    try:
        return Sex(text)
    except ValueError:
        raise InputError(
            "unknown sex",
            where="sex",
            expected=" | ".join(s.value for s in Sex) + " (FHIR administrative gender), or empty",
            got=value,
        ) from None


def register_subject(
    session: Session,
    actor: Actor,
    *,
    trial_id: str,
    site: str,
    source: str,
    birth_date: date | None = None,
    sex: Sex | str | None = None,
    notes: str | None = None,
) -> SubjectRow:
    recorded = parse_sex(sex)
    subject = SubjectRow(
        trial_id=trial_id,
        code=new_code("S"),
        site=site,
        status=SubjectStatus.CANDIDATE.value,
        source=source,
        birth_date=birth_date,
        sex=None if recorded is None else recorded.value,
        notes=notes,
    )
    session.add(subject)
    session.flush()
    session.add(
        StatusEventRow(
            subject_id=subject.id, from_status=None, to_status=subject.status, actor=actor.username
        )
    )
    audit.record(session, actor, "create", "subject", subject.id, new=audit.snapshot(subject))
    return subject


def get_subject(
    session: Session, actor: Actor, subject_id: str, *, lock: bool = False
) -> SubjectRow:
    require(actor, Permission.READ_STUDY)
    subject = session.get(SubjectRow, subject_id, with_for_update=lock, populate_existing=lock)
    # Another site's subject is reported as missing: its existence is not this user's business.
    if subject is None or not actor.sees_site(subject.site):
        raise NotFoundError("no such subject", where="subject_id", got=subject_id)
    return subject


@dataclass(frozen=True, slots=True)
class Page:
    items: Sequence[SubjectRow]
    total: int
    offset: int
    limit: int


def list_subjects(
    session: Session, actor: Actor, *, offset: int, limit: int, status: str | None = None
) -> Page:
    require(actor, Permission.READ_STUDY)
    query = select(SubjectRow)
    if actor.site is not None:
        query = query.where(SubjectRow.site == actor.site)
    if status is not None:
        query = query.where(SubjectRow.status == status)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(SubjectRow.created_at, SubjectRow.id).offset(offset).limit(limit)
    ).scalars()
    return Page(items=list(rows), total=total, offset=offset, limit=limit)


def check_version(subject: SubjectRow, expected_version: int) -> None:
    """Optimistic locking: an edit made on an older copy is refused, never merged."""
    if subject.version != expected_version:
        raise ConflictError(
            "the subject changed since you read it",
            where="version",
            expected=str(subject.version),
            got=str(expected_version),
            hint="reload the subject and apply your change again",
        )


def change_status(
    session: Session,
    actor: Actor,
    subject: SubjectRow,
    target: SubjectStatus,
    reason: str | None = None,
) -> None:
    """Move the subject through the state machine; the caller holds the transaction."""
    current = SubjectStatus(subject.status)
    check_transition(current, target)
    old = audit.snapshot(subject)
    subject.status = target.value
    session.add(
        StatusEventRow(
            subject_id=subject.id,
            from_status=current.value,
            to_status=target.value,
            reason=reason,
            actor=actor.username,
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "subject",
        subject.id,
        old=old,
        new=audit.snapshot(subject),
        reason=reason or f"status {current} → {target}",
    )


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise InputError("a reason is required", where="reason", expected="a non-empty text")


def end_participation(
    session: Session,
    actor: Actor,
    subject_id: str,
    *,
    target: SubjectStatus,
    reason: str,
    on: date,
    expected_version: int,
) -> SubjectRow:
    """Withdrawal, follow-up or off-study, with the reason and the date."""
    require(actor, Permission.CHANGE_STATUS)
    if target not in (SubjectStatus.WITHDRAWN, SubjectStatus.OFF_STUDY, SubjectStatus.FOLLOW_UP):
        raise InputError(
            "only withdrawn, follow-up or off-study can be set here",
            where="status",
            got=str(target),
        )
    _require_reason(reason)
    subject = get_subject(session, actor, subject_id, lock=True)
    check_version(subject, expected_version)
    if target is not SubjectStatus.FOLLOW_UP:
        subject.ended_on, subject.end_reason = on, reason
    subject.waitlisted_at = None
    change_status(session, actor, subject, target, reason)
    return subject


class _Unchanged(Enum):
    """A field the edit leaves alone (``None`` would mean "clear it")."""

    UNCHANGED = "unchanged"


UNCHANGED = _Unchanged.UNCHANGED


def update_subject(
    session: Session,
    actor: Actor,
    subject_id: str,
    *,
    expected_version: int,
    reason: str,
    notes: str | _Unchanged | None = UNCHANGED,
    birth_date: date | _Unchanged | None = UNCHANGED,
    sex: Sex | str | _Unchanged | None = UNCHANGED,
) -> SubjectRow:
    """Edit the fields given; the others keep their values. A stale version is refused."""
    require(actor, Permission.EDIT_SUBJECT)
    _require_reason(reason)
    recorded = UNCHANGED if isinstance(sex, _Unchanged) else parse_sex(sex)
    subject = get_subject(session, actor, subject_id, lock=True)
    check_version(subject, expected_version)
    old = audit.snapshot(subject)
    if not isinstance(notes, _Unchanged):
        subject.notes = notes
    if not isinstance(birth_date, _Unchanged):
        subject.birth_date = birth_date
    if not isinstance(recorded, _Unchanged):
        subject.sex = None if recorded is None else recorded.value
    session.flush()
    audit.record(
        session,
        actor,
        "update",
        "subject",
        subject.id,
        old=old,
        new=audit.snapshot(subject),
        reason=reason,
    )
    return subject


def status_of(subject: SubjectRow) -> SubjectStatus:
    return SubjectStatus(subject.status)


def recorded_sex(subject: SubjectRow) -> Sex | None:
    """The stored sex, or ``None`` while nobody recorded it."""
    return None if subject.sex is None else Sex(subject.sex)
