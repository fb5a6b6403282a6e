"""Never a 16th child: many enrollments racing on real databases (SQLite and PostgreSQL).

Each thread has its own connection and transaction, as concurrent API requests do. Whatever
the interleaving, exactly ``target`` subjects are enrolled with numbers 1..target, the rest
are waitlisted, and the audit chain stays one unbroken line.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from service.study_helpers import TODAY, TRIAL, Staff, consented_subject, with_document
from trialdesk.core.study.enrollment import EnrollmentOutcome
from trialdesk.service import audit, enrollment
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import SubjectRow, TrialRow

RACERS = 24


@pytest.mark.slow
def test_racing_enrollments_never_exceed_the_target(study: Database, staff: Staff) -> None:
    with study.transaction() as session:
        document_id = with_document(session, staff.data_manager, TODAY).id
    subject_ids = [consented_subject(study, staff, document_id=document_id) for _ in range(RACERS)]
    start = threading.Barrier(8)

    def enroll(subject_id: str) -> EnrollmentOutcome:
        if subject_id in subject_ids[:8]:
            start.wait(timeout=30)  # the first eight start at the same instant
        with study.transaction() as session:
            return enrollment.enroll(session, staff.coordinator, subject_id, TODAY).outcome

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(enroll, subject_ids))

    assert outcomes.count(EnrollmentOutcome.ENROLL) == TRIAL.target
    assert outcomes.count(EnrollmentOutcome.WAITLIST) == RACERS - TRIAL.target
    with study.transaction() as session:
        trial = session.get(TrialRow, TRIAL.nct_id)
        assert trial is not None
        assert trial.enrolled == TRIAL.target
        numbers = sorted(
            n
            for n in session.execute(select(SubjectRow.enrollment_number)).scalars()
            if n is not None
        )
        assert numbers == list(range(1, TRIAL.target + 1))
        assert len(enrollment.waitlisted(session, TRIAL.nct_id)) == RACERS - TRIAL.target
        assert audit.verify(session).intact
