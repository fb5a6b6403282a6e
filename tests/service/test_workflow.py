"""A candidate walked through the whole study path, and the refusals on the way."""

from __future__ import annotations

from datetime import date

import pytest

from service.study_helpers import PASSWORD, TODAY, Staff, screened, with_document
from trialdesk.core.screening.result import Status
from trialdesk.errors import EnrollmentClosedError, IllegalTransitionError
from trialdesk.service import audit, consent, enrollment, screening, signoff, subjects
from trialdesk.service.storage.database import Database

ELIGIBLE = {"inc-1": Status.PASS, "inc-2": Status.REVIEW, "exc-1": Status.PASS}


def test_candidate_to_on_study(study: Database, staff: Staff) -> None:
    with study.transaction() as s:
        subject = subjects.register_subject(
            s,
            staff.coordinator,
            trial_id="NCT06948994",
            site="main",
            source="staff",
            birth_date=date(2016, 5, 1),
        )
        sid = subject.id
        doc = with_document(s, staff.data_manager, date(2026, 1, 1))
    with study.transaction() as s:
        row = screening.store_screening(s, staff.coordinator, sid, screened(ELIGIBLE, as_of=TODAY))
        screening_id = row.id
        assert subjects.get_subject(s, staff.coordinator, sid).status == "screening"  # needs review
    with study.transaction() as s, pytest.raises(EnrollmentClosedError) as refused:
        enrollment.enroll(s, staff.coordinator, sid, TODAY)
    assert "the subject is 'screening'" in str(refused.value.problems[0].message)
    with study.transaction() as s:
        signoff.sign_eligibility(
            s,
            staff.investigator,
            sid,
            screening_id=screening_id,
            confirmed=["inc-2"],
            password=PASSWORD,
            today=TODAY,
        )
        c = consent.record_consent(
            s,
            staff.coordinator,
            sid,
            consent.ConsentInput(
                doc.id, TODAY, guardian_name="Parent", guardian_signed=True, assent_signed=True
            ),
            TODAY,
        )
        consent.sign_consent(s, staff.investigator, c.id, PASSWORD, TODAY)
        assert subjects.get_subject(s, staff.coordinator, sid).status == "consented"
    with study.transaction() as s:
        result = enrollment.enroll(s, staff.coordinator, sid, TODAY)
        assert result.outcome == "enroll"
        assert result.subject.enrollment_number == 1
    with study.transaction() as s, pytest.raises(IllegalTransitionError):
        subjects.change_status(
            s,
            staff.coordinator,
            subjects.get_subject(s, staff.coordinator, sid),
            subjects.SubjectStatus.SCREENING,
        )
    with study.transaction() as s:
        assert audit.verify(s).intact


def test_database_errors_do_not_carry_the_values(study: Database, staff: Staff) -> None:
    """A refused INSERT's message names the statement, never the (possibly patient) values."""
    from sqlalchemy.exc import IntegrityError

    from trialdesk.service.storage.models import SubjectRow

    row = SubjectRow(
        trial_id="NCT00000000",  # no such trial: the foreign key refuses the row
        code="S-SECRET-NAME",
        site="main",
        status="candidate",
        source="staff",
        notes="Synthetic Child Name",
    )
    with study.transaction() as s:
        s.add(row)
        with pytest.raises(IntegrityError) as refused:
            s.flush()
        s.rollback()
    assert "Synthetic Child Name" not in str(refused.value)
    assert "S-SECRET-NAME" not in str(refused.value)
