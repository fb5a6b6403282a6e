"""Applications of a subject and the public "applied" counter (families, not forms)."""

from __future__ import annotations

from datetime import date

import pytest

from service.study_helpers import TRIAL, Staff
from trialdesk.errors import AccessDeniedError
from trialdesk.service.access import PUBLIC_ACTOR
from trialdesk.service.applications import (
    ApplicationInput,
    applied_count,
    for_subject,
    submit_application,
)
from trialdesk.service.storage.database import Database
from trialdesk.service.subjects import NotFoundError, register_subject
from trialdesk.service.trials import public_counters

TRIAL_ID = TRIAL.nct_id


def _apply(db: Database, email: str, born: date) -> tuple[str, bool]:
    data = ApplicationInput(
        child_birth_date=born,
        contact_name="Guardian",
        contact_email=email,
        contact_phone=None,
        consent_to_contact=True,
        answers={},
    )
    with db.transaction() as session:
        row, duplicate = submit_application(session, trial_id=TRIAL_ID, site="GZ", data=data)
        return row.subject_id, duplicate


def test_counter_counts_families_once_and_never_staff_registered_subjects(
    study: Database, staff: Staff
) -> None:
    first, dup1 = _apply(study, "a@example.org", date(2018, 5, 1))
    again, dup2 = _apply(study, " A@example.org ", date(2018, 5, 1))  # same child, again
    other, _ = _apply(study, "b@example.org", date(2019, 2, 3))
    assert (dup1, dup2) == (False, True)
    assert again == first
    assert other != first
    with study.transaction() as session:
        register_subject(session, staff.coordinator, trial_id=TRIAL_ID, site="GZ", source="staff")
        assert applied_count(session, TRIAL_ID) == 2
        assert applied_count(session, "another-trial") == 0
        # The public page's counter is this count, not the number of subjects (3 here).
        assert public_counters(session, TRIAL_ID).applied == 2


def test_for_subject_lists_the_original_then_the_duplicate(study: Database, staff: Staff) -> None:
    subject_id, _ = _apply(study, "c@example.org", date(2017, 1, 1))
    _apply(study, "c@example.org", date(2017, 1, 1))
    with study.transaction() as session:
        rows = for_subject(session, staff.coordinator, subject_id)
        assert [r.duplicate_of is None for r in rows] == [True, False]
        assert rows[1].duplicate_of == rows[0].id
        with pytest.raises(AccessDeniedError):
            for_subject(session, PUBLIC_ACTOR, subject_id)
        with pytest.raises(NotFoundError):
            for_subject(session, staff.coordinator, "no-such-subject")
