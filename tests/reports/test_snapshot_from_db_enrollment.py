"""The snapshot's enrollment date is the clinical date given at enrollment (subjects.enrolled_on),
not the day someone typed it in: SDTM RFICDTC/RFSTDTC-adjacent dates, CONSORT and the DSMB
report read it, and a back-entered enrollment must not move a child's study timeline."""

from __future__ import annotations

from sqlalchemy import select

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.reports.snapshot_from_db import snapshot_from_database
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import SubjectRow
from trialdesk.web.screenshot_study import SCREENSHOT_TODAY, seed_on_study


def test_enrolled_on_is_the_clinical_enrollment_date(database: Database) -> None:
    seed_on_study(database, load_protocol("NCT06948994"))
    with database.transaction() as session:
        rows = session.execute(select(SubjectRow).where(SubjectRow.enrolled_on.is_not(None)))
        clinical = {row.code: row.enrolled_on for row in rows.scalars()}
        recorded = {
            row.code: row.enrolled_at.date()
            for row in session.execute(select(SubjectRow)).scalars()
            if row.enrolled_at is not None
        }
    assert clinical
    # The demo enrolls on past clinical dates: recording and clinical dates differ here.
    assert any(clinical[code] != recorded[code] for code in clinical)
    snapshot = snapshot_from_database(database, SCREENSHOT_TODAY)
    assert {s.subject_id: s.enrolled_on for s in snapshot.subjects if s.enrolled_on} == clinical
