"""Consent as data through the service: a new version or turning 18 blocks enrollment until
re-consent; withdrawal and off-study keep reason and date; role changes are audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from service.study_helpers import TODAY, TRIAL, Staff, consented_subject, with_document
from trialdesk.core.study.states import SubjectStatus
from trialdesk.errors import EnrollmentClosedError, IllegalTransitionError
from trialdesk.service import audit, consent, enrollment, subjects
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import AuditEntryRow, StatusEventRow, TrialRow
from trialdesk.service.users import set_role


def test_new_consent_version_blocks_enrollment_until_reconsent(
    study: Database, staff: Staff
) -> None:
    with study.transaction() as session:
        v1 = with_document(session, staff.data_manager, date(2026, 1, 1), "1.0").id
    sid = consented_subject(study, staff, document_id=v1)
    with study.transaction() as session:
        with_document(session, staff.data_manager, date(2026, 3, 12), "2.0")
    later = date(2026, 3, 15)
    with study.transaction() as session, pytest.raises(EnrollmentClosedError) as refused:
        enrollment.enroll(session, staff.coordinator, sid, later)
    assert "consent: newer_version_approved" in [p.message for p in refused.value.problems]
    with study.transaction() as session:
        state = consent.consent_state(
            session, subjects.get_subject(session, staff.monitor, sid), TODAY
        )
        assert state.complete  # before v2 was approved, v1 was current


def test_turning_18_requires_the_participants_own_consent(study: Database, staff: Staff) -> None:
    with study.transaction() as session:
        v1 = with_document(session, staff.data_manager, date(2026, 1, 1)).id
    sid = consented_subject(study, staff, document_id=v1, birth_date=date(2008, 3, 20))
    with study.transaction() as session:
        subject = subjects.get_subject(session, staff.monitor, sid)
        assert consent.consent_state(session, subject, date(2026, 3, 19)).complete
        after = consent.consent_state(session, subject, date(2026, 3, 20))
        assert [str(g) for g in after.gaps] == ["participant_turned_18"]


def test_withdrawal_keeps_reason_and_date_and_never_frees_a_slot(
    study: Database, staff: Staff
) -> None:
    with study.transaction() as session:
        v1 = with_document(session, staff.data_manager, date(2026, 1, 1)).id
    sid = consented_subject(study, staff, document_id=v1)
    with study.transaction() as session:
        enrollment.enroll(session, staff.coordinator, sid, TODAY)
    with study.transaction() as session:
        version = subjects.get_subject(session, staff.coordinator, sid).version
        subjects.end_participation(
            session,
            staff.coordinator,
            sid,
            target=SubjectStatus.WITHDRAWN,
            reason="family withdrew consent",
            on=date(2026, 4, 2),
            expected_version=version,
        )
    with study.transaction() as session:
        subject = subjects.get_subject(session, staff.monitor, sid)
        assert (subject.status, subject.end_reason) == ("withdrawn", "family withdrew consent")
        assert subject.ended_on == date(2026, 4, 2)
        trial = session.get(TrialRow, TRIAL.nct_id)
        assert trial is not None
        assert trial.enrolled == 1  # a withdrawn child still counts against the target
        history = session.execute(
            select(StatusEventRow.to_status)
            .where(StatusEventRow.subject_id == sid)
            .order_by(StatusEventRow.id)
        ).scalars()
        assert list(history) == [
            "candidate",
            "screening",
            "eligible",
            "consented",
            "on-study",
            "withdrawn",
        ]
    with study.transaction() as session:
        subject = subjects.get_subject(session, staff.coordinator, sid)
        with pytest.raises(IllegalTransitionError, match="final"):
            subjects.end_participation(
                session,
                staff.coordinator,
                sid,
                target=SubjectStatus.OFF_STUDY,
                reason="x",
                on=date(2026, 4, 3),
                expected_version=subject.version,
            )


def test_role_change_is_audited_with_old_new_and_reason(study: Database, staff: Staff) -> None:
    with study.transaction() as session:
        set_role(
            session,
            staff.administrator,
            staff.monitor.user_id or "",
            "data_manager",
            "covers for the data manager in April",
        )
    with study.transaction() as session:
        entry = session.execute(
            select(AuditEntryRow).order_by(AuditEntryRow.seq.desc()).limit(1)
        ).scalar_one()
        assert (entry.actor, entry.action, entry.entity) == ("administrator", "update", "user")
        assert '"role":"monitor"' in (entry.old_value or "")
        assert '"role":"data_manager"' in (entry.new_value or "")
        assert entry.reason == "covers for the data manager in April"
        assert "password_hash" not in (entry.new_value or "")
        assert audit.verify(session).intact
