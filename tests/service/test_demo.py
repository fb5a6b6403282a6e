"""``trialdesk serve --demo``'s synthetic study: every step through the real service."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from trialdesk.adapters.protocol_files import load_protocol
from trialdesk.service import audit, migrate
from trialdesk.service.access import Actor, Role
from trialdesk.service.demo import seed_demo
from trialdesk.service.reports import consort_counts
from trialdesk.service.storage.database import Database
from trialdesk.service.storage.models import SubjectRow

MONITOR = Actor(user_id=None, username="m", full_name="Monitor", role=Role.MONITOR)


@pytest.mark.slow
def test_demo_study_in_progress(tmp_path: object, caplog: pytest.LogCaptureFixture) -> None:
    database = Database(f"sqlite:///{tmp_path}/demo.sqlite3")
    migrate.upgrade(database)
    caplog.set_level(logging.DEBUG)
    try:
        summary = seed_demo(database, load_protocol("NCT06948994"))
        assert "16 synthetic candidates, 4 enrolled" in summary
        with database.transaction() as session:
            counts = consort_counts(session, MONITOR, "NCT06948994")
            assert audit.verify(session).intact
        assert (counts.candidates, counts.enrolled, counts.on_study) == (16, 4, 4)
        assert counts.excluded_ineligible == 5
        assert counts.excluded_withdrew_before_enrollment == 1
        assert counts.screen_fail_reasons  # from the failed criteria of real screenings
        # Screened children take their sex from the record's Patient.gender; the three who
        # applied and were not screened yet have none recorded (families are not asked).
        with database.transaction() as session:
            sexes = [s.sex for s in session.execute(select(SubjectRow)).scalars()]
        assert sexes.count(None) >= 3
        assert {"female", "male"} <= set(sexes)
        assert seed_demo(database, load_protocol("NCT06948994")).endswith("nothing seeded")
        logged = caplog.text
        assert "Synthetic Parent" not in logged
        assert "example.org" not in logged  # logs never carry contact details
    finally:
        database.dispose()
