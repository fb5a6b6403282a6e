"""Screenings: a patient's FHIR R4 record is screened once; the result is stored as computed.

Stored with the protocol version, the as-of date and the SHA-256 of the uploaded bytes, and
never recomputed: a re-screen is a new entry. The screening engine is reached through the
narrow :class:`Screener` interface so that the service does not depend on how it screens.

The record's Patient fills the subject's birth date and sex while they are not recorded
(audited as an update of the subject). A record that contradicts what is recorded never
overwrites it: the screening is stored and a data query is opened on it, for a person to settle
from the source documents.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from trialdesk.core.record import PatientRecord, Sex
from trialdesk.core.screening.result import ScreeningResult, Verdict
from trialdesk.core.study.data_queries import QueryDraft
from trialdesk.core.study.screen_fail import screen_fail_reasons
from trialdesk.core.study.states import SubjectStatus
from trialdesk.errors import ConfigurationError, RecordError
from trialdesk.service import audit
from trialdesk.service.access import Actor, Permission, require
from trialdesk.service.data_queries import sync_queries
from trialdesk.service.storage.models import DataQueryRow, ScreeningRow, SubjectRow
from trialdesk.service.subjects import NotFoundError, change_status, get_subject
from trialdesk.service.trials import get_trial

__all__ = [
    "Screened",
    "Screener",
    "latest_screening",
    "list_screenings",
    "queries_of_screenings",
    "record_screener",
    "screen_upload",
    "store_screening",
]


@dataclass(frozen=True, slots=True)
class Screened:
    """A screening result and what the service keeps from the record besides it."""

    result: ScreeningResult
    birth_date: date | None
    input_sha256: str
    sex: Sex | None = None  # the record's Patient.gender; None when absent or "unknown"


Screener = Callable[[bytes, date], Screened]

ScreenFunction = Callable[[PatientRecord, date], ScreeningResult]


def _decode_bundle(raw: bytes) -> dict[str, Any]:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RecordError("the upload is not valid JSON", where="record", hint=str(exc)) from None
    if not isinstance(obj, dict):
        raise RecordError(
            "the upload is not a FHIR Bundle",
            where="record",
            expected="a JSON object",
            got=type(obj).__name__,
        )
    return obj


def record_screener(screen: ScreenFunction) -> Screener:
    """A Screener that reads a FHIR R4 Bundle and screens it with ``screen``."""
    from trialdesk.adapters.fhir import record_from_bundle

    def screener(raw: bytes, as_of: date) -> Screened:
        record = record_from_bundle(_decode_bundle(raw), "upload")
        born = record.patient.birth_date
        birth_date = born.earliest if born is not None and born.is_exact else None
        digest = hashlib.sha256(raw).hexdigest()
        # A missing gender reads as "unknown": neither says anything the subject could take.
        sex = None if record.patient.sex is Sex.UNKNOWN else record.patient.sex
        return Screened(screen(record, as_of), birth_date, digest, sex)

    return screener


def screen_upload(screener: Screener, raw: bytes, as_of: date) -> Screened:
    return screener(raw, as_of)


_STATUS_OF_VERDICT = {
    Verdict.ELIGIBLE: SubjectStatus.ELIGIBLE,
    Verdict.INELIGIBLE: SubjectStatus.INELIGIBLE,
}


def _move_to_screening(session: Session, actor: Actor, subject: SubjectRow) -> None:
    if subject.status != SubjectStatus.SCREENING:
        change_status(session, actor, subject, SubjectStatus.SCREENING, "screening started")


def store_screening(
    session: Session, actor: Actor, subject_id: str, screened: Screened
) -> ScreeningRow:
    """Store a result and move the subject: eligible, ineligible, or still screening."""
    require(actor, Permission.SCREEN)
    subject = get_subject(session, actor, subject_id, lock=True)
    trial = get_trial(session, subject.trial_id)
    result = screened.result
    if result.protocol_version != trial.protocol_version:
        raise ConfigurationError(
            "the screening engine used another protocol version than the trial's",
            expected=trial.protocol_version,
            got=result.protocol_version,
        )
    _move_to_screening(session, actor, subject)
    row = ScreeningRow(
        subject_id=subject.id,
        protocol_version=result.protocol_version,
        as_of=result.as_of,
        verdict=result.verdict.value,
        input_sha256=screened.input_sha256,
        result=result.to_dict("en"),
        fail_reasons=[r.to_dict() for r in screen_fail_reasons(result)],
        created_by=actor.username,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "screening", row.id, new=audit.snapshot(row))
    _take_from_record(session, actor, subject, screened, row)
    next_status = _STATUS_OF_VERDICT.get(result.verdict)
    if next_status is not None:
        change_status(session, actor, subject, next_status, f"screening {row.id}: {result.verdict}")
    return row


def _take_from_record(
    session: Session, actor: Actor, subject: SubjectRow, screened: Screened, row: ScreeningRow
) -> list[DataQueryRow]:
    """Fill what the subject lacks from the record; a contradiction becomes a data query."""
    old = audit.snapshot(subject)
    filled: list[str] = []
    conflicts: list[QueryDraft] = []
    if screened.birth_date is not None:
        if subject.birth_date is None:
            subject.birth_date = screened.birth_date
            filled.append("birth_date from Patient.birthDate")
        elif subject.birth_date != screened.birth_date:
            # No dates in the message: the page shows both to those allowed to see them.
            conflicts.append(
                QueryDraft(
                    "record_birth_date_conflict",
                    "birth_date",
                    "the screened record's Patient.birthDate differs from the subject's birth "
                    "date; the subject keeps its own. Check the source documents, then correct "
                    "the subject or the record.",
                )
            )
    if screened.sex is not None:
        # "unknown" recorded by staff says nothing the record could contradict.
        if subject.sex in (None, Sex.UNKNOWN.value):
            subject.sex = screened.sex.value
            filled.append("sex from Patient.gender")
        elif subject.sex != screened.sex.value:
            conflicts.append(
                QueryDraft(
                    "record_sex_conflict",
                    "sex",
                    f"the screened record's Patient.gender is {screened.sex.value} but the "
                    f"subject's recorded sex is {subject.sex}; the subject keeps {subject.sex}. "
                    "Check the source documents, then correct the subject or the record.",
                )
            )
    if filled:
        session.flush()
        audit.record(
            session, actor, "update", "subject", subject.id, old=old,
            new=audit.snapshot(subject), reason=f"screening {row.id}: " + ", ".join(filled),
        )  # fmt: skip
    if not conflicts:
        return []
    return sync_queries(session, actor, subject.id, "screening", row.id, conflicts)


def queries_of_screenings(
    session: Session, screening_ids: Sequence[str]
) -> dict[str, list[DataQueryRow]]:
    """The data queries opened on each screening (record conflicts), oldest first."""
    found: dict[str, list[DataQueryRow]] = {i: [] for i in screening_ids}
    if not screening_ids:
        return found
    rows = session.execute(
        select(DataQueryRow)
        .where(DataQueryRow.entity == "screening", DataQueryRow.entity_id.in_(screening_ids))
        .order_by(DataQueryRow.opened_at, DataQueryRow.id)
    ).scalars()
    for query in rows:
        found[query.entity_id].append(query)
    return found


def latest_screening(session: Session, subject_id: str) -> ScreeningRow | None:
    return session.execute(
        select(ScreeningRow)
        .where(ScreeningRow.subject_id == subject_id)
        .order_by(ScreeningRow.created_at.desc(), ScreeningRow.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def list_screenings(session: Session, actor: Actor, subject_id: str) -> Sequence[ScreeningRow]:
    get_subject(session, actor, subject_id)
    rows = session.execute(
        select(ScreeningRow)
        .where(ScreeningRow.subject_id == subject_id)
        .order_by(ScreeningRow.created_at, ScreeningRow.id)
    ).scalars()
    return list(rows)


def get_screening(session: Session, actor: Actor, screening_id: str) -> ScreeningRow:
    require(actor, Permission.READ_STUDY)  # before the lookup: a refusal reveals nothing
    row = session.get(ScreeningRow, screening_id)
    if row is None:
        raise NotFoundError("no such screening", where="screening_id", got=screening_id)
    get_subject(session, actor, row.subject_id)
    return row
